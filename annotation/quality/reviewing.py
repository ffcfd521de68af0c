"""Writes of review (质检): the sample of a batch, reviewers' decisions, rework.

A batch that completes (every snippet annotated ``overlap`` times) gets a pending review
for each submitted work on a sample of its snippets. A reviewer accepts or rejects each;
a rejection returns the work to its annotator with the reason, and their next submit is
reviewed again. Once nothing waits for review or rework, the batch awaits the client's
acceptance.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from annotation.core.links import draft_of
from annotation.core.validation import PARTS
from annotation.models import (
    Adjudication,
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Review,
    ReviewStatus,
    Revision,
    Snippet,
)
from annotation.quality.finals import final_changed
from annotation.quality.judgements import disagreements_open, latest_revisions
from annotation.quality.sampling import draw, review_sample_size
from annotation.quality.selectors import worked_on


class OwnWork(Exception):
    """The reviewer worked on the snippet: one person does not both annotate and review
    (or adjudicate) one item (the separation GB/T 45654-2025 asks for)."""


def _refuse_own_work(*, user: User, snippet_id: int) -> None:
    if worked_on(user_id=user.id).filter(snippet_id=snippet_id).exists():
        raise OwnWork


@dataclass
class ReviewConflict(Exception):
    """The review was already decided otherwise."""

    review: Review


@transaction.atomic
def review_sample(*, batch: Batch) -> int:
    """Queue the review sample of a batch: ``review_percent`` of its snippets (rounded up),
    drawn reproducibly from the batch's id; each submitted work on them gets a pending
    review of its latest revision. Returns how many were queued.

    Idempotent: a batch that has reviews already is left alone.
    """
    if Review.objects.filter(batch=batch).exists():
        return 0
    snippets = Snippet.objects.filter(batch=batch).pooled()  # gold is scored, not reviewed
    snippet_ids = list(snippets.values_list("id", flat=True))
    percent = batch.project.review_percent
    chosen = draw(snippet_ids, review_sample_size(len(snippet_ids), percent), f"batch:{batch.id}")
    latest = sorted(latest_revisions(chosen, "id"))  # (work, snippet, revision), by work
    Review.objects.bulk_create(
        Review(project_id=batch.project_id, batch=batch, assignment_id=work, revision_id=rev)
        for work, _, rev in latest
    )
    return len(latest)


@transaction.atomic
def review_decide(*, review_id: int, reviewer: User, accept: bool, reason: str = "") -> Review:
    """Accept, or reject with a reason. The same decision again returns the review as it
    is (a retried request); a different one raises ReviewConflict: a decision is kept as
    made. A rejection returns the work to its annotator: the assignment is theirs again
    (status returned, the reason shown), with the reviewed revision as its draft. Someone
    who annotated the snippet raises OwnWork.
    """
    review = Review.objects.select_for_update().select_related("revision").get(id=review_id)
    snippet_id = Assignment.objects.values_list("snippet_id", flat=True).get(
        id=review.assignment_id
    )
    _refuse_own_work(user=reviewer, snippet_id=snippet_id)
    wanted = ReviewStatus.ACCEPTED if accept else ReviewStatus.REJECTED
    if review.status != ReviewStatus.PENDING:
        if review.status != wanted:
            raise ReviewConflict(review)
        return review
    review.status = wanted
    review.reviewer = reviewer
    review.reason = reason
    review.decided_at = timezone.now()
    review.save(update_fields=["status", "reviewer", "reason", "decided_at"])
    if not accept:
        revision = review.revision
        work_return(
            assignment_id=review.assignment_id,
            draft={part: getattr(revision, part) for part in PARTS},
            reason=reason,
        )
    if review.batch_id is not None:
        batch_review_check(batch_id=review.batch_id)
    return review


def work_return(*, assignment_id: int, draft: dict, reason: str) -> None:
    """Give submitted work back to its annotator for rework, ``draft`` (the annotation
    being returned) to start from."""
    returned = Assignment.objects.filter(id=assignment_id, status=AssignmentStatus.SUBMITTED)
    work = returned.values("snippet_id", "project_id").first()
    if work is None or not returned.update(
        status=AssignmentStatus.RETURNED,
        return_reason=reason,
        draft=draft_of(draft),
        version=F("version") + 1,
    ):
        return
    # Work in rework does not count toward the snippet's final annotation until resubmitted.
    final_changed(snippet_id=work["snippet_id"], project_id=work["project_id"])


def review_requeue(
    *, assignment_id: int, project_id: int, batch_id: int | None, revision: Revision
) -> Review:
    """Reworked work goes back to review: a pending review of its new revision, in the
    round after its last one. Runs inside the submit's transaction."""
    last = Review.objects.filter(assignment_id=assignment_id).order_by("-round").first()
    return Review.objects.create(
        project_id=project_id,
        batch_id=batch_id,
        assignment_id=assignment_id,
        revision=revision,
        round=(last.round + 1) if last else 1,
    )


def batch_review_check(*, batch_id: int) -> Batch:
    """Move a batch in review (or returned by its client) to await acceptance once no
    review is pending, no work of it is out for rework and, where the project asks for it
    (``settle_disagreements``), every disagreement in it is settled. Idempotent."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("project").get(id=batch_id)
    if batch.status not in (BatchStatus.REVIEWING, BatchStatus.RETURNED):
        return batch
    pending = Review.objects.filter(batch_id=batch_id, status=ReviewStatus.PENDING).exists()
    out = Assignment.objects.filter(
        snippet__batch_id=batch_id, status=AssignmentStatus.RETURNED
    ).exists()
    disputed = (
        not pending
        and not out
        and batch.project.settle_disagreements
        and disagreements_open(batch=batch) > 0
    )
    if not pending and not out and not disputed:
        batch.status = BatchStatus.ACCEPTING
        batch.save(update_fields=["status"])
    return batch


@transaction.atomic
def adjudication_settle(
    *, project_id: int, snippet_id: int, annotation: dict, user: User
) -> Adjudication:
    """Store a snippet's final annotation, settled from its versions; earlier settlements
    are kept, the latest counts. The stored final follows once the refresh job has run.
    Someone who annotated the snippet raises OwnWork."""
    _refuse_own_work(user=user, snippet_id=snippet_id)
    adjudication = Adjudication.objects.create(
        project_id=project_id, snippet_id=snippet_id, adjudicator=user, **annotation
    )
    final_changed(snippet_id=snippet_id, project_id=project_id)
    batch_id = Snippet.objects.values_list("batch_id", flat=True).get(id=snippet_id)
    if batch_id is not None:  # the last disagreement settled lets the batch go on
        batch_review_check(batch_id=batch_id)
    return adjudication
