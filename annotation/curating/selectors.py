"""Reads of the data table: a project's snippets filtered, sorted and paged, each with
where it stands, and one snippet's whole history.

Every filter is a condition an index serves, or a column of the snippet or of its stored
final annotation (annotation.quality.finals), so a page costs the same on a project of a
million snippets: docs/benchmarks.md has the figures (bench/data_table.py).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from annotation.core.search import search_key
from annotation.core.validation import PARTS
from annotation.models import (
    Adjudication,
    Assignment,
    AssignmentStatus,
    BatchStatus,
    FinalAnnotation,
    FinalSource,
    GoldItem,
    Review,
    ReviewStatus,
    Snippet,
    SnippetSearch,
)
from projects.models import Project


class State:
    """Where a snippet stands, as the table shows and filters it."""

    OPEN = "open"  # nobody has it, nor gave it back
    IN_PROGRESS = "in_progress"  # someone is annotating it
    PARTLY = "partly_submitted"  # k of n annotations submitted, 0 < k < n
    SUBMITTED = "submitted"  # all n submitted
    IN_REVIEW = "in_review"  # a review of its work is pending
    RETURNED = "returned"  # work on it is back with its annotator for rework
    ACCEPTED = "accepted"  # its batch was accepted by the client
    SKIPPED = "skipped"  # given back by someone
    EXCLUDED = "excluded"  # left out by a manager

    ALL = (
        OPEN,
        IN_PROGRESS,
        PARTLY,
        SUBMITTED,
        IN_REVIEW,
        RETURNED,
        ACCEPTED,
        SKIPPED,
        EXCLUDED,
    )


# The work statuses that say a state of the snippet; with an annotator chosen, theirs.
_BY_WORK = {
    State.IN_PROGRESS: AssignmentStatus.ACTIVE,
    State.RETURNED: AssignmentStatus.RETURNED,
    State.SKIPPED: AssignmentStatus.SKIPPED,
}

SORTS = {
    "id": ("id",),
    "-id": ("-id",),
    "annotations": ("slots_taken", "id"),
    "-annotations": ("-slots_taken", "id"),
}

COUNT_CAP = 1_000  # past this a filter says "more than", not how many (counted_whole)


@dataclass(frozen=True)
class TableFilters:
    batch: int | None = None
    import_job: int | None = None
    state: str | None = None
    annotator: int | None = None
    label: str | None = None
    disagreement: bool | None = None
    gold: bool | None = None
    text: str = ""
    sort: str = "id"

    @property
    def counted_whole(self) -> bool:
        """Whether the rows are counted to the last: with no filter, or a batch or an
        import only, which an index counts. Any other filter counts up to COUNT_CAP (a
        million rows are not read to say "1,000 or more")."""
        narrowing = (self.state, self.annotator, self.label, self.disagreement, self.gold)
        return not self.text and all(value is None for value in narrowing)


def snippet_table(*, project: Project, filters: TableFilters) -> QuerySet[Snippet]:
    """The project's snippets that pass ``filters``, in its sort order."""
    rows: QuerySet[Snippet] = Snippet.objects.filter(project=project)
    if filters.batch is not None:
        rows = rows.filter(batch_id=filters.batch)
    if filters.import_job is not None:
        rows = rows.filter(article__import_job_id=filters.import_job)
    if filters.gold is not None:
        rows = rows.filter(gold=filters.gold)
    works = Assignment.objects.filter(project=project)
    if filters.annotator is not None:
        works = works.filter(annotator_id=filters.annotator)
        if filters.state not in _BY_WORK:
            rows = rows.filter(id__in=works.values("snippet_id"))
    if filters.state is not None:
        rows = _in_state(rows, project, filters.state, works)
    finals = FinalAnnotation.objects.filter(snippet=OuterRef("pk"))
    if filters.disagreement is not None:
        disputed = finals.filter(source=FinalSource.MAJORITY, votes__lt=F("works"))
        rows = rows.filter(Exists(disputed) if filters.disagreement else ~Exists(disputed))
    if filters.label:
        rows = rows.filter(Exists(finals.filter(labels__contains=f"\n{filters.label}\n")))
    if filters.text:
        found = SnippetSearch.objects.filter(
            project=project, text__contains=search_key(filters.text)
        )
        rows = rows.filter(id__in=found.values("snippet_id"))
    return rows.order_by(*SORTS.get(filters.sort, SORTS["id"]))


FEW = 2_000  # ids of open work read ahead and named in the query (SQLite's variables)


def _few(rows: QuerySet, column: str) -> Q:
    """The snippets ``rows`` name in ``column``: work in progress, in rework, given back,
    pending review, a few rows however big the project. Read first and named by id, so
    that the query starts from them rather than reading the snippets in order to meet
    them; past FEW, as a subquery."""
    ids = list(rows.values_list(column, flat=True).distinct()[: FEW + 1])
    return Q(id__in=rows.values(column)) if len(ids) > FEW else Q(id__in=ids)


def _in_state(
    rows: QuerySet[Snippet], project: Project, state: str, works: QuerySet[Assignment]
) -> QuerySet[Snippet]:
    """The rows in ``state``: a snippet is in the first state that holds of it, in the
    order _state_of tells them (returned, in review, accepted, in progress, submitted,
    partly submitted, skipped, open), so a filter lists the rows that show its state.
    Each rules out only the states above it that can hold together with its own: the
    rest cannot (all slots free means no work in progress, done or in rework), and the
    conditions it reads are small sets of open work, a batch's status or the stored final.
    With an annotator chosen (``works`` theirs), the states of work (in progress,
    returned, skipped) ask for their own work in it."""
    if state == State.EXCLUDED:
        return rows.filter(excluded=True)
    every = Assignment.objects.filter(project=project)

    def doing(status: str, of: QuerySet[Assignment] = every) -> Q:
        return _few(of.filter(status=status), "snippet_id")

    pending = Review.objects.filter(project=project, status=ReviewStatus.PENDING)
    finals = FinalAnnotation.objects.filter(snippet=OuterRef("pk"), works__gt=0)
    returned, in_progress = doing(AssignmentStatus.RETURNED), doing(AssignmentStatus.ACTIVE)
    in_review = _few(pending, "assignment__snippet_id")
    accepted = Q(batch__status=BatchStatus.ACCEPTED)
    skipped = doing(AssignmentStatus.SKIPPED)
    free = Q(slots_taken=0)  # nobody holds it, did it or reworks it
    own = {status: doing(status, works) for status in _BY_WORK.values()}
    done_above = [~returned, ~in_review, ~accepted, ~in_progress]
    rules: dict[str, list[Q | Exists]] = {
        State.RETURNED: [own[AssignmentStatus.RETURNED]],
        State.IN_REVIEW: [in_review, ~returned],
        State.ACCEPTED: [accepted, ~returned, ~in_review],
        State.IN_PROGRESS: [own[AssignmentStatus.ACTIVE], ~returned, ~in_review, ~accepted],
        State.SUBMITTED: [Exists(finals.filter(works__gte=project.overlap)), *done_above],
        State.PARTLY: [Exists(finals.filter(works__lt=project.overlap)), *done_above],
        State.SKIPPED: [own[AssignmentStatus.SKIPPED], free, ~accepted],
        State.OPEN: [free, ~skipped, ~accepted],
    }
    return rows.filter(*rules[state], excluded=False)


def table_count(rows: QuerySet[Snippet], filters: TableFilters) -> tuple[int, bool]:
    """How many rows pass, and whether that is only a floor (COUNT_CAP reached)."""
    if filters.counted_whole:
        return rows.count(), False
    count = rows.order_by()[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


def _state_of(snippet: Snippet, works: list[dict], in_review: bool, overlap: int) -> str:
    """The first state that holds of the snippet, in _in_state's order."""
    statuses = {work["status"] for work in works}
    if snippet.excluded:
        return State.EXCLUDED
    if AssignmentStatus.RETURNED in statuses:
        return State.RETURNED
    if in_review:
        return State.IN_REVIEW
    if snippet.batch is not None and snippet.batch.status == BatchStatus.ACCEPTED:
        return State.ACCEPTED
    if AssignmentStatus.ACTIVE in statuses:
        return State.IN_PROGRESS
    submitted = sum(work["status"] == AssignmentStatus.SUBMITTED for work in works)
    if submitted >= overlap:
        return State.SUBMITTED
    if submitted:
        return State.PARTLY
    if AssignmentStatus.SKIPPED in statuses:
        return State.SKIPPED
    return State.OPEN


def table_rows(*, project: Project, snippets: list[Snippet]) -> list[dict]:
    """The rows of a page: each snippet with its state, its annotators' work, and its
    final annotation's labels and disagreement. Four queries, whatever the page."""
    ids = [snippet.id for snippet in snippets]
    works: dict[int, list[dict]] = defaultdict(list)
    for row in (
        Assignment.objects.filter(snippet_id__in=ids)
        .order_by("id")
        .values("snippet_id", "status", "annotator__username", "skip_reason")
    ):
        works[row["snippet_id"]].append(dict(row))
    reviewed = set(
        Review.objects.filter(
            assignment__snippet_id__in=ids, status=ReviewStatus.PENDING
        ).values_list("assignment__snippet_id", flat=True)
    )
    finals = {
        final["snippet_id"]: final
        for final in FinalAnnotation.objects.filter(snippet_id__in=ids).values(
            "snippet_id", "labels", "source", "votes", "works", "tie"
        )
    }
    rows = []
    for snippet in snippets:
        final = finals.get(snippet.id)
        mine = works.get(snippet.id, [])
        import_job = snippet.article.import_job
        rows.append(
            {
                "id": snippet.id,
                "text": snippet.text,
                "batch": None
                if snippet.batch is None
                else {"id": snippet.batch.id, "name": snippet.batch.name},
                "import_job": None
                if import_job is None
                else {"id": import_job.id, "filename": import_job.filename},
                "article": snippet.article_id,
                "position": snippet.position,
                "state": _state_of(snippet, mine, snippet.id in reviewed, project.overlap),
                "submitted": sum(w["status"] == AssignmentStatus.SUBMITTED for w in mine),
                "overlap": project.overlap,
                "work": [
                    {
                        "annotator": w["annotator__username"],
                        "status": w["status"],
                        "skip_reason": w["skip_reason"],
                    }
                    for w in mine
                ],
                "labels": final["labels"].split("\n")[1:-1] if final else [],
                "final": None if final is None else final["source"],
                "disagreement": bool(
                    final
                    and final["source"] == FinalSource.MAJORITY
                    and final["votes"] < final["works"]
                ),
                "gold": snippet.gold,
                "excluded": snippet.excluded,
            }
        )
    return rows


def table_page(*, rows: QuerySet[Snippet], offset: int, limit: int) -> list[Snippet]:
    """The page's snippets, in order: their ids first, read from the indexes alone where
    the filters allow (a page deep in a million rows skips index entries, not rows), then
    the snippets with their batch and import."""
    ids = list(rows.values_list("id", flat=True)[offset : offset + limit])
    found = Snippet.objects.select_related("batch", "article__import_job").only(
        "id",
        "text",
        "position",
        "gold",
        "excluded",
        "article_id",
        "article__import_job__id",
        "article__import_job__filename",
        "batch__id",
        "batch__name",
        "batch__status",
    )
    by_id = {snippet.id: snippet for snippet in found.filter(id__in=ids)}
    return [by_id[id_] for id_ in ids if id_ in by_id]


def snippet_history(*, snippet: Snippet) -> dict:
    """One snippet as the item view shows it: its text between its neighbours in the
    article, each annotator's work with every revision and review, the final annotation
    and every settlement of it, and the gold reference if it is one."""
    neighbours = dict(
        Snippet.objects.filter(
            article_id=snippet.article_id,
            position__in=(snippet.position - 1, snippet.position + 1),
        ).values_list("position", "text")
    )
    works = list(
        Assignment.objects.filter(snippet=snippet)
        .select_related("annotator")
        .prefetch_related("revisions", "reviews__reviewer")
        .order_by("id")
    )
    final = FinalAnnotation.objects.filter(snippet=snippet).first()
    gold = GoldItem.objects.filter(snippet=snippet).first()
    return {
        "id": snippet.id,
        "text": snippet.text,
        "batch": None
        if snippet.batch is None
        else {"id": snippet.batch.id, "name": snippet.batch.name, "status": snippet.batch.status},
        "article": {
            "id": snippet.article_id,
            "title": snippet.article.title,
            "before": neighbours.get(snippet.position - 1, ""),
            "after": neighbours.get(snippet.position + 1, ""),
        },
        "excluded": snippet.excluded,
        "gold": None if gold is None else _annotation(gold),
        "work": [_work(work) for work in works],
        "final": None
        if final is None
        else {
            **_annotation(final),
            "source": final.source,
            "works": final.works,
            "votes": final.votes,
            "tie": final.tie,
            "updated_at": final.updated_at,
        },
        "settlements": [
            {
                **_annotation(settled),
                "adjudicator": settled.adjudicator.username if settled.adjudicator else None,
                "created_at": settled.created_at,
            }
            for settled in Adjudication.objects.filter(snippet=snippet)
            .select_related("adjudicator")
            .order_by("-id")
        ],
    }


def _annotation(row) -> dict:
    return {part: getattr(row, part) for part in PARTS}


def _work(work: Assignment) -> dict:
    reviews = sorted(work.reviews.all(), key=lambda review: (review.round, review.id))
    numbers = {revision.id: revision.number for revision in work.revisions.all()}
    return {
        "id": work.id,
        "annotator": work.annotator.username,
        "status": work.status,
        "created_at": work.created_at,
        "submitted_at": work.submitted_at,
        "skip_reason": work.skip_reason,
        "return_reason": work.return_reason,
        "revisions": [
            {
                **_annotation(revision),
                "number": revision.number,
                "late": revision.late,
                "time_spent_ms": revision.time_spent_ms,
                "created_at": revision.created_at,
            }
            for revision in sorted(work.revisions.all(), key=lambda revision: revision.number)
        ],
        "reviews": [
            {
                "round": review.round,
                "revision": numbers.get(review.revision_id),
                "status": review.status,
                "reviewer": review.reviewer.username if review.reviewer else None,
                "reason": review.reason,
                "decided_at": review.decided_at,
            }
            for review in reviews
        ],
    }
