"""Reads of the quality stage."""

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from annotation.models import (
    Acceptance,
    Assignment,
    AssignmentStatus,
    Batch,
    GoldItem,
    GoldResult,
    JobStatus,
    QualityRun,
    Review,
    ReviewStatus,
    Revision,
)
from annotation.quality.gold import falls_short
from annotation.quality.sampling import wilson_interval
from annotation.selectors import work_progress
from projects.models import Membership, Project


def quality_run_list(*, project: Project) -> QuerySet[QualityRun]:
    return QualityRun.objects.filter(project=project).defer("results").order_by("-id")


# The work that makes someone an annotator of a snippet: held, submitted or in rework.
# A lease that ran out or a skip left nothing of theirs in the snippet.
_WORKED = (AssignmentStatus.ACTIVE, AssignmentStatus.SUBMITTED, AssignmentStatus.RETURNED)


def worked_on(*, user_id: int) -> QuerySet[Assignment]:
    """The assignments through which ``user_id`` annotates their snippets."""
    return Assignment.objects.filter(annotator_id=user_id, status__in=_WORKED)


def review_list(
    *,
    project: Project,
    status: str = "",
    batch_id: int | None = None,
    annotator: str = "",
    reviewer: User | None = None,
) -> QuerySet[Review]:
    """A project's reviews, oldest first (the queue order), narrowed as asked; with
    ``reviewer``, only those they may decide: none on a snippet they annotated."""
    reviews = Review.objects.filter(project=project)
    if reviewer is not None:
        own = worked_on(user_id=reviewer.id).values("snippet_id")
        reviews = reviews.exclude(assignment__snippet_id__in=own)
    if status:
        reviews = reviews.filter(status=status)
    if batch_id is not None:
        reviews = reviews.filter(batch_id=batch_id)
    if annotator:
        reviews = reviews.filter(assignment__annotator__username=annotator)
    return reviews.select_related(
        "revision", "reviewer", "assignment__annotator", "assignment__snippet"
    ).order_by("id")


def _rate(accepted: int, reviewed: int) -> dict:
    interval = wilson_interval(accepted, reviewed)
    return {
        "reviewed": reviewed,
        "accepted": accepted,
        "rate": round(100 * accepted / reviewed, 2) if reviewed else None,
        "interval": [round(100 * end, 2) for end in interval] if interval else None,
    }


def qualification(*, project: Project) -> dict:
    """Qualification rates (合格率) from first-round reviews, per batch and per annotator:
    accepted ÷ reviewed, with the 95 % Wilson interval, and what still waits for review.
    Rework is reviewed again but does not raise the rate."""
    first = Review.objects.filter(project=project, round=1)
    decided = Count("id", filter=~Q(status=ReviewStatus.PENDING))
    accepted = Count("id", filter=Q(status=ReviewStatus.ACCEPTED))
    pending = Count("id", filter=Q(status=ReviewStatus.PENDING))
    threshold = project.acceptance_threshold
    batches = []
    rows = first.values("batch_id", "batch__name", "batch__status").annotate(
        sample=Count("id"), reviewed=decided, accepted=accepted, pending=pending
    )
    for row in rows.order_by("batch_id"):
        figures = _rate(row["accepted"], row["reviewed"])
        batches.append(
            {
                "id": row["batch_id"],
                "name": row["batch__name"],
                "status": row["batch__status"],
                "sample": row["sample"],
                "pending": row["pending"],
                **figures,
                "meets_threshold": None
                if figures["rate"] is None
                else figures["rate"] >= threshold,
            }
        )
    annotators = [
        {
            "username": row["assignment__annotator__username"],
            **_rate(row["accepted"], row["reviewed"]),
        }
        for row in first.values("assignment__annotator__username")
        .annotate(reviewed=decided, accepted=accepted)
        .order_by("assignment__annotator__username")
    ]
    return {"threshold": threshold, "batches": batches, "annotators": annotators}


def acceptance_latest(*, batch: Batch) -> Acceptance | None:
    return (
        Acceptance.objects.filter(batch=batch)
        .select_related("created_by")
        .prefetch_related("items__snippet", "items__judged_by")
        .order_by("-id")
        .first()
    )


def gold_list(*, project: Project) -> QuerySet[GoldItem]:
    return (
        GoldItem.objects.filter(project=project)
        .select_related("snippet", "created_by")
        .annotate(scored=Count("results"), right=Count("results", filter=Q(results__correct=True)))
        .order_by("id")
    )


def gold_accuracy(*, project: Project) -> list[dict]:
    """Per annotator: gold items scored, right, accuracy (percent), flagged (at least
    GOLD_MIN_SCORED scored and below the project's minimum) and paused."""
    paused = set(
        Membership.objects.filter(project=project, paused_at__isnull=False).values_list(
            "user__username", flat=True
        )
    )
    rows = (
        GoldResult.objects.filter(gold__project=project)
        .values("annotator__username")
        .annotate(scored=Count("id"), right=Count("id", filter=Q(correct=True)))
        .order_by("annotator__username")
    )
    found = []
    for row in rows:
        accuracy = round(100 * row["right"] / row["scored"], 2)
        found.append(
            {
                "username": row["annotator__username"],
                "scored": row["scored"],
                "right": row["right"],
                "accuracy": accuracy,
                "flagged": falls_short(row["scored"], row["right"], project.gold_min_accuracy),
                "paused": row["annotator__username"] in paused,
            }
        )
    return found


def submissions_per_day(*, project: Project, days: int = 30) -> list[tuple[str, int]]:
    """First submits per day over the last ``days`` days (today included), zeros kept."""
    today = timezone.localdate()
    since = today - timedelta(days=days - 1)
    counts = dict(
        Revision.objects.filter(assignment__project=project, number=1, created_at__date__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [
        ((since + timedelta(days=n)).isoformat(), counts.get(since + timedelta(days=n), 0))
        for n in range(days)
    ]


def quality_run_latest(*, project: Project) -> QualityRun | None:
    return (
        QualityRun.objects.filter(project=project, status=JobStatus.SUCCEEDED)
        .order_by("-id")
        .first()
    )


def annotator_quality(*, project: Project, qualified: dict) -> list[dict]:
    """Per annotator: submitted and items per hour (work counters), review rate (first
    rounds, from ``qualified``, the project's ``qualification``), gold accuracy, rework
    rate (rejections among all decided reviews), and first submits with nothing marked."""
    people = {row["username"]: dict(row) for row in work_progress(project=project)["annotators"]}
    rates = {row["username"]: row["rate"] for row in qualified["annotators"]}
    gold = {row["username"]: row["accuracy"] for row in gold_accuracy(project=project)}
    decided = (
        Review.objects.filter(project=project)
        .exclude(status=ReviewStatus.PENDING)
        .values("assignment__annotator__username")
        .annotate(total=Count("id"), rejected=Count("id", filter=Q(status=ReviewStatus.REJECTED)))
    )
    rework = {
        row["assignment__annotator__username"]: round(100 * row["rejected"] / row["total"], 1)
        for row in decided
    }
    # First submits with nothing marked: a snippet with nothing to label, or a skip in
    # disguise; worth a look when someone has many.
    empty = dict(
        Revision.objects.filter(
            assignment__project=project, number=1, spans=[], classes=[], segmentation=[]
        )
        .values_list("annotator__username")
        .annotate(count=Count("id"))
        .values_list("annotator__username", "count")
    )
    return [
        {
            "username": name,
            "submitted": person["submitted"],
            "items_per_hour": person["items_per_hour"],
            "review_rate": rates.get(name),
            "gold_accuracy": gold.get(name),
            "rework_rate": rework.get(name),
            "empty": empty.get(name, 0),
        }
        for name, person in sorted(people.items())
    ]
