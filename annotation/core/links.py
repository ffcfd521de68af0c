"""Relations and events between the spans of an annotation, checked against the project's
relation and event types, and written in one canonical form. Pure.

The form (issue 31): in a submit, spans may carry an ``id`` of the submitter's choosing,
and relations and events name spans by it. Stored, the spans are in their usual order
(start, end, label) with ids ``T1``, ``T2``…; a relation is ``{id, from, to, type}`` and
an event ``{id, trigger, type, arguments: [{role, span}]}``, naming spans by those ids,
relations numbered ``R1``… in (from, to, type) order and events ``E1``… in (trigger, type)
order, arguments in (role, span) order. The same annotation thus reads the same whoever
made it, so that annotations compare whole (final annotations, agreement), and an
undirected relation is stored with its ends in span order: A–B and B–A are one relation.
"""

from dataclasses import dataclass, field
from typing import Any, TypeVar

from annotation.core.i18n import gettext_noop
from annotation.core.validation import AnnotationError

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


def _key(span: dict) -> tuple[int, int, str]:
    return span["start"], span["end"], span["label"]


def span_ids(spans: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """The spans in order with their stored ids, and each given id's stored one. ``spans``
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
        given[name] = _key(span)
    ordered = sorted({_key(span) for span in spans})
    stored = {key: f"T{n}" for n, key in enumerate(ordered, start=1)}
    spans_out = [
        {"id": stored[key], "start": key[0], "end": key[1], "label": key[2]} for key in ordered
    ]
    return spans_out, {name: stored[key] for name, key in given.items()}


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
            subject, obj = sorted((subject, obj), key=lambda name: int(name[1:]))
        key = (subject, obj, kind)
        if key in found:
            raise AnnotationError(
                "relations", gettext_noop("the same relation is given twice"), index
            )
        found[key] = index
    ordered = sorted(found, key=lambda key: (int(key[0][1:]), int(key[1][1:]), key[2]))
    return [
        {"id": f"R{n}", "from": subject, "to": obj, "type": kind}
        for n, (subject, obj, kind) in enumerate(ordered, start=1)
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
        taken.sort(key=lambda argument: (argument["role"], int(argument["span"][1:])))
        found.append((trigger, kind, taken))
    found.sort(key=lambda event: (int(event[0][1:]), event[1], str(event[2])))
    return [
        {"id": f"E{n}", "trigger": trigger, "type": kind, "arguments": arguments}
        for n, (trigger, kind, arguments) in enumerate(found, start=1)
    ]


def links_checked(body: dict[str, Any], spans: list[dict], schema: LinkSchema) -> dict[str, list]:
    """A submit's spans, relations and events in stored form: ``spans`` are the submit's
    spans as given (each checked already, with its ``id`` if it has one)."""
    stored_spans, ids = span_ids(spans)
    labels = {span["id"]: span["label"] for span in stored_spans}
    return {
        "spans": stored_spans,
        "relations": relations_checked(body.get("relations", []), schema, ids, labels),
        "events": events_checked(body.get("events", []), schema, ids, labels),
    }
