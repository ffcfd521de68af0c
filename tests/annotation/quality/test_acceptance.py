"""Acceptance (验收) through the API: the client's sample, the threshold, the way back."""

import pytest

from annotation.core.validation import PARTS
from annotation.flow import submit
from annotation.models import Assignment, Batch, Review
from annotation.work.services import task_next
from tests.conftest import ACTORS
from tests.factories import snippets_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(project, members):
    """A batch of 100 snippets, each annotated once and through review: awaiting acceptance."""
    batch = Batch.objects.create(project=project, name="file #1", status="accepting", size=100)
    snippets_make(project, 100, batch=batch)
    while (work := task_next(project_id=project.id, annotator=members["annotator"])) is not None:
        submit(annotator=members["annotator"], assignment_id=work.id, body={})
    return batch


def acceptance_url(batch, tail=""):
    return f"/api/v1/batches/{batch.id}/acceptance/{tail}"


def check_with(client, batch, wrong: int) -> dict:
    opened = client.post(acceptance_url(batch), {"size": 100}, format="json").json()
    answer = None
    for n, item in enumerate(opened["items"]):
        verdict = (
            {"verdict": "wrong", "note": f"第{n}条漏标"} if n < wrong else {"verdict": "right"}
        )
        answer = client.put(acceptance_url(batch, f"items/{item['id']}/"), verdict, format="json")
    return answer.json()


def test_a_batch_at_99_percent_is_accepted(delivered, client_for):
    decided = check_with(client_for("client"), delivered, wrong=1)

    assert (decided["status"], decided["rate"], decided["threshold"]) == ("accepted", 99.0, 98.0)
    delivered.refresh_from_db()
    assert delivered.status == "accepted"
    assert not Assignment.objects.filter(status="returned").exists()


def test_a_batch_at_97_percent_is_returned_with_the_findings(delivered, client_for, members):
    client = client_for("client")
    decided = check_with(client, delivered, wrong=3)

    assert (decided["status"], decided["rate"]) == ("returned", 97.0)
    delivered.refresh_from_db()
    assert delivered.status == "returned"
    findings = [item for item in decided["items"] if item["verdict"] == "wrong"]
    returned = Assignment.objects.filter(status="returned").order_by("snippet_id")
    assert [a.snippet_id for a in returned] == [item["snippet"]["id"] for item in findings]
    assert sorted(a.return_reason for a in returned) == ["第0条漏标", "第1条漏标", "第2条漏标"]
    late = client.put(
        acceptance_url(delivered, f"items/{findings[0]['id']}/"), {"verdict": "right"}
    )
    assert late.status_code == 409  # decided is decided

    # The way back: rework, review, and the batch awaits a new check.
    annotator, reviewer = client_for("annotator"), client_for("reviewer")
    for _ in range(3):
        work = annotator.post(f"/api/v1/projects/{delivered.project_id}/tasks/next/").json()
        assert work["return_reason"].endswith("条漏标")
        annotator.post(f"/api/v1/assignments/{work['id']}/submit/", {}, format="json")
    for review in Review.objects.filter(status="pending"):
        reviewer.post(
            f"/api/v1/projects/{delivered.project_id}/reviews/{review.id}/decision/",
            {"decision": "accept"},
        )
    delivered.refresh_from_db()
    assert delivered.status == "accepting"
    reopened = client.post(acceptance_url(delivered), {}, format="json")
    assert reopened.status_code == 201 and reopened.json()["status"] == "open"


def test_the_sample_size_follows_the_batch_size(delivered, client_for):
    opened = client_for("client").post(acceptance_url(delivered))
    again = client_for("manager").post(acceptance_url(delivered))

    assert opened.status_code == 201
    assert opened.json()["size"] == 20  # 91–150 snippets: code letter F, 20 items
    assert again.status_code == 200 and again.json()["id"] == opened.json()["id"]
    item = opened.json()["items"][0]
    assert item["annotation"] == dict.fromkeys(PARTS, [])
    assert item["snippet"]["text"].startswith("第")


def test_a_batch_still_in_review_cannot_be_checked_and_is_hidden_from_clients(
    delivered, client_for
):
    delivered.status = "reviewing"
    delivered.save(update_fields=["status"])

    assert client_for("client").get(acceptance_url(delivered)).status_code == 404
    assert client_for("client").post(acceptance_url(delivered)).status_code == 404
    assert client_for("manager").post(acceptance_url(delivered)).status_code == 409
    assert client_for("manager").get(acceptance_url(delivered)).status_code == 204


@pytest.mark.parametrize("actor", ACTORS)
def test_acceptance_by_actor(delivered, client_for, actor):
    from accounts.models import User
    from annotation.quality.acceptance import acceptance_start

    acceptance, _ = acceptance_start(
        batch_id=delivered.id, user=User.objects.get(username="client")
    )
    item = acceptance.items.first()
    client = client_for(actor)

    read = client.get(acceptance_url(delivered)).status_code
    opened = client.post(acceptance_url(delivered)).status_code
    marked = client.put(
        acceptance_url(delivered, f"items/{item.id}/"), {"verdict": "right"}
    ).status_code

    expected = {
        "anonymous": {401, 403},
        "outsider": {404},
        "annotator": {403},
    }.get(actor)
    item.refresh_from_db()
    if expected is not None:
        assert {read, opened, marked} <= expected and item.verdict == ""
    elif actor == "reviewer":  # reads only
        assert (read, opened, marked) == (200, 403, 403) and item.verdict == ""
    else:  # clients and managers
        assert (read, opened, marked) == (200, 200, 200) and item.verdict == "right"
