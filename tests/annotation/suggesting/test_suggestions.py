"""The engines' suggestions reach the annotator's task, apart from their own work."""

import json
import random

import pytest

from annotation.models import Engine, MachineSuggestion, ProjectModel, Snippet
from annotation.suggesting import services

pytestmark = pytest.mark.django_db

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
        {"labels": [{"name": "人名", "kind": "spans"}, {"name": "机构", "kind": "spans"}]},
        format="json",
    )
    open_text = "𠮷😀王建国来到北京大学。\n\n周玉兰在新华社开会。\n\n没有名字的一句话。\n"
    _, job = upload(project, "open.txt", open_text.encode())
    assert job["status"] == "succeeded", job["errors"]
    lines = "\n".join(json.dumps(record, ensure_ascii=False) for record in records(40, seed=1))
    _, job = upload(project, "finals.jsonl", lines.encode(), format="jsonl", annotations="final")
    assert job["status"] == "succeeded", job["errors"]
    return project


def suggested(task: dict, engine: str) -> list[dict]:
    return [
        item
        for given in task["snippet"]["machine_suggestions"]
        if given["engine"] == engine
        for item in given["items"]
    ]


def test_a_string_labelled_once_is_suggested_wherever_it_occurs(learning, client_for):
    annotator = client_for("annotator")
    task = annotator.post(f"/api/v1/projects/{learning.id}/tasks/next/").json()

    assert task["snippet"]["text"] == "𠮷😀王建国来到北京大学。"
    dictionary = suggested(task, "dictionary")
    # code points: 𠮷 and the emoji are one each
    assert {"start": 7, "end": 11, "label": "机构", "score": 1.0} in dictionary
    assert task["snippet"]["suggestions"] == []  # imported suggestions stay apart


def test_a_project_model_trains_on_the_finals_and_says_how_it_did(learning):
    [model] = ProjectModel.objects.filter(project=learning, engine=Engine.SPANS)

    assert model.trained_on + model.held_out == 40 and model.held_out >= 1
    assert model.version == 1 and model.data
    assert model.shown == (model.f1 >= model.baseline_f1 + learning.suggest_margin)


def test_a_model_short_of_its_margin_suggests_nothing(learning):
    learning.suggest_margin = 1.0
    learning.save(update_fields=["suggest_margin"])
    learning.suggest_every = 1
    learning.save(update_fields=["suggest_every"])
    ProjectModel.objects.filter(project=learning).update(finals=0)  # due again

    services.suggestions_refresh(project_id=learning.id)

    latest = ProjectModel.objects.filter(project=learning).order_by("-version").first()
    assert latest.version == 2 and not latest.shown
    engines = set(
        MachineSuggestion.objects.filter(project=learning).values_list("engine", flat=True)
    )
    assert engines == {"dictionary"}


def test_suggestions_are_not_the_annotators_work_until_taken(learning, client_for):
    annotator = client_for("annotator")
    task = annotator.post(f"/api/v1/projects/{learning.id}/tasks/next/").json()
    assert suggested(task, "dictionary")

    answer = annotator.post(
        f"/api/v1/assignments/{task['id']}/submit/", {"spans": [], "classes": []}, format="json"
    )

    assert answer.status_code == 201 and answer.json()["spans"] == []


def test_a_refresh_run_twice_writes_the_same_rows(learning):
    before = sorted(
        MachineSuggestion.objects.filter(project=learning).values_list(
            "snippet_id", "engine", "items"
        )
    )

    services.suggestions_refresh(project_id=learning.id)

    after = sorted(
        MachineSuggestion.objects.filter(project=learning).values_list(
            "snippet_id", "engine", "items"
        )
    )
    assert after == before and before
    finals = Snippet.objects.filter(project=learning, final__isnull=False).values("id")
    assert not MachineSuggestion.objects.filter(snippet_id__in=finals).exists()
