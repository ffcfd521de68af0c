"""Export formats: one snippet's annotation (an ``Item``) written as a line or a block of
lines. Pure.

Offsets are code points of the snippet text, end-exclusive, except where a format's own
convention says otherwise (CLUENER: inclusive ends). A format that cannot hold part of an
annotation counts what it left out in ``dropped`` (a reason → a count); the export reports
it and the dataset card lists it, so nothing is dropped silently.
"""

import csv
import io
import json
import zipfile
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from annotation.core import classes_csv
from annotation.core.i18n import gettext_noop
from annotation.core.pieces import Piece
from annotation.core.tags import spans_to_tags

Span = tuple[int, int, str]

# The formats that hold records: a record cut into several snippets at import goes back
# out whole (annotation.delivery.services).
RECORD_FORMATS = (
    *("jsonl", "doccano", "doccano-relation", "duie", "duee", "label-studio", "brat"),
    *("cluener", "csv"),
)


def joins_records(file_format: str, options: dict) -> bool:
    """Whether an export joins a record cut at import back into one item: a format of
    records, final annotations, offsets on the snippet."""
    return (
        file_format in RECORD_FORMATS
        and options.get("version", "final") == "final"
        and options.get("offsets", "snippet") == "snippet"
    )


EXPORT_FORMATS = (
    "jsonl",
    "doccano",
    "doccano-relation",
    "duie",
    "duee",
    "label-studio",
    "brat",
    "conll-bio",
    "conll-bioes",
    "conll-bmes",
    "cluener",
    "segmented",
    "word-pos",
    "csv",
)

# Reasons for what a format leaves out (translated where shown).
OVERLAPPING = gettext_noop("spans overlapping another span (one label a character)")
WHITESPACE = gettext_noop("whitespace characters (a CoNLL line cannot hold one)")
BLANK_SPANS = gettext_noop("spans of whitespace only (a CoNLL line cannot hold one)")
NO_CLASSES = gettext_noop("classes (this format holds spans only)")
NO_SPANS = gettext_noop("spans (this format holds classes only)")
NO_WORDS = gettext_noop("snippets without a segmentation")
PARTLY = gettext_noop(
    "records delivered in part (longer than a snippet, some pieces not yet annotated)"
)
NO_META = gettext_noop("the records' own fields (meta: the client's ids and columns)")
NO_RELATIONS = gettext_noop("relations (this format cannot hold them)")
NO_EVENTS = gettext_noop("events (this format cannot hold them)")
NO_LONE_SPANS = gettext_noop("spans in no relation (DuIE holds triples only)")
NO_EVENT_SPANS = gettext_noop("spans in no event (DuEE holds events only)")


@dataclass(frozen=True)
class Item:
    """One snippet's annotation to write: the final one (``annotator`` None) or one
    annotator's latest revision."""

    snippet: int
    text: str
    spans: Sequence[Span] = ()
    classes: Sequence[str] = ()
    segmentation: Sequence[int] = ()  # word ends: the corrected ones, or jieba's
    annotator: str | None = None
    revision: int | None = None
    review: str | None = None
    adjudicated: bool = False
    batch: str = ""
    tie: bool = False  # a final annotation two or more versions had as many votes for
    # Set when offsets are asked against the raw text: the snippet's article and the map
    # from the snippet's characters back to the article's raw text.
    article: int | None = None
    raw: Piece | None = None
    in_file: bool = False  # ``raw`` maps onto the text file as uploaded, not a record's text
    # The record's own fields as imported (the client's ids and columns), its article's
    # title and the file it came from.
    meta: dict = field(default_factory=dict)
    title: str = ""
    source: str = ""
    # Stored form (annotation.core.links): spans named T1… by their place in ``spans``.
    relations: Sequence[dict] = ()
    events: Sequence[dict] = ()


@dataclass
class Writer:
    """Writes items one by one; ``head``/``tail`` frame the whole file."""

    extension: str = "jsonl"
    content_type: str = "application/x-ndjson; charset=utf-8"
    dropped: Counter = field(default_factory=Counter)
    head: str = ""
    tail: str = ""
    holds: ClassVar[frozenset[str]] = frozenset()  # of relations and events

    def write(self, item: Item) -> str | bytes:
        raise NotImplementedError

    def end(self) -> bytes:
        """What closes the file, after the last item."""
        return self.tail.encode()

    def links_left(self, item: Item) -> None:
        """Count the relations and events of ``item`` this format cannot hold."""
        for part, reason in (("relations", NO_RELATIONS), ("events", NO_EVENTS)):
            given = len(getattr(item, part))
            if given and part not in self.holds:
                self.dropped[reason] += given

    def _spans_only(self, item: Item) -> None:
        if item.classes:
            self.dropped[NO_CLASSES] += 1

    def _no_records(self, item: Item) -> None:
        """A format of characters or words, with no place for a record's own fields."""
        if item.meta:
            self.dropped[NO_META] += 1


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _jsonb_text(value: object) -> str:
    """JSON as PostgreSQL prints a jsonb value (", " and ": " between items), so that the
    database's writer of our JSONL (database.py) gives the same bytes."""
    return json.dumps(value, ensure_ascii=False)


class OwnJsonl(Writer):
    """Ours: everything, spans with the text they cover, relations and events as stored
    (annotation.core.links: ``T3`` is the line's third span).

    With offsets against the raw text (``item.raw``), every offset (spans, word ends) is
    a code point of the text file as uploaded (``"offsets": "file"``: BOM and CRLF line
    ends counted), or of the record's text for a record of JSONL, CSV or another tool's
    file (``"record"``); the line says where the snippet lies there (``article``,
    ``raw_start``, ``raw_end``). A span's ``text`` stays the snippet's, the raw range
    covering what cleaning removed inside it."""

    holds = frozenset({"relations", "events"})

    def write(self, item: Item) -> str:
        text, raw = item.text, item.raw
        place = raw.raw_span if raw else _as_is
        spans = []
        for a, b, label in item.spans:
            start, end = place(a, b)
            spans.append({"start": start, "end": end, "label": label, "text": text[a:b]})
        record = {
            "id": item.snippet,
            "text": text,
            "spans": spans,
            "classes": list(item.classes),
            "segmentation": [place(end - 1, end)[1] for end in item.segmentation],
            "annotator": item.annotator,
            "revision": item.revision,
            "review": item.review,
            "adjudicated": item.adjudicated,
            "tie": item.tie,
            "batch": item.batch,
            "title": item.title,
            "source": item.source,
        }
        if raw:
            start, end = raw.raw_span(0, len(text))
            offsets = "file" if item.in_file else "record"
            record.update(offsets=offsets, article=item.article, raw_start=start, raw_end=end)
        links = f'"relations":{_jsonb_text(item.relations)},"events":{_jsonb_text(item.events)}'
        return f'{_json(record)[:-1]},"meta":{_jsonb_text(item.meta)},{links}}}\n'


def _as_is(start: int, end: int) -> tuple[int, int]:
    return start, end


class Doccano(Writer):
    """doccano's JSONL: ``label`` holds ``[start, end, label]`` triples, or the class
    names for a classes-only project; classes beside spans go under ``cats``."""

    def __init__(self, kinds: Sequence[str] = ("spans",)) -> None:
        super().__init__()
        self.classes_only = "spans" not in kinds

    def write(self, item: Item) -> str:
        record: dict = {"id": item.snippet, "text": item.text}
        if self.classes_only:
            record["label"] = list(item.classes)
        else:
            record["label"] = [[a, b, label] for a, b, label in item.spans]
            if item.classes:
                record["cats"] = list(item.classes)
        record["meta"] = item.meta
        return _json(record) + "\n"


class DoccanoRelation(Writer):
    """doccano's relation JSONL, which PaddleNLP's ``doccano.py`` turns into UIE's
    training data: ``entities[{id, start_offset, end_offset, label}]`` and
    ``relations[{id, from_id, to_id, type}]``, ids numbers from 1 (an entity's is its place
    among the spans). An event goes as relations from its trigger to each argument, named
    by role, as PaddleNLP describes events; classes go under ``cats``."""

    holds = frozenset({"relations", "events"})

    def write(self, item: Item) -> str:
        entities = [
            {"id": n, "start_offset": a, "end_offset": b, "label": label}
            for n, (a, b, label) in enumerate(item.spans, start=1)
        ]
        links = [(r["from"], r["to"], r["type"]) for r in item.relations]
        links += [
            (event["trigger"], argument["span"], argument["role"])
            for event in item.events
            for argument in event["arguments"]
        ]
        relations = [
            {"id": n, "from_id": int(a[1:]), "to_id": int(b[1:]), "type": kind}
            for n, (a, b, kind) in enumerate(links, start=1)
        ]
        record: dict = {"id": item.snippet, "text": item.text, "entities": entities}
        record["relations"] = relations
        if item.classes:
            record["cats"] = list(item.classes)
        record["meta"] = item.meta
        return _json(record) + "\n"


def _span_words(item: Item, name: str) -> tuple[int, str, str]:
    """A stored span of ``item`` by its id: where it starts, its words, its label."""
    start, end, label = item.spans[int(name[1:]) - 1]
    return start, item.text[start:end], label


class Duie(Writer):
    """DuIE 2.0: ``{"text", "spo_list": [{predicate, subject, subject_type, object:
    {"@value"}, object_type: {"@value"}}]}``, a triple a relation. It holds no offsets, no
    classes and no span outside a triple: those are counted as left out."""

    holds = frozenset({"relations"})

    def write(self, item: Item) -> str:
        triples: list[dict] = []
        linked: set[str] = set()
        for relation in item.relations:
            _, subject, subject_type = _span_words(item, relation["from"])
            _, obj, object_type = _span_words(item, relation["to"])
            linked.update((relation["from"], relation["to"]))
            triples.append(
                {
                    "predicate": relation["type"],
                    "subject": subject,
                    "subject_type": subject_type,
                    "object": {"@value": obj},
                    "object_type": {"@value": object_type},
                }
            )
        if len(item.spans) > len(linked):
            self.dropped[NO_LONE_SPANS] += len(item.spans) - len(linked)
        self._spans_only(item)
        self._no_records(item)
        return _json({"text": item.text, "spo_list": triples}) + "\n"


class Duee(Writer):
    """DuEE 1.0: ``{"text", "id", "event_list": [{event_type, trigger,
    trigger_start_index, arguments: [{role, argument, argument_start_index}]}]}``, start
    indices in code points. The record's own ``id`` goes back out (else the snippet's);
    classes, relations and spans in no event are counted as left out."""

    holds = frozenset({"events"})

    def write(self, item: Item) -> str:
        events: list[dict] = []
        used: set[str] = set()
        for event in item.events:
            start, trigger, _ = _span_words(item, event["trigger"])
            used.add(event["trigger"])
            arguments = []
            for argument in event["arguments"]:
                place, words, _ = _span_words(item, argument["span"])
                used.add(argument["span"])
                arguments.append(
                    {"role": argument["role"], "argument": words, "argument_start_index": place}
                )
            events.append(
                {
                    "event_type": event["type"],
                    "trigger": trigger,
                    "trigger_start_index": start,
                    "arguments": arguments,
                }
            )
        if len(item.spans) > len(used):
            self.dropped[NO_EVENT_SPANS] += len(item.spans) - len(used)
        self._spans_only(item)
        if set(item.meta) - {"id"}:
            self.dropped[NO_META] += 1
        record = {"text": item.text, "id": str(item.meta.get("id", item.snippet))}
        return _json({**record, "event_list": events}) + "\n"


class LabelStudio(Writer):
    """Label Studio's JSON: an array of tasks ``{id, data: {text, …}, annotations:
    [{result}]}``, a ``labels`` region a span (offsets in code points, its text stated), a
    ``relation`` result a relation, the classes as ``choices``. The record's own id and
    fields go back where Label Studio keeps them; events have no place and are counted."""

    holds = frozenset({"relations"})

    def __init__(self) -> None:
        super().__init__(
            extension="json",
            content_type="application/json; charset=utf-8",
            head="[\n",
            tail="\n]\n",
        )
        self.first = True

    def write(self, item: Item) -> str:
        result: list[dict] = [
            {
                "id": f"T{n}",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": a, "end": b, "text": item.text[a:b], "labels": [label]},
            }
            for n, (a, b, label) in enumerate(item.spans, start=1)
        ]
        result += [
            {
                "from_id": relation["from"],
                "to_id": relation["to"],
                "type": "relation",
                "direction": "right",
                "labels": [relation["type"]],
            }
            for relation in item.relations
        ]
        if item.classes:
            choices = {"choices": list(item.classes)}
            result.append(
                {"from_name": "class", "to_name": "text", "type": "choices", "value": choices}
            )
        fields = {key: value for key, value in item.meta.items() if key not in ("id", "text")}
        task = {
            "id": item.meta.get("id", item.snippet),
            "data": {"text": item.text, **fields},
            "annotations": [{"result": result}],
        }
        before, self.first = ("" if self.first else ",\n"), False
        return before + _json(task)


class _Sink(io.RawIOBase):
    """Where a zip is written as it grows, handed on a piece at a time (``take``)."""

    def __init__(self) -> None:
        self.held, self.size = bytearray(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.held += data
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def take(self) -> bytes:
        data, self.held = bytes(self.held), bytearray()
        return data


def standoff(item: Item) -> str:
    """brat's ``.ann`` of an item: ``T`` lines (a span over line breaks in fragments, as
    brat wants them), ``R`` lines (``Arg1``, ``Arg2``) and ``E`` lines (a role taken again
    numbered, as brat numbers it: 角色, 角色2), ids as stored, offsets in code points."""
    lines = []
    for n, (start, end, label) in enumerate(item.spans, start=1):
        fragments, at = [], start
        for piece in item.text[start:end].split("\n"):
            if piece:
                fragments.append((at, at + len(piece)))
            at += len(piece) + 1
        places = ";".join(f"{a} {b}" for a, b in fragments)
        words = " ".join(item.text[a:b] for a, b in fragments)
        lines.append(f"T{n}\t{label} {places}\t{words}")
    for relation in item.relations:
        kind, subject, obj = relation["type"], relation["from"], relation["to"]
        lines.append(f"{relation['id']}\t{kind} Arg1:{subject} Arg2:{obj}")
    for event in item.events:
        taken: Counter = Counter()
        arguments = []
        for argument in event["arguments"]:
            taken[argument["role"]] += 1
            again = taken[argument["role"]]
            arguments.append(f" {argument['role']}{again if again > 1 else ''}:{argument['span']}")
        lines.append(f"{event['id']}\t{event['type']}:{event['trigger']}{''.join(arguments)}")
    return "".join(f"{line}\n" for line in lines)


class Brat(Writer):
    """brat standoff: a zip holding, for each item, ``<name>.txt`` (its text) and
    ``<name>.ann`` (``standoff``), named as the document it was imported from, else by the
    snippet; one annotator's version is ``<name>-<annotator>``. Classes and the record's
    other fields have no place there: counted."""

    holds = frozenset({"relations", "events"})

    def __init__(self) -> None:
        super().__init__(extension="zip", content_type="application/zip")
        self.sink = _Sink()
        self.archive = zipfile.ZipFile(self.sink, "w", zipfile.ZIP_DEFLATED)
        self.names: set[str] = set()

    def write(self, item: Item) -> bytes:
        name = str(item.meta.get("document") or item.snippet)  # an imported one's own
        if item.annotator:
            name += "-" + item.annotator
        if name in self.names:
            name += f"-{item.snippet}"
        self.names.add(name)
        name = name.replace("/", "_")
        self.archive.writestr(f"{name}.txt", item.text)
        self.archive.writestr(f"{name}.ann", standoff(item))
        self._spans_only(item)
        if set(item.meta) - {"document"}:
            self.dropped[NO_META] += 1
        return self.sink.take()

    def end(self) -> bytes:
        self.archive.close()
        return self.sink.take()


class Conll(Writer):
    """A character and its tag a line, a blank line between snippets."""

    def __init__(self, scheme: str) -> None:
        super().__init__(extension="txt", content_type="text/plain; charset=utf-8")
        self.scheme = scheme

    def write(self, item: Item) -> str:
        """The whitespace is left out first and the spans tagged on what is kept, so that
        a span ending (or starting) on a space still gets its closing tag."""
        self._spans_only(item)
        self._no_records(item)
        text = item.text
        kept = [index for index, char in enumerate(text) if not char.isspace()]
        if len(kept) < len(text):
            self.dropped[WHITESPACE] += len(text) - len(kept)
        spans = []
        for start, end, label in item.spans:
            first, last = bisect_left(kept, start), bisect_left(kept, end)
            if first < last:
                spans.append((first, last, label))
            else:
                self.dropped[BLANK_SPANS] += 1
        tags, dropped = spans_to_tags(len(kept), spans, self.scheme)
        if dropped:
            self.dropped[OVERLAPPING] += dropped
        lines = [f"{text[index]} {tag}" for index, tag in zip(kept, tags, strict=True)]
        lines.append("\n")
        return "\n".join(lines)


class Cluener(Writer):
    """CLUENER's JSONL: ``{"text", "label": {label: {string: [[start, end]]}}}`` with
    inclusive ends, by its own convention."""

    def write(self, item: Item) -> str:
        self._spans_only(item)
        labels: dict[str, dict[str, list[list[int]]]] = {}
        for a, b, label in sorted(item.spans):
            labels.setdefault(label, {}).setdefault(item.text[a:b], []).append([a, b - 1])
        record = {"id": item.snippet, "text": item.text, "label": labels, "meta": item.meta}
        return _json(record) + "\n"


def _words(item: Item) -> list[str]:
    ends = item.segmentation
    return [item.text[a:b] for a, b in zip((0, *ends), ends, strict=False)]


class Segmented(Writer):
    """Words separated by spaces, a snippet a line (the SIGHAN/PKU corpora). Whitespace in
    the text is left out (it would read as a word boundary)."""

    def __init__(self) -> None:
        super().__init__(extension="txt", content_type="text/plain; charset=utf-8")

    def _kept(self, item: Item) -> list[str] | None:
        self._no_records(item)
        if not item.segmentation:
            self.dropped[NO_WORDS] += 1
            return None
        words = []
        for word in _words(item):
            kept = "".join(char for char in word if not char.isspace())
            if len(kept) < len(word):
                self.dropped[WHITESPACE] += len(word) - len(kept)
            if kept:
                words.append(kept)
        return words

    def write(self, item: Item) -> str:
        words = self._kept(item)
        return "" if words is None else " ".join(words) + "\n"


class WordPos(Segmented):
    """``word/tag`` separated by spaces, a snippet a line; tags from ``tag_of`` (jieba's
    part-of-speech dictionary in the export job)."""

    def __init__(self, tag_of: Callable[[str], str]) -> None:
        super().__init__()
        self.tag_of = tag_of

    def write(self, item: Item) -> str:
        words = self._kept(item)
        return "" if words is None else " ".join(f"{w}/{self.tag_of(w)}" for w in words) + "\n"


class ClassesCsv(Writer):
    """Classes as CSV: ``id,text,classes,annotator,meta`` with the classes joined by ``|``
    and the record's own fields as a JSON object. A cell a spreadsheet would run as a
    formula (``=``, ``+``, ``-``, ``@``…) starts with a quote (annotation.core.classes_csv)."""

    def __init__(self) -> None:
        super().__init__(extension="csv", content_type="text/csv; charset=utf-8")
        self.head = ",".join(classes_csv.COLUMNS) + "\r\n"
        self._line = io.StringIO()  # one row at a time, through one csv writer
        self._rows = csv.writer(self._line)

    def write(self, item: Item) -> str:
        if item.spans:
            self.dropped[NO_SPANS] += 1
        self._line.seek(0)
        self._line.truncate()
        meta = _json(item.meta) if item.meta else ""
        cells = [item.text, "|".join(item.classes), item.annotator or "", meta]
        self._rows.writerow([item.snippet, *map(classes_csv.escaped, cells)])
        return self._line.getvalue()


def writer_for(
    name: str, *, kinds: Sequence[str] = ("spans",), tag_of: Callable[[str], str] | None = None
) -> Writer:
    if name == "jsonl":
        return OwnJsonl()
    if name == "doccano":
        return Doccano(kinds)
    if name == "doccano-relation":
        return DoccanoRelation()
    if name == "duie":
        return Duie()
    if name == "duee":
        return Duee()
    if name == "label-studio":
        return LabelStudio()
    if name == "brat":
        return Brat()
    if name.startswith("conll-"):
        return Conll(name.removeprefix("conll-"))
    if name == "cluener":
        return Cluener()
    if name == "segmented":
        return Segmented()
    if name == "word-pos":
        return WordPos(tag_of or (lambda word: "x"))
    if name == "csv":
        return ClassesCsv()
    raise ValueError(name)
