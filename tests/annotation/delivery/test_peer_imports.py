"""Other tools' files through the import API: their annotations become suggestions, or
final annotations; a record whose offsets do not hold is refused by its line."""

import json

import pytest

from annotation.delivery.formats import Item, writer_for
from annotation.models import Adjudication, Snippet
from tests.annotation.delivery.test_formats import ADJACENT, TEXT
from tests.annotation.test_imports import nothing_kept

pytestmark = pytest.mark.django_db

SECOND = "深圳也不错。"


def exported(name: str) -> bytes:
    writer = writer_for(name)
    items = [Item(1, TEXT, ADJACENT), Item(2, SECOND, ((0, 2, "地名"),))]
    return (writer.head + "".join(map(writer.write, items)) + writer.tail).encode()


def label_studio() -> bytes:
    def task(text, spans, classes):
        result = [
            {
                "type": "labels",
                "value": {"start": a, "end": b, "text": text[a:b], "labels": [label]},
            }
            for a, b, label in spans
        ]
        result.append({"type": "choices", "value": {"choices": classes}})
        return {"data": {"text": text}, "annotations": [{"result": result}]}

    tasks = [task(TEXT, ADJACENT, ["正面"]), task(SECOND, [(0, 2, "地名")], [])]
    return json.dumps(tasks, ensure_ascii=False).encode()


def suggested(project) -> dict[str, list]:
    return {
        snippet.text: [
            (snippet.text[s["start"] : s["end"]], s["label"]) if "start" in s else s["label"]
            for s in snippet.suggestions
        ]
        for snippet in Snippet.objects.filter(project=project)
    }


@pytest.mark.parametrize(
    "name, file",
    [
        ("doccano", "a.jsonl"),
        ("cluener", "train.json"),
        ("conll-bio", "a.txt"),
        ("conll-bioes", "a.txt"),
        ("conll-bmes", "a.txt"),
    ],
)
def test_annotations_arrive_as_suggestions(upload, project, members, name, file):
    _, job = upload(project, file, exported(name), format=name)

    assert job["status"] == "succeeded", job["errors"]
    assert suggested(project) == {
        TEXT: [("北京", "地名"), ("开了", "动作"), ("张三", "人名")],
        SECOND: [("深圳", "地名")],
    }


def test_a_label_studio_export_kept_as_final(upload, project, members):
    _, job = upload(
        project, "export.json", label_studio(), format="label-studio", annotations="final"
    )

    assert job["status"] == "succeeded", job["errors"]
    assert all(not snippet.suggestions for snippet in Snippet.objects.filter(project=project))
    finals = {a.snippet.text: (a.spans, a.classes) for a in Adjudication.objects.all()}
    assert finals[TEXT] == (
        [
            {"start": 5, "end": 7, "label": "地名"},
            {"start": 7, "end": 9, "label": "动作"},
            {"start": 12, "end": 14, "label": "人名"},
        ],
        ["正面"],
    )
    assert finals[SECOND] == ([{"start": 0, "end": 2, "label": "地名"}], [])


def test_a_label_studio_export_as_suggestions_keeps_its_classes(upload, project, members):
    _, job = upload(project, "export.json", label_studio(), format="label-studio")

    assert job["status"] == "succeeded", job["errors"]
    assert suggested(project)[TEXT][-1] == "正面"
    assert not Adjudication.objects.exists()


def test_an_offset_that_does_not_hold_refuses_the_file_by_its_line(upload, project, members):
    good = json.dumps({"text": TEXT, "label": [[5, 7, "地名"]]}, ensure_ascii=False)
    bad = json.dumps({"text": SECOND, "label": [[4, 9, "地名"]]}, ensure_ascii=False)

    _, job = upload(project, "a.jsonl", f"{good}\n{bad}\n".encode(), format="doccano")

    assert job["status"] == "failed"
    assert job["errors"][0]["line"] == 2 and "4–9" in job["errors"][0]["reason"]
    assert nothing_kept(project)


def test_a_headline_item_keeps_its_text_and_its_span(upload, project, members):
    """Found by bench/peers: a short item without punctuation was read as a title, left
    with no snippet, and its span refused the whole file."""
    items = [{"text": "第100条：聊城产研院与国科京东方（上海）", "label": [[6, 8, "地名"]]}]
    content = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)

    _, job = upload(project, "a.jsonl", content.encode(), format="doccano", annotations="final")

    assert job["status"] == "succeeded", job["errors"]
    (snippet,) = Snippet.objects.filter(project=project)
    assert snippet.text == items[0]["text"]
    (final,) = Adjudication.objects.filter(snippet=snippet)
    assert [snippet.text[s["start"] : s["end"]] for s in final.spans] == ["聊城"]
