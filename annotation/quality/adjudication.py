"""Adjudication: several annotators' versions of a snippet merged into one. Pure.

What every annotator agrees on is merged in advance; the rest is laid out as disputed,
each item with who gave it, for the adjudicator to settle side by side.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Version:
    annotator: str
    spans: tuple[tuple[int, int, str], ...]
    classes: tuple[str, ...]
    segmentation: tuple[int, ...]


def merge(versions: Sequence[Version]) -> dict:
    """``{"agreed": {spans, classes, segmentation}, "disputed": {spans, classes,
    segmentation}}``: agreed spans and classes are those in every version; a disputed one
    lists who gave it. The segmentation is agreed when all are equal, else every distinct
    one is disputed with its annotators."""
    count = len(versions)
    span_by: dict[tuple, list[str]] = {}
    class_by: dict[str, list[str]] = {}
    for version in versions:
        for span in sorted(set(version.spans)):
            span_by.setdefault(span, []).append(version.annotator)
        for name in sorted(set(version.classes)):
            class_by.setdefault(name, []).append(version.annotator)
    segmentations = Counter(version.segmentation for version in versions)

    def spans(items: list[tuple]) -> list[dict]:
        return [{"start": start, "end": end, "label": label} for start, end, label in items]

    agreed_segmentation = list(versions[0].segmentation) if len(segmentations) == 1 else []
    return {
        "agreed": {
            "spans": spans(sorted(s for s, by in span_by.items() if len(by) == count)),
            "classes": sorted(c for c, by in class_by.items() if len(by) == count),
            "segmentation": agreed_segmentation,
        },
        "disputed": {
            "spans": [
                {**spans([span])[0], "by": by}
                for span, by in sorted(span_by.items())
                if len(by) < count
            ],
            "classes": [
                {"name": name, "by": by} for name, by in sorted(class_by.items()) if len(by) < count
            ],
            "segmentation": []
            if len(segmentations) == 1
            else [
                {
                    "ends": list(ends),
                    "by": [v.annotator for v in versions if v.segmentation == ends],
                }
                for ends in sorted(segmentations)
            ],
        },
    }
