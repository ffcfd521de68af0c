"""Gold items (honeypots): served unannounced at the set rate, scored, and acted on."""

import pytest

from annotation.models import Assignment, GoldResult, Revision, Snippet
from tests.conftest import ACTORS
from tests.factories import snippets_make

pytestmark = pytest.mark.django_db

LABELS = [{"name": "序号", "kind": "spans", "hotkey": "n"}]


@pytest.fixture
def gold_project(project, members, client_for):
    """110 snippets "第n句。"; the manager makes the last ten gold, the number as a span."""
    manager = client_for("manager")
    manager.patch(f"/api/v1/projects/{project.id}/", {"labels": LABELS}, format="json")
    snippets_make(project, 110)
    for snippet in Snippet.objects.filter(project=project).order_by("id")[100:]:
        number = snippet.text[1:-2]
        reference = {"start": 1, "end": 1 + len(number), "label": "序号", "text": number}
        made = manager.post(
            f"/api/v1/projects/{project.id}/gold/",
            {"snippet": snippet.id, "spans": [reference]},
            format="json",
        )
        assert made.status_code == 201, made.json()
    return project


def set_project(client, project, **fields):
    client.patch(f"/api/v1/projects/{project.id}/", fields, format="json")


def take_and_answer(client, project, right: bool):
    """Take the next task and submit it: the number marked on gold items when ``right``."""
    task = client.post(f"/api/v1/projects/{project.id}/tasks/next/")
    if task.status_code != 200:
        return task
    text = task.json()["snippet"]["text"]
    number = text[1:-2]
    spans = [{"start": 1, "end": 1 + len(number), "label": "序号", "text": number}]
    client.post(
        f"/api/v1/assignments/{task.json()['id']}/submit/",
        {"spans": spans if right else []},
        format="json",
    )
    return task


def test_gold_items_are_served_at_the_set_rate_and_look_like_any_task(gold_project, client_for):
    set_project(client_for("manager"), gold_project, gold_percent=10)
    annotator = client_for("annotator")

    tasks = [take_and_answer(annotator, gold_project, right=True).json() for _ in range(100)]

    gold_ids = set(Snippet.objects.filter(gold=True).values_list("id", flat=True))
    served = [task for task in tasks if task["snippet"]["id"] in gold_ids]
    assert len(served) == 10  # one in each block of ten
    positions = [n % 10 for n, task in enumerate(tasks) if task["snippet"]["id"] in gold_ids]
    assert len(set(positions)) > 1  # not always the same place in the block
    # Nothing in a gold task tells it apart.
    assert {tuple(task) for task in tasks} == {tuple(tasks[0])}
    assert {tuple(task["snippet"]) for task in tasks} == {tuple(tasks[0]["snippet"])}
    assert all("gold" not in str(task).lower() for task in tasks)
    # Scored, and kept out of the pool's figures.
    assert GoldResult.objects.filter(correct=True).count() == 10
    assert Snippet.objects.filter(gold=True, slots_taken__gt=0).count() == 0


def test_gold_items_are_never_handed_out_through_the_pool(gold_project, client_for):
    annotator = client_for("annotator")  # gold_percent is 0: no gold turn ever comes

    tasks = [take_and_answer(annotator, gold_project, right=True) for _ in range(101)]

    assert [task.status_code for task in tasks[-2:]] == [200, 204]
    assert not Assignment.objects.filter(snippet__gold=True).exists()


def test_an_annotator_below_the_minimum_is_flagged_paused_and_resumed(gold_project, client_for):
    manager = client_for("manager")
    set_project(manager, gold_project, gold_percent=50, gold_min_accuracy=80, gold_pause=True)
    annotator = client_for("annotator")

    for _ in range(10):  # five gold items among ten tasks, each answered wrong
        take_and_answer(annotator, gold_project, right=False)
    refused = annotator.post(f"/api/v1/projects/{gold_project.id}/tasks/next/")
    accuracy = client_for("reviewer").get(f"/api/v1/projects/{gold_project.id}/gold/accuracy/")

    assert refused.status_code == 403 and "暂停" in refused.json()["detail"]
    assert accuracy.json() == [
        {
            "username": "annotator",
            "scored": 5,
            "right": 0,
            "accuracy": 0.0,
            "flagged": True,
            "paused": True,
        }
    ]
    resumed = manager.post(
        f"/api/v1/projects/{gold_project.id}/gold/resume/", {"username": "annotator"}
    )
    assert resumed.status_code == 204
    assert annotator.post(f"/api/v1/projects/{gold_project.id}/tasks/next/").status_code == 200


def test_the_submit_that_pauses_answers_what_it_stored_and_enter_again_stores_nothing(
    gold_project, client_for
):
    """The workspace submits with ?next=1: the submit that brings the pause stores its
    revision and says so (201), and why no next task came; a second Enter (the same
    Idempotency-Key) answers the same revision and stores no second one."""
    set_project(
        client_for("manager"), gold_project, gold_percent=50, gold_min_accuracy=80, gold_pause=True
    )
    annotator = client_for("annotator")
    answers = []
    task = annotator.post(f"/api/v1/projects/{gold_project.id}/tasks/next/").json()
    for number in range(10):  # five gold items among ten tasks, each answered wrong
        url = f"/api/v1/assignments/{task['id']}/submit/?next=1"
        sent = annotator.post(url, {"spans": []}, format="json", HTTP_IDEMPOTENCY_KEY=f"k{number}")
        answers.append(sent)
        task = sent.json()["next"]
        if task is None:
            break

    last = answers[-1]
    again = annotator.post(
        last.request["PATH_INFO"] + "?next=1",
        {"spans": []},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"k{len(answers) - 1}",
    )

    assert [answer.status_code for answer in answers] == [201] * len(answers)
    assert last.json()["next"] is None and last.json()["no_next"] == "paused"
    assert "暂停" in last.json()["no_next_detail"]
    assert again.status_code == 200 and again.json()["id"] == last.json()["id"]
    assert again.json()["no_next"] == "paused"
    assert Revision.objects.filter(annotator__username="annotator").count() == len(answers)
    assert Assignment.objects.filter(annotator__username="annotator").count() == len(answers)


def test_a_reference_that_does_not_fit_the_snippet_is_refused(gold_project, client_for):
    snippet = Snippet.objects.filter(gold=False).first()
    manager = client_for("manager")

    wrong_text = manager.post(
        f"/api/v1/projects/{gold_project.id}/gold/",
        {"snippet": snippet.id, "spans": [{"start": 0, "end": 1, "label": "序号", "text": "X"}]},
        format="json",
    )
    elsewhere = manager.post(
        f"/api/v1/projects/{gold_project.id}/gold/",
        {"snippet": 10**9, "spans": []},
        format="json",
    )

    assert wrong_text.status_code == 400 and "0" in wrong_text.json()["spans"]
    assert elsewhere.status_code == 400 and "snippet" in elsewhere.json()
    snippet.refresh_from_db()
    assert snippet.gold is False


@pytest.mark.parametrize("actor", ACTORS)
def test_gold_by_actor(gold_project, client_for, actor):
    client = client_for(actor)
    gold = gold_project.gold_items.first()
    plain = Snippet.objects.filter(gold=False).first()
    base = f"/api/v1/projects/{gold_project.id}/gold/"

    reads = {client.get(base).status_code, client.get(f"{base}accuracy/").status_code}
    writes = {
        client.post(base, {"snippet": plain.id, "spans": []}, format="json").status_code,
        client.delete(f"{base}{gold.id}/").status_code,
        client.post(f"{base}resume/", {"username": "annotator"}).status_code,
    }

    expected = {"anonymous": {401, 403}, "outsider": {404}}.get(actor)
    if expected is not None:
        assert reads | writes <= expected
    elif actor in ("client", "annotator"):
        assert reads | writes == {403}
    elif actor == "reviewer":
        assert reads == {200} and writes == {403}
    else:
        assert reads == {200} and writes == {201, 204}
        return
    assert gold_project.gold_items.count() == 10 and not Snippet.objects.get(id=plain.id).gold
