"""The rules of the work path, one case each, through the API: when a submit is late, and
what comes back first to an annotator."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.models import Assignment, Review

pytestmark = pytest.mark.django_db

SNIPPETS = ["𠮷野家在北京开了新店。", "张三去了上海，很好！", "广州的天气很好。"]


@pytest.fixture
def work_project(project, members, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {
            "kinds": ["spans"],
            "labels": [{"name": "地名", "kind": "spans"}],
            "overlap": 1,
            "review_percent": 100,
        },
        format="json",
    )
    upload(project, "a.txt", "\n\n".join(SNIPPETS).encode())
    return project


def next_task(client, project):
    return client.post(f"/api/v1/projects/{project.id}/tasks/next/")


def submit(client, task_id: int, key: str = ""):
    return client.post(
        f"/api/v1/assignments/{task_id}/submit/",
        {"spans": []},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def age(task_id: int) -> None:
    """The assignment's lease ran out an hour ago."""
    Assignment.objects.filter(id=task_id).update(
        lease_expires_at=timezone.now() - timedelta(hours=1)
    )


def test_a_submit_within_the_lease_is_not_late(work_project, client_for):
    annotator = client_for("annotator")
    task = next_task(annotator, work_project).json()

    answer = submit(annotator, task["id"]).json()

    assert answer["late"] is False
    assert Assignment.objects.get(id=task["id"]).status == "submitted"


def test_a_submit_after_the_lease_ran_out_is_late_and_counts_while_nobody_took_the_slot(
    work_project, client_for
):
    annotator = client_for("annotator")
    task = next_task(annotator, work_project).json()
    age(task["id"])

    answer = submit(annotator, task["id"]).json()

    assert answer["late"] is True
    # Nobody took the slot over: the work counts toward the snippet's overlap.
    assert Assignment.objects.get(id=task["id"]).status == "submitted"


def test_a_submit_after_the_slot_went_to_someone_else_is_late_and_does_not_count(
    work_project, client_for
):
    annotator = client_for("annotator")
    task = next_task(annotator, work_project).json()
    age(task["id"])
    taken = next_task(client_for("reviewer"), work_project).json()

    answer = submit(annotator, task["id"]).json()

    assert taken["snippet"]["id"] == task["snippet"]["id"]
    assert answer["late"] is True
    assert Assignment.objects.get(id=task["id"]).status == "expired"


def test_a_correction_of_work_submitted_in_time_is_not_late(work_project, client_for):
    annotator = client_for("annotator")
    task = next_task(annotator, work_project).json()
    submit(annotator, task["id"], key="first")
    age(task["id"])

    correction = submit(annotator, task["id"], key="second").json()

    assert (correction["number"], correction["late"]) == (2, False)


@pytest.fixture
def returned_id(work_project, client_for, django_capture_on_commit_callbacks) -> int:
    """The annotator submits every snippet; the reviewer sends the first back: that
    assignment."""
    annotator, reviewer = client_for("annotator"), client_for("reviewer")
    while (task := next_task(annotator, work_project)).status_code == 200:
        with django_capture_on_commit_callbacks(execute=True):  # the batch's check
            submit(annotator, task.json()["id"])
    review = Review.objects.order_by("id").first()
    rejected = reviewer.post(
        f"/api/v1/projects/{work_project.id}/reviews/{review.id}/decision/",
        {"decision": "reject", "reason": "地名漏标"},
        format="json",
    )
    assert rejected.status_code == 200
    return review.assignment_id


def test_returned_work_comes_back_first_however_old_its_lease(
    work_project, client_for, upload, returned_id
):
    age(returned_id)
    upload(work_project, "b.txt", "深圳也很大。".encode())  # fresh work waits meanwhile

    first = next_task(client_for("annotator"), work_project).json()
    again = next_task(client_for("annotator"), work_project).json()

    assert (first["id"], first["status"]) == (returned_id, "returned")
    assert again["id"] == returned_id  # held until resubmitted, not swapped for fresh work


def test_rework_is_never_late_however_old_its_lease(work_project, client_for, returned_id):
    age(returned_id)

    answer = submit(client_for("annotator"), returned_id).json()

    assert (answer["number"], answer["late"]) == (2, False)
    assert Assignment.objects.get(id=returned_id).status == "submitted"
