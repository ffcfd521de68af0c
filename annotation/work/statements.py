"""The SQL of the work path: claiming tasks, submitting, counting.

Asking for a task and submitting one are the hottest requests of the platform: every
annotator, every few seconds. Through the ORM they took ten statements each and spent
half their time compiling them; here each step is one short statement whose text is
built once (docs/architecture.md, "The work path"). They run inside the caller's
transaction; the services in annotation.work.services decide what to run.

On PostgreSQL the claims lock rows ``FOR UPDATE ... SKIP LOCKED``, so concurrent annotators
never wait for, nor take, the same slot. SQLite runs one writer at a time and has no row
locks; the same statements run there without the locking clauses.
"""

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from annotation.models import AssignmentStatus
from annotation.work import tally
from annotation.work.cursors import prepared_cursor

ACTIVE = AssignmentStatus.ACTIVE.value
EXPIRED = AssignmentStatus.EXPIRED.value
SUBMITTED = AssignmentStatus.SUBMITTED.value
RETURNED = AssignmentStatus.RETURNED.value
BUSY_WAIT_SECONDS = 2.0  # how long a claim retries while every open snippet is held

# A batch reserved for named annotators is open to them only; any other batch to everyone.
_RESERVATION_ALLOWS = """(
    NOT EXISTS (SELECT 1 FROM annotation_batch_assignees r WHERE r.batch_id = s.batch_id)
    OR EXISTS (
        SELECT 1 FROM annotation_batch_assignees r
        WHERE r.batch_id = s.batch_id AND r.user_id = %(user)s
    )
)"""

# What the annotator holds: their own assignment with a live lease, or work returned to
# them for rework; and whether any lease in the project ran out.
_HELD = """
    (SELECT a.id FROM annotation_assignment a
     WHERE a.project_id = %(project)s AND a.annotator_id = %(user)s
       AND a.status IN (%(active)s, %(returned)s)
       AND (a.status = %(returned)s OR a.lease_expires_at > %(now)s)
     ORDER BY a.id LIMIT 1),
    EXISTS (SELECT 1 FROM annotation_assignment a
            WHERE a.project_id = %(project)s AND a.status = %(active)s
              AND a.lease_expires_at <= %(now)s)
"""

_SEAT = """
SELECT m.role, p.overlap, p.lease_minutes, p.gold_percent, m.paused_at IS NOT NULL
FROM projects_membership m JOIN projects_project p ON p.id = m.project_id
WHERE m.project_id = %(project)s AND m.user_id = %(user)s
{lock}
"""

# Superusers act as managers in projects they are not members of: no row to lock.
_SEAT_SUPERUSER = """
SELECT 'manager', p.overlap, p.lease_minutes, p.gold_percent, FALSE
FROM projects_project p WHERE p.id = %(project)s
"""

_STALE = f"""
SELECT a.id, a.snippet_id, a.annotator_id, s.batch_id
FROM annotation_assignment a JOIN annotation_snippet s ON s.id = a.snippet_id
WHERE a.project_id = %(project)s AND a.status = %(active)s AND a.lease_expires_at <= %(now)s
  AND NOT s.gold
  AND NOT EXISTS (SELECT 1 FROM annotation_assignment b
                  WHERE b.snippet_id = a.snippet_id AND b.annotator_id = %(user)s)
  AND {_RESERVATION_ALLOWS}
ORDER BY a.lease_expires_at
LIMIT 1 {{lock}}
"""

# Snippets closest to done come first (most slots taken, then oldest): with overlap k > 1
# a snippet gets its k annotations before fresh ones are opened. The index
# snippet_claim_order (project, -slots_taken, id) serves this order, so a claim reads a
# few index entries however much of the project is done.
# A snippet with room that the annotator never had.
_OPEN = f"""
    s.project_id = %(project)s AND s.slots_taken < %(overlap)s AND NOT s.gold
    AND {_RESERVATION_ALLOWS}
    AND NOT EXISTS (SELECT 1 FROM annotation_assignment a
                    WHERE a.snippet_id = s.id AND a.annotator_id = %(user)s)
"""

_FREE = f"""
UPDATE annotation_snippet SET slots_taken = slots_taken + 1
WHERE id = (
    SELECT s.id FROM annotation_snippet s WHERE {_OPEN}
    ORDER BY s.slots_taken DESC, s.id
    LIMIT 1 {{lock}}
)
RETURNING id, batch_id, text, tokens, suggestions
"""

_ANY_OPEN = f"SELECT EXISTS (SELECT 1 FROM annotation_snippet s WHERE {_OPEN})"

# Gold items sit outside the pool: any annotator who never had one may get it, and no
# slot is counted.
_GOLD = """
SELECT s.id, s.batch_id, s.text, s.tokens, s.suggestions
FROM annotation_golditem g JOIN annotation_snippet s ON s.id = g.snippet_id
WHERE g.project_id = %(project)s
  AND NOT EXISTS (SELECT 1 FROM annotation_assignment a
                  WHERE a.snippet_id = s.id AND a.annotator_id = %(user)s)
ORDER BY g.id
LIMIT 1
"""

_TASKS_HANDED = """
SELECT COUNT(*) FROM annotation_assignment a
WHERE a.project_id = %(project)s AND a.annotator_id = %(user)s
"""

_INSERT_ASSIGNMENT = """
INSERT INTO annotation_assignment
    (project_id, snippet_id, annotator_id, status, lease_expires_at, draft, version,
     skip_reason, return_reason, created_at)
VALUES (%(project)s, %(snippet)s, %(user)s, %(active)s, %(lease)s, '{}', 0, '', '', %(now)s)
RETURNING id
"""

_MEMBER_OR_SUPERUSER = """(%(superuser)s OR EXISTS (
    SELECT 1 FROM projects_membership m
    WHERE m.project_id = a.project_id AND m.user_id = %(user)s))"""

_DRAFT_OWN = f"""
UPDATE annotation_assignment AS a SET draft = %(draft)s, version = a.version + 1
WHERE a.id = %(assignment)s AND a.annotator_id = %(user)s AND a.version = %(version)s
  AND {_MEMBER_OR_SUPERUSER}
"""

# The same compare-and-set for the holder of an API token (annotation.work.views): the
# token names an active user, not a superuser (their writes take the full path).
_DRAFT_BY_TOKEN = """
UPDATE annotation_assignment AS a SET draft = %(draft)s, version = a.version + 1
WHERE a.id = %(assignment)s AND a.version = %(version)s
  AND a.annotator_id = (
    SELECT t.user_id FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id
    WHERE t.key = %(key)s AND u.is_active AND NOT u.is_superuser)
  AND EXISTS (
    SELECT 1 FROM projects_membership m
    WHERE m.project_id = a.project_id AND m.user_id = a.annotator_id)
"""

_OWN = f"""
SELECT a.id, a.project_id, a.status, a.lease_expires_at < %(now)s, s.text, s.batch_id,
    a.snippet_id, s.gold, p.updated_at,
    (SELECT MAX(r.number) FROM annotation_revision r WHERE r.assignment_id = a.id),
    (SELECT r.id FROM annotation_revision r
     WHERE r.assignment_id = a.id AND r.idempotency_key = %(key)s AND %(key)s <> '')
FROM annotation_assignment a
JOIN annotation_snippet s ON s.id = a.snippet_id
JOIN projects_project p ON p.id = a.project_id
WHERE a.id = %(assignment)s AND a.annotator_id = %(user)s AND {_MEMBER_OR_SUPERUSER}
{{lock}}
"""

_INSERT_REVISION = """
INSERT INTO annotation_revision
    (assignment_id, number, annotator_id, spans, classes, segmentation, time_spent_ms, late,
     idempotency_key, created_at)
VALUES (%(assignment)s, %(number)s, %(user)s, %(spans)s, %(classes)s, %(segmentation)s,
        %(time_ms)s, %(late)s, %(key)s, %(now)s)
ON CONFLICT (assignment_id, number) DO NOTHING
RETURNING id
"""

_MARK_SUBMITTED = """
UPDATE annotation_assignment
SET status = CASE WHEN status = %(expired)s THEN status ELSE %(submitted)s END,
    submitted_at = %(now)s
WHERE id = %(assignment)s
"""


def _lock(clause: str) -> str:
    return clause if connection.features.has_select_for_update_skip_locked else ""


def _run(sql: str, **values: Any) -> tuple | None:
    """Run one statement; return its first row. Datetimes go in the form the database
    stores them; the status names are always at hand as %(active)s, %(expired)s and
    %(submitted)s."""
    adapt = connection.ops.adapt_datetimefield_value
    params = {"active": ACTIVE, "expired": EXPIRED, "submitted": SUBMITTED, "returned": RETURNED}
    for name, value in values.items():
        params[name] = adapt(value) if isinstance(value, datetime) else value
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def _new_id(sql: str, **values: Any) -> int:
    """Run an INSERT … RETURNING id; return the id."""
    row = _run(sql, **values)
    assert row is not None
    return row[0]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Seat:
    """The annotator's place in the project, for handing out a task."""

    role: str
    overlap: int
    lease_minutes: int
    gold_percent: int
    paused: bool
    mine: int | None  # their own assignment with a live lease
    any_expired: bool  # whether some lease in the project ran out


def seat_lock(*, project_id: int, user_id: int, superuser: bool, now: datetime) -> Seat | None:
    """Lock the annotator's membership row, so that one annotator's claims run one at a
    time (a double click gets one task), and read their seat; None for non-members.

    What they hold is read by a second statement: under READ COMMITTED a statement that
    waited for the lock still sees the rows of its starting snapshot, so it would miss
    the assignment the claim it waited for has just committed.
    """
    values = {"project": project_id, "user": user_id, "now": now}
    row = _run(_SEAT.format(lock=_lock("FOR NO KEY UPDATE OF m")), **values)
    if row is None and superuser:
        row = _run(_SEAT_SUPERUSER, **values)
    if row is None:
        return None
    held = _run(f"SELECT {_HELD}", **values)
    assert held is not None
    return Seat(*row, held[0], bool(held[1]))


@dataclass(frozen=True)
class Stale:
    assignment_id: int
    snippet_id: int
    annotator_id: int
    batch_id: int | None


def take_stale(*, project_id: int, user_id: int, now: datetime) -> Stale | None:
    """Lock the assignment whose lease ran out first, on a snippet the annotator never had,
    and mark it expired: its slot is theirs to take."""
    values = {"project": project_id, "user": user_id, "now": now}
    row = _run(_STALE.format(lock=_lock("FOR UPDATE OF a SKIP LOCKED")), **values)
    if row is None:
        return None
    _run("UPDATE annotation_assignment SET status = %(expired)s WHERE id = %(id)s", id=row[0])
    return Stale(*row)


@dataclass(frozen=True)
class FreeSlot:
    snippet_id: int
    batch_id: int | None
    text: str
    tokens: str
    suggestions: list


def take_gold(*, project_id: int, user_id: int) -> FreeSlot | None:
    """A gold item the annotator never had, if any is left for them."""
    row = _run(_GOLD, project=project_id, user=user_id)
    if row is None:
        return None
    snippet_id, batch_id, text, tokens, suggestions = row
    return FreeSlot(snippet_id, batch_id, text, tokens, _json(suggestions))


def tasks_handed(*, project_id: int, user_id: int) -> int:
    """How many tasks the annotator was ever given in the project."""
    row = _run(_TASKS_HANDED, project=project_id, user=user_id)
    assert row is not None
    return row[0]


def take_free(*, project_id: int, user_id: int, overlap: int) -> FreeSlot | None:
    """Take a free slot of a snippet with room that the annotator never had.

    Rows other claims hold are skipped. When every row with room is held at that moment,
    the claim tries again for up to BUSY_WAIT_SECONDS rather than answer that nothing is
    left. It never waits on a row lock: claims see snippets in an order that changes as
    slots fill, and waiting on rows in different orders deadlocks.
    """
    values = {"project": project_id, "user": user_id, "overlap": overlap}
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        row = _run(_FREE.format(lock=_lock("FOR UPDATE OF s SKIP LOCKED")), **values)
        if row is not None:
            break
        busy = _run(_ANY_OPEN, **values)
        if not (busy and busy[0]) or time.monotonic() > deadline:
            return None
        time.sleep(0.01)
    snippet_id, batch_id, text, tokens, suggestions = row
    return FreeSlot(snippet_id, batch_id, text, tokens, _json(suggestions))


def assignment_insert(
    *, project_id: int, snippet_id: int, user_id: int, lease: datetime, now: datetime
) -> int:
    return _new_id(
        _INSERT_ASSIGNMENT,
        project=project_id,
        snippet=snippet_id,
        user=user_id,
        lease=lease,
        now=now,
    )


@dataclass(frozen=True)
class Own:
    """The annotator's own assignment, as a submit sees it under its row lock."""

    id: int
    project_id: int
    status: str
    lease_over: bool
    text: str
    batch_id: int | None
    snippet_id: int
    gold: bool
    project_version: Any  # the project's updated_at, as the database gives it
    last_number: int | None  # of the latest revision; None before the first
    same_key: int | None  # the revision stored under this idempotency key, if any


def own_lock(
    *, assignment_id: int, user_id: int, superuser: bool, idempotency_key: str, now: datetime
) -> Own | None:
    """Lock the annotator's own assignment (in a project they are a member of; superusers
    anywhere) and read what a submit needs; None when it is not theirs.

    Only the assignment row is locked: locking the joined snippet and project rows too
    would deadlock with claims and inserts that reference them.
    """
    row = _run(
        _OWN.format(lock=_lock("FOR UPDATE OF a")),
        assignment=assignment_id,
        user=user_id,
        superuser=superuser,
        key=idempotency_key,
        now=now,
    )
    if row is None:
        return None
    id_, project_id, status, lease_over, text, batch_id, snippet_id, gold, *rest = row
    return Own(
        id_, project_id, status, bool(lease_over), text, batch_id, snippet_id, bool(gold), *rest
    )


def draft_save_own(
    *, assignment_id: int, user_id: int, superuser: bool, version: int, draft: dict
) -> bool:
    """Compare-and-set the draft of the annotator's own assignment (in a project they are
    a member of; superusers anywhere); False when it did not apply. A prepared statement:
    an open workspace autosaves every few seconds."""
    return _draft_set(
        _DRAFT_OWN,
        draft,
        assignment=assignment_id,
        user=user_id,
        version=version,
        superuser=superuser,
    )


def draft_save_by_token(*, assignment_id: int, token: str, version: int, draft: dict) -> bool:
    """draft_save_own for the holder of the API token ``token``, checked in the same
    statement; False when it did not apply (for any reason: the caller authenticates
    and asks again)."""
    return _draft_set(_DRAFT_BY_TOKEN, draft, assignment=assignment_id, key=token, version=version)


def _draft_set(sql: str, draft: dict, **params: Any) -> bool:
    """Run one of the autosave's compare-and-sets; whether it applied."""
    with prepared_cursor() as cursor:
        cursor.execute(sql, {"draft": json.dumps(draft, ensure_ascii=False), **params})
        return cursor.rowcount == 1


def revision_insert(
    *, own: Own, user_id: int, annotation: dict, time_ms: int, late: bool, key: str, now: datetime
) -> int | None:
    """Insert the next revision; return its id, or None when its number is taken: another
    submit of the assignment committed while ``own_lock`` waited for the row, and the
    lock's statement read the revisions as they were before the wait (READ COMMITTED)."""
    row = _run(
        _INSERT_REVISION,
        assignment=own.id,
        number=(own.last_number or 0) + 1,
        user=user_id,
        spans=json.dumps(annotation["spans"], ensure_ascii=False),
        classes=json.dumps(annotation["classes"], ensure_ascii=False),
        segmentation=json.dumps(annotation["segmentation"], ensure_ascii=False),
        time_ms=time_ms,
        late=late,
        key=key,
        now=now,
    )
    return None if row is None else row[0]


def assignment_mark_submitted(*, assignment_id: int, now: datetime) -> None:
    """Submitted, unless its slot went to someone else (then it stays expired)."""
    _run(_MARK_SUBMITTED, assignment=assignment_id, now=now)


def _tally_where(batch_id: int | None) -> str:
    batch = "batch_id IS NULL" if batch_id is None else "batch_id = %(batch)s"
    return f"project_id = %(project)s AND annotator_id = %(user)s AND {batch}"


def _tally_insert(*, project_id: int, batch_id: int | None, annotator_id: int, **counts: int):
    _run(
        "INSERT INTO annotation_worktally (project_id, batch_id, annotator_id, taken, skipped,"
        " expired, submitted, time_ms, durations)"
        " VALUES (%(project)s, %(batch)s, %(user)s, %(taken)s, %(skipped)s, %(expired)s, 0, 0,"
        " %(durations)s)",
        project=project_id,
        batch=batch_id,
        user=annotator_id,
        **{"taken": 0, "skipped": 0, "expired": 0, **counts},
        durations=json.dumps([0] * tally.BUCKETS),
    )


def tally_add(*, project_id: int, batch_id: int | None, annotator_id: int, field: str) -> None:
    """Add one to a counter of the annotator's row on the batch: one UPDATE, or an INSERT
    the first time. Each annotator's claims are serialised by their membership lock, so
    two first times cannot race for the same row."""
    assert field in ("taken", "skipped", "expired")
    values = {"project": project_id, "batch": batch_id, "user": annotator_id}
    with connection.cursor() as cursor:
        where = _tally_where(batch_id)
        cursor.execute(
            f"UPDATE annotation_worktally SET {field} = {field} + 1 WHERE {where}", values
        )
        if cursor.rowcount:
            return
    _tally_insert(project_id=project_id, batch_id=batch_id, annotator_id=annotator_id, **{field: 1})


def tally_submitted(*, project_id: int, batch_id: int | None, annotator_id: int, ms: int) -> None:
    """Count a first submit, and its time, on the annotator's row (made by their claim)."""
    values = {"project": project_id, "batch": batch_id, "user": annotator_id}
    select = f"SELECT id, durations FROM annotation_worktally WHERE {_tally_where(batch_id)}"
    row = _run(f"{select} {_lock('FOR UPDATE')}", **values)
    if row is None:  # a row made before counters were kept
        _tally_insert(project_id=project_id, batch_id=batch_id, annotator_id=annotator_id)
        row = _run(select, **values)
        assert row is not None
    _run(
        "UPDATE annotation_worktally SET submitted = submitted + 1, time_ms = time_ms + %(ms)s,"
        " durations = %(durations)s WHERE id = %(id)s",
        ms=ms,
        durations=json.dumps(tally.add(_json(row[1]), ms / 1000)),
        id=row[0],
    )
