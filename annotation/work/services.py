"""Writes of the work stage: handing out tasks, drafts, submits and skips."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Exists, F, Model, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import User
from annotation.core.i18n import gettext_noop
from annotation.core.links import link_schema
from annotation.core.validation import AnnotationError, Schema, validate
from annotation.jobs import BATCH_CHECK, dispatch_on_commit
from annotation.models import (
    Assignment,
    AssignmentStatus,
    Batch,
    Revision,
    Snippet,
)
from annotation.work import statements
from annotation.work.turns import gold_turn
from projects.models import TASK_ROLES, Kind, Membership, Project

M = TypeVar("M", bound=Model)


class NoSeat(Exception):
    """The user may not take tasks in this project (not a member, or a client)."""


class Paused(Exception):
    """The annotator was paused for falling short on gold items (annotation.quality.gold)."""


def _loaded(model: type[M], **values: Any) -> M:
    """An instance as if read from the database with just these fields; others deferred."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])


# Schemas by (project id, updated_at): a change of settings or labels moves updated_at
# (projects.services), so an entry is never used after its project changed.
_schemas: dict[tuple[int, Any], Schema] = {}


def schema_of(project_id: int, version: Any) -> Schema:
    """What a submit to the project may hold, for the project's ``updated_at`` ``version``;
    read from the database once per version."""
    key = (project_id, version)
    schema = _schemas.get(key)
    if schema is None:
        project = Project.objects.get(id=project_id)
        labels = list(project.labels.all())
        schema = Schema(
            kinds=frozenset(project.kinds),
            span_labels=frozenset(label.name for label in labels if label.kind == Kind.SPANS),
            class_labels=frozenset(label.name for label in labels if label.kind == Kind.CLASSES),
            multi_label=project.multi_label,
            allow_overlap=project.allow_overlap,
            links=link_schema(labels),
        )
        if len(_schemas) >= 1000:
            _schemas.clear()
        _schemas[key] = schema
    return schema


def _held(assignment_id: int) -> Assignment:
    """The work an annotator holds, with what a task shows."""
    return Assignment.objects.select_related("snippet", "annotator").get(id=assignment_id)


def _task_snippet(project_id: int, slot: statements.Slot) -> Snippet:
    """The snippet a claim took, as if read with the fields a task shows."""
    return _loaded(
        Snippet,
        id=slot.snippet_id,
        project_id=project_id,
        batch_id=slot.batch_id,
        text=slot.text,
        tokens=slot.tokens,
        suggestions=slot.suggestions,
        suggested=bool(slot.suggested),
    )


@transaction.atomic
def task_next(*, project_id: int, annotator: User) -> Assignment | None:
    """The annotator's next assignment, or None when nothing is left for them.

    Work already started and still leased comes back first, and work returned to them for
    rework; an archived project hands out nothing else. Otherwise the annotator takes a
    gold item when it is their turn, else a slot whose lease expired, else a free slot of
    the snippet closest to done, on a snippet they never had. Claims lock rows with SKIP
    LOCKED (annotation.work.statements), so concurrent annotators never wait for, nor
    take, the same slot; the annotator's membership row is locked too, so a double click
    hands out one task, not two.
    Raises NoSeat when the user may not take tasks here, Paused when they are paused.
    """
    now = timezone.now()
    seat = statements.seat_lock(
        project_id=project_id, user_id=annotator.id, superuser=annotator.is_superuser
    )
    if seat is None or seat.role not in TASK_ROLES:
        raise NoSeat
    holding = statements.held(project_id=project_id, user_id=annotator.id, now=now)
    if holding.mine is not None:
        return _held(holding.mine)
    if seat.paused:
        raise Paused
    if seat.archived:
        return None  # work held is finished; nothing new is handed out
    gold = None
    if seat.gold_percent and gold_turn(
        annotator.id,
        statements.tasks_handed(project_id=project_id, user_id=annotator.id),
        seat.gold_percent,
    ):
        gold = statements.take_gold(project_id=project_id, user_id=annotator.id)
    stale = None
    if gold is None and holding.any_expired:
        stale = statements.take_stale(project_id=project_id, user_id=annotator.id, now=now)
    if stale is not None:
        # The slot passes to this annotator; the old one's work is kept if it comes later.
        statements.tally_add(
            project_id=project_id,
            batch_id=stale.batch_id,
            annotator_id=stale.annotator_id,
            field="expired",
        )
        snippet = Snippet.objects.get(id=stale.snippet_id)
    else:
        free = gold or statements.take_free(
            project_id=project_id, user_id=annotator.id, overlap=seat.overlap
        )
        if free is None:
            return None
        snippet = _task_snippet(project_id, free)
    if gold is None:  # gold items stay out of the batch's figures
        statements.tally_add(
            project_id=project_id,
            batch_id=snippet.batch_id,
            annotator_id=annotator.id,
            field="taken",
        )
    lease = now + timedelta(minutes=seat.lease_minutes)
    assignment_id = statements.assignment_insert(
        project_id=project_id, snippet_id=snippet.id, user_id=annotator.id, lease=lease, now=now
    )
    return _handed(assignment_id, snippet, annotator, lease, now)


def _handed(
    assignment_id: int, snippet: Snippet, annotator: User, lease: datetime, now: datetime
) -> Assignment:
    """The assignment just inserted, as if read back with its snippet and annotator."""
    assignment = _loaded(
        Assignment,
        id=assignment_id,
        project_id=snippet.project_id,
        snippet_id=snippet.id,
        annotator_id=annotator.id,
        status=AssignmentStatus.ACTIVE,
        lease_expires_at=lease,
        draft={},
        version=0,
        skip_reason="",
        return_reason="",
        created_at=now,
        submitted_at=None,
    )
    assignment.snippet = snippet
    assignment.annotator = annotator
    return assignment


def draft_save(*, annotator: User, assignment_id: int, version: int, draft: dict) -> int | None:
    """Store the draft of the annotator's own assignment if ``version`` is the current one;
    return the new version.

    A compare-and-set in one UPDATE, applied only to the annotator's own assignment in a
    project they are still a member of (superusers: any project). None when it did not
    apply: the caller asks the access funnel why (not theirs) or, for the annotator's own
    work, answers with what is stored now (a stale version).
    """
    saved = statements.draft_save_own(
        assignment_id=assignment_id,
        user_id=annotator.id,
        superuser=annotator.is_superuser,
        version=version,
        draft=draft,
    )
    return version + 1 if saved else None


class NoNext(StrEnum):
    """Why a submit with ``then_next`` brought no next task."""

    NOTHING_LEFT = "nothing_left"
    PAUSED = "paused"  # too few gold items right (annotation.quality.gold)
    NO_SEAT = "no_seat"  # no longer a member who takes tasks


@dataclass(frozen=True)
class Submitted:
    revision: Revision
    created: bool  # False: the same Idempotency-Key was seen before; nothing was stored
    project_id: int
    # With then_next: the annotator's next task, or why none came.
    following: Assignment | None = None
    no_next: NoNext | None = None


@dataclass(frozen=True)
class Stored:
    """What ``revision_store`` stored, for the steps after a submit (annotation.flow)."""

    submitted: Submitted
    own: statements.Own
    annotation: dict
    number: int  # of the revision stored; 1: the assignment's first submit


def revision_store(
    *,
    annotator: User,
    assignment_id: int,
    body: dict[str, Any],
    idempotency_key: str,
    time_spent_ms: int,
) -> Stored | None:
    """Add a revision with the checked annotation to the annotator's own assignment, in
    the caller's transaction; None when the assignment is not theirs (or they left the
    project): the caller asks the access funnel what to answer.

    The assignment row is locked while the revision is added; nothing is overwritten. The
    same ``idempotency_key`` again returns the first revision and stores nothing
    (``submitted.created`` False). A submit after the lease expired is kept and flagged
    ``late`` (``is_late``); if the slot went to someone else meanwhile, the assignment
    stays expired (its work does not count toward overlap). A first submit is counted on
    the annotator's tally and dispatches a check of its batch (through the outbox: never
    waiting on the broker). Raises AnnotationError for a body that does not fit the
    snippet or project, and for a skipped assignment (its slot went back to the pool).
    """
    now = timezone.now()
    own = statements.own_lock(
        assignment_id=assignment_id,
        user_id=annotator.id,
        superuser=annotator.is_superuser,
        idempotency_key=idempotency_key,
        now=now,
    )
    if own is None:
        return None
    if own.same_key is not None:
        revision = Revision.objects.get(id=own.same_key)
        return Stored(Submitted(revision, False, own.project_id), own, {}, revision.number)
    if own.status == AssignmentStatus.SKIPPED:
        raise AnnotationError(
            "assignment", gettext_noop("skipped: the snippet went back to the pool")
        )
    annotation = validate(own.text, schema_of(own.project_id, own.project_version), body)
    late = is_late(status=own.status, lease_over=own.lease_over)
    number = (own.last_number or 0) + 1
    revision_id = statements.revision_insert(
        own=own,
        user_id=annotator.id,
        annotation=annotation,
        time_ms=time_spent_ms,
        late=late,
        key=idempotency_key,
        now=now,
    )
    if revision_id is None:
        # A double click: the other submit committed while this one waited for the lock,
        # which is this one's now. Read again (a new statement sees the other's revision):
        # the same key answers it, another key adds the next revision.
        with transaction.atomic():
            return revision_store(
                annotator=annotator,
                assignment_id=assignment_id,
                body=body,
                idempotency_key=idempotency_key,
                time_spent_ms=time_spent_ms,
            )
    revision = _loaded(
        Revision,
        id=revision_id,
        assignment_id=own.id,
        number=number,
        annotator_id=annotator.id,
        time_spent_ms=time_spent_ms,
        late=late,
        idempotency_key=idempotency_key,
        created_at=now,
        **annotation,
    )
    if number == 1 and not own.gold:  # gold items stay out of the batch's figures
        statements.tally_submitted(
            project_id=own.project_id,
            batch_id=own.batch_id,
            annotator_id=annotator.id,
            ms=time_spent_ms,
        )
        if own.batch_id is not None:
            dispatch_on_commit(BATCH_CHECK, own.batch_id, coalesce=f"batch:{own.batch_id}")
    statements.assignment_mark_submitted(assignment_id=own.id, now=now)
    return Stored(Submitted(revision, True, own.project_id), own, annotation, number)


def is_late(*, status: str, lease_over: bool) -> bool:
    """Whether a submit comes late: its slot went to someone else (expired), or its lease
    ran out and nobody took the slot yet. Rework has no lease and is never late; nor is
    a correction of work already submitted."""
    return status == AssignmentStatus.EXPIRED or (status == AssignmentStatus.ACTIVE and lease_over)


@transaction.atomic
def skip(*, assignment: Assignment, reason: str) -> Assignment:
    """Give the slot back; the annotator will not get this snippet again."""
    locked = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("snippet")
        .get(id=assignment.id)
    )
    if locked.status != AssignmentStatus.ACTIVE:
        return locked
    statements.tally_add(
        project_id=locked.project_id,
        batch_id=locked.snippet.batch_id,
        annotator_id=locked.annotator_id,
        field="skipped",
    )
    locked.status = AssignmentStatus.SKIPPED
    locked.skip_reason = reason[:500]
    locked.save(update_fields=["status", "skip_reason"])
    Snippet.objects.filter(id=locked.snippet_id).update(slots_taken=F("slots_taken") - 1)
    batch_id = locked.snippet.batch_id
    if batch_id is not None:  # the last who could take it may have given it back
        dispatch_on_commit(BATCH_CHECK, batch_id, coalesce=f"batch:{batch_id}")
    return locked


def snippets_left_over(*, batch: Batch, short: QuerySet[Snippet]) -> list[int] | None:
    """Of a batch's snippets ``short`` of their annotations, those nobody is left to
    annotate: given back (skipped), with nobody working on them, and every member who
    takes tasks (the batch's assignees, if it is reserved) has had them already. None if
    some short snippet can still be taken: the batch waits for it.
    """
    worked = Assignment.objects.filter(snippet=OuterRef("pk"))
    if short.exclude(Exists(worked.filter(status=AssignmentStatus.SKIPPED))).exists():
        return None
    busy = (AssignmentStatus.ACTIVE, AssignmentStatus.RETURNED)
    if short.filter(Exists(worked.filter(status__in=busy))).exists():
        return None
    takers = Membership.objects.filter(project_id=batch.project_id, role__in=TASK_ROLES)
    if batch.assignees.exists():
        takers = takers.filter(user__in=batch.assignees.all())
    people = set(takers.values_list("user_id", flat=True))
    had: dict[int, set[int]] = {}
    for snippet_id, annotator_id in Assignment.objects.filter(snippet__in=short).values_list(
        "snippet_id", "annotator_id"
    ):
        had.setdefault(snippet_id, set()).add(annotator_id)
    if any(people - annotators for annotators in had.values()):
        return None
    return sorted(had)


@transaction.atomic
def batch_reserve(*, batch: Batch, annotators: list[User]) -> Batch:
    """Reserve the batch for these annotators (an empty list opens it to everyone).

    Slots already handed out stay with whoever holds them.
    """
    batch.assignees.set(annotators)
    return batch
