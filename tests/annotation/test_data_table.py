"""The data table: every snippet of a project, filtered, searched and sorted, its item
view, and what a manager does to a selection (exclude, return, reassign, gold)."""

import pytest

from annotation.models import Assignment, Batch, GoldItem, Review, Snippet
from annotation.quality.finals import finals_refresh
from projects.models import Project
from tests.conftest import ACTORS
from tests.factories import MembershipFactory, snippets_of, work_submitted

pytestmark = pytest.mark.django_db

TEXTS = [
    "𠮷野家在北京开了新店。",
    "👩‍👩‍👧张三去了上海，ＦＩＦＡ也来了。",
    "第三句：广州很热。",
    "第四句：深圳很新。",
    "第五句：杭州有西湖。",
]


@pytest.fixture
def table(project, members):
    """Five snippets in a batch of an overlap-2 project: the first submitted by two
    annotators who disagree, the second by one (the other still at it), the third given
    back, the last two untouched."""
    project.overlap = 2
    project.save(update_fields=["overlap"])
    batch = Batch.objects.create(project=project, name="第一包", size=len(TEXTS))
    snippets = snippets_of(project, TEXTS, batch)
    second = MembershipFactory(project=project, role="annotator", user__username="second").user
    annotator = members["annotator"]
    work_submitted(snippets[0], annotator, {"spans": [(0, 3, "机构")]})
    work_submitted(snippets[0], second, {"spans": [(5, 7, "地名")]})
    work_submitted(snippets[1], annotator, {"spans": [(3, 5, "人名")]})
    work_submitted(snippets[1], second, status="active")
    work_submitted(snippets[2], second, status="skipped")
    Snippet.objects.filter(id=snippets[0].id).update(slots_taken=2)
    Snippet.objects.filter(id=snippets[1].id).update(slots_taken=2)
    finals_refresh(project_id=project.id)
    return snippets


def rows(client, project, **query):
    answer = client.get(f"/api/v1/projects/{project.id}/snippets/table/", query)
    assert answer.status_code == 200, answer.content
    return answer.json()


def ids(page):
    return [row["id"] for row in page["results"]]


def test_every_snippet_is_listed_a_page_at_a_time(project, client_for, table):
    manager = client_for("manager")

    first = rows(manager, project, page_size=2)
    third = rows(manager, project, page_size=2, page=3)

    assert first["count"] == 5 and not first["more"]
    assert ids(first) == [table[0].id, table[1].id] and ids(third) == [table[4].id]


def test_each_row_says_where_its_snippet_stands(project, client_for, table):
    page = rows(client_for("reviewer"), project)

    by_id = {row["id"]: row for row in page["results"]}
    first, second, third = (by_id[s.id] for s in table[:3])
    assert first["state"] == "submitted" and first["submitted"] == 2 and first["overlap"] == 2
    assert first["disagreement"] and first["labels"] == ["机构"]  # a tie: the earliest stands
    assert second["state"] == "in_progress" and second["submitted"] == 1
    assert {w["annotator"]: w["status"] for w in second["work"]} == {
        "annotator": "submitted",
        "second": "active",
    }
    assert third["state"] == "skipped" and by_id[table[4].id]["state"] == "open"
    assert first["text"] == TEXTS[0] and first["batch"]["name"] == "第一包"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "open"}, [3, 4]),
        ({"state": "in_progress"}, [1]),
        ({"state": "partly_submitted"}, []),  # the second's is in progress: it shows so
        ({"state": "submitted"}, [0]),
        ({"state": "skipped"}, [2]),
        ({"annotator": "second"}, [0, 1, 2]),
        ({"annotator": "second", "state": "in_progress"}, [1]),
        ({"annotator": "annotator", "state": "in_progress"}, []),
        ({"annotator": "nobody"}, []),
        ({"label": "人名"}, [1]),
        ({"label": "人"}, []),
        ({"disagreement": "true"}, [0]),
        ({"disagreement": "false"}, [1, 2, 3, 4]),
        ({"q": "𠮷野"}, [0]),
        ({"q": "fifa"}, [1]),  # full-width and upper case found by half-width lower case
        ({"q": "👩‍👩‍👧张"}, [1]),
        ({"q": "很"}, [2, 3]),
        ({"q": "100%"}, []),
        ({"sort": "-id", "state": "open"}, [4, 3]),
        ({"sort": "-annotations"}, [0, 1, 2, 3, 4]),
    ],
)
def test_filters_search_and_sort(project, client_for, table, query, expected):
    page = rows(client_for("manager"), project, **query)

    assert ids(page) == [table[n].id for n in expected]
    assert page["count"] == len(expected)


def test_a_state_filter_lists_the_rows_that_show_that_state(project, client_for, table):
    """A snippet shows the first state that holds of it (returned, in review, accepted,
    submitted, in progress, partly submitted, skipped, open); its filter finds it there
    and in no other."""
    manager = client_for("manager")
    Assignment.objects.filter(snippet=table[1], status="active").update(status="expired")
    accepted = Batch.objects.create(project=project, name="已验收", status="accepted")
    Snippet.objects.filter(id=table[0].id).update(batch=accepted)

    shown = {row["id"]: row["state"] for row in rows(manager, project)["results"]}
    for state in set(shown.values()) | {"submitted", "partly_submitted", "in_progress"}:
        listed = ids(rows(manager, project, state=state))
        assert listed == [id_ for id_, showing in shown.items() if showing == state], state
    assert shown[table[0].id] == "accepted" and shown[table[1].id] == "partly_submitted"


def test_the_batch_import_and_gold_filters(project, client_for, table):
    other = Batch.objects.create(project=project, name="第二包")
    Snippet.objects.filter(id=table[4].id).update(batch=other, gold=True)
    manager = client_for("manager")

    assert ids(rows(manager, project, batch=other.id)) == [table[4].id]
    assert ids(rows(manager, project, gold="true")) == [table[4].id]
    assert ids(rows(manager, project, import_job=123456)) == []


@pytest.mark.parametrize(
    "query",
    [{"state": "done"}, {"page": 0}, {"page_size": 1000}, {"batch": "x"}, {"sort": "text"}],
)
def test_a_malformed_query_is_refused_with_the_field(project, client_for, table, query):
    answer = client_for("manager").get(f"/api/v1/projects/{project.id}/snippets/table/", query)

    assert answer.status_code == 400 and set(query) <= set(answer.json())


def act(client, project, **body):
    return client.post(f"/api/v1/projects/{project.id}/snippets/actions/", body, format="json")


def test_excluded_snippets_are_handed_to_nobody_and_their_live_work_is_taken_back(
    project, client_for, table, members
):
    answer = act(client_for("manager"), project, action="exclude", snippets=[table[1].id])

    assert answer.status_code == 200 and answer.json() == {"done": [table[1].id], "left": []}
    live = Assignment.objects.get(snippet=table[1], annotator__username="second")
    assert live.status == "expired"
    assert Snippet.objects.get(id=table[1].id).slots_taken == 1
    third = MembershipFactory(project=project, role="annotator").user
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(third)
    handed = set()
    while (task := client.post(f"/api/v1/projects/{project.id}/tasks/next/")).status_code == 200:
        handed.add(task.json()["snippet"]["id"])
        client.post(f"/api/v1/assignments/{task.json()['id']}/skip/", {"reason": "x"})
    assert table[1].id not in handed and handed
    assert ids(rows(client_for("manager"), project, state="excluded")) == [table[1].id]


def test_an_excluded_snippet_leaves_its_batch_free_to_complete(project, client_for, table):
    """All but the second snippet have their two annotations; the second is excluded
    while someone is at it: the batch goes to review without it."""
    from annotation.flow import batch_check

    other = MembershipFactory(project=project, role="annotator").user
    third = MembershipFactory(project=project, role="annotator").user
    for snippet in table[2:]:
        work_submitted(snippet, other)
        work_submitted(snippet, third)
    assert batch_check(batch_id=table[0].batch_id).status == "annotating"

    act(client_for("manager"), project, action="exclude", snippets=[table[1].id])
    batch = batch_check(batch_id=table[0].batch_id)

    assert batch.status != "annotating"
    sampled = set(Review.objects.filter(batch=batch).values_list("assignment__snippet", flat=True))
    assert sampled and table[1].id not in sampled


def test_include_takes_an_excluded_snippet_back(project, client_for, table):
    manager = client_for("manager")
    act(manager, project, action="exclude", snippets=[table[3].id])

    again = act(manager, project, action="exclude", snippets=[table[3].id]).json()
    back = act(manager, project, action="include", snippets=[table[3].id]).json()

    assert again["done"] == [] and again["left"][0]["snippet"] == table[3].id
    assert back["done"] == [table[3].id] and not Snippet.objects.get(id=table[3].id).excluded


def test_return_gives_the_work_back_with_the_reason_and_the_draft(project, client_for, table):
    answer = act(
        client_for("manager"),
        project,
        action="return",
        snippets=[table[0].id, table[4].id],
        reason="边界不对",
    )

    assert answer.json()["done"] == [table[0].id]
    assert answer.json()["left"][0]["snippet"] == table[4].id
    returned = Assignment.objects.filter(snippet=table[0], status="returned")
    assert returned.count() == 2 and {w.return_reason for w in returned} == {"边界不对"}
    mine = returned.get(annotator__username="annotator")
    assert mine.draft["spans"] == [{"start": 0, "end": 3, "label": "机构"}]
    assert ids(rows(client_for("manager"), project, state="returned")) == [table[0].id]


def test_a_return_needs_a_reason(project, client_for, table):
    answer = act(client_for("manager"), project, action="return", snippets=[table[0].id])

    assert answer.status_code == 400 and "reason" in answer.json()
    assert not Assignment.objects.filter(status="returned").exists()


def test_a_batch_with_the_client_keeps_its_work(project, client_for, table):
    Batch.objects.filter(id=table[0].batch_id).update(status="accepting")

    answer = act(
        client_for("manager"), project, action="return", snippets=[table[0].id], reason="x"
    )

    assert answer.json()["done"] == [] and not Assignment.objects.filter(status="returned")


def test_reassign_hands_the_live_work_and_free_slots_to_another(
    project, client_for, table, members
):
    manager = client_for("manager")

    answer = act(
        manager,
        project,
        action="reassign",
        annotator="annotator",
        snippets=[table[0].id, table[1].id, table[3].id],
    ).json()

    assert answer["done"] == [table[3].id]  # the first two they had already
    answer = act(
        manager, project, action="reassign", annotator="reviewer", snippets=[table[1].id]
    ).json()
    assert answer["done"] == [table[1].id]
    taken_over = Assignment.objects.get(snippet=table[1], annotator__username="second")
    assert taken_over.status == "expired"
    assert Snippet.objects.get(id=table[1].id).slots_taken == 2
    task = client_for("annotator").post(f"/api/v1/projects/{project.id}/tasks/next/").json()
    assert task["snippet"]["id"] == table[3].id


@pytest.mark.parametrize("who", ["client", "outsider", "nobody"])
def test_reassign_only_to_someone_who_takes_tasks_here(project, client_for, table, who):
    answer = act(
        client_for("manager"), project, action="reassign", annotator=who, snippets=[table[3].id]
    )

    assert answer.status_code == 400
    assert answer.json() == {"annotator": [f"{who} 在本项目中不领取任务。"]}  # whoever it is
    assert not Assignment.objects.filter(snippet=table[3]).exists()


def test_gold_takes_the_final_annotation_as_its_reference(project, client_for, table):
    answer = act(
        client_for("manager"), project, action="gold", snippets=[table[1].id, table[4].id]
    ).json()

    assert answer["done"] == [table[1].id] and answer["left"][0]["snippet"] == table[4].id
    gold = GoldItem.objects.get(snippet=table[1])
    assert gold.spans == [{"start": 3, "end": 5, "label": "人名"}]
    assert Snippet.objects.get(id=table[1].id).gold
    act(client_for("manager"), project, action="ungold", snippets=[table[1].id])
    assert not GoldItem.objects.exists() and not Snippet.objects.get(id=table[1].id).gold


def test_an_action_on_everything_a_filter_passes(project, client_for, table):
    answer = act(client_for("manager"), project, action="exclude", filter={"state": "open"})

    assert answer.json()["done"] == [table[3].id, table[4].id]


def test_an_action_names_snippets_or_a_filter_and_only_this_projects(project, client_for, table):
    manager = client_for("manager")
    elsewhere = snippets_of(MembershipFactory(role="manager").project, ["别处的句子。"])[0]

    both = act(manager, project, action="exclude", snippets=[table[0].id], filter={})
    neither = act(manager, project, action="exclude")
    foreign = act(manager, project, action="exclude", snippets=[elsewhere.id]).json()

    assert both.status_code == 400 and neither.status_code == 400
    assert foreign == {
        "done": [],
        "left": [{"snippet": elsewhere.id, "reason": "本项目中没有这个片段。"}],
    }
    assert not Snippet.objects.get(id=elsewhere.id).excluded


def test_the_item_view_shows_context_work_reviews_and_final(project, client_for, table):
    work = Assignment.objects.get(snippet=table[0], annotator__username="annotator")
    Review.objects.create(
        project=project,
        batch_id=table[0].batch_id,
        assignment=work,
        revision=work.revisions.get(),
        status="rejected",
        reason="太短",
    )

    item = client_for("reviewer").get(f"/api/v1/snippets/{table[1].id}/history/").json()
    first = client_for("reviewer").get(f"/api/v1/snippets/{table[0].id}/history/").json()

    assert item["article"]["before"] == TEXTS[0] and item["article"]["after"] == TEXTS[2]
    assert [w["annotator"] for w in first["work"]] == ["annotator", "second"]
    assert first["work"][0]["revisions"][0]["spans"][0]["label"] == "机构"
    assert first["work"][0]["reviews"][0] == {
        "round": 1,
        "revision": 1,
        "status": "rejected",
        "reviewer": None,
        "reason": "太短",
        "decided_at": None,
    }
    assert first["final"]["works"] == 2 and first["final"]["source"] == "majority"


@pytest.mark.parametrize("actor", ACTORS)
def test_who_reads_the_table_and_the_item_view(project, client_for, table, actor):
    table_answer = client_for(actor).get(f"/api/v1/projects/{project.id}/snippets/table/")
    item_answer = client_for(actor).get(f"/api/v1/snippets/{table[0].id}/history/")

    expected = {
        "anonymous": {401, 403},
        "outsider": {404},
        "client": {403},
        "annotator": {403},
        "reviewer": {200},
        "manager": {200},
    }[actor]
    assert table_answer.status_code in expected and item_answer.status_code in expected


@pytest.mark.parametrize("actor", ACTORS)
def test_only_managers_act_on_snippets(project, client_for, table, actor):
    answer = act(client_for(actor), project, action="exclude", snippets=[table[3].id])

    expected = {"anonymous": {401, 403}, "outsider": {404}, "manager": {200}}
    assert answer.status_code in expected.get(actor, {403})
    assert Snippet.objects.get(id=table[3].id).excluded is (actor == "manager")


@pytest.mark.parametrize("name", ["jsonl", "doccano", "csv"])
def test_an_excluded_snippet_is_left_out_of_exports_and_the_card_counts_it(
    project, members, upload, client_for, django_capture_on_commit_callbacks, name
):
    """Our JSONL takes PostgreSQL's own writer there, the others the formats' writers."""
    from tests.annotation.delivery.test_exports import export
    from tests.annotation.delivery.test_peer_imports import exported

    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"labels": [{"name": n, "kind": "spans"} for n in ("地名", "动作", "人名")]},
        format="json",
    )
    upload(project, "a.jsonl", exported("doccano"), format="doccano", annotations="final")
    Batch.objects.filter(project=project).update(status="accepted")
    manager = client_for("manager")
    first = Snippet.objects.filter(project=project).order_by("id").first()
    act(manager, project, action="exclude", snippets=[first.id])

    asked = export(manager, project, django_capture_on_commit_callbacks, format=name)
    job = manager.get(f"/api/v1/exports/{asked.json()['id']}/").json()
    card = manager.get(f"/api/v1/exports/{job['id']}/card/")

    assert job["status"] == "succeeded" and job["items"] == 1
    assert "经理排除、未导出的片段：1" in card.content.decode()  # the asker's language


def test_an_imported_snippet_is_found_by_its_text(project, members, upload, client_for):
    upload(
        project, "a.txt", "第一段：𠮷野家的ＡＢＣ套餐。\n\n第二段：别的东西。\n".encode("gb18030")
    )

    found = rows(client_for("manager"), project, q="abc套餐")

    assert [row["text"] for row in found["results"]] == ["第一段：𠮷野家的ＡＢＣ套餐。"]


def test_a_label_renamed_is_found_under_its_new_name(project, client_for, table):
    manager = client_for("manager")
    url = f"/api/v1/projects/{project.id}/"
    names = ("机构", "地名", "人名")
    labels = manager.patch(
        url, {"labels": [{"name": n, "kind": "spans"} for n in names]}, format="json"
    )
    renamed = [
        {**label, "name": "组织" if label["name"] == "机构" else label["name"]}
        for label in labels.json()["labels"]
    ]

    manager.patch(url, {"labels": renamed}, format="json")

    assert ids(rows(manager, project, label="组织")) == [table[0].id]
    assert ids(rows(manager, project, label="机构")) == []


def test_a_project_nobody_worked_on_is_deleted_with_what_it_holds(
    project, members, upload, client_for
):
    upload(project, "a.txt", "一段话。\n".encode())
    manager = client_for("manager")

    said = manager.get(f"/api/v1/projects/{project.id}/deletion/").json()
    gone = manager.post(f"/api/v1/projects/{project.id}/deletion/")

    assert said["deletable"] and said["snippets"] == 1 and said["articles"] == 1
    assert gone.status_code == 200 and gone.json()["snippets"] == 1
    assert manager.get(f"/api/v1/projects/{project.id}/").status_code == 404
    assert not Snippet.objects.filter(project_id=project.id).exists()


def test_a_project_with_work_is_archived_not_deleted(project, client_for, table):
    manager = client_for("manager")

    refused = manager.post(f"/api/v1/projects/{project.id}/deletion/")
    archived = manager.patch(f"/api/v1/projects/{project.id}/", {"archived": True}, format="json")
    task = client_for("annotator").post(f"/api/v1/projects/{project.id}/tasks/next/")

    assert refused.status_code == 409 and Snippet.objects.filter(project=project).count() == 5
    assert archived.json()["archived"] and task.status_code == 204
    manager.patch(f"/api/v1/projects/{project.id}/", {"archived": False}, format="json")
    assert (
        client_for("annotator").post(f"/api/v1/projects/{project.id}/tasks/next/").status_code
        == 200
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_only_managers_delete_a_project(project, client_for, actor):
    answer = client_for(actor).post(f"/api/v1/projects/{project.id}/deletion/")

    expected = {"anonymous": {401, 403}, "outsider": {404}, "manager": {200}}
    assert answer.status_code in expected.get(actor, {403})
    assert Project.objects.filter(id=project.id).exists() is (actor != "manager")


def test_a_filter_counts_up_to_a_cap_and_says_there_are_more(
    project, client_for, table, monkeypatch
):
    from annotation.curating import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    manager = client_for("manager")

    filtered = rows(manager, project, q="。")
    whole = rows(manager, project, batch=table[0].batch_id)

    assert (filtered["count"], filtered["more"], len(filtered["results"])) == (2, True, 5)
    assert (whole["count"], whole["more"]) == (5, False)
