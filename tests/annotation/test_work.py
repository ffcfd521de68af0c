"""Handing out tasks, drafts, submits and skips through the API."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotation.models import Assignment, Batch, Revision, Snippet
from projects.models import Membership
from tests.conftest import ACTORS
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "𠮷野家👩‍👩‍👧在北京开了新店，张三去了。\n\n第二段：上海也很大。\n\n第三段：广州。\n"
LABELS = [
    {"name": "人名", "kind": "spans", "hotkey": "p"},
    {"name": "地名", "kind": "spans", "hotkey": "l"},
    {"name": "正面", "kind": "classes", "hotkey": "1"},
    {"name": "负面", "kind": "classes", "hotkey": "2"},
]


@pytest.fixture
def work_project(project, members, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans", "classes", "segmentation"], "labels": LABELS, "overlap": 2},
        format="json",
    )
    upload(project, "a.txt", TEXT.encode())
    project.refresh_from_db()
    return project


def next_task(client, project):
    return client.post(f"/api/v1/projects/{project.id}/tasks/next/")


def span(text, word, label):
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label, "text": word}


def test_next_gives_a_task_and_gives_it_back_until_submitted(work_project, client_for):
    client = client_for("annotator")

    first = next_task(client, work_project)
    again = next_task(client, work_project)

    assert first.status_code == 200
    body = first.json()
    assert body["version"] == 0 and body["draft"] == {} and body["status"] == "active"
    assert body["snippet"]["text"] == "𠮷野家👩‍👩‍👧在北京开了新店，张三去了。"
    assert body["snippet"]["tokens"][-1][1] == len(body["snippet"]["text"])
    assert again.json()["id"] == body["id"]


def test_overlap_k_annotators_per_snippet_and_nobody_twice(work_project, client_for, members):
    third = MembershipFactory(project=work_project, role="annotator", user__username="a3").user
    clients = {name: client_for(name) for name in ("annotator", "reviewer", "manager")}
    seen = {name: [] for name in clients}
    # Each works through everything; every snippet takes exactly two of them.
    for _ in range(10):
        for name, client in clients.items():
            response = next_task(client, work_project)
            if response.status_code == 204:
                continue
            task = response.json()
            seen[name].append(task["snippet"]["id"])
            client.post(f"/api/v1/assignments/{task['id']}/submit/", {}, format="json")

    snippets = list(Snippet.objects.filter(project=work_project).values_list("id", flat=True))
    for name, ids in seen.items():
        assert len(ids) == len(set(ids)), name
    counts = {sid: sum(ids.count(sid) for ids in seen.values()) for sid in snippets}
    assert set(counts.values()) == {2}
    assert Assignment.objects.filter(annotator=third).count() == 0


def test_draft_versions_and_conflict(work_project, client_for):
    client = client_for("annotator")
    task = next_task(client, work_project).json()
    url = f"/api/v1/assignments/{task['id']}/draft/"

    saved = client.put(url, {"version": 0, "draft": {"spans": [1]}}, format="json")
    stale = client.put(url, {"version": 0, "draft": {"spans": [2]}}, format="json")

    assert saved.status_code == 200 and saved.json()["version"] == 1
    assert stale.status_code == 409
    assert stale.json() == {"version": 1, "draft": {"spans": [1]}}
    reloaded = client.get(f"/api/v1/assignments/{task['id']}/").json()
    assert (reloaded["version"], reloaded["draft"]) == (1, {"spans": [1]})


def test_submit_stores_code_point_offsets_once_per_idempotency_key(work_project, client_for):
    client = client_for("annotator")
    task = next_task(client, work_project).json()
    text = task["snippet"]["text"]
    body = {
        "spans": [span(text, "北京", "地名"), span(text, "张三", "人名")],
        "classes": ["正面"],
        "segmentation": [1, 3, 4, len(text)],
        "time_spent_ms": 8200,
    }
    url = f"/api/v1/assignments/{task['id']}/submit/"

    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retried = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201 and retried.status_code == 200
    assert retried.json()["id"] == first.json()["id"]
    revision = Revision.objects.get()
    # 𠮷 and the family emoji count as 1 and 5 code points: 北京 starts at 9.
    assert revision.spans == [
        {"start": 9, "end": 11, "label": "地名"},
        {"start": 16, "end": 18, "label": "人名"},
    ]
    assert text[9:11] == "北京"
    assert (revision.classes, revision.time_spent_ms, revision.late) == (["正面"], 8200, False)
    assert Assignment.objects.get(id=task["id"]).status == "submitted"


def test_a_second_submit_keeps_both_revisions(work_project, client_for):
    client = client_for("annotator")
    task = next_task(client, work_project).json()
    url = f"/api/v1/assignments/{task['id']}/submit/"

    client.post(url, {"classes": ["正面"]}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    client.post(url, {"classes": ["负面"]}, format="json", HTTP_IDEMPOTENCY_KEY="b")

    revisions = list(Revision.objects.order_by("number").values_list("number", "classes"))
    assert revisions == [(1, ["正面"]), (2, ["负面"])]


def test_a_key_too_long_to_store_whole_is_refused_not_cut(work_project, client_for):
    """Cut to the column's 100 characters, two keys sharing a prefix would be one, and the
    second body would be dropped as a retry of the first."""
    client = client_for("annotator")
    task = next_task(client, work_project).json()
    url = f"/api/v1/assignments/{task['id']}/submit/"
    prefix = "k" * 100

    whole = client.post(url, {"classes": ["正面"]}, format="json", HTTP_IDEMPOTENCY_KEY=prefix)
    longer = client.post(
        url, {"classes": ["负面"]}, format="json", HTTP_IDEMPOTENCY_KEY=prefix + "-2"
    )

    assert whole.status_code == 201
    assert longer.status_code == 400 and "Idempotency-Key" in longer.json()
    assert list(Revision.objects.values_list("classes", flat=True)) == [["正面"]]


@pytest.mark.parametrize(
    ("body", "field", "where"),
    [
        ({"spans": [{"start": 9, "end": 11, "label": "地名", "text": "上海"}]}, "spans", "0"),
        ({"spans": [{"start": 9, "end": 99, "label": "地名", "text": "x"}]}, "spans", "0"),
        ({"spans": [{"start": 10, "end": 9, "label": "地名", "text": ""}]}, "spans", "0"),
        ({"spans": [{"start": 9, "end": 11, "label": "公司", "text": "北京"}]}, "spans", "0"),
        (
            {
                "spans": [
                    {"start": 9, "end": 11, "label": "地名", "text": "北京"},
                    {"start": 10, "end": 12, "label": "人名", "text": "京开"},
                ]
            },
            "spans",
            "1",
        ),
        ({"classes": ["正面", "负面"]}, "classes", None),
        ({"classes": ["中性"]}, "classes", None),
        ({"segmentation": [3, 2]}, "segmentation", None),
    ],
)
def test_bad_submits_are_refused_naming_the_span(work_project, client_for, body, field, where):
    client = client_for("annotator")
    task = next_task(client, work_project).json()

    response = client.post(f"/api/v1/assignments/{task['id']}/submit/", body, format="json")

    assert response.status_code == 400
    error = response.json()[field]
    if where is not None:
        assert where in error
    assert not Revision.objects.exists()
    assert Assignment.objects.get(id=task["id"]).status == "active"


def test_skip_frees_the_slot_and_the_annotator_never_gets_it_again(work_project, client_for):
    client = client_for("annotator")
    task = next_task(client, work_project).json()

    skipped = client.post(f"/api/v1/assignments/{task['id']}/skip/", {"reason": "看不懂"})
    following = next_task(client, work_project).json()

    assert skipped.json()["status"] == "skipped"
    assert following["snippet"]["id"] != task["snippet"]["id"]
    assert Snippet.objects.get(id=task["snippet"]["id"]).slots_taken == 0
    assert Assignment.objects.get(id=task["id"]).skip_reason == "看不懂"


def test_previous_walks_back_through_the_annotators_submitted_work(
    work_project, client_for, upload
):
    upload(work_project, "b.txt", "第四段：深圳。".encode())
    client = client_for("annotator")
    tasks = []
    for _ in range(2):
        task = next_task(client, work_project).json()
        body = {"classes": [], "spans": []}
        client.post(f"/api/v1/assignments/{task['id']}/submit/", body, format="json")
        tasks.append(task)
    skipped = next_task(client, work_project).json()
    client.post(f"/api/v1/assignments/{skipped['id']}/skip/", {"reason": "看不懂"})
    current = next_task(client, work_project).json()

    back = client.get(f"/api/v1/assignments/{current['id']}/previous/")
    further = client.get(f"/api/v1/assignments/{back.json()['id']}/previous/")
    first = client.get(f"/api/v1/assignments/{tasks[0]['id']}/previous/")

    assert back.status_code == 200 and back.json()["id"] == tasks[1]["id"]  # not the skipped one
    assert back.json()["latest"]["number"] == 1 and back.json()["snippet"]["text"]
    assert further.json()["id"] == tasks[0]["id"]
    assert first.status_code == 204
    # Correcting earlier work adds a revision and takes no slot.
    again = client.post(f"/api/v1/assignments/{tasks[1]['id']}/submit/", {}, format="json")
    assert again.json()["number"] == 2
    assert Assignment.objects.get(id=tasks[1]["id"]).status == "submitted"
    assert Snippet.objects.get(id=tasks[1]["snippet"]["id"]).slots_taken == 1


def test_a_skipped_assignment_cannot_be_submitted(work_project, client_for):
    client = client_for("annotator")
    task = next_task(client, work_project).json()
    client.post(f"/api/v1/assignments/{task['id']}/skip/", {})

    response = client.post(f"/api/v1/assignments/{task['id']}/submit/", {}, format="json")

    assert response.status_code == 400 and "已跳过" in response.json()["assignment"][0]
    assert not Revision.objects.exists()
    assert Assignment.objects.get(id=task["id"]).status == "skipped"
    assert Snippet.objects.get(id=task["snippet"]["id"]).slots_taken == 0


def test_an_expired_lease_returns_the_slot_and_a_late_submit_is_kept(
    work_project, client_for, members
):
    work_project.overlap = 1
    work_project.save(update_fields=["overlap"])
    first = client_for("annotator")
    task = next_task(first, work_project).json()
    Assignment.objects.filter(id=task["id"]).update(
        lease_expires_at=timezone.now() - timedelta(minutes=1)
    )

    taken = next_task(client_for("reviewer"), work_project).json()
    late = first.post(f"/api/v1/assignments/{task['id']}/submit/", {}, format="json")

    assert taken["snippet"]["id"] == task["snippet"]["id"]
    assert late.status_code == 201 and late.json()["late"] is True
    assert Assignment.objects.get(id=task["id"]).status == "expired"
    assert Snippet.objects.get(id=task["snippet"]["id"]).slots_taken == 1


@pytest.mark.parametrize("actor", ACTORS)
def test_next_task_by_actor(work_project, client_for, actor):
    response = next_task(client_for(actor), work_project)

    expected = {
        "anonymous": {401, 403},
        "outsider": {404},
        "client": {403},
    }.get(actor, {200})
    assert response.status_code in expected
    assert Assignment.objects.exists() is (200 in expected)


@pytest.mark.parametrize("actor", [*ACTORS, "other annotator"])
def test_an_assignment_by_actor(work_project, client_for, members, actor):
    task = next_task(client_for("annotator"), work_project).json()
    if actor == "other annotator":
        MembershipFactory(project=work_project, role="annotator", user__username="other")
        client = client_for("anonymous")
        client.force_authenticate(UserFactory(username="other"))
    else:
        client = client_for(actor)
    base = f"/api/v1/assignments/{task['id']}/"

    reads = {client.get(base).status_code, client.get(f"{base}previous/").status_code}
    writes = {
        client.put(f"{base}draft/", {"version": 0, "draft": {"x": 1}}, format="json").status_code,
        client.post(f"{base}submit/", {}, format="json").status_code,
        client.post(f"{base}skip/", {}).status_code,
    }

    if actor == "annotator":
        assert reads == {200, 204} and writes == {200, 201}  # 204: no work before the first
        return
    if actor in ("reviewer", "manager"):
        assert reads == {200, 204} and writes == {403}
    elif actor == "anonymous":
        assert reads | writes <= {401, 403}
    else:  # outsider, client, another annotator: as if it did not exist
        assert reads | writes == {404}
    assignment = Assignment.objects.get(id=task["id"])
    assert (assignment.version, assignment.status) == (0, "active")
    assert not Revision.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_sixteen_annotators_claiming_at_once_fill_every_slot_exactly():
    from django.db import connections

    from annotation.flow import submit
    from annotation.work.services import task_next
    from projects.models import Project
    from tests.factories import ProjectFactory, snippets_make

    project: Project = ProjectFactory(overlap=3)
    snippets_make(project, 60)
    annotators = [
        MembershipFactory(project=project, role="annotator", user__username=f"t{n}").user
        for n in range(16)
    ]
    errors = []

    def work(annotator):
        try:
            while (task := task_next(project_id=project.id, annotator=annotator)) is not None:
                submit(annotator=annotator, assignment_id=task.id, body={})
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(a,)) for a in annotators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    submitted = Assignment.objects.filter(project=project, status="submitted")
    per_snippet = {}
    for snippet_id, annotator_id in submitted.values_list("snippet_id", "annotator_id"):
        per_snippet.setdefault(snippet_id, []).append(annotator_id)
    assert len(per_snippet) == 60
    off = {sid: ids for sid, ids in per_snippet.items() if len(ids) != 3 or len(set(ids)) != 3}
    statuses = list(
        Assignment.objects.filter(snippet_id__in=off).values_list("snippet_id", "status")
    )
    assert not off, (off, statuses)
    assert Revision.objects.filter(assignment__project=project).count() == 180


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_double_click_hands_out_one_task():
    from django.db import connections

    from annotation.flow import submit
    from annotation.work.services import task_next
    from tests.factories import ProjectFactory, snippets_make

    project = ProjectFactory()
    snippets_make(project, 20)
    annotator = MembershipFactory(project=project, role="annotator").user

    def click(barrier, handed):
        barrier.wait()
        try:
            handed.append(task_next(project_id=project.id, annotator=annotator).id)
        finally:
            connections.close_all()

    for _ in range(20):
        barrier, handed = threading.Barrier(2), []
        clicks = [threading.Thread(target=click, args=(barrier, handed)) for _ in range(2)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join(timeout=30)
        assert len(handed) == 2 and handed[0] == handed[1]
        submit(annotator=annotator, assignment_id=handed[0], body={})

    assert Assignment.objects.filter(annotator=annotator).count() == 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_submit_stores_one_revision_and_answers_it_twice():
    """Found by bench/load.py: the second submit waited for the first's row lock, then
    read the revisions as they were before the wait and collided with the first (500)."""
    from django.db import connections

    from annotation.flow import submit
    from annotation.work.services import task_next
    from tests.factories import ProjectFactory, snippets_make

    project = ProjectFactory()
    snippets_make(project, 20)
    annotator = MembershipFactory(project=project, role="annotator").user

    def click(barrier, assignment_id, key, answered):
        barrier.wait()
        try:
            done = submit(annotator=annotator, assignment_id=assignment_id, body={}, **key)
            answered.append((done.revision.id, done.revision.number))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            answered.append(error)
        finally:
            connections.close_all()

    for round_ in range(20):
        task = task_next(project_id=project.id, annotator=annotator)
        # Half the rounds under one Idempotency-Key (one revision), half without (a
        # revision each, numbered in turn: every submit keeps one).
        key = {"idempotency_key": f"k{round_}"} if round_ % 2 else {}
        barrier, answered = threading.Barrier(2), []
        clicks = [
            threading.Thread(target=click, args=(barrier, task.id, key, answered)) for _ in range(2)
        ]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join(timeout=30)
        assert not [error for error in answered if isinstance(error, Exception)], answered
        if key:
            assert len(answered) == 2 and answered[0] == answered[1], answered
        else:
            assert sorted(number for _, number in answered) == [1, 2], answered

    assert Revision.objects.filter(annotator=annotator).count() == 10 + 2 * 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_claim_waits_for_a_busy_last_snippet_rather_than_saying_nothing_is_left():
    from django.db import connections, transaction

    from annotation.work.services import task_next
    from tests.factories import ProjectFactory, snippets_make

    project = ProjectFactory()
    snippets_make(project, 1)
    annotator = MembershipFactory(project=project, role="annotator").user
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        # Another claim in flight: it holds the only snippet's row, then lets it go.
        try:
            with transaction.atomic():
                list(Snippet.objects.select_for_update().filter(project=project))
                locked.set()
                release.wait(5)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    locked.wait(5)
    threading.Timer(0.3, release.set).start()

    task = task_next(project_id=project.id, annotator=annotator)

    holder.join(5)
    assert task is not None and task.snippet.text == "第0句。"


def test_hot_endpoints_use_a_bounded_number_of_queries(
    work_project, client_for, django_assert_max_num_queries, django_assert_num_queries
):
    client = client_for("annotator")
    # Counts include the savepoint pair each transaction takes inside a test. A claim: the
    # locked seat, what the annotator holds, the slot, the counter (made on the first
    # claim), the assignment. (A snippet that engines suggest for takes one more read:
    # tests/annotation/suggesting.)
    with django_assert_max_num_queries(8):
        task = next_task(client, work_project).json()
    with django_assert_num_queries(1):  # autosave is one compare-and-set
        client.put(
            f"/api/v1/assignments/{task['id']}/draft/", {"version": 0, "draft": {}}, format="json"
        )

    def submit_and_next(task, key):
        text = task["snippet"]["text"]
        return client.post(
            f"/api/v1/assignments/{task['id']}/submit/?next=1",
            {"spans": [span(text, text[:1], "地名")]},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        ).json()["next"]

    # A submit: the locked assignment, the revision, its snippet marked for the final
    # annotation, the counter (read locked, then written), the status; then the claim.
    # With the savepoint pairs; the outbox row on PostgreSQL with Redis. The first submit
    # reads the project's labels too; later ones find them cached.
    with django_assert_max_num_queries(18):
        following = submit_and_next(task, "q1")
    with django_assert_max_num_queries(16):
        submit_and_next(following, "q2")


def test_submit_with_next_hands_out_the_following_task_once(work_project, client_for):
    client = client_for("annotator")
    task = next_task(client, work_project).json()
    url = f"/api/v1/assignments/{task['id']}/submit/?next=1"

    first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="n")
    retried = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="n")

    assert first.status_code == 201 and retried.status_code == 200
    following = first.json()["next"]
    assert following["snippet"]["id"] != task["snippet"]["id"] and following["version"] == 0
    # A retried request gets the same revision and the same next task, not a second one.
    assert retried.json()["id"] == first.json()["id"]
    assert retried.json()["next"]["id"] == following["id"]
    assert Assignment.objects.filter(annotator__username="annotator").count() == 2
    without = client.post(f"/api/v1/assignments/{following['id']}/submit/", {}, format="json")
    assert "next" not in without.json()


def test_submit_with_next_says_null_when_nothing_is_left(work_project, client_for):
    client = client_for("annotator")
    for _ in range(2):  # three snippets: two done, the third is the last one for them
        task = next_task(client, work_project).json()
        client.post(f"/api/v1/assignments/{task['id']}/submit/", {}, format="json")
    final = next_task(client, work_project).json()

    last = client.post(f"/api/v1/assignments/{final['id']}/submit/?next=1", {}, format="json")

    assert last.status_code == 201 and last.json()["next"] is None


def test_a_label_change_applies_to_the_next_submit(work_project, client_for):
    annotator = client_for("annotator")
    task = next_task(annotator, work_project).json()
    url = f"/api/v1/assignments/{task['id']}/submit/"
    assert annotator.post(url, {"classes": ["正面"]}, format="json").status_code == 201
    renamed = [{**label, "name": "积极"} if label["name"] == "正面" else label for label in LABELS]
    client_for("manager").patch(
        f"/api/v1/projects/{work_project.id}/", {"labels": renamed}, format="json"
    )

    refused = annotator.post(url, {"classes": ["正面"]}, format="json")
    accepted = annotator.post(url, {"classes": ["积极"]}, format="json")

    assert refused.status_code == 400 and accepted.status_code == 201


def test_with_overlap_the_snippet_closest_to_done_goes_first(work_project, client_for):
    annotator = client_for("annotator")
    skipped = next_task(annotator, work_project).json()
    annotator.post(f"/api/v1/assignments/{skipped['id']}/skip/", {"reason": "看不懂"})
    held = next_task(annotator, work_project).json()

    taken = next_task(client_for("reviewer"), work_project).json()

    # Overlap is 2: the snippet someone holds is finished before the older, untouched one.
    assert held["snippet"]["id"] > skipped["snippet"]["id"]
    assert taken["snippet"]["id"] == held["snippet"]["id"]


def test_a_superuser_outside_the_project_can_take_and_submit_tasks(work_project, api):
    api.force_authenticate(UserFactory(username="root", is_superuser=True))

    task = next_task(api, work_project).json()
    saved = api.put(
        f"/api/v1/assignments/{task['id']}/draft/", {"version": 0, "draft": {}}, format="json"
    )
    submitted = api.post(f"/api/v1/assignments/{task['id']}/submit/", {}, format="json")

    assert saved.status_code == 200 and submitted.status_code == 201
    assert next_task(api, work_project).json()["id"] != task["id"]


def test_batches_are_made_per_import_and_can_be_reserved(work_project, client_for, members):
    manager = client_for("manager")
    [batch] = manager.get(f"/api/v1/projects/{work_project.id}/batches/").json()
    assert (batch["name"], batch["snippets"], batch["status"]) == ("a.txt", 3, "annotating")

    reserved = manager.put(
        f"/api/v1/batches/{batch['id']}/assignees/", {"usernames": ["annotator"]}, format="json"
    )
    outside = next_task(client_for("reviewer"), work_project)
    inside = next_task(client_for("annotator"), work_project)

    assert reserved.status_code == 200 and reserved.json()["assignees"] == ["annotator"]
    assert outside.status_code == 204
    assert inside.status_code == 200


def test_a_batch_size_cuts_an_import_into_batches_of_that_size(project, client_for, upload):
    manager = client_for("manager")
    manager.patch(f"/api/v1/projects/{project.id}/", {"batch_size": 2}, format="json")
    text = "".join(f"第{n}段：聊城的数据标注基地。\n\n" for n in range(5))

    upload(project, "五段.txt", text.encode())

    batches = manager.get(f"/api/v1/projects/{project.id}/batches/").json()
    assert [(b["name"], b["snippets"]) for b in batches] == [
        ("五段.txt #1", 2),
        ("五段.txt #2", 2),
        ("五段.txt #3", 1),
    ]
    in_order = Snippet.objects.filter(project=project).order_by("id")
    assert [s.batch_id for s in in_order] == [batches[i // 2]["id"] for i in range(5)]


def test_only_annotators_of_the_project_can_be_reserved(work_project, client_for, members):
    batch_id = (
        client_for("manager").get(f"/api/v1/projects/{work_project.id}/batches/").json()[0]["id"]
    )

    response = client_for("manager").put(
        f"/api/v1/batches/{batch_id}/assignees/",
        {"usernames": ["reviewer", "outsider"]},
        format="json",
    )

    assert response.status_code == 400
    assert "outsider" in response.json()["usernames"][0]


@pytest.mark.parametrize("actor", ACTORS)
def test_batches_by_actor(work_project, client_for, members, actor):
    client = client_for(actor)
    batch_id = (
        client_for("manager").get(f"/api/v1/projects/{work_project.id}/batches/").json()[0]["id"]
    )

    listed = client.get(f"/api/v1/projects/{work_project.id}/batches/").status_code
    reserve = client.put(
        f"/api/v1/batches/{batch_id}/assignees/", {"usernames": ["annotator"]}, format="json"
    ).status_code

    from annotation.models import Batch

    reserved = Batch.objects.get(id=batch_id).assignees.exists()
    if actor == "manager":
        assert (listed, reserve, reserved) == (200, 200, True)
        return
    assert not reserved
    if actor == "anonymous":
        assert {listed, reserve} <= {401, 403}
    elif actor == "outsider":
        assert (listed, reserve) == (404, 404)
    elif actor == "reviewer":
        assert (listed, reserve) == (200, 403)
    else:
        assert (listed, reserve) == (403, 403)


def test_progress_counts_per_batch_and_per_annotator(
    work_project, client_for, members, django_assert_max_num_queries
):
    annotator = client_for("annotator")
    times = iter([6000, 9000])
    for _ in range(2):
        task = next_task(annotator, work_project).json()
        annotator.post(
            f"/api/v1/assignments/{task['id']}/submit/",
            {"time_spent_ms": next(times)},
            format="json",
        )
    third = next_task(annotator, work_project).json()
    annotator.post(f"/api/v1/assignments/{third['id']}/skip/", {"reason": "重复"})
    next_task(client_for("reviewer"), work_project)

    with django_assert_max_num_queries(6):
        body = client_for("manager").get(f"/api/v1/projects/{work_project.id}/progress/").json()

    [batch] = body["batches"]
    assert (batch["snippets"], batch["slots"]) == (3, 6)
    assert (batch["taken"], batch["submitted"], batch["skipped"]) == (4, 2, 1)
    assert (batch["in_progress"], batch["remaining"]) == (1, 3)
    people = {person["username"]: person for person in body["annotators"]}
    mine = people["annotator"]
    assert (mine["submitted"], mine["skipped"], mine["in_progress"]) == (2, 1, 0)
    assert mine["items_per_hour"] == round(2 / (15 / 3600), 1)
    assert 4 <= mine["median_seconds"] <= 12
    assert people["reviewer"]["in_progress"] == 1


@pytest.mark.parametrize("actor", ACTORS)
def test_progress_by_actor(work_project, client_for, actor):
    response = client_for(actor).get(f"/api/v1/projects/{work_project.id}/progress/")

    expected = {"anonymous": {401, 403}, "outsider": {404}, "client": {403}, "annotator": {403}}
    assert response.status_code in expected.get(actor, {200})


def test_my_progress_counts_today_and_what_is_left_of_the_batch(work_project, client_for):
    client = client_for("annotator")
    task = next_task(client, work_project).json()
    client.post(f"/api/v1/assignments/{task['id']}/submit/", {}, format="json")
    client.post(f"/api/v1/assignments/{task['id']}/submit/", {}, format="json")  # a 2nd revision
    batch = task["snippet"]["batch"]
    next_task(client_for("reviewer"), work_project)

    body = client.get(f"/api/v1/projects/{work_project.id}/my-progress/?batch={batch}").json()

    # Three snippets, overlap 2: the first is full (the annotator's and the reviewer's);
    # two are left that the annotator can take.
    assert body["done_today"] == 1
    assert body["batch"]["id"] == batch and body["batch"]["remaining"] == 2
    plain = client.get(f"/api/v1/projects/{work_project.id}/my-progress/").json()
    assert plain == {"done_today": 1, "batch": None}
    for _ in range(2):
        task = next_task(client, work_project).json()
        client.post(f"/api/v1/assignments/{task['id']}/submit/", {}, format="json")
    done = client.get(f"/api/v1/projects/{work_project.id}/my-progress/?batch={batch}").json()
    assert done["batch"]["remaining"] == 0  # slots are free, but none this annotator may take


@pytest.mark.parametrize("actor", ACTORS)
def test_my_progress_by_actor(work_project, client_for, actor):
    response = client_for(actor).get(f"/api/v1/projects/{work_project.id}/my-progress/")

    expected = {"anonymous": {401, 403}, "outsider": {404}, "client": {403}}.get(actor, {200})
    assert response.status_code in expected


@pytest.mark.parametrize("path", ["draft/", "submit/"])
def test_a_malformed_body_tells_strangers_nothing(work_project, client_for, members, path):
    task = next_task(client_for("annotator"), work_project).json()
    url = f"/api/v1/assignments/{task['id']}/{path}"
    bad = {"version": "x", "time_spent_ms": -1}
    method = "put" if path == "draft/" else "post"

    stranger = getattr(client_for("outsider"), method)(url, bad, format="json")
    owner = getattr(client_for("annotator"), method)(url, bad, format="json")

    assert stranger.status_code == 404
    assert owner.status_code == 400


@pytest.mark.parametrize("change", ["client", "removed"])
def test_a_member_made_a_client_or_removed_writes_no_more_to_held_work(
    work_project, client_for, members, change
):
    client = client_for("annotator")
    task = next_task(client, work_project).json()
    memberships = Membership.objects.filter(project=work_project, user=members["annotator"])
    if change == "client":
        memberships.update(role="client")
    else:
        memberships.delete()

    draft = client.put(
        f"/api/v1/assignments/{task['id']}/draft/",
        {"version": task["version"], "draft": {"classes": ["正面"]}},
        format="json",
    )
    submitted = client.post(
        f"/api/v1/assignments/{task['id']}/submit/",
        {"classes": ["正面"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    expected = 403 if change == "client" else 404
    assert (draft.status_code, submitted.status_code) == (expected, expected)
    assert not Revision.objects.exists()
    assert Assignment.objects.get(id=task["id"]).draft == {}


def test_a_skip_goes_to_someone_else_and_when_nobody_is_left_the_batch_completes(
    work_project, client_for, members, django_capture_on_commit_callbacks
):
    """Overlap 2, the batch reserved for two annotators: what one gives back the other
    already has, so nobody is left for it; the batch goes on to review without it."""
    batch = Batch.objects.get(project=work_project)
    batch.assignees.set([members["annotator"], members["reviewer"]])
    third = MembershipFactory(project=work_project, role="annotator").user
    skipped_snippet = None
    for actor in ("annotator", "reviewer"):
        client = client_for(actor)
        while (task := next_task(client, work_project)).status_code == 200:
            task = task.json()
            url = f"/api/v1/assignments/{task['id']}/"
            with django_capture_on_commit_callbacks(execute=True):
                if actor == "annotator" and skipped_snippet is None:
                    skipped_snippet = task["snippet"]["id"]
                    client.post(f"{url}skip/", {"reason": "原文有误"})
                else:
                    client.post(f"{url}submit/", {}, format="json")
    batch.refresh_from_db()

    assert batch.status == "reviewing"  # not held at n-1 of n for good
    skips = client_for("manager").get(f"/api/v1/projects/{work_project.id}/skips/").json()
    [skip] = skips["results"]
    assert (skip["annotator"], skip["reason"], skip["submitted"]) == ("annotator", "原文有误", 1)
    assert skip["snippet"]["id"] == skipped_snippet and skip["batch"]["status"] == "reviewing"
    assert (
        client_for("annotator").get(f"/api/v1/projects/{work_project.id}/skips/").status_code == 403
    )
    assert third.assignments.count() == 0  # not reserved for them


def test_a_skipped_slot_goes_to_another_annotator(work_project, client_for, members):
    first, second = client_for("annotator"), client_for("reviewer")
    given_back = next_task(first, work_project).json()
    first.post(f"/api/v1/assignments/{given_back['id']}/skip/", {"reason": "不会"})

    taken = []
    while (task := next_task(second, work_project)).status_code == 200:
        taken.append(task.json()["snippet"]["id"])
        second.post(f"/api/v1/assignments/{task.json()['id']}/submit/", {}, format="json")

    assert given_back["snippet"]["id"] in taken


def test_returned_work_is_counted_for_its_annotator_and_the_managers(
    work_project, client_for, members
):
    annotator = client_for("annotator")
    task = next_task(annotator, work_project).json()
    annotator.post(f"/api/v1/assignments/{task['id']}/submit/", {}, format="json")
    Assignment.objects.filter(id=task["id"]).update(status="returned", return_reason="漏标")

    mine = annotator.get("/api/v1/me/returned/").json()
    overseen = client_for("manager").get("/api/v1/me/returned/").json()
    nothing = client_for("client").get("/api/v1/me/returned/").json()

    assert mine == [{"project": work_project.id, "mine": 1, "all": None}]
    assert overseen == [{"project": work_project.id, "mine": 0, "all": 1}]
    assert nothing == []
