"""Reads of the annotators' work on snippets: every annotator's latest version and the
disagreements to adjudicate (the final annotation is annotation.quality.finals)."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass

from annotation.core.links import link_keys, span_key
from annotation.core.tokens import decode_ends
from annotation.core.validation import PARTS
from annotation.models import (
    Adjudication,
    AssignmentStatus,
    Batch,
    Revision,
    Snippet,
)
from annotation.quality.adjudication import Version, links_shown, merge
from annotation.quality.report import Judgement
from projects.models import Project

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
        "relations",
        "events",
        "assignment__snippet__tokens" if with_tokens else "number",
        "assignment__snippet__text" if with_text else "number",
    ]
    revisions = Revision.objects.filter(
        assignment__project=project,
        assignment__status=AssignmentStatus.SUBMITTED,
        assignment__snippet__gold=False,
        assignment__snippet__excluded=False,
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
        snippet, batch, assignment, annotator, classes, spans, segmentation, *links = row
        relations, events, tokens, text = links
        if assignment == last_assignment:
            continue  # an older revision of the same work
        last_assignment = assignment
        if current is None or snippet != current.snippet_id:
            if current is not None:
                yield current
            ends = tuple(decode_ends(tokens)) if with_tokens else ()
            current = Judged(snippet, batch, text if with_text else "", ends, [])
        relation_keys, event_keys = link_keys(spans, relations, events)
        current.judgements.append(
            Judgement(
                annotator=annotator,
                classes=tuple(classes),
                spans=frozenset(span_key(span) for span in spans),
                words=tuple(segmentation or current.word_ends),
                relations=relation_keys,
                events=event_keys,
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


DISAGREEMENTS_PAGE = 50


def versions_of(judged: Judged) -> list[Version]:
    return [
        Version(
            annotator=j.annotator,
            spans=tuple(sorted(j.spans)),
            classes=tuple(sorted(j.classes)),
            segmentation=tuple(j.words),
            relations=tuple(sorted(j.relations)),
            events=tuple(sorted(j.events)),
        )
        for j in judged.judgements
    ]


def _disputed(rows: Iterable[Judged]) -> Iterator[tuple[Judged, list]]:
    """The snippets whose annotators' latest versions differ, with those versions."""
    for row in rows:
        versions = versions_of(row)
        if len(versions) >= 2 and len({v[1:] for v in map(astuple, versions)}) > 1:
            yield row, versions


def disagreements_open(*, batch: Batch) -> int:
    """How many snippets of ``batch`` their annotators disagree on and nobody settled."""
    rows = judgements_by_snippet(
        project=batch.project, with_tokens="segmentation" in batch.project.kinds, batch_id=batch.id
    )
    disputed = [row.snippet_id for row, _versions in _disputed(rows)]
    settled = set(
        Adjudication.objects.filter(snippet_id__in=disputed).values_list("snippet_id", flat=True)
    )
    return len(set(disputed) - settled)


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
    for row, versions in _disputed(rows):
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
            **{part: getattr(item, part) for part in PARTS},
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
                **links_shown(v.relations, v.events),
            }
            for v in versions
        ],
        **(merge(versions) if versions else {"agreed": None, "disputed": None}),
        "final": history[0] if history else None,
        "history": history,
    }
