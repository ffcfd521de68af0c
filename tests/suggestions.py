"""A project whose suggestions have something to learn from: shared by the suggestion
tests (the fixture ``learning`` is registered in tests/conftest.py)."""

import json
import random

import pytest

SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["建国", "小明", "红梅", "志强", "秀英", "国华", "丽娟", "海涛", "春生", "玉兰"]
ORGS = ["北京大学", "人民银行", "新华社", "中国科学院", "国家统计局"]


def records(count: int, seed: int) -> list[dict]:
    """People's names and the organisations they work at, labelled."""
    rng = random.Random(seed)
    made = []
    for n in range(count):
        person = rng.choice(SURNAMES) + rng.choice(GIVEN)
        org = rng.choice(ORGS)
        text = f"第{n}条：{person}在{org}工作。"
        start = text.index(person)
        spans = [
            {"start": start, "end": start + len(person), "label": "人名"},
            {"start": text.index(org), "end": text.index(org) + len(org), "label": "机构"},
        ]
        made.append({"text": text, "spans": spans})
    return made


@pytest.fixture
def learning(project, members, client_for, upload):
    """A project with three open snippets, then 40 final annotations imported."""
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {
            "labels": [
                {"name": "人名", "kind": "spans", "hotkey": "p"},
                {"name": "机构", "kind": "spans", "hotkey": "o"},
            ]
        },
        format="json",
    )
    open_text = "𠮷😀王建国来到北京大学。\n\n周玉兰在新华社开会。\n\n没有名字的一句话。\n"
    _, job = upload(project, "open.txt", open_text.encode())
    assert job["status"] == "succeeded", job["errors"]
    known = {"text": "王建国在新华社工作。", "spans": [{"start": 0, "end": 3, "label": "人名"}]}
    finals = [*records(39, seed=1), known]
    lines = "\n".join(json.dumps(record, ensure_ascii=False) for record in finals)
    _, job = upload(project, "finals.jsonl", lines.encode(), format="jsonl", annotations="final")
    assert job["status"] == "succeeded", job["errors"]
    return project
