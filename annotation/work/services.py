"""Writes of the work stage: handing out tasks, drafts, submits and skips."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Count, F, Model, Q
from django.utils import timezone

from accounts.models import User
from annotation.ingest.formats import gettext_noop
from annotation.jobs import dispatch_on_commit, dispatched_by_database, jobs_eager
from annotation.models import (
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Revision,
    Snippet,
)
from annotation.quality.gold import gold_score
from annotation.quality.reviewing import batch_review_check, review_requeue, review_sample
from annotation.quality.sampling import gold_turn
from annotation.quality.services import quality_run_start
from annotation.work import fastpath, statements
from annotation.work.validation import AnnotationError, Schema, validate
from projects.models import Kind, Project, Role

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
        labels = list(project.labels.values_list("kind", "name"))
        schema = Schema(
            kinds=frozenset(project.kinds),
            span_labels=frozenset(name for kind, name in labels if kind == Kind.SPANS),
            class_labels=frozenset(name for kind, name in labels if kind == Kind.CLASSES),
            multi_label=project.multi_label,
            allow_overlap=project.allow_overlap,
        )
        if len(_schemas) >= 1000:
            _schemas.clear()
        _schemas[key] = schema
    return schema


def task_next(*, project_id: int, annotator: User) -> Assignment | None:
    """The annotator's next assignment, or None when nothing is left for them.

    Work already started and still leased comes back first. Otherwise the annotator takes
    a slot whose lease expired, or a free slot of the snippet closest to done, on a
    snippet they never had. Claims lock rows with SKIP LOCKED (annotation.work.statements),
    so concurrent annotators never wait for, nor take, the same slot; the annotator's
    membership row is locked too, so a double click hands out one task, not two.
    Raises NoSeat when the user may not take tasks here.

    On PostgreSQL the common case is one call (annotation.work.fastpath); anything else
    takes the full path.
    """
    if fastpath.enabled() and not annotator.is_superuser:
        now = timezone.now()
        claim = fastpath.task_next(project_id=project_id, user_id=annotator.id, now=now)
        claimed = _claimed(claim, project_id, annotator, now)
        if claimed is not None:
            return claimed
    return _task_next(project_id=project_id, annotator=annotator)


def task_next_by_token(*, project_id: int, token: str) -> Assignment | None:
    """task_next's common case for the holder of the API token ``token``, which the
    claim's own statement checks: no round trip to authenticate first. None when it did
    not apply, for any reason (nothing left included): the caller then authenticates
    and asks task_next."""
    if not fastpath.enabled():
        return None
    now = timezone.now()
    holder = fastpath.task_next_by_token(project_id=project_id, token=token, now=now)
    if holder is None:
        return None
    return _claimed(holder.answer, project_id, _holder(holder), now)


def _claimed(
    claim: fastpath.Claim, project_id: int, annotator: User, now: datetime
) -> Assignment | None:
    """The assignment a claim of annotation.work.fastpath handed out or found held; None
    when it left the case to the full path."""
    if claim.outcome == "held":
        return _held(claim.assignment_id)
    if claim.outcome != "new":
        return None
    snippet = _task_snippet(project_id, claim)
    return _handed(claim.assignment_id, snippet, annotator, claim.lease_expires_at, now)


def _held(assignment_id: int) -> Assignment:
    """The work an annotator holds, with what a task shows."""
    return Assignment.objects.select_related("snippet", "annotator").get(id=assignment_id)


def _task_snippet(project_id: int, slot: statements.FreeSlot | fastpath.Claim) -> Snippet:
    """The snippet a claim took, as if read with the fields a task shows."""
    return _loaded(
        Snippet,
        id=slot.snippet_id,
        project_id=project_id,
        batch_id=slot.batch_id,
        text=slot.text,
        tokens=slot.tokens,
        suggestions=slot.suggestions,
    )


@transaction.atomic
def _task_next(*, project_id: int, annotator: User) -> Assignment | None:
    """task_next's full path: every case, on every database."""
    now = timezone.now()
    seat = statements.seat_lock(
        project_id=project_id, user_id=annotator.id, superuser=annotator.is_superuser, now=now
    )
    if seat is None or seat.role == Role.CLIENT:
        raise NoSeat
    if seat.mine is not None:
        return _held(seat.mine)
    if seat.paused:
        raise Paused
    gold = None
    if seat.gold_percent and gold_turn(
        annotator.id,
        statements.tasks_handed(project_id=project_id, user_id=annotator.id),
        seat.gold_percent,
    ):
        gold = statements.take_gold(project_id=project_id, user_id=annotator.id)
    stale = None
    if gold is None and seat.any_expired:
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


@dataclass
class DraftConflict(Exception):
    version: int
    draft: dict


def draft_save_own(*, annotator: User, assignment_id: int, version: int, draft: dict) -> int | None:
    """The autosave fast path: draft_save's compare-and-set in one UPDATE, applied only to
    the annotator's own assignment in a project they are still a member of (superusers:
    any project).

    Returns the new version, or None when it did not apply; the caller then goes through
    the access funnel and draft_save, which tell why (not theirs, or a stale version).
    """
    saved = statements.draft_save_own(
        assignment_id=assignment_id,
        user_id=annotator.id,
        superuser=annotator.is_superuser,
        version=version,
        draft=draft,
    )
    return version + 1 if saved else None


def draft_save_by_token(*, token: str, assignment_id: int, version: int, draft: dict) -> int | None:
    """draft_save_own for the holder of the API token ``token``, which the same UPDATE
    checks (an active user, not a superuser): no round trip to authenticate first.
    None when it did not apply; the caller then authenticates and asks draft_save_own."""
    saved = statements.draft_save_by_token(
        assignment_id=assignment_id, token=token, version=version, draft=draft
    )
    return version + 1 if saved else None


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


@dataclass(frozen=True)
class Submitted:
    revision: Revision
    created: bool  # False: the same Idempotency-Key was seen before; nothing was stored
    project_id: int
    # With then_next, the annotator's next task when claimed with the submit; None when
    # task_next is still to be asked (it may then be None: nothing left).
    following: Assignment | None = None


def submit(
    *,
    annotator: User,
    assignment_id: int,
    body: dict[str, Any],
    idempotency_key: str = "",
    time_spent_ms: int = 0,
    then_next: bool = False,
) -> Submitted | None:
    """Add a revision with the checked annotation to the annotator's own assignment, or
    return None when the assignment is not theirs (or they left the project): the caller
    asks the access funnel what to answer.

    The assignment row is locked while the revision is added; nothing is overwritten. The
    same ``idempotency_key`` again returns the first revision and stores nothing. A
    submit after the lease expired is kept and flagged ``late``; if the slot went to
    someone else meanwhile, the assignment stays expired (its work does not count toward
    overlap). Raises AnnotationError for a body that does not fit the snippet or project,
    and for a skipped assignment (its slot went back to the pool).
    A first submit dispatches a check of its batch (through the outbox: never waiting on
    the broker); a submit of work returned for rework goes back to review.

    On PostgreSQL the common case is one read and one call (annotation.work.fastpath);
    anything else takes the full path.
    """
    given = {
        "annotator": annotator,
        "assignment_id": assignment_id,
        "body": body,
        "idempotency_key": idempotency_key,
        "time_spent_ms": time_spent_ms,
    }
    if fastpath.enabled() and not annotator.is_superuser:
        submitted = _submit_fast(**given, then_next=then_next)
        if submitted is not None:
            return submitted
    return _submit(**given)


def _submit_fast(
    *,
    annotator: User,
    assignment_id: int,
    body: dict[str, Any],
    idempotency_key: str,
    time_spent_ms: int,
    then_next: bool,
) -> Submitted | None:
    """submit's common case, with the next claim for ``then_next``; None when the full
    path must decide (not their assignment, a body that does not fit: the full path
    answers a retried key before it checks the body; gold, rework, skipped, which the
    function refuses)."""
    read = fastpath.submit_read(assignment_id=assignment_id, user_id=annotator.id)
    submission = _submission(read, assignment_id, body, idempotency_key, time_spent_ms, then_next)
    if submission is None:
        return None
    stored = fastpath.submit(user_id=annotator.id, submission=submission)
    return _submitted_fast(stored, annotator, submission)


def submit_by_token(
    *,
    token: str,
    assignment_id: int,
    body: dict[str, Any],
    idempotency_key: str = "",
    time_spent_ms: int = 0,
    then_next: bool = False,
) -> Submitted | None:
    """submit's common case for the holder of the API token ``token``, which the
    submit's own statement checks (an active user, not a superuser): no round trip to
    authenticate first. None when it did not apply, for any reason: the caller then
    authenticates and asks submit."""
    if not fastpath.enabled():
        return None
    read = fastpath.submit_read_by_token(assignment_id=assignment_id, token=token)
    submission = _submission(read, assignment_id, body, idempotency_key, time_spent_ms, then_next)
    if submission is None:
        return None
    holder = fastpath.submit_by_token(token=token, submission=submission)
    if holder is None:
        return None
    return _submitted_fast(holder.answer, _holder(holder), submission)


def _holder(holder: fastpath.Holder) -> User:
    """The holder of an API token, as if read with what a task shows of them."""
    return _loaded(User, id=holder.user_id, username=holder.username)


def _submission(
    read: fastpath.SubmitRead | None,
    assignment_id: int,
    body: dict[str, Any],
    idempotency_key: str,
    time_spent_ms: int,
    then_next: bool,
) -> fastpath.Submission | None:
    """The body checked against what the submit read, for the function; None when there
    was nothing to read or the body does not fit (the full path names what is wrong)."""
    if read is None:
        return None
    try:
        annotation = validate(read.text, schema_of(read.project_id, read.project_version), body)
    except AnnotationError:
        return None
    from annotation.celery_tasks import batch_check_task

    return fastpath.Submission(
        assignment_id=assignment_id,
        key=idempotency_key,
        project_version=read.project_version,
        annotation=annotation,
        time_ms=time_spent_ms,
        now=timezone.now(),
        check_task=None if jobs_eager() else batch_check_task.name,
        then_next=then_next,
    )


def _submitted_fast(
    stored: fastpath.Stored, annotator: User, submission: fastpath.Submission
) -> Submitted | None:
    """What the function stored, as submit answers it; None when it left the case to
    the full path."""
    if stored.outcome == "python":
        return None
    now = submission.now
    following = stored.following and _claimed(stored.following, stored.project_id, annotator, now)
    if stored.outcome == "same":
        revision = Revision.objects.get(id=stored.revision_id)
        return Submitted(revision, False, stored.project_id, following)
    if stored.number == 1 and stored.batch_id is not None:
        from annotation.celery_tasks import batch_check_task

        dispatched_by_database(batch_check_task, stored.batch_id)
    revision = _loaded(
        Revision,
        id=stored.revision_id,
        assignment_id=submission.assignment_id,
        number=stored.number,
        annotator_id=annotator.id,
        time_spent_ms=submission.time_ms,
        late=stored.late,
        idempotency_key=submission.key,
        created_at=now,
        **submission.annotation,
    )
    return Submitted(revision, True, stored.project_id, following)


@transaction.atomic
def _submit(
    *,
    annotator: User,
    assignment_id: int,
    body: dict[str, Any],
    idempotency_key: str,
    time_spent_ms: int,
) -> Submitted | None:
    """submit's full path: every case, on every database."""
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
        return Submitted(Revision.objects.get(id=own.same_key), False, own.project_id)
    if own.status == AssignmentStatus.SKIPPED:
        raise AnnotationError(
            "assignment", gettext_noop("skipped: the snippet went back to the pool")
        )
    annotation = validate(own.text, schema_of(own.project_id, own.project_version), body)
    # Rework has no lease: only first work can be late.
    late = own.status == AssignmentStatus.EXPIRED or (
        own.status == AssignmentStatus.ACTIVE and own.lease_over
    )
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
        return _submit(
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
    if number == 1 and own.gold:
        gold_score(
            project_id=own.project_id,
            snippet_id=own.snippet_id,
            assignment_id=own.id,
            annotator_id=annotator.id,
            annotation=annotation,
        )
    elif number == 1:
        statements.tally_submitted(
            project_id=own.project_id,
            batch_id=own.batch_id,
            annotator_id=annotator.id,
            ms=time_spent_ms,
        )
        if own.batch_id is not None:
            from annotation.celery_tasks import batch_check_task

            dispatch_on_commit(batch_check_task, own.batch_id, coalesce=f"batch:{own.batch_id}")
    if own.status == AssignmentStatus.RETURNED:
        review_requeue(
            assignment_id=own.id,
            project_id=own.project_id,
            batch_id=own.batch_id,
            revision=revision,
        )
    statements.assignment_mark_submitted(assignment_id=own.id, now=now)
    return Submitted(revision, True, own.project_id)


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
    return locked


@transaction.atomic
def batch_reserve(*, batch: Batch, annotators: list[User]) -> Batch:
    """Reserve the batch for these annotators (an empty list opens it to everyone).

    Slots already handed out stay with whoever holds them.
    """
    batch.assignees.set(annotators)
    return batch


@transaction.atomic
def batch_advance(*, batch_id: int) -> Batch:
    """Move an annotating batch to reviewing once each of its snippets has ``overlap``
    submitted annotations: its review sample is drawn and a quality run of the project
    queued. Idempotent: any other batch is left as it is."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("project").get(id=batch_id)
    if batch.status != BatchStatus.ANNOTATING:
        return batch
    submitted = Count("assignments", filter=Q(assignments__status=AssignmentStatus.SUBMITTED))
    short = (
        Snippet.objects.filter(batch=batch, gold=False)
        .annotate(submitted=submitted)
        .filter(submitted__lt=batch.project.overlap)
    )
    if not short.exists():
        batch.status = BatchStatus.REVIEWING
        batch.save(update_fields=["status"])
        review_sample(batch=batch)
        quality_run_start(project=batch.project, batch=batch)
        batch = batch_review_check(batch_id=batch.id)  # an empty sample needs no review
    return batch
