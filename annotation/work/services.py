"""Writes of the work stage: handing out tasks, drafts, submits and skips."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from annotation.models import (
    Assignment,
    AssignmentStatus,
    Batch,
    Revision,
    Snippet,
    WorkTally,
)
from annotation.work import tally
from annotation.work.validation import Schema, validate
from projects.models import Kind, Membership, Project


def _tally(*, project_id: int, batch_id: int | None, annotator_id: int) -> WorkTally:
    """The locked counter row of this annotator on this batch, created on first use."""
    row, _ = WorkTally.objects.select_for_update().get_or_create(
        project_id=project_id, batch_id=batch_id, annotator_id=annotator_id
    )
    return row


def _count(*, project_id: int, batch_id: int | None, annotator_id: int, field: str) -> None:
    """Add one to a counter of the annotator's row: one UPDATE, or an INSERT the first time.

    Each annotator's claims are serialised by their membership lock, so two first times
    cannot race for the same row.
    """
    rows = WorkTally.objects.filter(
        project_id=project_id, batch_id=batch_id, annotator_id=annotator_id
    )
    if not rows.update(**{field: F(field) + 1}):
        WorkTally.objects.create(
            project_id=project_id, batch_id=batch_id, annotator_id=annotator_id, **{field: 1}
        )


def _assign(project: Project, snippet: Snippet, annotator: User, lease: datetime) -> Assignment:
    _count(
        project_id=project.id, batch_id=snippet.batch_id, annotator_id=annotator.id, field="taken"
    )
    return Assignment.objects.create(
        project=project, snippet=snippet, annotator=annotator, lease_expires_at=lease
    )


def schema_of(project: Project) -> Schema:
    labels = list(project.labels.values_list("kind", "name"))
    return Schema(
        kinds=frozenset(project.kinds),
        span_labels=frozenset(name for kind, name in labels if kind == Kind.SPANS),
        class_labels=frozenset(name for kind, name in labels if kind == Kind.CLASSES),
        multi_label=project.multi_label,
        allow_overlap=project.allow_overlap,
    )


@transaction.atomic
def task_next(*, project: Project, annotator: User) -> Assignment | None:
    """The annotator's next assignment, or None when nothing is left for them.

    Work already started and still leased comes back first. Otherwise the annotator takes
    a slot whose lease expired, or a free slot of the first snippet with room, on a snippet
    they never had. Claims lock rows with SKIP LOCKED, so concurrent annotators never wait
    for, nor take, the same slot; the annotator's membership row is locked too, so a double
    click hands out one task, not two.
    """
    Membership.objects.select_for_update().filter(project=project, user=annotator).first()
    now = timezone.now()
    mine = (
        Assignment.objects.select_related("snippet")
        .filter(
            project=project,
            annotator=annotator,
            status=AssignmentStatus.ACTIVE,
            lease_expires_at__gt=now,
        )
        .order_by("id")
        .first()
    )
    if mine is not None:
        return mine
    lease = now + timedelta(minutes=project.lease_minutes)
    had_it = Assignment.objects.filter(snippet=OuterRef("snippet_id"), annotator=annotator)
    reserved_stale = Batch.assignees.through.objects.filter(batch_id=OuterRef("snippet__batch_id"))
    stale = (
        Assignment.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("snippet")
        .filter(project=project, status=AssignmentStatus.ACTIVE, lease_expires_at__lte=now)
        .filter(~Exists(reserved_stale) | Exists(reserved_stale.filter(user_id=annotator.id)))
        .exclude(Exists(had_it))
        .order_by("lease_expires_at")
        .first()
    )
    if stale is not None:
        # The slot passes to the new annotator; the old one's work is kept if it comes later.
        stale.status = AssignmentStatus.EXPIRED
        stale.save(update_fields=["status"])
        _count(
            project_id=project.id,
            batch_id=stale.snippet.batch_id,
            annotator_id=stale.annotator_id,
            field="expired",
        )
        return _assign(project, stale.snippet, annotator, lease)
    mine_before = Assignment.objects.filter(snippet=OuterRef("pk"), annotator=annotator)
    reserved = Batch.assignees.through.objects.filter(batch_id=OuterRef("batch_id"))
    snippet = (
        Snippet.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(project=project, slots_taken__lt=project.overlap)
        .filter(~Exists(reserved) | Exists(reserved.filter(user_id=annotator.id)))
        .exclude(Exists(mine_before))
        .order_by("id")
        .first()
    )
    if snippet is None:
        return None
    Snippet.objects.filter(id=snippet.id).update(slots_taken=F("slots_taken") + 1)
    return _assign(project, snippet, annotator, lease)


@dataclass
class DraftConflict(Exception):
    version: int
    draft: dict


def draft_save(*, assignment: Assignment, version: int, draft: dict) -> int:
    """Store the draft if ``version`` is the current one; return the new version.

    A compare-and-set in one UPDATE: a stale version raises DraftConflict with what is
    stored now, so that the browser can show the newer draft.
    """
    updated = Assignment.objects.filter(id=assignment.id, version=version).update(
        draft=draft, version=F("version") + 1
    )
    if not updated:
        current = Assignment.objects.values("version", "draft").get(id=assignment.id)
        raise DraftConflict(current["version"], current["draft"])
    return version + 1


@transaction.atomic
def submit(
    *,
    assignment: Assignment,
    body: dict[str, Any],
    idempotency_key: str = "",
    time_spent_ms: int = 0,
) -> tuple[Revision, bool]:
    """Add a revision with the checked annotation; returns it and whether it is new.

    The same ``idempotency_key`` again returns the first revision and stores nothing. A
    submit after the lease expired is kept and flagged ``late``; if the slot went to someone
    else meanwhile, the assignment stays expired (its work does not count toward overlap).
    Raises AnnotationError for a body that does not fit the snippet or the project.
    """
    # Lock the assignment row only (of=self): a plain FOR UPDATE would lock the joined
    # snippet and project rows too, and claims and inserts referencing them would deadlock.
    locked = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("snippet", "project")
        .get(id=assignment.id)
    )
    # One query for both: how many revisions there are, and the one with this key if any.
    earlier = Revision.objects.filter(assignment=locked).aggregate(
        count=Count("id"),
        same_key=Max(
            "id", filter=Q(idempotency_key=idempotency_key) if idempotency_key else Q(pk=None)
        ),
    )
    if earlier["same_key"] is not None:
        return Revision.objects.get(id=earlier["same_key"]), False
    annotation = validate(locked.snippet.text, schema_of(locked.project), body)
    now = timezone.now()
    late = locked.status == AssignmentStatus.EXPIRED or locked.lease_expires_at < now
    revision = Revision.objects.create(
        assignment=locked,
        number=earlier["count"] + 1,
        annotator_id=locked.annotator_id,
        time_spent_ms=time_spent_ms,
        late=late,
        idempotency_key=idempotency_key,
        **annotation,
    )
    if revision.number == 1:
        row = _tally(
            project_id=locked.project_id,
            batch_id=locked.snippet.batch_id,
            annotator_id=locked.annotator_id,
        )
        row.submitted += 1
        row.time_ms += time_spent_ms
        row.durations = tally.add(row.durations, time_spent_ms / 1000)
        row.save(update_fields=["submitted", "time_ms", "durations"])
    if locked.status != AssignmentStatus.EXPIRED:
        locked.status = AssignmentStatus.SUBMITTED
    locked.submitted_at = now
    locked.save(update_fields=["status", "submitted_at"])
    return revision, True


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
    _count(
        project_id=locked.project_id,
        batch_id=locked.snippet.batch_id,
        annotator_id=locked.annotator_id,
        field="skipped",
    )
    locked.status = AssignmentStatus.SKIPPED
    locked.skip_reason = reason[:500]
    locked.save(update_fields=["status", "skip_reason"])
    Snippet.objects.filter(id=locked.snippet_id).update(slots_taken=F("slots_taken") - 1)
    return locked


@transaction.atomic
def batch_reserve(*, batch: Batch, annotators: list[User]) -> Batch:
    """Reserve the batch for these annotators (an empty list opens it to everyone).

    Slots already handed out stay with whoever holds them.
    """
    batch.assignees.set(annotators)
    return batch
