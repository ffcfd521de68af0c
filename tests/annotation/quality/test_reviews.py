"""Review (质检) through the API: the sample, decisions, rework and qualification rates."""

import pytest

from annotation.models import Assignment, Batch, Review
from tests.conftest import ACTORS

pytestmark = pytest.mark.django_db

SNIPPETS = ["𠮷野家在北京开了新店。", "张三去了上海。", "广州的天气很好。"]
LABELS = [{"name": "地名", "kind": "spans", "hotkey": "l"}]


@pytest.fixture
def reviewed_project(project, members, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans"], "labels": LABELS, "review_percent": 100},
        format="json",
    )
    upload(project, "a.txt", "\n\n".join(SNIPPETS).encode())
    return project


def place_spans(text: str) -> list[dict]:
    return [
        {"start": text.index(w), "end": text.index(w) + 2, "label": "地名", "text": w}
        for w in ("北京", "上海", "广州")
        if w in text
    ]


def submit_all(client, project, django_capture_on_commit_callbacks, spans=place_spans):
    while True:
        task = client.post(f"/api/v1/projects/{project.id}/tasks/next/")
        if task.status_code == 204:
            return
        body = {"spans": spans(task.json()["snippet"]["text"])}
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/api/v1/assignments/{task.json()['id']}/submit/", body, format="json")


def reviews_url(project, tail=""):
    return f"/api/v1/projects/{project.id}/reviews/{tail}"


def test_reject_rework_resubmit_accept(
    reviewed_project, client_for, django_capture_on_commit_callbacks
):
    annotator, reviewer = client_for("annotator"), client_for("reviewer")
    submit_all(annotator, reviewed_project, django_capture_on_commit_callbacks)
    batch = Batch.objects.get()
    assert batch.status == "reviewing"

    queue = reviewer.get(reviews_url(reviewed_project, "?status=pending")).json()["results"]
    assert [r["snippet"]["text"] for r in queue] == SNIPPETS  # every snippet at 100 %
    wrong, *right = queue
    rejected = reviewer.post(
        reviews_url(reviewed_project, f"{wrong['id']}/decision/"),
        {"decision": "reject", "reason": "𠮷野家是机构名，不是地名"},
        format="json",
    )
    for review in right:
        reviewer.post(
            reviews_url(reviewed_project, f"{review['id']}/decision/"), {"decision": "accept"}
        )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"

    # The annotator gets the returned work first, with the reason and their work as draft.
    returned = annotator.post(f"/api/v1/projects/{reviewed_project.id}/tasks/next/").json()
    assert returned["id"] == wrong["assignment"] and returned["status"] == "returned"
    assert returned["return_reason"] == "𠮷野家是机构名，不是地名"
    assert returned["draft"]["spans"] == [{"start": 4, "end": 6, "label": "地名"}]
    resubmitted = annotator.post(
        f"/api/v1/assignments/{returned['id']}/submit/", {"spans": []}, format="json"
    )
    assert resubmitted.json()["number"] == 2 and resubmitted.json()["late"] is False
    batch.refresh_from_db()
    assert batch.status == "reviewing"  # the rework waits for review

    [again] = reviewer.get(reviews_url(reviewed_project, "?status=pending")).json()["results"]
    assert (again["round"], again["revision"]["number"]) == (2, 2)
    reviewer.post(reviews_url(reviewed_project, f"{again['id']}/decision/"), {"decision": "accept"})

    batch.refresh_from_db()
    assert batch.status == "accepting"
    assert Assignment.objects.get(id=returned["id"]).status == "submitted"
    decisions = list(Review.objects.order_by("id").values_list("round", "status", "reviewer"))
    reviewer_id = Review.objects.first().reviewer_id
    assert decisions == [
        (1, "rejected", reviewer_id),
        (1, "accepted", reviewer_id),
        (1, "accepted", reviewer_id),
        (2, "accepted", reviewer_id),
    ]
    summary = reviewer.get(reviews_url(reviewed_project, "summary/")).json()
    [row] = summary["batches"]
    # First rounds only: 2 of 3 accepted; the rework does not raise the rate.
    assert (row["reviewed"], row["accepted"], row["rate"], row["pending"]) == (3, 2, 66.67, 0)
    assert row["interval"] == pytest.approx([20.77, 93.85], abs=0.01)
    assert row["meets_threshold"] is False
    assert summary["annotators"] == [
        {
            "username": "annotator",
            "reviewed": 3,
            "accepted": 2,
            "rate": 66.67,
            "interval": row["interval"],
        }
    ]


def test_a_decision_is_kept_as_made(
    reviewed_project, client_for, django_capture_on_commit_callbacks
):
    submit_all(client_for("annotator"), reviewed_project, django_capture_on_commit_callbacks)
    reviewer = client_for("reviewer")
    review = Review.objects.first()
    url = reviews_url(reviewed_project, f"{review.id}/decision/")

    first = reviewer.post(url, {"decision": "accept"})
    again = reviewer.post(url, {"decision": "accept"})  # a retried request
    other = client_for("manager").post(url, {"decision": "reject", "reason": "不对"})
    unexplained = reviewer.post(
        reviews_url(reviewed_project, f"{Review.objects.last().id}/decision/"),
        {"decision": "reject"},
    )

    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 409)
    assert other.json()["status"] == "accepted" and other.json()["reviewer"] == "reviewer"
    assert unexplained.status_code == 400 and "reason" in unexplained.json()
    assert Review.objects.filter(status="pending").count() == 2


def test_the_sample_is_the_set_share_of_the_batch(
    project, members, client_for, upload, django_capture_on_commit_callbacks
):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/", {"review_percent": 30}, format="json"
    )
    upload(project, "a.txt", "\n\n".join(f"第{n}段：数据标注。" for n in range(10)).encode())

    submit_all(client_for("annotator"), project, django_capture_on_commit_callbacks, lambda t: [])

    assert Review.objects.count() == 3  # 30 % of 10
    assert Batch.objects.get().status == "reviewing"


@pytest.mark.parametrize("actor", ACTORS)
def test_reviews_by_actor(
    reviewed_project, client_for, members, actor, django_capture_on_commit_callbacks
):
    submit_all(client_for("annotator"), reviewed_project, django_capture_on_commit_callbacks)
    review = Review.objects.first()
    client = client_for(actor)

    codes = {
        client.get(reviews_url(reviewed_project)).status_code,
        client.get(reviews_url(reviewed_project, f"{review.id}/")).status_code,
        client.get(reviews_url(reviewed_project, "summary/")).status_code,
        client.post(
            reviews_url(reviewed_project, f"{review.id}/decision/"), {"decision": "accept"}
        ).status_code,
    }

    expected = {"anonymous": {401, 403}, "outsider": {404}, "client": {403}, "annotator": {403}}
    if actor in expected:
        assert codes <= expected[actor]
        review.refresh_from_db()
        assert review.status == "pending"
    else:
        assert codes == {200}


def test_a_review_of_another_project_is_not_found(
    reviewed_project, client_for, members, django_capture_on_commit_callbacks
):
    submit_all(client_for("annotator"), reviewed_project, django_capture_on_commit_callbacks)
    review = Review.objects.first()
    outsider = client_for("outsider")  # a manager of another project
    other_project = members["outsider"].memberships.get().project_id

    response = outsider.post(
        f"/api/v1/projects/{other_project}/reviews/{review.id}/decision/", {"decision": "accept"}
    )

    assert response.status_code == 404
    review.refresh_from_db()
    assert review.status == "pending"


def test_nobody_reviews_their_own_work(
    reviewed_project, client_for, django_capture_on_commit_callbacks
):
    reviewer = client_for("reviewer")  # who also annotates in this project
    submit_all(reviewer, reviewed_project, django_capture_on_commit_callbacks)
    review = Review.objects.first()

    queue = reviewer.get(reviews_url(reviewed_project, "?status=pending")).json()
    decided = reviewer.post(
        reviews_url(reviewed_project, f"{review.id}/decision/"), {"decision": "accept"}
    )
    others = client_for("manager").get(reviews_url(reviewed_project, "?status=pending")).json()

    assert queue["count"] == 0
    assert decided.status_code == 403 and "标注过" in decided.json()["detail"]
    review.refresh_from_db()
    assert review.status == "pending" and review.reviewer is None
    assert others["count"] == len(SNIPPETS)  # someone else reviews it
    accepted = client_for("manager").post(
        reviews_url(reviewed_project, f"{review.id}/decision/"), {"decision": "accept"}
    )
    assert accepted.status_code == 200
