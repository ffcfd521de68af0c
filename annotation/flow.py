"""The steps that cross the pipeline's stages, each in one explicit function.

A submit stores its revision (annotation.work) and, in the same transaction, the steps
that follow it: the snippet's final annotation marked to be computed again, a first
submit of a gold item scored (which may pause the annotator), rework sent back to review
(annotation.quality). A batch whose snippets all have their annotations goes to review.
The interfaces (views, jobs) call these; work/ and quality/ do not import each other for
them (the contracts in pyproject.toml).
"""

from dataclasses import replace
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from accounts.models import User
from annotation.models import AssignmentStatus, Batch, BatchStatus, Snippet
from annotation.quality.finals import final_changed, final_mark
from annotation.quality.gold import gold_score
from annotation.quality.reviewing import batch_review_check, review_requeue, review_sample
from annotation.quality.services import quality_run_start
from annotation.work.services import (
    NoNext,
    NoSeat,
    Paused,
    Stored,
    Submitted,
    revision_store,
    snippets_left_over,
    task_next,
)


def submit(
    *,
    annotator: User,
    assignment_id: int,
    body: dict[str, Any],
    idempotency_key: str = "",
    time_spent_ms: int = 0,
    then_next: bool = False,
) -> Submitted | None:
    """Store the annotator's revision (``revision_store``, which says what is checked and
    when it is None) and the steps after it, in one transaction.

    With ``then_next`` the annotator's next task is claimed once the revision is
    committed, in a transaction of its own: whatever the claim meets, what was stored
    stays stored, and the answer says why no task came (``no_next``). A retried submit
    claims again and so gets the task it was given the first time (task_next hands
    back work held).
    """
    submitted = _stored_with_steps(
        annotator=annotator,
        assignment_id=assignment_id,
        body=body,
        idempotency_key=idempotency_key,
        time_spent_ms=time_spent_ms,
    )
    if submitted is None or not then_next:
        return submitted
    try:
        following = task_next(project_id=submitted.project_id, annotator=annotator)
    except Paused:
        return replace(submitted, no_next=NoNext.PAUSED)
    except NoSeat:
        return replace(submitted, no_next=NoNext.NO_SEAT)
    if following is None:
        return replace(submitted, no_next=NoNext.NOTHING_LEFT)
    return replace(submitted, following=following)


@transaction.atomic
def _stored_with_steps(**given: Any) -> Submitted | None:
    stored = revision_store(**given)
    if stored is None:
        return None
    if stored.submitted.created:
        after_submit(stored)
    return stored.submitted


def after_submit(stored: Stored) -> None:
    """The steps after a stored revision, in the submit's transaction."""
    own, revision = stored.own, stored.submitted.revision
    if own.gold:
        if stored.number == 1:
            gold_score(
                project_id=own.project_id,
                snippet_id=own.snippet_id,
                assignment_id=own.id,
                annotator_id=revision.annotator_id,
                annotation=stored.annotation,
            )
        return
    if own.status != AssignmentStatus.RETURNED:
        final_mark(snippet_id=own.snippet_id, project_id=own.project_id)
        return
    final_changed(snippet_id=own.snippet_id, project_id=own.project_id)  # no batch check
    review_requeue(
        assignment_id=own.id,
        project_id=own.project_id,
        batch_id=own.batch_id,
        revision=revision,
    )


@transaction.atomic
def batch_check(*, batch_id: int) -> Batch:
    """Move an annotating batch to reviewing once each of its snippets has ``overlap``
    submitted annotations, or has nobody left to annotate it (given back by everyone who
    could take it: annotation.work.services.snippets_left_over; the manager sees them
    among the skips): its review sample is drawn and a quality run of the project
    queued. Idempotent: any other batch is left as it is."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("project").get(id=batch_id)
    if batch.status != BatchStatus.ANNOTATING:
        return batch
    submitted = Count("assignments", filter=Q(assignments__status=AssignmentStatus.SUBMITTED))
    short = (
        Snippet.objects.filter(batch=batch)
        .pooled()
        .annotate(submitted=submitted)
        .filter(submitted__lt=batch.project.overlap)
    )
    if not short.exists() or snippets_left_over(batch=batch, short=short) is not None:
        batch.status = BatchStatus.REVIEWING
        batch.save(update_fields=["status"])
        review_sample(batch=batch)
        quality_run_start(project=batch.project, batch=batch)
        batch = batch_review_check(batch_id=batch.id)  # an empty sample needs no review
    return batch
