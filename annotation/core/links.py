"""Relations and events between the spans of an annotation, checked against the project's
relation and event types, and written in one canonical form. Pure.

The form (issue 31): in a submit, spans may carry an ``id`` of the submitter's choosing,
and relations and events name spans by it. Stored, the spans are in their usual order
(start, end, label) and are not written with ids: the span at position n (from 1) is
``Tn``, in every annotation, whenever it was made. A relation is ``{id, from, to, type}``
and an event ``{id, trigger, type, arguments: [{role, span}]}``, naming spans by those
ids, relations numbered ``R1``… in (from, to, type) order and events ``E1``… in
(trigger, type) order, arguments in (role, span) order. The same annotation thus reads the
same whoever made it, so that annotations compare whole (final annotations, agreement),
and an undirected relation is stored with its ends in span order: A–B and B–A are one
relation. Across annotations, a relation or an event is compared by what it links
(``relation_key``, ``event_key``), never by its ids.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from annotation.core.errors import AnnotationError
from annotation.core.i18n import gettext_noop

MAX_LINKS = 1_000  # relations, and events, one submit may hold
ID_CHARS = 32  # a span id as given


@dataclass(frozen=True)
class RelationType:
    directed: bool = True
    subjects: frozenset[str] = frozenset()  # entity labels a subject may have; none: any
    objects: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Role:
    labels: frozenset[str] = frozenset()  # entity labels an argument may have; none: any
    least: int = 0
    most: int = 1


@dataclass(frozen=True)
class EventType:
    trigger: str
    roles: dict[str, Role] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkSchema:
    relations: dict[str, RelationType] = field(default_factory=dict)
    events: dict[str, EventType] = field(default_factory=dict)


def link_schema(labels: Iterable[Any]) -> LinkSchema:
    """The relation and event types among a project's labels (projects.models.Label)."""
    labels = list(labels)
    return LinkSchema(
        relations={
            label.name: RelationType(
                directed=label.directed,
                subjects=frozenset(label.subject_labels),
                objects=frozenset(label.object_labels),
            )
            for label in labels
            if label.kind == "relations"
        },
        events={
            label.name: EventType(
                trigger=label.trigger_label,
                roles={
                    role["name"]: Role(
                        labels=frozenset(role.get("labels", [])),
                        least=role.get("min", 0),
                        most=role.get("max", 1),
                    )
                    for role in label.roles
                },
            )
            for label in labels
            if label.kind == "events"
        },
    )


def events_by_role(
    labels: list[str], relations: list[tuple[int, int, str]], schema: LinkSchema
) -> tuple[list[tuple[int, int, str]], list[tuple[int, str, tuple[tuple[str, int], ...]]]]:
    """Events written as relations from their trigger named by role (PaddleNLP's way in
    doccano's relation JSONL) made events again: a relation whose type is no relation type
    but a role of an event type triggered by a span with its subject's label becomes that
    event's argument, one event a trigger and type. ``labels``: each span's label;
    relations and events name spans by their place (as ingest.formats.Record does)."""
    kept: list[tuple[int, int, str]] = []
    found: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for subject, obj, kind in relations:
        event = next(
            (
                name
                for name, rule in schema.events.items()
                if kind not in schema.relations
                and rule.trigger == labels[subject]
                and kind in rule.roles
            ),
            None,
        )
        if event is None:
            kept.append((subject, obj, kind))
        else:
            found.setdefault((subject, event), []).append((kind, obj))
    return kept, [(trigger, kind, tuple(args)) for (trigger, kind), args in found.items()]


def span_key(span: dict) -> tuple[int, int, str]:
    """A stored span as (start, end, label): what compares two annotators' spans."""
    return span["start"], span["end"], span["label"]


def span_ids(spans: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """The spans in stored order, and each given id's stored one. ``spans``
    are checked already (annotation.core.validation); a given id is a string, once."""
    given: dict[str, tuple[int, int, str]] = {}
    for index, span in enumerate(spans):
        name = span.get("id")
        if name is None:
            continue
        if not isinstance(name, str) or not 0 < len(name) <= ID_CHARS:
            raise AnnotationError(
                "spans",
                gettext_noop("an id is a string of 1 to %(most)s characters"),
                index,
                most=ID_CHARS,
            )
        if name in given:
            raise AnnotationError(
                "spans", gettext_noop("the id %(id)r is given twice"), index, id=name
            )
        given[name] = span_key(span)
    ordered = sorted({span_key(span) for span in spans})
    stored = {key: span_id(n) for n, key in enumerate(ordered)}
    spans_out = [{"start": key[0], "end": key[1], "label": key[2]} for key in ordered]
    return spans_out, {name: stored[key] for name, key in given.items()}


def span_id(index: int) -> str:
    """The id of the stored span at ``index`` (from 0)."""
    return f"T{index + 1}"


def _span_of(field_name: str, index: int, name: Any, ids: dict[str, str]) -> str:
    if not isinstance(name, str) or name not in ids:
        raise AnnotationError(
            field_name, gettext_noop("names no span of this annotation: %(id)r"), index, id=name
        )
    return ids[name]


def _list(field_name: str, value: Any) -> list:
    if not isinstance(value, list):
        raise AnnotationError(field_name, gettext_noop("must be a list"))
    if len(value) > MAX_LINKS:
        raise AnnotationError(
            field_name, gettext_noop("at most %(count)s a snippet"), count=MAX_LINKS
        )
    return value


T = TypeVar("T")


def _typed(field_name: str, index: int, item: Any, types: dict[str, T]) -> tuple[str, T]:
    """The item's type name and its rule, for a relation or an event."""
    if not isinstance(item, dict):
        raise AnnotationError(field_name, gettext_noop("must be an object"), index)
    kind = item.get("type")
    if not isinstance(kind, str) or kind not in types:
        raise AnnotationError(field_name, gettext_noop("unknown type %(type)r"), index, type=kind)
    return kind, types[kind]


def relations_checked(
    relations: Any, schema: LinkSchema, ids: dict[str, str], labels: dict[str, str]
) -> list[dict]:
    """The relations in stored form. ``ids``: given span id → stored id; ``labels``: stored
    span id → its label."""
    found: dict[tuple[str, str, str], int] = {}
    for index, relation in enumerate(_list("relations", relations)):
        kind, rule = _typed("relations", index, relation, schema.relations)
        subject = _span_of("relations", index, relation.get("from"), ids)
        obj = _span_of("relations", index, relation.get("to"), ids)
        if subject == obj:
            raise AnnotationError("relations", gettext_noop("links a span to itself"), index)
        for end, allowed in ((subject, rule.subjects), (obj, rule.objects)):
            if allowed and labels[end] not in allowed:
                raise AnnotationError(
                    "relations",
                    gettext_noop("%(type)s does not link a span labelled %(label)s there"),
                    index,
                    type=kind,
                    label=labels[end],
                )
        if not rule.directed:
            subject, obj = sorted((subject, obj), key=_n)
        key = (subject, obj, kind)
        if key in found:
            raise AnnotationError(
                "relations", gettext_noop("the same relation is given twice"), index
            )
        found[key] = index
    return _relations_numbered(found)


def _n(name: str) -> int:
    return int(name[1:])


def _relations_numbered(found: Iterable[tuple[str, str, str]]) -> list[dict]:
    """Relations (from, to, type) in stored form: ordered and numbered."""
    ordered = sorted(found, key=lambda key: (_n(key[0]), _n(key[1]), key[2]))
    return [
        {"id": f"R{n}", "from": subject, "to": obj, "type": kind}
        for n, (subject, obj, kind) in enumerate(ordered, start=1)
    ]


def _events_numbered(found: list[tuple[str, str, list[dict]]]) -> list[dict]:
    """Events (trigger, type, arguments) in stored form: ordered and numbered."""
    for _, _, arguments in found:
        arguments.sort(key=lambda argument: (argument["role"], _n(argument["span"])))
    found = sorted(found, key=lambda event: (_n(event[0]), event[1], str(event[2])))
    return [
        {"id": f"E{n}", "trigger": trigger, "type": kind, "arguments": arguments}
        for n, (trigger, kind, arguments) in enumerate(found, start=1)
    ]


def events_checked(
    events: Any, schema: LinkSchema, ids: dict[str, str], labels: dict[str, str]
) -> list[dict]:
    """The events in stored form (as relations_checked)."""
    found: list[tuple[str, str, list[dict]]] = []
    for index, event in enumerate(_list("events", events)):
        kind, rule = _typed("events", index, event, schema.events)
        trigger = _span_of("events", index, event.get("trigger"), ids)
        if labels[trigger] != rule.trigger:
            raise AnnotationError(
                "events",
                gettext_noop("the trigger of %(type)s is a span labelled %(label)s"),
                index,
                type=kind,
                label=rule.trigger,
            )
        arguments = event.get("arguments", [])
        if not isinstance(arguments, list) or not all(isinstance(a, dict) for a in arguments):
            raise AnnotationError(
                "events", gettext_noop("arguments must be a list of objects"), index
            )
        taken: list[dict] = []
        for argument in arguments:
            role = argument.get("role")
            if not isinstance(role, str) or role not in rule.roles:
                raise AnnotationError(
                    "events",
                    gettext_noop("%(type)s has no role %(role)r"),
                    index,
                    type=kind,
                    role=role,
                )
            span = _span_of("events", index, argument.get("span"), ids)
            allowed = rule.roles[role].labels
            if span == trigger or (allowed and labels[span] not in allowed):
                raise AnnotationError(
                    "events",
                    gettext_noop("the role %(role)s does not take a span labelled %(label)s"),
                    index,
                    role=role,
                    label=labels[span],
                )
            if {"role": role, "span": span} in taken:
                raise AnnotationError("events", gettext_noop("an argument is given twice"), index)
            taken.append({"role": role, "span": span})
        for name, role_rule in rule.roles.items():
            count = sum(argument["role"] == name for argument in taken)
            if not role_rule.least <= count <= role_rule.most:
                raise AnnotationError(
                    "events",
                    gettext_noop("the role %(role)s takes %(least)s to %(most)s arguments"),
                    index,
                    role=name,
                    least=role_rule.least,
                    most=role_rule.most,
                )
        found.append((trigger, kind, taken))
    return _events_numbered(found)


def links_checked(body: dict[str, Any], spans: list[dict], schema: LinkSchema) -> dict[str, list]:
    """A submit's spans, relations and events in stored form: ``spans`` are the submit's
    spans as given (each checked already, with its ``id`` if it has one)."""
    stored_spans, ids = span_ids(spans)
    labels = {span_id(n): span["label"] for n, span in enumerate(stored_spans)}
    return {
        "spans": stored_spans,
        "relations": relations_checked(body.get("relations", []), schema, ids, labels),
        "events": events_checked(body.get("events", []), schema, ids, labels),
    }


SpanKey = tuple[int, int, str]


def span_keys(spans: list[dict]) -> dict[str, SpanKey]:
    """Each stored span's id and what it covers: (start, end, label)."""
    return {span_id(n): span_key(span) for n, span in enumerate(spans)}


def relation_key(relation: dict, keys: dict[str, SpanKey]) -> tuple[SpanKey, str, SpanKey]:
    """What a stored relation links, comparable across annotations: (from, type, to), as
    annotation.quality.metrics compares relations."""
    return keys[relation["from"]], relation["type"], keys[relation["to"]]


def event_key(event: dict, keys: dict[str, SpanKey]) -> tuple:
    """What a stored event links, comparable across annotations."""
    arguments = tuple(sorted((a["role"], keys[a["span"]]) for a in event["arguments"]))
    return keys[event["trigger"]], event["type"], arguments


def relinked(spans: list[dict], relations: Iterable[tuple], events: Iterable[tuple]) -> dict:
    """Relations and events given by what they link (``relation_key``, ``event_key``) in
    stored form over ``spans`` (stored already); those with an end among no ``spans`` are
    left out."""
    ids = {span_key(span): span_id(n) for n, span in enumerate(spans)}
    found_events = [
        (ids[trigger], kind, [{"role": role, "span": ids[span]} for role, span in arguments])
        for trigger, kind, arguments in sorted(set(events))
        if trigger in ids and all(span in ids for _, span in arguments)
    ]
    return {
        "relations": _relations_numbered(
            {(ids[a], ids[b], kind) for a, kind, b in relations if a in ids and b in ids}
        ),
        "events": _events_numbered(found_events),
    }


def link_keys(
    spans: list[dict], relations: list[dict], events: list[dict]
) -> tuple[frozenset, frozenset]:
    """A stored annotation's relations and events by what they link (``relation_key``,
    ``event_key``)."""
    if not relations and not events:
        return frozenset(), frozenset()
    keys = span_keys(spans)
    return (
        frozenset(relation_key(relation, keys) for relation in relations),
        frozenset(event_key(event, keys) for event in events),
    )


def draft_of(annotation: dict) -> dict:
    """A stored annotation as a draft to work on (rework): with relations or events, its
    spans carry their ids, as the browser's drafts do."""
    if not annotation.get("relations") and not annotation.get("events"):
        return annotation
    spans = [{"id": span_id(n), **span} for n, span in enumerate(annotation["spans"])]
    return {**annotation, "spans": spans}


def shifted_links(relations: Sequence[dict], events: Sequence[dict], spans: int) -> dict:
    """Relations and events of an annotation placed after ``spans`` spans of another (the
    pieces of a record joined back into one): their span ids moved on by as many. Their own
    ids stay: the joined annotation numbers them again."""

    def span(name: str) -> str:
        return span_id(_n(name) - 1 + spans)

    return {
        "relations": [{**r, "from": span(r["from"]), "to": span(r["to"])} for r in relations],
        "events": [
            {
                **event,
                "trigger": span(event["trigger"]),
                "arguments": [{**a, "span": span(a["span"])} for a in event["arguments"]],
            }
            for event in events
        ],
    }


def numbered(items: list[dict], prefix: str) -> list[dict]:
    """Relations (``R``) or events (``E``), in order, numbered from 1 again."""
    return [{**item, "id": f"{prefix}{n}"} for n, item in enumerate(items, start=1)]


def suggested_links(spans: list[dict], suggestions: list[dict]) -> dict:
    """The relations and events among an import's suggestions for a snippet (items
    ``{"relation", "from", "to"}`` and ``{"event", "trigger", "arguments"}``, spans as
    ``[start, end, label]``) in stored form over ``spans`` (stored already)."""
    relations = [
        (tuple(item["from"]), item["relation"], tuple(item["to"]))
        for item in suggestions
        if "relation" in item
    ]
    events = [
        (
            tuple(item["trigger"]),
            item["event"],
            tuple(sorted((a["role"], tuple(a["span"])) for a in item["arguments"])),
        )
        for item in suggestions
        if "event" in item
    ]
    return relinked(spans, relations, events)


def stored_refusal(annotation: dict, schema: LinkSchema) -> AnnotationError | None:
    """Why a stored annotation's relations and events do not fit ``schema`` (the first
    thing that does not), or None: the checks of a submit, run on what was stored (an
    import's, or one made before the schema changed)."""
    spans = [{**span, "id": span_id(n)} for n, span in enumerate(annotation["spans"])]
    try:
        links_checked(annotation, spans, schema)
    except AnnotationError as refusal:
        return refusal
    return None
