"""Adjudication: agreed parts merged in advance, differences laid out, one final kept."""

import pytest

from annotation.models import Adjudication, Snippet
from annotation.quality.adjudication import Version, merge
from tests.annotation.quality.conftest import SNIPPETS, annotate_everything, as_user
from tests.conftest import ACTORS

pytestmark = pytest.mark.django_db


def test_merge_keeps_what_all_agree_on_and_lists_the_rest_with_who():
    versions = [
        Version("a", ((0, 2, "人名"), (4, 6, "地名")), ("正面",), (2, 4, 6)),
        Version("b", ((0, 2, "人名"), (4, 6, "机构")), ("正面", "负面"), (2, 4, 6)),
    ]

    merged = merge(versions)

    assert merged["agreed"] == {
        "spans": [{"start": 0, "end": 2, "label": "人名"}],
        "classes": ["正面"],
        "segmentation": [2, 4, 6],
        "relations": [],
        "events": [],
    }
    assert merged["disputed"] == {
        "spans": [
            {"start": 4, "end": 6, "label": "地名", "by": ["a"]},
            {"start": 4, "end": 6, "label": "机构", "by": ["b"]},
        ],
        "relations": [],
        "events": [],
        "classes": [{"name": "负面", "by": ["b"]}],
        "segmentation": [],
    }


def test_disagreements_are_listed_shown_side_by_side_and_settled(
    quality_project, client_for, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    reviewer = client_for("reviewer")
    base = f"/api/v1/projects/{quality_project.id}/adjudications/"

    listed = reviewer.get(base).json()
    # Every snippet but 广州 has a disagreement on its class (see CLASSES), and 北京's span.
    texts = [item["snippet"]["text"] for item in listed["results"]]
    assert texts == [SNIPPETS[0], SNIPPETS[1], SNIPPETS[3]] and listed["next_after"] is None
    beijing = Snippet.objects.get(text=SNIPPETS[0])
    side = reviewer.get(f"{base}{beijing.id}/").json()
    assert [v["annotator"] for v in side["versions"]] == ["a1", "a2", "a3"]
    assert side["agreed"]["classes"] == ["正面"] and side["agreed"]["spans"] == []
    assert [(s["label"], s["by"]) for s in side["disputed"]["spans"]] == [
        ("地名", ["a1", "a2"]),
        ("机构", ["a3"]),
    ]
    assert side["final"] is None
    # The page starts from what the snippet delivers: a1's and a2's place name.
    assert side["delivered"]["spans"] == [{"start": 4, "end": 6, "label": "地名"}]

    settled = reviewer.put(
        f"{base}{beijing.id}/",
        {
            "spans": [{"start": 4, "end": 6, "label": "地名", "text": "北京"}],
            "classes": ["正面"],
        },
        format="json",
    )
    wrong = reviewer.put(
        f"{base}{beijing.id}/",
        {"spans": [{"start": 4, "end": 6, "label": "地名", "text": "上海"}]},
        format="json",
    )

    assert settled.status_code == 200
    assert settled.json()["final"]["spans"] == [{"start": 4, "end": 6, "label": "地名"}]
    assert settled.json()["final"]["adjudicator"] == "reviewer"
    assert settled.json()["delivered"] == {  # the settlement, before any refresh ran
        "spans": [{"start": 4, "end": 6, "label": "地名"}],
        "classes": ["正面"],
        "segmentation": [],
        "relations": [],
        "events": [],
    }
    assert wrong.status_code == 400 and "0" in wrong.json()["spans"]
    assert Adjudication.objects.count() == 1
    assert reviewer.get(base).json()["results"][0]["settled"] is True


@pytest.mark.parametrize("actor", ACTORS)
def test_adjudication_by_actor(
    quality_project, client_for, actor, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    snippet = Snippet.objects.get(text=SNIPPETS[0])
    base = f"/api/v1/projects/{quality_project.id}/adjudications/"
    client = client_for(actor)

    codes = {
        client.get(base).status_code,
        client.get(f"{base}{snippet.id}/").status_code,
        client.put(f"{base}{snippet.id}/", {"classes": ["正面"]}, format="json").status_code,
    }

    expected = {"anonymous": {401, 403}, "outsider": {404}, "client": {403}, "annotator": {403}}
    if actor in expected:
        assert codes <= expected[actor] and not Adjudication.objects.exists()
    else:
        assert codes == {200} and Adjudication.objects.count() == 1


def test_nobody_settles_a_snippet_they_annotated(
    quality_project, client_for, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    snippet = Snippet.objects.get(text=SNIPPETS[0])
    url = f"/api/v1/projects/{quality_project.id}/adjudications/{snippet.id}/"
    quality_project.memberships.filter(user__username="a1").update(role="reviewer")

    refused = as_user("a1").put(url, {"classes": ["正面"]}, format="json")
    settled = client_for("reviewer").put(url, {"classes": ["正面"]}, format="json")

    assert refused.status_code == 403 and "标注过" in refused.json()["detail"]
    assert settled.status_code == 200
    assert list(Adjudication.objects.values_list("adjudicator__username", flat=True)) == [
        "reviewer"
    ]


@pytest.mark.parametrize("settle_first", [True, False])
def test_a_batch_with_open_disagreements_waits_before_its_client(
    quality_project, client_for, django_capture_on_commit_callbacks, settle_first
):
    from annotation.models import Batch, Review

    quality_project.settle_disagreements = settle_first
    quality_project.save(update_fields=["settle_disagreements"])
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    reviewer = client_for("reviewer")
    for review in Review.objects.filter(status="pending"):
        reviewer.post(
            f"/api/v1/projects/{quality_project.id}/reviews/{review.id}/decision/",
            {"decision": "accept"},
        )
    batch = Batch.objects.get()

    if not settle_first:  # the manager let it go without
        assert batch.status == "accepting"
        return
    assert batch.status == "reviewing"  # three snippets still disputed
    base = f"/api/v1/projects/{quality_project.id}/adjudications/"
    for item in reviewer.get(base).json()["results"]:
        batch.refresh_from_db()
        assert batch.status == "reviewing"
        reviewer.put(f"{base}{item['snippet']['id']}/", {"classes": ["正面"]}, format="json")
    batch.refresh_from_db()
    assert batch.status == "accepting"  # the last settlement let it go on
