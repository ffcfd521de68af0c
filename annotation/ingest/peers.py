"""Reading other tools' files: doccano JSONL, Label Studio's JSON export, character CoNLL
(BIO, BIOES, BMES), CLUENER and segmented text. Pure.

Each yields ``Record``s with the annotations as spans and classes in our terms (code
points, end-exclusive). Offsets are checked on the way in: a span outside its text, or
whose stated text differs from the text there, refuses the file naming the record.
"""

import io
import re
import zipfile
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from annotation.core.i18n import gettext_noop
from annotation.core.tags import TagError, tags_to_spans
from annotation.ingest.formats import (
    PEER_FORMATS,
    ImportFileError,
    Record,
    check_text,
    json_lines,
    links_of,
    listed,
    read_json,
    record_meta,
)


def _text(value: Any, line: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ImportFileError(gettext_noop('the record has no "text" (a non-empty string)'), line)
    check_text(value, line)
    return value


def _span(text: str, start: Any, end: Any, label: Any, line: int) -> tuple[int, int, str]:
    if not (
        isinstance(start, int)
        and isinstance(end, int)
        and 0 <= start < end <= len(text)
        and isinstance(label, str)
        and label.strip()
    ):
        raise ImportFileError(
            gettext_noop(
                "span %(start)s–%(end)s %(label)s is not inside the text of %(length)s characters"
            ),
            line,
            start=start,
            end=end,
            label=label,
            length=len(text),
        )
    return start, end, label.strip()


def _stated(text: str, span: tuple[int, int, str], stated: Any, line: int) -> None:
    start, end, label = span
    if stated is not None and text[start:end] != stated:
        raise ImportFileError(
            gettext_noop(
                "span %(start)s–%(end)s %(label)s says %(stated)r but the text there is %(actual)r"
            ),
            line,
            start=start,
            end=end,
            label=label,
            stated=stated,
            actual=text[start:end],
        )


def _objects(stream: io.TextIOWrapper) -> Iterator[tuple[int, dict, str]]:
    """Each line of a JSONL file, an object with a text: its line, the object, the text."""
    for line, value in json_lines(stream):
        if not isinstance(value, dict):
            raise ImportFileError(gettext_noop("a record must be a JSON object"), line)
        yield line, value, _text(value.get("text"), line)


def _doccano(stream: io.TextIOWrapper) -> Iterator[Record]:
    """``{"text", "label": [[start, end, label]] | [name, ...], "entities", "cats"}``, and
    doccano's relation JSONL: ``entities[{id, start_offset, end_offset, label}]`` with
    ``relations[{id, from_id, to_id, type}]`` naming the entities by id."""
    for line, value, text in _objects(stream):
        spans, classes = [], []
        ids: dict = {}
        for item in [*listed(value, "label", line), *listed(value, "entities", line)]:
            if isinstance(item, str):
                classes.append(item)
            elif isinstance(item, list) and len(item) == 3:
                spans.append(_span(text, item[0], item[1], item[2], line))
            elif isinstance(item, dict):  # {"id", "start_offset", "end_offset", "label"}
                if item.get("id") is not None:
                    ids[item["id"]] = len(spans)
                spans.append(
                    _span(
                        text,
                        item.get("start_offset"),
                        item.get("end_offset"),
                        item.get("label"),
                        line,
                    )
                )
            else:
                raise ImportFileError(
                    gettext_noop("a label must be [start, end, label] or a class name"), line
                )
        for name in listed(value, "cats", line):
            if not isinstance(name, str):
                raise ImportFileError(gettext_noop('"cats" must hold class names'), line)
            classes.append(name)
        relations, _ = links_of(
            {"relations": value.get("relations")}, ids, line, ("from_id", "to_id")
        )
        meta = record_meta(value, _DOCCANO_FIELDS, line)
        yield Record(
            text=text, line=line, spans=spans, classes=classes, meta=meta, relations=relations
        )


_DOCCANO_FIELDS = frozenset({"text", "label", "entities", "relations", "cats", "meta"})


class _Spans:
    """A record's spans as its triples or events name them, each made once."""

    def __init__(self, text: str, line: int) -> None:
        self.text, self.line = text, line
        self.spans: list[tuple[int, int, str]] = []
        self.places: dict[tuple[int, int, str], int] = {}

    def place(self, span: tuple[int, int, str]) -> int:
        if span not in self.places:
            self.places[span] = len(self.spans)
            self.spans.append(span)
        return self.places[span]

    def at(self, start: Any, words: Any, label: Any, number: int) -> int:
        """The span of ``words`` said to start at ``start`` (DuEE's places), checked."""
        if not (isinstance(start, int) and isinstance(words, str) and words):
            raise ImportFileError(
                gettext_noop("event %(number)s: a trigger or argument without its place"),
                self.line,
                number=number,
            )
        span = _span(self.text, start, start + len(words), label, self.line)
        _stated(self.text, span, words, self.line)
        return self.place(span)


def _words(value: Any) -> Any:
    """DuIE's object and object type: ``{"@value": …}``, or the bare string."""
    return value.get("@value") if isinstance(value, dict) else value


def _duie(stream: io.TextIOWrapper) -> Iterator[Record]:
    """DuIE 2.0: ``{"text", "spo_list": [{predicate, subject, subject_type, object,
    object_type}]}``. Triples hold no offsets: each subject and object is found in the
    text, and one found more than once (or nowhere) refuses the file naming the record."""
    for line, value, text in _objects(stream):
        made, relations = _Spans(text, line), []
        for number, triple in enumerate(listed(value, "spo_list", line), start=1):
            if not isinstance(triple, dict) or not isinstance(triple.get("predicate"), str):
                raise ImportFileError(
                    gettext_noop("triple %(number)s needs a predicate"), line, number=number
                )
            ends = []
            for words, label in (
                (triple.get("subject"), triple.get("subject_type")),
                (_words(triple.get("object")), _words(triple.get("object_type"))),
            ):
                if not isinstance(words, str) or not words or not isinstance(label, str):
                    raise ImportFileError(
                        gettext_noop("triple %(number)s needs a subject and an object, typed"),
                        line,
                        number=number,
                    )
                found = [match.start() for match in re.finditer(re.escape(words), text)]
                if len(found) != 1:
                    raise ImportFileError(
                        gettext_noop(
                            "triple %(number)s: %(words)r is found %(count)s times in the text, "
                            "and DuIE gives no offsets to tell where"
                        ),
                        line,
                        number=number,
                        words=words,
                        count=len(found),
                    )
                span = _span(text, found[0], found[0] + len(words), label, line)
                ends.append(made.place(span))
            relations.append((ends[0], ends[1], triple["predicate"].strip()))
        meta = record_meta(value, frozenset({"text", "spo_list"}), line)
        yield Record(text=text, line=line, spans=made.spans, relations=relations, meta=meta)


# The label a DuEE trigger's span is given (an argument's span is labelled by its role).
DUEE_TRIGGER = "触发词"


def _duee(stream: io.TextIOWrapper) -> Iterator[Record]:
    """DuEE 1.0: ``{"text", "id", "event_list": [{event_type, trigger,
    trigger_start_index, arguments: [{role, argument, argument_start_index}]}]}``, start
    indices in code points. A trigger's span is labelled 触发词, an argument's by its role;
    the record's ``id`` is kept with its own fields."""
    for line, value, text in _objects(stream):
        made, events = _Spans(text, line), []
        for number, event in enumerate(listed(value, "event_list", line), start=1):
            if not isinstance(event, dict) or not isinstance(event.get("event_type"), str):
                raise ImportFileError(
                    gettext_noop("event %(number)s needs a type"), line, number=number
                )
            trigger = made.at(
                event.get("trigger_start_index"), event.get("trigger"), DUEE_TRIGGER, number
            )
            arguments = []
            for argument in listed(event, "arguments", line):
                role = argument.get("role") if isinstance(argument, dict) else None
                if not isinstance(role, str) or not role.strip():
                    raise ImportFileError(
                        gettext_noop("event %(number)s: an argument without its role"),
                        line,
                        number=number,
                    )
                words = argument.get("argument")
                at = made.at(argument.get("argument_start_index"), words, role, number)
                arguments.append((role.strip(), at))
            events.append((trigger, event["event_type"].strip(), tuple(arguments)))
        meta = record_meta(value, frozenset({"text", "event_list"}), line)
        yield Record(text=text, line=line, spans=made.spans, events=events, meta=meta)


def _utf16_to_code_points(text: str, units: int) -> int | None:
    """The code point at UTF-16 offset ``units`` of ``text`` (None inside a pair)."""
    count = 0
    for index, char in enumerate(text):
        if count == units:
            return index
        count += 2 if ord(char) > 0xFFFF else 1
        if count > units:
            return None
    return len(text) if count == units else None


def _label_studio(stream: io.TextIOWrapper) -> Iterator[Record]:
    """A JSON array of tasks: ``data.text``, and ``annotations`` (else ``predictions``)
    whose ``result`` holds ``labels`` regions and ``choices``. The newest annotation is
    taken. Old Label Studio versions counted offsets in UTF-16 units: a file whose regions
    hold their stated text in UTF-16 units and not in code points is read in UTF-16 units,
    every region alike, from the task that shows it on (a region elsewhere whose code
    points happen to hold another occurrence of its text is not taken for it)."""
    utf16 = False  # what the file's regions have shown so far
    for number, task in read_json(stream):
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            raise ImportFileError(gettext_noop('a task must be an object with "data"'), number)
        text = _text(data.get("text"), number)
        done = task.get("annotations") or task.get("predictions") or []
        done = [item for item in done if isinstance(item, dict) and not item.get("was_cancelled")]
        results = done[-1].get("result", []) if done else []
        if not all(isinstance(r, dict) and isinstance(r.get("value", {}), dict) for r in results):
            raise ImportFileError(gettext_noop("a result must be an object with a value"), number)
        regions = [r for r in results if r.get("type") in _REGIONS]
        units = _units(text, [r.get("value", {}) for r in regions])
        utf16 = utf16 if units is None else units == "utf16"
        spans: list[tuple[int, int, str]] = []
        classes: list[str] = []
        for result in results:
            value = result.get("value", {})
            if result.get("type") == "choices":
                classes += [name for name in value.get("choices", []) if isinstance(name, str)]
        first: dict[Any, int] = {}  # a region's id → its first span
        for region in regions:
            made = _region(text, region.get("value", {}), number, utf16)
            if made and region.get("id") is not None:
                first.setdefault(region["id"], len(spans))
            spans += made
        relations = _ls_relations(results, first, number)
        meta = _task_meta(task)
        yield Record(
            text=text, line=number, spans=spans, classes=classes, relations=relations, meta=meta
        )


# The type of a Label Studio relation given without a label.
LS_RELATION = "关系"


def _ls_relations(results: list[dict], first: dict, line: int) -> list[tuple[int, int, str]]:
    """Label Studio's ``relation`` results between regions, by their ids: ``direction``
    "left" runs from ``to_id`` to ``from_id``; one without labels is of type 关系."""
    relations = []
    for result in results:
        if result.get("type") != "relation":
            continue
        subject, obj = first.get(result.get("from_id")), first.get(result.get("to_id"))
        if subject is None or obj is None:
            raise ImportFileError(
                gettext_noop("a relation names no labelled region of the task: %(ids)s"),
                line,
                ids=f"{result.get('from_id')!r} → {result.get('to_id')!r}",
            )
        if result.get("direction") == "left":
            subject, obj = obj, subject
        labels = [name for name in result.get("labels") or [] if isinstance(name, str)]
        relations += [(subject, obj, name) for name in labels or [LS_RELATION]]
    return relations


def _task_meta(task: dict) -> dict[str, Any]:
    """A Label Studio task's own fields: its id, its data besides the text, its meta."""
    meta: dict[str, Any] = {} if task.get("id") is None else {"id": task["id"]}
    meta.update((key, value) for key, value in task["data"].items() if key != "text")
    if isinstance(task.get("meta"), dict):
        meta.update(task["meta"])
    return meta


_REGIONS = ("labels", "hypertextlabels")


def _in_units(text: str, value: dict) -> tuple[bool, bool]:
    """Whether a region's offsets hold its stated text in code points, and in UTF-16 units."""
    start, end, stated = value.get("start"), value.get("end"), value.get("text")
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(stated, str)):
        return False, False
    converted = _utf16_to_code_points(text, start), _utf16_to_code_points(text, end)
    in_units = None not in converted and text[converted[0] : converted[1]] == stated
    return text[start:end] == stated, in_units


def _units(text: str, regions: list[dict]) -> str | None:
    """How a task's regions count: "utf16" where one holds its text only in UTF-16 units,
    "code points" where one holds it only in code points; None where none tells (no
    character past the BMP before any of them)."""
    held = [_in_units(text, value) for value in regions]
    if any(units and not points for points, units in held):
        return "utf16"
    if any(points and not units for points, units in held):
        return "code points"
    return None


def label_studio_regions(text: str, results: list, line: int = 0) -> list[tuple[int, int, str]]:
    """The spans of Label Studio ``labels`` results on ``text``, in code points, whichever
    units the task's regions count in (a Label Studio ML backend's predictions too)."""
    regions = [r for r in results if isinstance(r, dict) and r.get("type") in _REGIONS]
    values: list[dict] = [r["value"] if isinstance(r.get("value"), dict) else {} for r in regions]
    utf16 = _units(text, values) == "utf16"
    return [span for value in values for span in _region(text, value, line, utf16)]


def _region(text: str, value: dict, line: int, utf16: bool) -> list[tuple[int, int, str]]:
    """A labelled region's spans, one a label; offsets in code points, or in UTF-16 units
    (old Label Studio) where the file counts in those."""
    start, end, stated = value.get("start"), value.get("end"), value.get("text")
    if utf16 and isinstance(start, int) and isinstance(end, int):
        converted = _utf16_to_code_points(text, start), _utf16_to_code_points(text, end)
        if converted[0] is not None and converted[1] is not None:
            start, end = converted
    spans = []
    for label in value.get("labels") or value.get("hypertextlabels") or []:
        span = _span(text, start, end, label, line)
        _stated(text, span, stated, line)
        spans.append(span)
    return spans


def _conll(stream: io.TextIOWrapper, scheme: str) -> Iterator[Record]:
    """``character tag`` a line (space or tab), a blank line after each snippet; or the
    CoNLL-2003 shape Label Studio exports, ``word -X- _ tag`` after a ``-DOCSTART-`` line,
    where Latin words are joined by a space and Chinese ones directly."""
    tokens: list[str] = []
    tags: list[str] = []
    first = 0
    words = False

    def record() -> Record:
        starts, text = [], ""
        for token in tokens:
            if words and text and _latin(text[-1]) and _latin(token[0]):
                text += " "
            starts.append(len(text))
            text += token
        try:
            found = tags_to_spans(tags, scheme)
        except TagError as error:
            line = first + min(error.index, len(tags) - 1)
            raise ImportFileError(error.message, line, **error.params) from None
        spans = [(starts[a], starts[b - 1] + len(tokens[b - 1]), label) for a, b, label in found]
        return Record(text=text, line=first, spans=spans)

    for number, raw in enumerate(stream, start=1):
        line = raw.rstrip("\r\n")
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if tokens:
                yield record()
                tokens, tags, words = [], [], False
            continue
        if len(parts) == 4 and parts[1] == "-X-":
            words = True
        elif len(parts) != 2 or len(parts[0]) != 1:
            raise ImportFileError(
                gettext_noop(
                    "expected one character and its tag, separated by a space or a tab "
                    "(or CoNLL-2003's word -X- _ tag)"
                ),
                number,
            )
        if not tokens:
            first = number
        check_text(parts[0], number)
        tokens.append(parts[0])
        tags.append(parts[-1])
    if tokens:
        yield record()


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _cluener(stream: io.TextIOWrapper) -> Iterator[Record]:
    """``{"text", "label": {label: {string: [[start, end]]}}}``, ends inclusive."""
    for line, value, text in _objects(stream):
        labels = value.get("label") or {}
        if not isinstance(labels, dict):
            raise ImportFileError(gettext_noop('"label" must be an object'), line)
        spans = []
        for label, strings in labels.items():
            if not isinstance(strings, dict) or not all(
                isinstance(places, list) for places in strings.values()
            ):
                raise ImportFileError(
                    gettext_noop("a label must map each string to a list of [start, end]"), line
                )
            for stated, places in strings.items():
                for place in places:
                    if not (
                        isinstance(place, list) and len(place) == 2 and isinstance(place[1], int)
                    ):
                        raise ImportFileError(gettext_noop("a place must be [start, end]"), line)
                    span = _span(text, place[0], place[1] + 1, label, line)
                    _stated(text, span, stated, line)
                    spans.append(span)
        meta = record_meta(value, frozenset({"text", "label", "meta"}), line)
        yield Record(text=text, line=line, spans=sorted(spans), meta=meta)


def _segmented(stream: io.TextIOWrapper, tagged: bool = False) -> Iterator[Record]:
    """Words separated by spaces, a text a line (the SIGHAN/PKU corpora, our export); with
    ``tagged``, each word followed by ``/`` and its part of speech, which is left out."""
    for number, raw in enumerate(stream, start=1):
        words = raw.split()
        if tagged:
            words = [word.rsplit("/", 1)[0] if "/" in word[1:] else word for word in words]
            words = [word for word in words if word]
        if not words:
            continue
        text = "".join(words)
        check_text(text, number)
        yield Record(text=text, line=number, segmentation=list(accumulate(map(len, words))))


def read_peer_records(stream: io.TextIOWrapper, file_format: str) -> Iterator[Record]:
    assert file_format in PEER_FORMATS
    if file_format in ("segmented", "word-pos"):
        return _segmented(stream, tagged=file_format == "word-pos")
    if file_format in ("doccano", "doccano-relation"):
        return _doccano(stream)
    if file_format == "duie":
        return _duie(stream)
    if file_format == "duee":
        return _duee(stream)
    if file_format == "label-studio":
        return _label_studio(stream)
    if file_format == "cluener":
        return _cluener(stream)
    return _conll(stream, file_format.removeprefix("conll-"))


def _decoded(data: bytes) -> str:
    """A brat file's text: UTF-8 (as brat writes it), else GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_brat(data: bytes) -> Iterator[Record]:
    """brat standoff: a zip of ``<name>.txt`` files, each with its ``<name>.ann`` (none: no
    annotations). ``T`` lines are spans (one in fragments, over line breaks, covers them
    all), ``R`` lines relations (``Arg1`` to ``Arg2``), ``E`` lines events (a role brat
    numbered when taken again, 角色2, is 角色); other lines (attributes, notes) are not
    read. Offsets in code points. A record a document, in name order; an error names the
    document, the line of its ``.ann`` and why."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportFileError(gettext_noop("a brat file is a zip of .txt and .ann files")) from None
    names = set(archive.namelist())
    texts = sorted(
        name for name in names if name.endswith(".txt") and not name.startswith("__MACOSX/")
    )
    for number, name in enumerate(texts, start=1):
        document = name.removesuffix(".txt")
        text = _decoded(archive.read(name))
        check_text(text, number)
        ann = f"{document}.ann"
        standoff = _decoded(archive.read(ann)) if ann in names else ""
        spans, relations, events = _standoff(text, standoff, document)
        yield Record(
            text=text,
            line=number,
            spans=spans,
            relations=relations,
            events=events,
            meta={"document": document},
        )


def _standoff(text: str, standoff: str, document: str) -> tuple[list, list, list]:
    spans: list[tuple[int, int, str]] = []
    ids: dict[str, int] = {}
    links: list[tuple[int, str, list[str]]] = []

    for line, raw in enumerate(standoff.splitlines(), start=1):
        name, _, rest = raw.partition("\t")
        if name.startswith("T"):
            head, _, _ = rest.partition("\t")
            label, _, places = head.partition(" ")
            try:
                bounds = [int(n) for piece in places.split(";") for n in piece.split()]
            except ValueError:
                bounds = []
            if not label or len(bounds) < 2 or not 0 <= min(bounds) < max(bounds) <= len(text):
                raise ImportFileError(
                    gettext_noop(
                        "%(document)s.ann: a T line is id, tab, label start end, tab, text"
                    ),
                    line,
                    document=document,
                )
            ids[name] = len(spans)
            spans.append((min(bounds), max(bounds), label))
        elif name.startswith(("R", "E")):
            links.append((line, name, rest.split()))
    relations, events = [], []
    for line, name, words in links:
        try:
            if name.startswith("R"):
                args = dict(word.split(":", 1) for word in words[1:])
                relations.append((ids[args["Arg1"]], ids[args["Arg2"]], words[0]))
                continue
            kind, trigger = words[0].split(":", 1)
            arguments, seen = [], set()
            for word in words[1:]:
                role, target = word.split(":", 1)
                base = role.rstrip("0123456789")
                role = base if base in seen else role
                seen.add(role)
                arguments.append((role, ids[target]))
            events.append((ids[trigger], kind, tuple(arguments)))
        except (KeyError, ValueError, IndexError):
            raise ImportFileError(
                gettext_noop("%(document)s.ann: %(id)s names no T line of the document"),
                line,
                document=document,
                id=name,
            ) from None
    return spans, relations, events
