"""Reads of the quality stage."""

from collections.abc import Iterator

from django.db.models import QuerySet

from annotation.models import AssignmentStatus, QualityRun, Revision
from annotation.quality.report import Judgement
from projects.models import Project

READ_CHUNK = 5000


def _ends(tokens: str) -> tuple[int, ...]:
    return tuple(map(int, tokens.split(","))) if tokens else ()


def judgements_by_snippet(
    *, project: Project, with_tokens: bool
) -> Iterator[tuple[int | None, list[Judgement]]]:
    """Every annotator's latest submitted revision, a snippet at a time, with the snippet's
    batch. One pass over a server-side cursor in snippet order; nothing else is held.

    Late work whose slot went to someone else (status expired) is left out: it does not
    count toward the snippet's annotations. A segmentation left uncorrected is jieba's
    (``with_tokens`` reads it).
    """
    fields = [
        "assignment__snippet_id",
        "assignment__snippet__batch_id",
        "assignment_id",
        "assignment__annotator__username",
        "classes",
        "spans",
        "segmentation",
    ]
    if with_tokens:
        fields.append("assignment__snippet__tokens")
    rows = (
        Revision.objects.filter(
            assignment__project=project, assignment__status=AssignmentStatus.SUBMITTED
        )
        .order_by("assignment__snippet_id", "assignment_id", "-number")
        .values_list(*fields)
        .iterator(chunk_size=READ_CHUNK)
    )
    snippet_id, batch_id, last_assignment = None, None, None
    judgements: list[Judgement] = []
    for row in rows:
        snippet, batch, assignment, annotator, classes, spans, segmentation = row[:7]
        if assignment == last_assignment:
            continue  # an older revision of the same work
        last_assignment = assignment
        if snippet != snippet_id:
            if judgements:
                yield batch_id, judgements
            snippet_id, batch_id, judgements = snippet, batch, []
        words = segmentation or (_ends(row[7]) if with_tokens else ())
        judgements.append(
            Judgement(
                annotator=annotator,
                classes=tuple(classes),
                spans=frozenset((s["start"], s["end"], s["label"]) for s in spans),
                words=tuple(words),
            )
        )
    if judgements:
        yield batch_id, judgements


def quality_run_list(*, project: Project) -> QuerySet[QualityRun]:
    return QualityRun.objects.filter(project=project).defer("results").order_by("-id")
