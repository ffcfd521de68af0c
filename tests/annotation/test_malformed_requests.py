"""Malformed requests answer 4xx, never a server error (each found by an attacker's probe)."""

import json

import pytest

from tests.annotation.test_work import LABELS, TEXT

pytestmark = pytest.mark.django_db


@pytest.fixture
def work_project(project, members, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans", "classes"], "labels": LABELS, "overlap": 2},
        format="json",
    )
    upload(project, "a.txt", TEXT.encode())
    project.refresh_from_db()
    return project


def _task(client, project):
    return client.post(f"/api/v1/projects/{project.id}/tasks/next/").json()


def test_json_nested_too_deep_is_a_400(work_project, client_for):
    client = client_for("annotator")
    task = _task(client, work_project)
    deep = "[" * 5000 + "]" * 5000

    answer = client.post(
        f"/api/v1/assignments/{task['id']}/submit/",
        data=f'{{"classes": {deep}}}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert answer.status_code == 400 and "deep" in answer.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [{"classes": ["正\u0000面"]}, {"spans": [{"start": 0, "end": 1, "label": "\u0000"}]}],
)
def test_a_nul_inside_json_is_a_400(work_project, client_for, body):
    client = client_for("annotator")
    task = _task(client, work_project)

    answer = client.post(
        f"/api/v1/assignments/{task['id']}/submit/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert answer.status_code == 400 and "NUL" in answer.json()["detail"]


def test_a_nul_in_a_query_parameter_is_a_400(work_project, client_for):
    answer = client_for("reviewer").get(
        f"/api/v1/projects/{work_project.id}/reviews/?status=open%00"
    )

    assert answer.status_code == 400


@pytest.mark.parametrize("path", ["projects/{}/", "assignments/{}/", "snippets/{}/"])
def test_an_id_past_the_databases_integers_is_a_404(work_project, client_for, path):
    answer = client_for("manager").get("/api/v1/" + path.format(10**23))

    assert answer.status_code == 404


def test_numbers_past_their_columns_are_a_400(work_project, client_for):
    client = client_for("annotator")
    task = _task(client, work_project)

    submit = client.post(
        f"/api/v1/assignments/{task['id']}/submit/",
        {"classes": [], "time_spent_ms": 2**31},
        format="json",
    )
    words = client_for("manager").put(
        f"/api/v1/projects/{work_project.id}/tokenizer/",
        {"engine": "jieba", "hmm": True, "words": [{"word": "标注", "freq": 2**40}]},
        format="json",
    )

    assert submit.status_code == 400 and "time_spent_ms" in submit.json()
    assert words.status_code == 400


@pytest.mark.parametrize("label", [{"a": 1}, ["地名"], 7])
def test_a_span_label_that_is_no_string_is_a_400(work_project, client_for, label):
    client = client_for("annotator")
    task = _task(client, work_project)

    answer = client.post(
        f"/api/v1/assignments/{task['id']}/submit/",
        {"spans": [{"start": 0, "end": 1, "label": label}]},
        format="json",
    )

    assert answer.status_code == 400


def test_a_submit_holds_at_most_a_thousand_spans(work_project, client_for):
    client = client_for("annotator")
    task = _task(client, work_project)
    text = task["snippet"]["text"]
    spans = [{"start": 0, "end": 1, "label": "地名", "text": text[0]}] * 1001

    answer = client.post(
        f"/api/v1/assignments/{task['id']}/submit/", {"spans": spans}, format="json"
    )

    assert answer.status_code == 400 and "1000" in json.dumps(answer.json())


def test_a_dictionary_holds_at_most_ten_thousand_words(work_project, client_for):
    words = [{"word": f"词{n}"} for n in range(10_001)]

    answer = client_for("manager").put(
        f"/api/v1/projects/{work_project.id}/tokenizer/",
        {"engine": "jieba", "hmm": True, "words": words},
        format="json",
    )

    assert answer.status_code == 400 and "words" in answer.json()
