"""The final annotation of each snippet, defined once and stored.

A snippet's final annotation is its latest adjudication; else what most of its annotators
submitted (their latest revisions of submitted work, compared whole); on a tie the
earliest work's version stands and the row says ``tie`` until someone adjudicates. Gold
items have none (they are scored, not delivered).

What changes the inputs — a submit, work returned for rework, an adjudication — marks
the snippet dirty (``final_mark``, in the writer's transaction). ``finals_refresh``
computes the marked snippets again and stores them: a batch job with a dirty flag, safe
to run twice, run by the batch check after submits, after returns and adjudications, and
by every reader that must be current (an export) before it reads.
"""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction

from annotation.core.search import label_lines
from annotation.core.validation import PARTS
from annotation.jobs import FINALS_REFRESH, dispatch_on_commit
from annotation.models import Adjudication, FinalAnnotation, FinalDirty, FinalSource, Snippet
from annotation.quality.judgements import latest_revisions

REFRESH_CHUNK = 2000  # snippets computed and stored a transaction


def final_mark(*, snippet_id: int, project_id: int) -> None:
    """Mark the snippet's final annotation to be computed again (FinalDirty.objects.mark)."""
    FinalDirty.objects.mark(project_id=project_id, snippet_ids=[snippet_id])


def final_changed(*, snippet_id: int, project_id: int) -> None:
    """``final_mark``, and the project's finals refreshed in a job once the caller's
    transaction commits (one message waits per project however many ask): for the
    changes no batch check follows (returns, reworks, adjudications). A submit only
    marks: the batch check it dispatches refreshes."""
    final_mark(snippet_id=snippet_id, project_id=project_id)
    dispatch_on_commit(FINALS_REFRESH, project_id, coalesce=f"finals:{project_id}")


@dataclass(frozen=True)
class Final:
    spans: list
    classes: list
    segmentation: list
    relations: list
    events: list
    source: str
    works: int
    votes: int
    tie: bool


def finals_compute(snippet_ids: list[int]) -> dict[int, Final]:
    """The final annotation of each of these snippets that has one (the rule above: gold
    items have none)."""
    snippet_ids = list(
        Snippet.objects.filter(id__in=snippet_ids, gold=False).values_list("id", flat=True)
    )
    votes: dict[int, Counter] = defaultdict(Counter)
    first_seen: dict[int, dict[str, dict]] = defaultdict(dict)
    for _, snippet, *parts in latest_revisions(
        snippet_ids, *PARTS
    ):  # in assignment order: the earliest work's version is seen first
        annotation = dict(zip(PARTS, parts, strict=True))
        key = json.dumps(annotation, sort_keys=True, ensure_ascii=False)
        votes[snippet][key] += 1
        first_seen[snippet].setdefault(key, annotation)
    finals: dict[int, Final] = {}
    for snippet, counts in votes.items():
        ranked = counts.most_common()  # equal counts keep the order first seen
        (key, top), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0
        finals[snippet] = Final(
            **first_seen[snippet][key],
            source=FinalSource.MAJORITY,
            works=counts.total(),
            votes=top,
            tie=runner_up == top,
        )
    settled = Adjudication.objects.filter(snippet_id__in=snippet_ids).order_by("id")
    for snippet, *parts in settled.values_list(
        "snippet_id", *PARTS
    ):  # in the order made: the latest stays
        counted = votes.get(snippet, Counter())
        finals[snippet] = Final(
            **dict(zip(PARTS, parts, strict=True)),
            source=FinalSource.ADJUDICATION,
            works=counted.total(),
            votes=0,
            tie=False,
        )
    return finals


def finals_refresh(*, project_id: int) -> int:
    """Compute and store the final annotation of every snippet of the project marked
    dirty; return how many were computed. Idempotent: a second run finds nothing marked.

    A chunk at a time, each in its own transaction: the marks are read first, then the
    revisions; a mark is removed only if its version is still the one read, so a change
    committed meanwhile leaves its snippet marked for the next run.
    """
    done, after = 0, 0
    while True:
        marks = dict(
            FinalDirty.objects.filter(project_id=project_id, snippet_id__gt=after)
            .order_by("snippet_id")
            .values_list("snippet_id", "version")[:REFRESH_CHUNK]
        )
        if not marks:
            return done
        after = max(marks)
        _refresh_chunk(project_id, marks)
        done += len(marks)


@transaction.atomic
def _refresh_chunk(project_id: int, marks: dict[int, int]) -> None:
    finals = finals_compute(list(marks))
    FinalAnnotation.objects.filter(snippet_id__in=marks).exclude(snippet_id__in=finals).delete()
    FinalAnnotation.objects.bulk_create(
        [
            FinalAnnotation(
                snippet_id=snippet,
                project_id=project_id,
                labels=label_lines(final.spans, final.classes, final.relations, final.events),
                **vars(final),
            )
            for snippet, final in finals.items()
        ],
        update_conflicts=True,
        unique_fields=["snippet"],
        update_fields=[
            *PARTS,
            "source",
            "works",
            "votes",
            "tie",
            "labels",
            "updated_at",
        ],
    )
    by_version: dict[int, list[int]] = defaultdict(list)
    for snippet, version in marks.items():
        by_version[version].append(snippet)
    for version, snippets in by_version.items():
        FinalDirty.objects.filter(snippet_id__in=snippets, version=version).delete()


def finals_read(snippet_ids: list[int]) -> dict[int, dict]:
    """The final annotations of these snippets as ``{spans, classes, segmentation,
    relations, events}``, the stored ones, and for snippets still marked dirty the ones
    computed now (nothing is stored: a read stays a read). Snippets without one are left
    out."""
    dirty = set(
        FinalDirty.objects.filter(snippet_id__in=snippet_ids).values_list("snippet_id", flat=True)
    )
    finals: dict[int, dict] = {
        snippet: dict(zip(PARTS, parts, strict=True))
        for snippet, *parts in FinalAnnotation.objects.filter(
            snippet_id__in=[i for i in snippet_ids if i not in dirty]
        ).values_list("snippet_id", *PARTS)
    }
    for snippet, final in finals_compute(sorted(dirty)).items():
        finals[snippet] = {part: getattr(final, part) for part in PARTS}
    return finals
