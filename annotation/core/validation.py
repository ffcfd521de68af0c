"""Checking a submitted annotation against its snippet and its project's schema. Pure.

Offsets are code points of the snippet text, end-exclusive; each span carries the text it
covers, which must be exactly the snippet's text there (so a UTF-16 mix-up in a browser is
caught, never stored).
"""

from dataclasses import dataclass
from typing import Any, TypeGuard

from annotation.core.errors import AnnotationError
from annotation.core.i18n import gettext_noop
from annotation.core.links import LinkSchema, links_checked


@dataclass(frozen=True)
class Schema:
    kinds: frozenset[str]
    span_labels: frozenset[str]
    class_labels: frozenset[str]
    multi_label: bool = False
    allow_overlap: bool = False
    links: LinkSchema = LinkSchema()  # relation and event types, when kinds name them


# The parts of an annotation, as revisions, settlements, final annotations and gold items
# store them (annotation.core.links for the last two).
PARTS = ("spans", "classes", "segmentation", "relations", "events")


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# Spans one submit may hold: far more than a snippet of 256 characters ever needs, far
# fewer than would slow the checks and the quality runs that compare them.
MAX_SPANS = 1_000


def _spans(text: str, schema: Schema, spans: Any) -> list[dict]:
    if not isinstance(spans, list):
        raise AnnotationError("spans", gettext_noop("must be a list"))
    if len(spans) > MAX_SPANS:
        raise AnnotationError(
            "spans", gettext_noop("at most %(count)s spans a snippet"), count=MAX_SPANS
        )
    if spans and "spans" not in schema.kinds:
        raise AnnotationError("spans", gettext_noop("this project does not annotate spans"))
    result: list[dict[str, Any]] = []
    for index, span in enumerate(spans):
        if not isinstance(span, dict):
            raise AnnotationError("spans", gettext_noop("must be an object"), index)
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if not (_int(start) and _int(end) and 0 <= start < end <= len(text)):
            raise AnnotationError(
                "spans",
                gettext_noop("needs 0 <= start < end <= %(length)s (code points)"),
                index,
                length=len(text),
            )
        if not isinstance(label, str) or label not in schema.span_labels:
            raise AnnotationError(
                "spans", gettext_noop("unknown label %(label)r"), index, label=label
            )
        if span.get("text") != text[start:end]:
            raise AnnotationError(
                "spans",
                gettext_noop("text %(given)r is not the snippet's %(actual)r at %(start)s–%(end)s"),
                index,
                given=span.get("text"),
                actual=text[start:end],
                start=start,
                end=end,
            )
        result.append({"start": start, "end": end, "label": label})
    ordered = sorted(result, key=lambda item: (item["start"], item["end"], item["label"]))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before == after:
            raise AnnotationError(
                "spans", gettext_noop("the same span is given twice"), result.index(after)
            )
        if after["start"] < before["end"] and not schema.allow_overlap:
            raise AnnotationError(
                "spans", gettext_noop("overlaps another span"), result.index(after)
            )
    return ordered


def _classes(schema: Schema, classes: Any) -> list[str]:
    if not isinstance(classes, list) or not all(isinstance(item, str) for item in classes):
        raise AnnotationError("classes", gettext_noop("must be a list of label names"))
    if classes and "classes" not in schema.kinds:
        raise AnnotationError("classes", gettext_noop("this project does not annotate classes"))
    unknown = [item for item in classes if item not in schema.class_labels]
    if unknown:
        raise AnnotationError("classes", gettext_noop("unknown label %(label)r"), label=unknown[0])
    if len(set(classes)) != len(classes):
        raise AnnotationError("classes", gettext_noop("a class is given twice"))
    if len(classes) > 1 and not schema.multi_label:
        raise AnnotationError("classes", gettext_noop("this project takes one class per snippet"))
    return classes


def _segmentation(text: str, schema: Schema, ends: Any) -> list[int]:
    if not isinstance(ends, list) or not all(_int(end) for end in ends):
        raise AnnotationError(
            "segmentation", gettext_noop("must be a list of word ends (code points)")
        )
    if not ends:
        return []
    if "segmentation" not in schema.kinds:
        raise AnnotationError(
            "segmentation", gettext_noop("this project does not correct segmentation")
        )
    if any(b <= a for a, b in zip([0, *ends], ends, strict=False)) or ends[-1] != len(text):
        raise AnnotationError(
            "segmentation",
            gettext_noop("word ends must rise strictly and finish at %(length)s"),
            length=len(text),
        )
    return ends


def _links(schema: Schema, body: dict[str, Any]) -> dict[str, list]:
    for part, refusal in (
        ("relations", gettext_noop("this project does not annotate relations")),
        ("events", gettext_noop("this project does not annotate events")),
    ):
        if body.get(part) and part not in schema.kinds:
            raise AnnotationError(part, refusal)
    if not {"relations", "events"} & schema.kinds:
        return {"relations": [], "events": []}
    linked = links_checked(body, body.get("spans", []), schema.links)
    return {"relations": linked["relations"], "events": linked["events"]}


def validate(text: str, schema: Schema, body: dict[str, Any]) -> dict[str, Any]:
    """The annotation, normalised: spans sorted, without their text (or their ids:
    relations and events name them as annotation.core.links says); or AnnotationError."""
    return {
        "spans": _spans(text, schema, body.get("spans", [])),
        "classes": _classes(schema, body.get("classes", [])),
        "segmentation": _segmentation(text, schema, body.get("segmentation", [])),
        **_links(schema, body),
    }
