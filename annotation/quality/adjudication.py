"""Adjudication: several annotators' versions of a snippet merged into one. Pure.

What every annotator agrees on is merged in advance; the rest is laid out as disputed,
each item with who gave it, for the adjudicator to settle side by side.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Version:
    annotator: str
    spans: tuple[tuple[int, int, str], ...]
    classes: tuple[str, ...]
    segmentation: tuple[int, ...]
    relations: tuple[tuple, ...] = ()  # annotation.core.links.relation_key, in order
    events: tuple[tuple, ...] = ()  # annotation.core.links.event_key, in order


def _span(key: tuple) -> dict:
    start, end, label = key
    return {"start": start, "end": end, "label": label}


def relation_shown(key: tuple) -> dict:
    """A relation as the adjudication page shows it: its ends as spans."""
    subject, kind, obj = key
    return {"from": _span(subject), "type": kind, "to": _span(obj)}


def event_shown(key: tuple) -> dict:
    trigger, kind, arguments = key
    return {
        "trigger": _span(trigger),
        "type": kind,
        "arguments": [{"role": role, "span": _span(span)} for role, span in arguments],
    }


def links_shown(relations: Iterable[tuple], events: Iterable[tuple]) -> dict:
    return {
        "relations": [relation_shown(key) for key in relations],
        "events": [event_shown(key) for key in events],
    }


def _by_annotator(versions: Sequence[Version], part: str) -> dict[tuple, list[str]]:
    """Each item of a part (spans, relations, events) and who gave it, in item order."""
    found: dict[tuple, list[str]] = {}
    for version in versions:
        for item in sorted(set(getattr(version, part))):
            found.setdefault(item, []).append(version.annotator)
    return dict(sorted(found.items()))


def merge(versions: Sequence[Version]) -> dict:
    """``{"agreed": {spans, classes, segmentation, relations, events}, "disputed": {the
    same}}``: agreed spans, classes, relations and events are those in every version; a
    disputed one lists who gave it. The segmentation is agreed when all are equal, else
    every distinct one is disputed with its annotators."""
    count = len(versions)
    span_by = _by_annotator(versions, "spans")
    relation_by = _by_annotator(versions, "relations")
    event_by = _by_annotator(versions, "events")
    class_by: dict[str, list[str]] = {}
    for version in versions:
        for name in sorted(set(version.classes)):
            class_by.setdefault(name, []).append(version.annotator)
    segmentations = Counter(version.segmentation for version in versions)

    def agreed(by_item: dict[tuple, list[str]]) -> list[tuple]:
        return [item for item, by in by_item.items() if len(by) == count]

    def disputed(by_item: dict[tuple, list[str]], shown: Callable[[tuple], dict]) -> list[dict]:
        return [{**shown(item), "by": by} for item, by in by_item.items() if len(by) < count]

    agreed_segmentation = list(versions[0].segmentation) if len(segmentations) == 1 else []
    return {
        "agreed": {
            "spans": [_span(span) for span in agreed(span_by)],
            "classes": sorted(c for c, by in class_by.items() if len(by) == count),
            "segmentation": agreed_segmentation,
            **links_shown(agreed(relation_by), agreed(event_by)),
        },
        "disputed": {
            "spans": disputed(span_by, _span),
            "relations": disputed(relation_by, relation_shown),
            "events": disputed(event_by, event_shown),
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
