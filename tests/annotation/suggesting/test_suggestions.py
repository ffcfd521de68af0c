"""The engines' suggestions reach the annotator's task, apart from their own work."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from annotation.models import Engine, MachineSuggestion, ProjectModel, Snippet, SuggestionState
from annotation.suggesting import services

pytestmark = pytest.mark.django_db


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

    [latest] = ProjectModel.objects.newest(learning)  # of the one engine, the newest
    assert latest.version == 2 and not latest.shown
    engines = set(
        MachineSuggestion.objects.filter(project=learning).values_list("engine", flat=True)
    )
    assert engines == {"dictionary"}
    with_rows = set(MachineSuggestion.objects.values_list("snippet_id", flat=True))
    assert set(Snippet.objects.filter(suggested=True).values_list("id", flat=True)) == with_rows


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

    assert services.suggestions_refresh(project_id=learning.id) == 0  # nothing changed

    after = sorted(
        MachineSuggestion.objects.filter(project=learning).values_list(
            "snippet_id", "engine", "items"
        )
    )
    assert after == before and before
    finals = Snippet.objects.filter(project=learning, final__isnull=False).values("id")
    assert not MachineSuggestion.objects.filter(snippet_id__in=finals).exists()
    # Only the snippets an engine suggests for are marked, for the task to read them.
    marked = set(Snippet.objects.filter(suggested=True).values_list("id", flat=True))
    assert marked == {snippet for snippet, _, _ in before}


def test_new_snippets_get_suggestions_without_the_old_ones_computed_again(learning, upload):
    before = dict(MachineSuggestion.objects.filter(project=learning).values_list("id", "items"))

    _, job = upload(learning, "more.txt", "王建国又来到新华社。\n".encode())

    assert job["status"] == "succeeded"
    snippet = Snippet.objects.get(project=learning, text="王建国又来到新华社。")
    [row] = MachineSuggestion.objects.filter(snippet=snippet, engine="dictionary")
    assert {"start": 6, "end": 9, "label": "机构", "score": 1.0} in row.items
    unchanged = MachineSuggestion.objects.filter(id__in=before)
    assert dict(unchanged.values_list("id", "items")) == before


def test_the_class_model_learns_the_classes_of_the_finals(project, members, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {
            "kinds": ["classes"],
            "labels": [{"name": "体育", "kind": "classes"}, {"name": "经济", "kind": "classes"}],
        },
        format="json",
    )
    _, job = upload(project, "open.txt", "球队在联赛中进球夺冠。\n".encode())
    assert job["status"] == "succeeded"
    words = {"体育": "球队比赛进球冠军联赛教练", "经济": "市场价格增长投资企业银行"}
    lines = [
        json.dumps(
            {"text": f"{n}：{words[label][n % 6 :]}{words[label][: n % 6]}", "classes": [label]},
            ensure_ascii=False,
        )
        for n in range(30)
        for label in words
    ]
    _, job = upload(
        project, "f.jsonl", "\n".join(lines).encode(), format="jsonl", annotations="final"
    )
    assert job["status"] == "succeeded", job["errors"]

    [model] = ProjectModel.objects.filter(project=project, engine=Engine.CLASSES)
    assert model.f1 == 1.0 and model.baseline_f1 < 0.7 and model.shown
    task = client_for("annotator").post(f"/api/v1/projects/{project.id}/tasks/next/").json()
    [given] = task["snippet"]["machine_suggestions"]
    assert given["engine"] == "linear-classes" and given["items"][0]["label"] == "体育"


def test_the_quality_run_counts_what_each_annotator_took_of_each_engine(
    learning, client_for, django_capture_on_commit_callbacks
):
    annotator = client_for("annotator")
    task = annotator.post(f"/api/v1/projects/{learning.id}/tasks/next/").json()
    assert task["snippet"]["text"] == "𠮷😀王建国来到北京大学。"
    dictionary = {"王建国": (2, 5, "人名"), "北京大学": (7, 11, "机构")}
    offered = {(i["start"], i["end"], i["label"]) for i in suggested(task, "dictionary")}
    assert offered == set(dictionary.values())
    start, end, label = dictionary["北京大学"]
    spans = [{"start": start, "end": end, "label": label, "text": "北京大学"}]
    with django_capture_on_commit_callbacks(execute=True):
        answer = annotator.post(
            f"/api/v1/assignments/{task['id']}/submit/", {"spans": spans}, format="json"
        )
    assert answer.status_code == 201, answer.json()

    with django_capture_on_commit_callbacks(execute=True):
        started = client_for("reviewer").post(f"/api/v1/projects/{learning.id}/quality-runs/")
    run = client_for("reviewer").get(f"/api/v1/quality-runs/{started.json()['id']}/").json()

    assert run["results"]["model_agreement"]["crf-spans"]["version"] == 1
    use = run["results"]["suggestions"]
    [engine] = [row for row in use["engines"] if row["engine"] == "dictionary"]
    assert (engine["suggested"], engine["taken"], engine["edited"]) == (2, 1, 0)
    assert engine["taken_rate"] == 0.5
    [mine] = [row for row in use["annotators"] if row["engine"] == "dictionary"]
    assert mine["annotator"] == "annotator"


def submit_first(client, project, capture) -> None:
    """The annotator submits the first open snippet with nothing labelled."""
    task = client.post(f"/api/v1/projects/{project.id}/tasks/next/").json()
    with capture(execute=True):
        client.post(f"/api/v1/assignments/{task['id']}/submit/", {"spans": []}, format="json")


def test_a_new_model_is_compared_with_each_annotator(
    learning, client_for, django_capture_on_commit_callbacks
):
    submit_first(client_for("annotator"), learning, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        client_for("manager").post(f"/api/v1/projects/{learning.id}/suggestions/")

    latest = ProjectModel.objects.filter(project=learning, engine=Engine.SPANS).latest("version")
    [row] = latest.annotators["annotators"]
    assert row["annotator"] == "annotator" and row["items"] == 1
    assert latest.annotators["flagged"] == []  # one snippet flags nobody


def test_the_quality_page_shows_suggestion_use_and_the_model_against_annotators(
    learning, client_for, django_capture_on_commit_callbacks
):
    submit_first(client_for("annotator"), learning, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client_for("manager").post(f"/api/v1/projects/{learning.id}/suggestions/")
        client_for("reviewer").post(f"/api/v1/projects/{learning.id}/quality-runs/")
    page = Client()
    page.force_login(User.objects.get(username="reviewer"))
    html = page.get(f"/projects/{learning.id}/quality/").content.decode()

    assert 'id="suggestion-use"' in html and "model-agreement" in html


def test_a_refresh_asked_for_while_one_runs_waits_for_it_to_go_round_again(learning):
    running = timezone.now()
    SuggestionState.objects.filter(project=learning).update(running_since=running)

    assert services.suggestions_refresh(project_id=learning.id, force=True) == 0
    state = SuggestionState.objects.get(project=learning)
    assert state.again and state.again_force and state.running_since == running
    assert ProjectModel.objects.filter(project=learning).count() == 1  # nothing trained

    # The running one died long ago: the next refresh takes over, and clears the marks.
    SuggestionState.objects.filter(project=learning).update(
        running_since=running - timedelta(hours=1), again=False, again_force=False
    )
    services.suggestions_refresh(project_id=learning.id, force=True)
    state.refresh_from_db()
    assert state.running_since is None and not state.again
    assert ProjectModel.objects.filter(project=learning).count() == 2
