"""The SQL of the work path: claiming tasks, autosaving, submitting, counting.

Asking for a task and submitting one are the hottest requests of the platform: every
annotator, every few seconds. Through the ORM they took ten statements each; here each
step is one short statement (docs/architecture.md, "The work path"). They run inside the
caller's transaction; the services in annotation.work.services decide what to run. This
module is the only SQL of the work path, and both databases run all of it.

On PostgreSQL the claims lock rows ``FOR UPDATE ... SKIP LOCKED``, so concurrent annotators
never wait for, nor take, the same slot. SQLite runs one writer at a time and has no row
locks; the same statements run there without the locking clauses.

Every statement names its columns, and rows come back as dataclasses by those names.
"""

import json
import time
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection

from annotation.core.validation import PARTS
from annotation.models import AssignmentStatus, Snippet
from annotation.work import tally
from projects.models import TASK_ROLES

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
# them for rework (which has no lease: it waits for them however old it is); and whether
# any lease in the project ran out.
_HELD = """
SELECT
    (SELECT a.id FROM annotation_assignment a
     WHERE a.project_id = %(project)s AND a.annotator_id = %(user)s
       AND a.status IN (%(active)s, %(returned)s)
       AND (a.status = %(returned)s OR a.lease_expires_at > %(now)s)
     ORDER BY a.id LIMIT 1) AS mine,
    EXISTS (SELECT 1 FROM annotation_assignment a
            WHERE a.project_id = %(project)s AND a.status = %(active)s
              AND a.lease_expires_at <= %(now)s) AS any_expired
"""

_SEAT = """
SELECT m.role AS role, p.overlap AS overlap, p.lease_minutes AS lease_minutes,
    p.gold_percent AS gold_percent, m.paused_at IS NOT NULL AS paused,
    p.archived_at IS NOT NULL AS archived
FROM projects_membership m JOIN projects_project p ON p.id = m.project_id
WHERE m.project_id = %(project)s AND m.user_id = %(user)s
{lock}
"""

# Superusers act as managers in projects they are not members of: no row to lock.
_SEAT_SUPERUSER = """
SELECT 'manager' AS role, p.overlap AS overlap, p.lease_minutes AS lease_minutes,
    p.gold_percent AS gold_percent, FALSE AS paused, p.archived_at IS NOT NULL AS archived
FROM projects_project p WHERE p.id = %(project)s
"""

_STALE = f"""
SELECT a.id AS assignment_id, a.snippet_id AS snippet_id, a.annotator_id AS annotator_id,
    s.batch_id AS batch_id
FROM annotation_assignment a JOIN annotation_snippet s ON s.id = a.snippet_id
WHERE a.project_id = %(project)s AND a.status = %(active)s AND a.lease_expires_at <= %(now)s
  AND {Snippet.POOLED_SQL}
  AND NOT EXISTS (SELECT 1 FROM annotation_assignment b
                  WHERE b.snippet_id = a.snippet_id AND b.annotator_id = %(user)s)
  AND {_RESERVATION_ALLOWS}
ORDER BY a.lease_expires_at
LIMIT 1 {{lock}}
"""

_EXPIRE = "UPDATE annotation_assignment SET status = %(expired)s WHERE id = %(assignment)s"

# Snippets closest to done come first (most slots taken, then the highest claim_rank, then
# oldest): with overlap k > 1 a snippet gets its k annotations before fresh ones are
# opened. claim_rank is 0 but where active learning ranked the open snippets (the project
# model's most uncertain highest, a random share among them: annotation.suggesting.
# ranking), so the claim itself calls no model, and a snippet that came since waits behind
# the ranked ones. The index snippet_claim_order (project, -slots_taken, -claim_rank, id)
# serves this order, so a claim reads a few index entries however much of the project is
# done.
# A snippet with room that the annotator never had.
_OPEN = f"""
    s.project_id = %(project)s AND s.slots_taken < %(overlap)s AND {Snippet.POOLED_SQL}
    AND {_RESERVATION_ALLOWS}
    AND NOT EXISTS (SELECT 1 FROM annotation_assignment a
                    WHERE a.snippet_id = s.id AND a.annotator_id = %(user)s)
"""

_SLOT_COLUMNS = (
    "id AS snippet_id, batch_id AS batch_id, text AS text, tokens AS tokens,"
    " suggestions AS suggestions, suggested AS suggested"
)

_FREE = f"""
UPDATE annotation_snippet SET slots_taken = slots_taken + 1
WHERE id = (
    SELECT s.id FROM annotation_snippet s WHERE {_OPEN}
    ORDER BY s.slots_taken DESC, s.claim_rank DESC, s.id
    LIMIT 1 {{lock}}
)
RETURNING {_SLOT_COLUMNS}
"""

_ANY_OPEN = f"SELECT EXISTS (SELECT 1 FROM annotation_snippet s WHERE {_OPEN}) AS any_open"

# Gold items sit outside the pool: any annotator who never had one may get it, and no
# slot is counted.
_GOLD = f"""
SELECT {_SLOT_COLUMNS}
FROM annotation_snippet
WHERE id = (
    SELECT g.snippet_id FROM annotation_golditem g
    JOIN annotation_snippet s ON s.id = g.snippet_id AND NOT s.excluded
    WHERE g.project_id = %(project)s
      AND NOT EXISTS (SELECT 1 FROM annotation_assignment a
                      WHERE a.snippet_id = g.snippet_id AND a.annotator_id = %(user)s)
    ORDER BY g.id
    LIMIT 1
)
"""

_TASKS_HANDED = """
SELECT COUNT(*) AS handed FROM annotation_assignment a
WHERE a.project_id = %(project)s AND a.annotator_id = %(user)s
"""

_INSERT_ASSIGNMENT = """
INSERT INTO annotation_assignment
    (project_id, snippet_id, annotator_id, status, lease_expires_at, draft, version,
     skip_reason, return_reason, created_at)
VALUES (%(project)s, %(snippet)s, %(user)s, %(active)s, %(lease)s, '{}', 0, '', '', %(now)s)
RETURNING id
"""

_TAKES_TASKS = "m.role IN (" + ", ".join(f"'{role.value}'" for role in TASK_ROLES) + ")"

# Still on the project in a role that takes tasks: a member made a client, or removed,
# writes no more to work they held.
_MEMBER_OR_SUPERUSER = f"""(%(superuser)s OR EXISTS (
    SELECT 1 FROM projects_membership m
    WHERE m.project_id = a.project_id AND m.user_id = %(user)s AND {_TAKES_TASKS}))"""

_DRAFT_OWN = f"""
UPDATE annotation_assignment AS a SET draft = %(draft)s, version = a.version + 1
WHERE a.id = %(assignment)s AND a.annotator_id = %(user)s AND a.version = %(version)s
  AND {_MEMBER_OR_SUPERUSER}
"""

_OWN = f"""
SELECT a.id AS id, a.project_id AS project_id, a.status AS status,
    a.lease_expires_at < %(now)s AS lease_over, s.text AS text, s.batch_id AS batch_id,
    a.snippet_id AS snippet_id, s.gold AS gold, p.updated_at AS project_version,
    (SELECT MAX(r.number) FROM annotation_revision r
     WHERE r.assignment_id = a.id) AS last_number,
    (SELECT r.id FROM annotation_revision r
     WHERE r.assignment_id = a.id AND r.idempotency_key = %(key)s
       AND %(key)s <> '') AS same_key
FROM annotation_assignment a
JOIN annotation_snippet s ON s.id = a.snippet_id
JOIN projects_project p ON p.id = a.project_id
WHERE a.id = %(assignment)s AND a.annotator_id = %(user)s AND {_MEMBER_OR_SUPERUSER}
{{lock}}
"""

_INSERT_REVISION = """
INSERT INTO annotation_revision
    (assignment_id, number, annotator_id, spans, classes, segmentation, relations, events,
     time_spent_ms, late, idempotency_key, created_at)
VALUES (%(assignment)s, %(number)s, %(user)s, %(spans)s, %(classes)s, %(segmentation)s,
        %(relations)s, %(events)s, %(time_ms)s, %(late)s, %(key)s, %(now)s)
ON CONFLICT (assignment_id, number) DO NOTHING
RETURNING id
"""

_MARK_SUBMITTED = """
UPDATE annotation_assignment
SET status = CASE WHEN status = %(expired)s THEN status ELSE %(submitted)s END,
    submitted_at = %(now)s
WHERE id = %(assignment)s
"""

Row = TypeVar("Row")


def _lock(clause: str) -> str:
    return clause if connection.features.has_select_for_update_skip_locked else ""


def _execute(sql: str, values: dict[str, Any]):
    """Run one statement with the status names at hand as %(active)s, %(expired)s,
    %(submitted)s and %(returned)s, datetimes in the form the database stores them; the
    open cursor's rowcount, description and first row."""
    adapt = connection.ops.adapt_datetimefield_value
    params: dict[str, Any] = {
        "active": ACTIVE,
        "expired": EXPIRED,
        "submitted": SUBMITTED,
        "returned": RETURNED,
    }
    for name, value in values.items():
        params[name] = adapt(value) if isinstance(value, datetime) else value
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = cursor.description  # built anew on each access: read it once
        if columns is None:
            return cursor.rowcount, [], None
        return cursor.rowcount, [column[0] for column in columns], cursor.fetchone()


def _one(sql: str, **values: Any) -> dict[str, Any] | None:
    """Run one statement; its first row by column name, or None."""
    _, names, first = _execute(sql, values)
    return None if first is None else dict(zip(names, first, strict=True))


def _as(row_type: type[Row], row: dict[str, Any] | None) -> Row | None:
    """The row as ``row_type``, a dataclass whose fields are its columns by name. SQLite
    gives booleans as integers and JSON as text: both come back as Python's."""
    if row is None:
        return None
    values = {}
    for field in fields(row_type):  # type: ignore[arg-type]
        value = row[field.name]
        if field.type == "bool" or field.type is bool:
            value = bool(value)
        elif field.type in ("list", list) and isinstance(value, str):
            value = json.loads(value)
        values[field.name] = value
    return row_type(**values)


def _new_id(sql: str, **values: Any) -> int | None:
    """Run an INSERT … RETURNING id; the id, or None when nothing was inserted."""
    row = _one(sql, **values)
    return None if row is None else row["id"]


@dataclass(frozen=True)
class Seat:
    """The annotator's place in the project, for handing out a task."""

    role: str
    overlap: int
    lease_minutes: int
    gold_percent: int
    paused: bool
    archived: bool


@dataclass(frozen=True)
class Held:
    mine: int | None  # their own assignment with a live lease, or returned to them
    any_expired: bool  # whether some lease in the project ran out


def seat_lock(*, project_id: int, user_id: int, superuser: bool) -> Seat | None:
    """Lock the annotator's membership row, so that one annotator's claims run one at a
    time (a double click gets one task), and read their seat; None for non-members."""
    values = {"project": project_id, "user": user_id}
    row = _one(_SEAT.format(lock=_lock("FOR NO KEY UPDATE OF m")), **values)
    if row is None and superuser:
        row = _one(_SEAT_SUPERUSER, **values)
    return _as(Seat, row)


def held(*, project_id: int, user_id: int, now: datetime) -> Held:
    """What the annotator holds. A statement of its own, after ``seat_lock``: under READ
    COMMITTED a statement that waited for the lock still sees the rows of its starting
    snapshot, so it would miss the assignment the claim it waited for has just committed."""
    found = _as(Held, _one(_HELD, project=project_id, user=user_id, now=now))
    assert found is not None
    return found


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
    stale = _as(Stale, _one(_STALE.format(lock=_lock("FOR UPDATE OF a SKIP LOCKED")), **values))
    if stale is not None:
        _execute(_EXPIRE, {"assignment": stale.assignment_id})
    return stale


@dataclass(frozen=True)
class Slot:
    """The snippet a claim took, with what a task shows of it."""

    snippet_id: int
    batch_id: int | None
    text: str
    tokens: str
    suggestions: list
    suggested: bool  # whether any engine suggests something for it


def take_gold(*, project_id: int, user_id: int) -> Slot | None:
    """A gold item the annotator never had, if any is left for them."""
    return _as(Slot, _one(_GOLD, project=project_id, user=user_id))


def tasks_handed(*, project_id: int, user_id: int) -> int:
    """How many tasks the annotator was ever given in the project."""
    row = _one(_TASKS_HANDED, project=project_id, user=user_id)
    assert row is not None
    return row["handed"]


def take_free(*, project_id: int, user_id: int, overlap: int) -> Slot | None:
    """Take a free slot of a snippet with room that the annotator never had.

    Rows other claims hold are skipped. When every row with room is held at that moment,
    the claim tries again for up to BUSY_WAIT_SECONDS rather than answer that nothing is
    left. It never waits on a row lock: claims see snippets in an order that changes as
    slots fill, and waiting on rows in different orders deadlocks.
    """
    values = {"project": project_id, "user": user_id, "overlap": overlap}
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        slot = _as(Slot, _one(_FREE.format(lock=_lock("FOR UPDATE OF s SKIP LOCKED")), **values))
        if slot is not None:
            return slot
        busy = _one(_ANY_OPEN, **values)
        if not (busy and busy["any_open"]) or time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def assignment_insert(
    *, project_id: int, snippet_id: int, user_id: int, lease: datetime, now: datetime
) -> int:
    assignment_id = _new_id(
        _INSERT_ASSIGNMENT,
        project=project_id,
        snippet=snippet_id,
        user=user_id,
        lease=lease,
        now=now,
    )
    assert assignment_id is not None
    return assignment_id


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
    row = _one(
        _OWN.format(lock=_lock("FOR UPDATE OF a")),
        assignment=assignment_id,
        user=user_id,
        superuser=superuser,
        key=idempotency_key,
        now=now,
    )
    return _as(Own, row)


def draft_save_own(
    *, assignment_id: int, user_id: int, superuser: bool, version: int, draft: dict
) -> bool:
    """Compare-and-set the draft of the annotator's own assignment (in a project they are
    a member of; superusers anywhere); False when it did not apply."""
    values = {
        "assignment": assignment_id,
        "user": user_id,
        "superuser": superuser,
        "version": version,
        "draft": json.dumps(draft, ensure_ascii=False),
    }
    updated, _, _ = _execute(_DRAFT_OWN, values)
    return updated == 1


def revision_insert(
    *, own: Own, user_id: int, annotation: dict, time_ms: int, late: bool, key: str, now: datetime
) -> int | None:
    """Insert the next revision; return its id, or None when its number is taken: another
    submit of the assignment committed while ``own_lock`` waited for the row, and the
    lock's statement read the revisions as they were before the wait (READ COMMITTED)."""
    return _new_id(
        _INSERT_REVISION,
        assignment=own.id,
        number=(own.last_number or 0) + 1,
        user=user_id,
        **{part: json.dumps(annotation[part], ensure_ascii=False) for part in PARTS},
        time_ms=time_ms,
        late=late,
        key=key,
        now=now,
    )


def assignment_mark_submitted(*, assignment_id: int, now: datetime) -> None:
    """Submitted, unless its slot went to someone else (then it stays expired)."""
    _execute(_MARK_SUBMITTED, {"assignment": assignment_id, "now": now})


def _tally_where(batch_id: int | None) -> str:
    batch = "batch_id IS NULL" if batch_id is None else "batch_id = %(batch)s"
    return f"project_id = %(project)s AND annotator_id = %(user)s AND {batch}"


def _tally_insert(*, project_id: int, batch_id: int | None, annotator_id: int, **counts: int):
    _execute(
        "INSERT INTO annotation_worktally (project_id, batch_id, annotator_id, taken, skipped,"
        " expired, submitted, time_ms, durations)"
        " VALUES (%(project)s, %(batch)s, %(user)s, %(taken)s, %(skipped)s, %(expired)s, 0, 0,"
        " %(durations)s)",
        {
            "project": project_id,
            "batch": batch_id,
            "user": annotator_id,
            "taken": 0,
            "skipped": 0,
            "expired": 0,
            **counts,
            "durations": json.dumps([0] * tally.BUCKETS),
        },
    )


def tally_add(*, project_id: int, batch_id: int | None, annotator_id: int, field: str) -> None:
    """Add one to a counter of the annotator's row on the batch: one UPDATE, or an INSERT
    the first time. Each annotator's claims are serialised by their membership lock, so
    two first times cannot race for the same row."""
    assert field in ("taken", "skipped", "expired")
    values = {"project": project_id, "batch": batch_id, "user": annotator_id}
    where = _tally_where(batch_id)
    updated, _, _ = _execute(
        f"UPDATE annotation_worktally SET {field} = {field} + 1 WHERE {where}", values
    )
    if not updated:
        _tally_insert(
            project_id=project_id, batch_id=batch_id, annotator_id=annotator_id, **{field: 1}
        )


def tally_submitted(*, project_id: int, batch_id: int | None, annotator_id: int, ms: int) -> None:
    """Count a first submit, and its time, on the annotator's row (made by their claim)."""
    values = {"project": project_id, "batch": batch_id, "user": annotator_id}
    select = f"SELECT id, durations FROM annotation_worktally WHERE {_tally_where(batch_id)}"
    row = _one(f"{select} {_lock('FOR UPDATE')}", **values)
    if row is None:  # a row made before counters were kept
        _tally_insert(project_id=project_id, batch_id=batch_id, annotator_id=annotator_id)
        row = _one(select, **values)
        assert row is not None
    durations = row["durations"]
    if isinstance(durations, str):
        durations = json.loads(durations)
    _execute(
        "UPDATE annotation_worktally SET submitted = submitted + 1, time_ms = time_ms + %(ms)s,"
        " durations = %(durations)s WHERE id = %(id)s",
        {"ms": ms, "durations": json.dumps(tally.add(durations, ms / 1000)), "id": row["id"]},
    )
