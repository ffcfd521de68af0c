"""The common path of a claim and of a submit in one call to PostgreSQL.

annotation.work.statements runs a claim as seven round trips to the database and a
submit as eight; the functions of migration 0016 run the same statements in one. They
answer ``python`` whenever the case is not the common one, having changed nothing, and
annotation.work.services then runs its full path (which is also the only path on
SQLite). Each call is one statement: outside a transaction it is its own, so a request
on this path pays no BEGIN and COMMIT round trips either; and a prepared one, so it is
parsed and planned once per connection (annotation.work.cursors).

A request with an API token is authenticated by the same statement: ``*_by_token`` join
the call to the token (annotation.work.views.TokenInStatement), so a claim or a submit
costs its one round trip and no other.
"""

import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from annotation.work.cursors import prepared_cursor

# Tests set this to False to run the full path on PostgreSQL too.
ENABLED = True

_TASK_NEXT = "SELECT * FROM biaozhu_task_next(%s, %s, %s)"
_SUBMIT = "SELECT * FROM biaozhu_submit(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"

# What a submit checks its body against, read before the assignment is locked: the text
# of a snippet never changes, and the function refuses the project's settings if they
# changed since (their version is its updated_at). Whether the function takes the
# assignment at all (gold, rework, skipped) it decides itself, under the lock.
_SUBMIT_READ = """
SELECT s.text, a.project_id, p.updated_at, a.annotator_id
FROM annotation_assignment a
JOIN annotation_snippet s ON s.id = a.snippet_id
JOIN projects_project p ON p.id = a.project_id
WHERE a.id = %s AND a.annotator_id = {annotator}
"""
_SUBMIT_READ_BY_USER = _SUBMIT_READ.format(annotator="%s")
_SUBMIT_READ_BY_TOKEN = _SUBMIT_READ.format(
    annotator="(SELECT t.user_id FROM authtoken_token t WHERE t.key = %s)"
)


def _by_token(call: str) -> str:
    """``call`` for the holder of an API token (annotation.work.views.TokenInStatement),
    checked in the same statement: the token names an active user who is not a
    superuser (theirs take the full path), and ``call`` gets their id as ``u.id``. No row:
    the token did not. The token is the last parameter."""
    return f"""
SELECT u.id, u.username, s.*
FROM authtoken_token t
JOIN accounts_user u ON u.id = t.user_id AND u.is_active AND NOT u.is_superuser
CROSS JOIN LATERAL {call} s
WHERE t.key = %s
"""


_TASK_NEXT_BY_TOKEN = _by_token("biaozhu_task_next(%s, u.id, %s)")
_SUBMIT_BY_TOKEN = _by_token("biaozhu_submit(%s, u.id, %s, %s, %s, %s, %s, %s, %s, %s, %s)")


def enabled() -> bool:
    return ENABLED and connection.vendor == "postgresql"


def _row(sql: str, params: list) -> tuple:
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@dataclass(frozen=True)
class SubmitRead:
    """What a submit checks its body against."""

    text: str
    project_id: int
    project_version: datetime
    annotator_id: int


@dataclass(frozen=True)
class Claim:
    outcome: str  # "new", "held" (assignment_id only) or "python"
    assignment_id: int | None
    snippet_id: int | None
    batch_id: int | None
    text: str | None
    tokens: str | None
    suggestions: Any
    lease_expires_at: datetime | None
    project_version: datetime | None


@dataclass(frozen=True)
class Holder:
    """The holder of an API token, and what their call answered."""

    user_id: int
    username: str
    answer: "Claim | Stored"


def _claim(project_id: int, user_id: int, *row) -> Claim:
    *row, suggestions, lease, version = row
    if isinstance(suggestions, str):
        suggestions = json.loads(suggestions)
    claim = Claim(*row, suggestions, lease, version)
    if claim.outcome == "new":
        _remember(claim.assignment_id, SubmitRead(claim.text, project_id, version, user_id))
    return claim


def task_next(*, project_id: int, user_id: int, now: datetime) -> Claim:
    """Claim a free slot for a member of the project, or name the task they hold."""
    return _claim(project_id, user_id, *_row(_TASK_NEXT, [project_id, user_id, now]))


def task_next_by_token(*, project_id: int, token: str, now: datetime) -> Holder | None:
    """task_next for the holder of the API token ``token``: who they are and the claim;
    None when the token names no active user who is not a superuser."""
    row = _row(_TASK_NEXT_BY_TOKEN, [project_id, now, token])
    if row is None:
        return None
    user_id, username, *claim = row
    return Holder(user_id, username, _claim(project_id, user_id, *claim))


# What the assignments this process handed out were, for their submits: a browser keeps
# its connection, and a gunicorn worker serves a connection from start to end, so the
# submit of a task usually comes to the process that handed it out and needs no read.
# Safe to be stale: a snippet's text and an assignment's project never change, and
# biaozhu_submit refuses a project version that is no longer the project's.
_handed_out: OrderedDict[int, SubmitRead] = OrderedDict()
HANDED_OUT_KEPT = 10_000


def _remember(assignment_id: int, read: SubmitRead) -> None:
    _handed_out[assignment_id] = read
    while len(_handed_out) > HANDED_OUT_KEPT:
        try:
            _handed_out.popitem(last=False)
        except KeyError:  # another thread emptied it meanwhile
            break


def submit_read(*, assignment_id: int, user_id: int) -> SubmitRead | None:
    """The annotator's own assignment as a submit checks its body against it; None when
    it is not theirs. Remembered from its claim in this process, or read."""
    known = _handed_out.get(assignment_id)
    if known is not None:
        return known if known.annotator_id == user_id else None
    row = _row(_SUBMIT_READ_BY_USER, [assignment_id, user_id])
    return None if row is None else SubmitRead(*row)


def submit_read_by_token(*, assignment_id: int, token: str) -> SubmitRead | None:
    """submit_read for the holder of an API token. What is remembered is not checked
    against the token: submit_by_token does that, under the assignment's lock."""
    known = _handed_out.get(assignment_id)
    if known is not None:
        return known
    row = _row(_SUBMIT_READ_BY_TOKEN, [assignment_id, token])
    return None if row is None else SubmitRead(*row)


@dataclass(frozen=True)
class Stored:
    outcome: str  # "created", "same" (revision_id, project_id, batch_id) or "python"
    revision_id: int | None
    number: int | None
    late: bool | None
    project_id: int | None
    batch_id: int | None
    following: Claim | None  # the next task's claim, when asked for


@dataclass(frozen=True)
class Submission:
    """A checked annotation for biaozhu_submit, with what the submit asks of it."""

    assignment_id: int
    key: str
    project_version: datetime
    annotation: dict
    time_ms: int
    now: datetime
    check_task: str | None  # the batch check's task for the outbox; None: no broker
    then_next: bool

    def params(self) -> list:
        """biaozhu_submit's parameters after the user, in order."""
        dumped = [json.dumps(self.annotation[name], ensure_ascii=False) for name in _KINDS]
        version, key = self.project_version, self.key
        return [key, version, *dumped, self.time_ms, self.now, self.check_task, self.then_next]


def _stored(user_id: int, submission: Submission, row: tuple) -> Stored:
    outcome, revision_id, number, late, project_id, batch_id, *claimed = row
    following = None
    if submission.then_next and outcome != "python":
        following = _claim(project_id, user_id, *claimed)
    return Stored(outcome, revision_id, number, late, project_id, batch_id, following)


def submit(*, user_id: int, submission: Submission) -> Stored:
    """Store the checked annotation as the next revision of the annotator's own
    assignment, count a first submit and, with ``check_task``, write that job's outbox
    row for the batch, all in one transaction; with ``then_next``, claim the annotator's
    next task in it too."""
    params = [submission.assignment_id, user_id, *submission.params()]
    return _stored(user_id, submission, _row(_SUBMIT, params))


def submit_by_token(*, token: str, submission: Submission) -> Holder | None:
    """submit for the holder of the API token ``token``: who they are and what was
    stored; None when the token names no active user who is not a superuser."""
    row = _row(_SUBMIT_BY_TOKEN, [submission.assignment_id, *submission.params(), token])
    if row is None:
        return None
    user_id, username, *stored = row
    return Holder(user_id, username, _stored(user_id, submission, stored))


_KINDS = ("spans", "classes", "segmentation")
