"""The work path's PostgreSQL functions (annotation.work.fastpath) against the full path."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from annotation.models import Assignment, Batch, OutboxMessage, Revision, Snippet, WorkTally
from annotation.work import fastpath
from annotation.work.cursors import prepared_cursor
from projects.models import Role
from tests.factories import MembershipFactory, ProjectFactory, snippets_make

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the functions need PostgreSQL"),
]

LABELS = [{"name": "地名", "kind": "spans"}, {"name": "甲", "kind": "classes"}]


def a_project(tag: str):
    project = ProjectFactory(kinds=["spans", "classes"], overlap=2)
    for label in LABELS:
        project.labels.create(**label)
    batch = Batch.objects.create(project=project, name="第一包", size=6)
    snippets_make(project, 6, batch=batch)
    clients = {}
    for name in ("a", "b", "c", "d"):
        member = MembershipFactory(project=project, role=Role.ANNOTATOR, user__username=tag + name)
        clients[name] = APIClient()
        clients[name].force_authenticate(member.user)
    return project, clients


def work_through(project, clients) -> list:
    """Every kind of step the functions take, and some they hand to the full path; what
    each step answered."""
    answers = []

    def next_task(who):
        response = clients[who].post(f"/api/v1/projects/{project.id}/tasks/next/")
        answers.append(("next", who, response.status_code))
        return response.json() if response.status_code == 200 else None

    def submit(who, task, key, ms, **extra):
        text = task["snippet"]["text"]
        body = {"spans": [{"start": 0, "end": 1, "label": "地名", "text": text[0]}], **extra}
        response = clients[who].post(
            f"/api/v1/assignments/{task['id']}/submit/?next=1",
            {**body, "classes": ["甲"], "time_spent_ms": ms},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        answer = response.json()
        answers.append(("submit", who, response.status_code, answer["number"], answer["late"]))
        return answer["next"]

    first = next_task("a")
    draft = {"version": 0, "draft": {"x": 1}}
    clients["a"].put(f"/api/v1/assignments/{first['id']}/draft/", draft, format="json")
    following = submit("a", first, "k1", 0)
    submit("a", first, "k1", 0)  # a retry: the same revision, no second next
    submit("a", first, "k2", 999)  # a second revision of the same work
    second = next_task("b")  # the snippet closest to done
    submit("b", second, "k3", 1000)
    third = next_task("c")
    Assignment.objects.filter(id=third["id"]).update(
        lease_expires_at=timezone.now() - timedelta(minutes=1)
    )
    # A lease ran out: the full path lets d take the slot over, and c's late work is kept
    # (its assignment stays expired).
    taken_over = next_task("d")
    answers.append(("taken over", taken_over["snippet"]["id"] == third["snippet"]["id"]))
    submit("c", third, "k4", 2_500)
    submit("a", following, "k5", 5_000_000)
    held = next_task("b")
    again = next_task("b")
    answers.append(("held", held["id"] == again["id"]))
    return answers


def state_of(project) -> dict:
    """What the database holds of the project's work, by snippet position and annotator."""
    by_user = lambda name: name[-1]  # noqa: E731
    return {
        "assignments": sorted(
            (a.snippet.position, by_user(a.annotator.username), a.status, a.version, a.draft)
            for a in Assignment.objects.filter(project=project).select_related(
                "snippet", "annotator"
            )
        ),
        "revisions": sorted(
            (
                r.assignment.snippet.position,
                by_user(r.annotator.username),
                r.number,
                r.spans,
                r.classes,
                r.segmentation,
                r.time_spent_ms,
                r.late,
                r.idempotency_key,
            )
            for r in Revision.objects.filter(assignment__project=project).select_related(
                "assignment__snippet", "annotator"
            )
        ),
        "tallies": sorted(
            (
                by_user(t.annotator.username),
                t.taken,
                t.submitted,
                t.skipped,
                t.expired,
                t.time_ms,
                t.durations,
            )
            for t in WorkTally.objects.filter(project=project).select_related("annotator")
        ),
        "slots": list(
            Snippet.objects.filter(project=project)
            .order_by("position")
            .values_list("slots_taken", flat=True)
        ),
        "outbox": sorted(
            (m.task, m.coalesce_key == f"batch:{m.args[0]}")
            for m in OutboxMessage.objects.filter(
                coalesce_key__in=[f"batch:{b.id}" for b in project.batches.all()]
            )
        ),
    }


def full_path_calls(monkeypatch) -> dict[str, int]:
    """How often the services' full paths run, counted from now on."""
    from annotation.work import services

    calls = {"_task_next": 0, "_submit": 0}
    for name in calls:
        original = getattr(services, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, counted)
    return calls


def test_the_functions_store_what_the_full_path_stores(broker_jobs, monkeypatch):
    calls = full_path_calls(monkeypatch)
    monkeypatch.setattr(fastpath, "ENABLED", False)
    full = a_project("full")
    full_answers = work_through(*full)
    full_calls = dict(calls)
    monkeypatch.setattr(fastpath, "ENABLED", True)
    fast = a_project("fast")
    fast_answers = work_through(*fast)
    fast_calls = {name: calls[name] - full_calls[name] for name in calls}

    # Without the functions every step takes the full path; with them only d's take-over of
    # the expired lease does (one claim).
    assert full_calls == {"_task_next": 12, "_submit": 6}  # 6 nexts, 6 submits with next
    assert fast_calls == {"_task_next": 1, "_submit": 0}
    assert fast_answers == full_answers
    assert ("taken over", True) in fast_answers
    assert state_of(fast[0]) == state_of(full[0])
    state = state_of(fast[0])
    # Seconds per item: 0 s and 0.999 s in bucket 0, 2.5 s in bucket 2, 5,000 s in the last.
    assert sorted(tally[-1] for tally in state["tallies"]) == sorted(
        [
            [1] + [0] * 11 + [1],  # a: 0 ms, then 5,000,000 ms
            [0, 1] + [0] * 11,  # b: 1,000 ms
            [0, 0, 1] + [0] * 10,  # c: 2,500 ms, late
            [0] * 13,  # d: took the slot over, submitted nothing
        ]
    )
    assert state["outbox"] == [("annotation.batch_check", True)]


def test_a_claim_is_one_query_and_a_submit_with_next_one(monkeypatch):
    project, clients = a_project("q")
    client = clients["a"]

    def sent(method, path, body=None):
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(path, body, format="json")
        return response, [
            " ".join(q["sql"].split()).split("(")[0].split(" JOIN")[0]
            for q in queries.captured_queries
        ]

    def submit(task, suffix=""):
        text = task["snippet"]["text"]
        body = {"spans": [{"start": 0, "end": 1, "label": "地名", "text": text[0]}]}
        return sent("post", f"/api/v1/assignments/{task['id']}/submit/{suffix}", body)

    task, claim = sent("post", f"/api/v1/projects/{project.id}/tasks/next/")
    submit(task.json())  # the first reads the project's labels
    task, _ = sent("post", f"/api/v1/projects/{project.id}/tasks/next/")
    answer, submitted = submit(task.json(), "?next=1")
    # A task handed out by another process: its text is read first.
    monkeypatch.setattr(fastpath, "_handed_out", fastpath.OrderedDict())
    elsewhere, read_first = submit(answer.json()["next"], "?next=1")

    assert answer.status_code == 201 and answer.json()["next"] is not None
    assert elsewhere.status_code == 201 and elsewhere.json()["next"] is not None
    assert claim == ["SELECT * FROM biaozhu_task_next"]
    assert submitted == ["SELECT * FROM biaozhu_submit"]
    assert read_first == [
        "SELECT s.text, a.project_id, p.updated_at, a.annotator_id FROM annotation_assignment a",
        "SELECT * FROM biaozhu_submit",
    ]


def prepared_statements() -> dict[str, str]:
    """The connection's prepared statements, by name."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return {name: " ".join(statement.split()) for name, statement in cursor.fetchall()}


def test_the_work_path_is_prepared_once_per_connection():
    project, clients = a_project("prep")
    client = clients["a"]
    task = client.post(f"/api/v1/projects/{project.id}/tasks/next/").json()

    def loop(task):
        draft = {"version": task["version"], "draft": {"spans": []}}
        saved = client.put(f"/api/v1/assignments/{task['id']}/draft/", draft, format="json")
        text = task["snippet"]["text"]
        body = {"spans": [{"start": 0, "end": 1, "label": "地名", "text": text[0]}]}
        submit = f"/api/v1/assignments/{task['id']}/submit/?next=1"
        answer = client.post(submit, body, format="json")
        assert saved.status_code == 200 and answer.status_code == 201
        return answer.json()["next"]

    task = loop(task)
    after_one = prepared_statements()
    for _ in range(2):
        task = loop(task)

    prepared = prepared_statements()
    assert prepared == after_one  # the later loops reuse them: nothing prepared again
    statements = set(prepared.values())
    assert "SELECT * FROM biaozhu_task_next($1, $2, $3)" in statements
    assert any(s.startswith("SELECT * FROM biaozhu_submit($1, $2,") for s in statements)
    assert any(s.startswith("UPDATE annotation_assignment AS a SET draft = $1") for s in statements)


def test_without_prepared_statements_the_work_path_binds_on_the_client(monkeypatch):
    options = dict(connection.settings_dict["OPTIONS"])
    options.pop("prepare_threshold", None)
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)  # BIAOZHU_DB_PREPARED=0
    with prepared_cursor() as cursor:
        assert isinstance(cursor.cursor, psycopg.ClientCursor)
    project, clients = a_project("noprep")
    answer = clients["a"].post(f"/api/v1/projects/{project.id}/tasks/next/")
    assert answer.status_code == 200


@pytest.mark.parametrize("case", ["gold", "paused", "client", "outsider", "rework"])
def test_what_the_functions_do_not_take_goes_the_full_path(case):
    project = ProjectFactory(kinds=["classes"])
    project.labels.create(name="甲", kind="classes")
    snippets_make(project, 3)
    role = Role.CLIENT if case == "client" else Role.ANNOTATOR
    member = MembershipFactory(project=project, role=role)
    user = member.user
    if case == "outsider":
        member.delete()
    if case == "paused":
        member.paused_at = timezone.now()
        member.save(update_fields=["paused_at"])
    if case == "gold":
        project.gold_percent = 50
        project.save(update_fields=["gold_percent"])
    if case == "rework":
        from tests.factories import work_submitted

        work_submitted(Snippet.objects.filter(project=project).first(), user, status="returned")

    claim = fastpath.task_next(project_id=project.id, user_id=user.id, now=timezone.now())

    assert claim.outcome == ("held" if case == "rework" else "python")
    assert not Assignment.objects.filter(project=project, status="active").exists()
    assert not WorkTally.objects.filter(project=project).exists()
    assert sum(Snippet.objects.filter(project=project).values_list("slots_taken", flat=True)) == 0


@pytest.mark.parametrize("case", ["gold", "returned", "skipped", "settings changed", "not theirs"])
def test_what_the_submit_function_does_not_take_it_leaves_untouched(case):
    project = ProjectFactory(kinds=["classes"])
    project.labels.create(name="甲", kind="classes")
    snippets_make(project, 1)
    member = MembershipFactory(project=project, role=Role.ANNOTATOR)
    snippet = Snippet.objects.get(project=project)
    assignment = Assignment.objects.create(
        project=project,
        snippet=snippet,
        annotator=member.user,
        lease_expires_at=timezone.now() + timedelta(minutes=30),
        status={"returned": "returned", "skipped": "skipped"}.get(case, "active"),
    )
    version = project.updated_at
    if case == "gold":
        Snippet.objects.filter(id=snippet.id).update(gold=True)
    if case == "settings changed":
        version -= timedelta(seconds=1)
    user_id = MembershipFactory(project=project).user_id if case == "not theirs" else None

    submission = fastpath.Submission(
        assignment_id=assignment.id,
        key="k",
        project_version=version,
        annotation={"spans": [], "classes": ["甲"], "segmentation": []},
        time_ms=1000,
        now=timezone.now(),
        check_task="annotation.batch_check",
        then_next=True,
    )
    stored = fastpath.submit(user_id=user_id or member.user_id, submission=submission)

    assert stored.outcome == "python" and stored.following is None
    assert not Revision.objects.exists() and not WorkTally.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert Assignment.objects.get(id=assignment.id).submitted_at is None
    assert Assignment.objects.filter(project=project).count() == 1  # no next task claimed
