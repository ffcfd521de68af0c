"""Reads of the quality stage."""

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from annotation.ingest.tokenizer import decode_ends
from annotation.models import (
    Acceptance,
    Adjudication,
    AssignmentStatus,
    Batch,
    GoldItem,
    GoldResult,
    JobStatus,
    QualityRun,
    Review,
    ReviewStatus,
    Revision,
    Snippet,
)
from annotation.quality.adjudication import Version, merge
from annotation.quality.gold import falls_short
from annotation.quality.report import Judgement
from annotation.quality.sampling import wilson_interval
from annotation.selectors import work_progress
from projects.models import Membership, Project

READ_CHUNK = 5000
IN_CHUNKS = 500  # ids per IN (...) list: SQLite allows a few thousand parameters


@dataclass
class Judged:
    """One snippet and every annotator's judgement of it."""

    snippet_id: int
    batch_id: int | None
    text: str  # "" unless asked for
    word_ends: tuple[int, ...]  # jieba's, () unless asked for
    judgements: list[Judgement]


def judgements_by_snippet(
    *,
    project: Project,
    with_tokens: bool,
    with_text: bool = False,
    batch_id: int | None = None,
    after: int = 0,
) -> Iterator[Judged]:
    """Every annotator's latest submitted revision, a snippet at a time. One pass over a
    server-side cursor in snippet order; nothing else is held.

    Late work whose slot went to someone else (status expired) is left out: it does not
    count toward the snippet's annotations; so are gold items, scored on their own. A
    segmentation left uncorrected is jieba's (``with_tokens`` reads jieba's words).
    ``batch_id`` narrows to one batch, ``after`` to snippets with a greater id.
    """
    fields = [
        "assignment__snippet_id",
        "assignment__snippet__batch_id",
        "assignment_id",
        "assignment__annotator__username",
        "classes",
        "spans",
        "segmentation",
        "assignment__snippet__tokens" if with_tokens else "number",
        "assignment__snippet__text" if with_text else "number",
    ]
    revisions = Revision.objects.filter(
        assignment__project=project,
        assignment__status=AssignmentStatus.SUBMITTED,
        assignment__snippet__gold=False,
    )
    if batch_id is not None:
        revisions = revisions.filter(assignment__snippet__batch_id=batch_id)
    if after:
        revisions = revisions.filter(assignment__snippet_id__gt=after)
    rows = (
        revisions.order_by("assignment__snippet_id", "assignment_id", "-number")
        .values_list(*fields)
        .iterator(chunk_size=READ_CHUNK)
    )
    current: Judged | None = None
    last_assignment = None
    for row in rows:
        snippet, batch, assignment, annotator, classes, spans, segmentation, tokens, text = row
        if assignment == last_assignment:
            continue  # an older revision of the same work
        last_assignment = assignment
        if current is None or snippet != current.snippet_id:
            if current is not None:
                yield current
            ends = tuple(decode_ends(tokens)) if with_tokens else ()
            current = Judged(snippet, batch, text if with_text else "", ends, [])
        current.judgements.append(
            Judgement(
                annotator=annotator,
                classes=tuple(classes),
                spans=frozenset((s["start"], s["end"], s["label"]) for s in spans),
                words=tuple(segmentation or current.word_ends),
            )
        )
    if current is not None:
        yield current


def latest_revisions(snippet_ids: list[int], *fields: str) -> list[tuple]:
    """The latest revision of each submitted work on these snippets, as ``(assignment_id,
    snippet_id, *fields)`` rows in snippet, then assignment order (``fields`` of Revision)."""
    found: list[tuple] = []
    for start in range(0, len(snippet_ids), IN_CHUNKS):
        rows = (
            Revision.objects.filter(
                assignment__snippet_id__in=snippet_ids[start : start + IN_CHUNKS],
                assignment__status=AssignmentStatus.SUBMITTED,
            )
            .order_by("assignment__snippet_id", "assignment_id", "-number")
            .values_list("assignment_id", "assignment__snippet_id", *fields)
        )
        last = None
        for row in rows:
            if row[0] != last:  # older revisions of the same work follow its latest
                found.append(row)
                last = row[0]
    return found


def judgements_spans(snippet_ids: list[int]) -> dict[int, set[tuple[int, int]]]:
    """Per snippet, where any annotator's latest submitted work put a span."""
    found: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for _, snippet_id, spans in latest_revisions(snippet_ids, "spans"):
        found[snippet_id].update((span["start"], span["end"]) for span in spans)
    return found


def quality_run_list(*, project: Project) -> QuerySet[QualityRun]:
    return QualityRun.objects.filter(project=project).defer("results").order_by("-id")


def review_list(
    *, project: Project, status: str = "", batch_id: int | None = None, annotator: str = ""
) -> QuerySet[Review]:
    """A project's reviews, oldest first (the queue order), narrowed as asked."""
    reviews = Review.objects.filter(project=project)
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


def final_annotations(*, snippet_ids: list[int]) -> dict[int, dict]:
    """The annotation each snippet delivers: its latest adjudication, or else what most of
    its annotators submitted (their latest revisions, compared whole), the earliest work
    breaking ties."""
    votes: dict[int, Counter] = defaultdict(Counter)
    first_seen: dict[int, dict[str, dict]] = defaultdict(dict)
    for _, snippet, spans, classes, segmentation in latest_revisions(
        snippet_ids, "spans", "classes", "segmentation"
    ):
        annotation = {"spans": spans, "classes": classes, "segmentation": segmentation}
        key = json.dumps(annotation, sort_keys=True, ensure_ascii=False)
        votes[snippet][key] += 1
        first_seen[snippet].setdefault(key, annotation)
    finals = {
        snippet: first_seen[snippet][counts.most_common(1)[0][0]]
        for snippet, counts in votes.items()
    }
    settled = Adjudication.objects.filter(snippet_id__in=snippet_ids).order_by("id")
    for snippet, spans, classes, segmentation in settled.values_list(
        "snippet_id", "spans", "classes", "segmentation"
    ):  # in the order made: the latest stays
        finals[snippet] = {
            "spans": spans,
            "classes": classes,
            "segmentation": segmentation,
            "adjudicated": True,
        }
    return finals


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


DISAGREEMENTS_PAGE = 50


def versions_of(judged: Judged) -> list[Version]:
    return [
        Version(
            annotator=j.annotator,
            spans=tuple(sorted(j.spans)),
            classes=tuple(sorted(j.classes)),
            segmentation=tuple(j.words),
        )
        for j in judged.judgements
    ]


def disagreements(*, project: Project, batch_id: int | None, after: int) -> dict:
    """Snippets whose annotators' latest versions differ, a page at a time in snippet
    order: ``{"results": [{snippet, annotators, settled}], "next_after": id or None}``."""
    found: list[dict] = []
    rows = judgements_by_snippet(
        project=project,
        with_tokens="segmentation" in project.kinds,
        with_text=True,
        batch_id=batch_id,
        after=after,
    )
    for row in rows:
        versions = versions_of(row)
        if len(versions) < 2 or len({v[1:] for v in map(astuple, versions)}) == 1:
            continue
        found.append(
            {
                "snippet": {"id": row.snippet_id, "text": row.text},
                "annotators": [v.annotator for v in versions],
            }
        )
        if len(found) == DISAGREEMENTS_PAGE:
            break
    settled = set(
        Adjudication.objects.filter(
            snippet_id__in=[item["snippet"]["id"] for item in found]
        ).values_list("snippet_id", flat=True)
    )
    for item in found:
        item["settled"] = item["snippet"]["id"] in settled
    full = len(found) == DISAGREEMENTS_PAGE
    return {"results": found, "next_after": found[-1]["snippet"]["id"] if full else None}


def adjudication_view(*, project: Project, snippet: Snippet) -> dict:
    """A snippet side by side: every annotator's version, what they agree on, what is
    disputed and by whom, and its settlements so far (the latest is the final one)."""
    rows = judgements_by_snippet(
        project=project,
        with_tokens="segmentation" in project.kinds,
        after=snippet.id - 1,
    )
    row = next(rows, None)
    versions = versions_of(row) if row is not None and row.snippet_id == snippet.id else []
    history = [
        {
            "spans": item.spans,
            "classes": item.classes,
            "segmentation": item.segmentation,
            "adjudicator": item.adjudicator.username if item.adjudicator else None,
            "created_at": item.created_at,
        }
        for item in snippet.adjudications.select_related("adjudicator").order_by("-id")
    ]
    return {
        "snippet": {"id": snippet.id, "text": snippet.text},
        "versions": [
            {
                "annotator": v.annotator,
                "spans": [{"start": a, "end": b, "label": c} for a, b, c in v.spans],
                "classes": list(v.classes),
                "segmentation": list(v.segmentation),
            }
            for v in versions
        ],
        **(merge(versions) if versions else {"agreed": None, "disputed": None}),
        "final": history[0] if history else None,
        "history": history,
    }


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
    rounds, from ``qualified``, the project's ``qualification``), gold accuracy, and
    rework rate (rejections among all decided reviews)."""
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
    return [
        {
            "username": name,
            "submitted": person["submitted"],
            "items_per_hour": person["items_per_hour"],
            "review_rate": rates.get(name),
            "gold_accuracy": gold.get(name),
            "rework_rate": rework.get(name),
        }
        for name, person in sorted(people.items())
    ]
