"""A label renamed in a project's set is renamed in every annotation stored with it:
revisions, drafts, settlements, finals, gold references, imported suggestions, the
engines' suggestions and the gazetteer; the project models, which learned the old names,
train again. A label keeps its identity under a new name; nothing else of an annotation
changes.

Connected to projects.signals.labels_renamed (annotation.apps), and run in the transaction
that renamed the labels: either everything carries the new name, or nothing does.
"""

from collections import Counter
from typing import Any

from django.db import models

from annotation.core.links import SpanKey, link_keys, relinked
from annotation.core.search import label_lines
from annotation.jobs import suggest_refresh_ask
from annotation.models import (
    Adjudication,
    Assignment,
    FinalAnnotation,
    GazetteerEntry,
    GoldItem,
    MachineSuggestion,
    Revision,
    Snippet,
)
from projects.models import Kind, Project

CHUNK = 2000


def _keyed(items: Any, key: str, names: dict[str, str]) -> Any:
    """A list of objects with each one's ``key`` renamed by ``names``; anything else as it
    was (a draft is whatever the browser saved)."""
    if not names or not isinstance(items, list):
        return items
    return [
        {**item, key: names.get(item.get(key), item.get(key))} if isinstance(item, dict) else item
        for item in items
    ]


class _Renaming:
    def __init__(self, renamed: list[tuple[str, str, str]]) -> None:
        self.spans = {old: new for kind, old, new in renamed if kind == Kind.SPANS}
        self.classes = {old: new for kind, old, new in renamed if kind == Kind.CLASSES}
        self.types = {
            old: new for kind, old, new in renamed if kind in (Kind.RELATIONS, Kind.EVENTS)
        }

    def spans_of(self, spans: Any) -> Any:
        return _keyed(spans, "label", self.spans)

    def classes_of(self, classes: Any) -> Any:
        if not self.classes or not isinstance(classes, list):
            return classes
        return [self.classes.get(name, name) if isinstance(name, str) else name for name in classes]

    def typed(self, links: Any) -> Any:
        """Relations or events of a draft, their types renamed."""
        return _keyed(links, "type", self.types)

    def annotation(self, spans: list, classes: list, relations: list, events: list) -> list:
        """A stored annotation renamed; relations and events named anew by span id, since
        a renamed label can move a span among spans over the same text."""
        renamed = [self.spans_of(spans), self.classes_of(classes)]
        if not relations and not events:
            return [*renamed, relations, events]

        def span(key: SpanKey) -> SpanKey:
            return key[0], key[1], self.spans.get(key[2], key[2])

        relation_keys, event_keys = link_keys(spans, relations, events)
        renamed[0] = sorted(
            renamed[0], key=lambda item: (item["start"], item["end"], item["label"])
        )
        linked = relinked(
            renamed[0],
            [(span(a), self.types.get(kind, kind), span(b)) for a, kind, b in relation_keys],
            [
                (
                    span(trigger),
                    self.types.get(kind, kind),
                    tuple((role, span(key)) for role, key in arguments),
                )
                for trigger, kind, arguments in event_keys
            ],
        )
        return [*renamed, linked["relations"], linked["events"]]


def _rewrite(rows: models.QuerySet, fields: tuple[str, ...], change) -> int:
    """Save the rows whose ``fields`` ``change`` alters, a chunk at a time; how many."""
    changed = 0
    batch = []
    for row in rows.only("pk", *fields).iterator(chunk_size=CHUNK):
        before = [getattr(row, field) for field in fields]
        after = change(*before)
        if after != before:
            for field, value in zip(fields, after, strict=True):
                setattr(row, field, value)
            batch.append(row)
        if len(batch) >= CHUNK:
            changed += len(batch)
            type(row).objects.bulk_update(batch, fields)
            batch = []
    if batch:
        changed += len(batch)
        type(batch[0]).objects.bulk_update(batch, fields)
    return changed


def labels_rename(*, project: Project, renamed: list[tuple[str, str, str]]) -> int:
    """Rename ``renamed`` (kind, old, new) in every annotation of ``project``; returns how
    many rows changed."""
    rename = _Renaming(renamed)

    def draft(value: Any) -> list:
        if not isinstance(value, dict):
            return [value]
        change = {
            "spans": rename.spans_of,
            "classes": rename.classes_of,
            "relations": rename.typed,
            "events": rename.typed,
        }
        return [{**value, **{part: change[part](value[part]) for part in change if part in value}}]

    parts = ("spans", "classes", "relations", "events")
    changed = _rewrite(
        Revision.objects.filter(assignment__project=project), parts, rename.annotation
    )
    changed += _rewrite(Assignment.objects.filter(project=project), ("draft",), draft)
    for model in (Adjudication, GoldItem):
        changed += _rewrite(model.objects.filter(project=project), parts, rename.annotation)

    def final(spans: Any, classes: Any, relations: Any, events: Any, labels: str) -> list:
        annotation = rename.annotation(spans, classes, relations, events)
        return [*annotation, label_lines(*annotation)]

    changed += _rewrite(FinalAnnotation.objects.filter(project=project), (*parts, "labels"), final)
    changed += _rewrite(
        Snippet.objects.filter(project=project),
        ("suggestions",),
        lambda suggestions: [_suggested(rename, suggestions)],
    )
    changed += _rewrite(
        MachineSuggestion.objects.filter(project=project),
        ("items",),
        lambda items: [_suggested(rename, items)],
    )
    changed += _rewrite(
        GazetteerEntry.objects.filter(project=project),
        ("label",),
        lambda label: [rename.spans.get(label, label)],
    )
    if rename.spans or rename.classes:
        suggest_refresh_ask(project.id, force=True)
    return changed


def _suggested(rename: _Renaming, suggestions: Any) -> Any:
    """Imported suggestions: spans ``{start, end, label}``, classes ``{label}``, relations
    and events (annotation.ingest.preparing.suggestions), a segmentation."""
    if not isinstance(suggestions, list):
        return suggestions

    def span(given: Any) -> Any:
        if not isinstance(given, list) or len(given) != 3:
            return given
        return [*given[:2], rename.spans.get(given[2], given[2])]

    def renamed(item: dict) -> dict:
        if "relation" in item:
            kind = item["relation"]
            return {
                **item,
                "relation": rename.types.get(kind, kind),
                "from": span(item.get("from")),
                "to": span(item.get("to")),
            }
        if "event" in item:
            arguments = item.get("arguments")
            return {
                **item,
                "event": rename.types.get(item["event"], item["event"]),
                "trigger": span(item.get("trigger")),
                "arguments": [{**a, "span": span(a.get("span"))} for a in arguments]
                if isinstance(arguments, list) and all(isinstance(a, dict) for a in arguments)
                else arguments,
            }
        if "label" not in item:
            return item
        names = rename.spans if "start" in item else rename.classes
        return {**item, "label": names.get(item["label"], item["label"])}

    return [renamed(item) if isinstance(item, dict) else item for item in suggestions]


def on_labels_renamed(sender: type, *, project: Project, renamed: list, **kwargs: Any) -> None:
    labels_rename(project=project, renamed=renamed)


def labels_usage(*, project: Project) -> Counter:
    """How many annotators' latest works use each label, by (kind, name): what renaming,
    merging or deleting it changes. One pass over the project's revisions."""
    used: Counter = Counter()
    latest: dict[int, tuple[int, list, list]] = {}
    revisions = Revision.objects.filter(assignment__project=project).values_list(
        "assignment_id", "number", "spans", "classes"
    )
    for work, number, spans, classes in revisions.iterator(chunk_size=CHUNK):
        if work not in latest or latest[work][0] < number:
            latest[work] = (number, spans, classes)
    for _number, spans, classes in latest.values():
        names = {(Kind.SPANS.value, span.get("label")) for span in spans if isinstance(span, dict)}
        names |= {(Kind.CLASSES.value, name) for name in classes if isinstance(name, str)}
        used.update(names)
    return used
