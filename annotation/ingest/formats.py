"""Reading import files: encoding detection and the record formats. Pure Python.

A file arrives as an iterable of byte chunks so that a large one is never held whole.
``detect_encoding`` makes a cheap first pass over the bytes; ``read_records`` makes the
second and yields one ``Record`` per article. Every refusal is an ``ImportFileError`` that
names the line and the reason.
"""

import codecs
import csv
import io
import json
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from annotation.core import classes_csv
from annotation.core.i18n import gettext_noop

# Other tools' formats (annotation.ingest.peers), named as the exports name them.
PEER_FORMATS = (
    "doccano",
    "doccano-relation",
    "duie",
    "duee",
    "label-studio",
    "conll-bio",
    "conll-bioes",
    "conll-bmes",
    "cluener",
    "segmented",
    "word-pos",
)
FORMATS = ("text", "jsonl", "json", "csv", "brat", *PEER_FORMATS)
# One line (or one record of a JSON array) may not exceed this many characters.
MAX_LINE_CHARS = 2_000_000
_SNIFF_BYTES = 64 * 1024


class ImportFileError(Exception):
    """A refusal: ``message`` is an English template, filled with ``params``."""

    def __init__(self, message: str, line: int | None = None, **params: Any) -> None:
        self.message = message
        self.params = params
        self.reason = message % params if params else message
        self.line = line
        super().__init__(self.reason)

    def __reduce__(self) -> tuple:
        # Raised in a process of the import's pool and sent back whole (preparing.py).
        return _import_file_error, (self.message, self.line, self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "reason": self.reason,
            "message": self.message,
            "params": self.params,
        }


def _import_file_error(message: str, line: int | None, params: dict[str, Any]) -> ImportFileError:
    return ImportFileError(message, line, **params)


@dataclass
class Record:
    text: str
    line: int
    title: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    # Pre-annotations: (start, end, label), code points of ``text``, end-exclusive.
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    # A word segmentation: the words' ends, rising, the last at the text's length.
    segmentation: list[int] = field(default_factory=list)
    # Relations (from, to, type) and events (trigger, type, ((role, span), ...)) between
    # the spans, each span named by its place in ``spans``.
    relations: list[tuple[int, int, str]] = field(default_factory=list)
    events: list[tuple[int, str, tuple[tuple[str, int], ...]]] = field(default_factory=list)
    # Where the text lies in the file as uploaded, for a text file (else None): the code
    # point it starts at (1 after a BOM), and the places in ``text`` of the line ends that
    # were CRLF in the file (each "\n" there stands for two code points).
    file_start: int | None = None
    crlf: list[int] = field(default_factory=list)

    @property
    def annotated(self) -> bool:
        """Whether the record carries annotations that offsets tie to its text."""
        return bool(self.spans or self.segmentation)


ChunkSource = Callable[[], Iterable[bytes]]


def _share_in(han: list[str], encoding: str) -> float:
    """The share of the characters that ``encoding`` has."""
    held = 0
    for char in han:
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            continue
        held += 1
    return held / len(han)


def _is_plausible_gb(text: str) -> bool:
    """GB18030 decodes almost any bytes. Chinese text decoded right is made of common
    characters: simplified ones, nearly all in GB2312, or traditional ones, nearly all in
    Big5's repertoire. Other bytes read as GB18030 (Big5 above all) give a jumble of
    both, and neither share reaches nine in ten."""
    han = [char for char in text if "\u4e00" <= char <= "\u9fff"]
    if not han:
        return True
    return _share_in(han, "gb2312") >= 0.9 or _share_in(han, "big5") >= 0.9


def _decodes(chunks: ChunkSource, encoding: str) -> str | None:
    """The first stretch of decoded text if every byte decodes, else None."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    sample: list[str] = []
    sampled = 0
    try:
        for chunk in chunks():
            text = decoder.decode(chunk)
            if sampled < _SNIFF_BYTES:
                sample.append(text[:_SNIFF_BYTES])
                sampled += len(text)
        sample.append(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return None
    return "".join(sample)


def detect_encoding(chunks: ChunkSource) -> str:
    """UTF-8 (with or without BOM), then GB18030; anything else is refused."""
    head = b""
    for chunk in chunks():
        head += chunk
        if len(head) >= _SNIFF_BYTES:
            break
    if not head:
        raise ImportFileError(gettext_noop("the file is empty"))
    if head.startswith((b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        raise ImportFileError(
            gettext_noop("the file is an archive (zip, gzip, 7z or rar); unpack it first")
        )
    if b"\x00" in head:
        raise ImportFileError(
            gettext_noop("the file holds NUL bytes: it is binary, or UTF-16/32 text")
        )
    if head.startswith(codecs.BOM_UTF8):
        if _decodes(chunks, "utf-8-sig") is None:
            raise ImportFileError(
                gettext_noop("the file starts with a UTF-8 BOM but is not valid UTF-8")
            )
        return "utf-8-sig"
    if _decodes(chunks, "utf-8") is not None:
        return "utf-8"
    sample = _decodes(chunks, "gb18030")
    if sample is not None and _is_plausible_gb(sample):
        return "gb18030"
    if _decodes(chunks, "big5") is not None:
        raise ImportFileError(
            gettext_noop(
                "the file looks like Big5 (traditional Chinese), which is not supported: "
                "convert it to UTF-8 or GB18030"
            )
        )
    raise ImportFileError(
        gettext_noop(
            "the file is neither UTF-8 nor GBK/GB18030 text (Big5 and other encodings are "
            "not supported: convert it to UTF-8)"
        )
    )


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def open_text(chunks: ChunkSource, encoding: str, *, translate: bool = True) -> io.TextIOWrapper:
    """A text stream over the chunks; CRLF and CR become LF unless ``translate`` is off
    (then lines end as in the file)."""
    return io.TextIOWrapper(
        io.BufferedReader(_ChunkReader(chunks()), 1024 * 1024),
        encoding=encoding,
        newline=None if translate else "",
    )


def check_text(text: str, line: int) -> None:
    """Refuse what must never be stored: NUL characters, lone surrogates, and a text
    longer than a line may be (in a JSON document as in any other format)."""
    if len(text) > MAX_LINE_CHARS:
        raise ImportFileError(
            gettext_noop("the text is longer than %(limit)s characters"),
            line,
            limit=f"{MAX_LINE_CHARS:,}",
        )
    if "\x00" in text:
        raise ImportFileError(gettext_noop("the text holds a NUL character (\\u0000)"), line)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ImportFileError(
            gettext_noop("the text holds a lone surrogate (invalid Unicode)"), line
        ) from None


def _lines(stream: io.TextIOWrapper) -> Iterator[tuple[int, str]]:
    number = 0
    while True:
        line = stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                gettext_noop("the line is longer than %(limit)s characters"),
                number,
                limit=f"{MAX_LINE_CHARS:,}",
            )
        yield number, line


# The fields of our JSONL that are read; the others are the record's own (``record_meta``).
_OUR_FIELDS = frozenset(
    {"text", "title", "meta", "spans", "classes", "segmentation", "relations", "events"}
)


def record_meta(value: dict, read: frozenset[str], line: int) -> dict[str, Any]:
    """The record's own fields, kept to travel into every export that holds records: its
    ``meta`` object when it has one (the shape the exports write, so a file we wrote comes
    back with the same meta), else every field the format does not read: a client's ids
    and columns."""
    if "meta" in value:
        meta = value["meta"]
        if not isinstance(meta, dict):
            raise ImportFileError(gettext_noop('"meta" must be a JSON object'), line)
        return meta
    return {key: item for key, item in value.items() if key not in read}


def _record(value: Any, line: int) -> Record:
    if not isinstance(value, dict):
        raise ImportFileError(
            gettext_noop('a record must be a JSON object with a "text" field'), line
        )
    text = value.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ImportFileError(gettext_noop('the record has no "text" (a non-empty string)'), line)
    title = value.get("title", "")
    if not isinstance(title, str):
        raise ImportFileError(gettext_noop('"title" must be a string'), line)
    meta = record_meta(value, _OUR_FIELDS, line)
    check_text(text, line)
    check_text(title, line)
    spans = _spans(value.get("spans", []), text, line)
    classes = value.get("classes", [])
    if not isinstance(classes, list) or not all(
        isinstance(name, str) and name.strip() for name in classes
    ):
        raise ImportFileError(gettext_noop('"classes" must be a list of class names'), line)
    ends = segmentation_of(value.get("segmentation", []), len(text), line)
    given = value.get("spans") or []
    names = {
        (item.get("id") if isinstance(item, dict) and item.get("id") else f"T{n}"): n - 1
        for n, item in enumerate(given, start=1)
    }
    relations, events = links_of(value, names, line)
    if "\r\n" in text:
        # Line breaks inside JSON strings are normalised like those of a text file; each
        # dropped "\r" moves the offsets after it one place to the left.
        dropped = [index for index, char in enumerate(text) if text.startswith("\r\n", index)]
        spans = [
            (start - bisect_left(dropped, start), end - bisect_left(dropped, end), label)
            for start, end, label in spans
        ]
        ends = list(dict.fromkeys(end - bisect_left(dropped, end) for end in ends))
        text = text.replace("\r\n", "\n")
    text = text.replace("\r", "\n")
    return Record(
        text=text,
        title=title.strip(),
        meta=meta,
        line=line,
        spans=spans,
        classes=[name.strip() for name in classes],
        segmentation=ends,
        relations=relations,
        events=events,
    )


def links_of(
    value: dict, names: dict[Any, int], line: int, ends: tuple[str, str] = ("from", "to")
) -> tuple[list, list]:
    """A record's relations (``[{from, to, type}]``, or with other names for the ends) and
    events (``[{trigger, type, arguments: [{role, span}]}]``), spans named as ``names``
    says (a name → the span's place)."""

    no_span = {
        "relation": gettext_noop("relation %(number)s names no span of the record: %(name)r"),
        "event": gettext_noop("event %(number)s names no span of the record: %(name)r"),
    }
    no_type = {
        "relation": gettext_noop("relation %(number)s needs a type"),
        "event": gettext_noop("event %(number)s needs a type"),
    }

    def span(kind: str, number: int, name: Any) -> int:
        if isinstance(name, list | dict) or name not in names:
            raise ImportFileError(no_span[kind], line, number=number, name=name)
        return names[name]

    def typed(kind: str, number: int, item: Any) -> str:
        name = item.get("type") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ImportFileError(no_type[kind], line, number=number)
        return name.strip()

    relations = []
    for number, item in enumerate(listed(value, "relations", line), start=1):
        kind = typed("relation", number, item)
        relations.append(
            (
                span("relation", number, item.get(ends[0])),
                span("relation", number, item.get(ends[1])),
                kind,
            )
        )
    events = []
    for number, item in enumerate(listed(value, "events", line), start=1):
        kind = typed("event", number, item)
        arguments = item.get("arguments", [])
        if not isinstance(arguments, list) or not all(
            isinstance(a, dict) and isinstance(a.get("role"), str) for a in arguments
        ):
            raise ImportFileError(
                gettext_noop("event %(number)s: arguments must be a list of {role, span}"),
                line,
                number=number,
            )
        taken = tuple((a["role"], span("event", number, a.get("span"))) for a in arguments)
        events.append((span("event", number, item.get("trigger")), kind, taken))
    return relations, events


def listed(value: dict, key: str, line: int) -> list:
    """The record's ``key``, a list (absent or null: empty)."""
    found = value.get(key)
    if found is None:
        return []
    if not isinstance(found, list):
        raise ImportFileError(gettext_noop('"%(key)s" must be a list'), line, key=key)
    return found


def segmentation_of(value: Any, length: int, line: int) -> list[int]:
    """A record's word segmentation, checked: word ends in code points, each after the one
    before, the last at the text's ``length``; an empty list is none."""
    if value == []:
        return []
    if (
        not isinstance(value, list)
        or not all(isinstance(end, int) and not isinstance(end, bool) for end in value)
        or any(end <= before for before, end in zip([0, *value], value, strict=False))
        or value[-1] != length
    ):
        raise ImportFileError(
            gettext_noop(
                "\"segmentation\" must be the words' ends, rising, the last at the text's "
                "length (%(length)s)"
            ),
            line,
            length=length,
        )
    return value


def _spans(value: Any, text: str, line: int) -> list[tuple[int, int, str]]:
    """Pre-annotations in our own shape: ``[{"start", "end", "label"}]`` on ``text``."""
    if not isinstance(value, list):
        raise ImportFileError(gettext_noop('"spans" must be a list'), line)
    spans = []
    for number, span in enumerate(value, start=1):
        start = span.get("start") if isinstance(span, dict) else None
        end = span.get("end") if isinstance(span, dict) else None
        label = span.get("label") if isinstance(span, dict) else None
        valid = (
            isinstance(start, int)
            and isinstance(end, int)
            and 0 <= start < end <= len(text)
            and isinstance(label, str)
            and label.strip()
        )
        if not valid or not isinstance(start, int) or not isinstance(end, int):
            raise ImportFileError(
                gettext_noop(
                    "span %(number)s: needs start < end within the text (code points, "
                    "end-exclusive) and a label"
                ),
                line,
                number=number,
            )
        spans.append((start, end, str(label).strip()))
    return spans


def _text_records(stream: io.TextIOWrapper, file_start: int) -> Iterator[Record]:
    """The file as one record, its line ends made LF; where each CRLF was is kept, so that
    offsets can be given against the file as uploaded."""
    lines, crlf, length = [], [], 0
    for number, line in _lines(stream):
        check_text(line, number)
        if line.endswith("\r\n"):
            line = line[:-2] + "\n"
            crlf.append(length + len(line) - 1)
        elif line.endswith("\r"):
            line = line[:-1] + "\n"
        lines.append(line)
        length += len(line)
    text = "".join(lines)
    if not text.strip():
        raise ImportFileError(gettext_noop("the file holds no text"))
    yield Record(text=text, line=1, file_start=file_start, crlf=crlf)


def json_lines(stream: io.TextIOWrapper) -> Iterator[tuple[int, Any]]:
    """Each non-blank line's number and JSON value."""
    for number, line in _lines(stream):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except RecursionError:
            raise ImportFileError(gettext_noop("the JSON is nested too deep"), number) from None
        except json.JSONDecodeError as error:
            raise ImportFileError(
                gettext_noop("invalid JSON: %(error)s (column %(column)s)"),
                number,
                error=error.msg,
                column=error.colno,
            ) from None
        yield number, value


def read_json(stream: io.TextIOWrapper) -> Iterator[tuple[int, Any]]:
    """A JSON document's items (the document itself unless it is an array), numbered.

    An array, the usual shape of a file of records, is read an item at a time: memory holds
    the item being read and the text after it, not the whole file and all its values.
    """
    reader = _JsonArrayReader(stream)
    if not reader.opens_array():
        yield 1, reader.whole()
        return
    yield from enumerate(reader.items(), start=1)


class _JsonArrayReader:
    """The items of a top-level JSON array, decoded one by one from a growing window."""

    CHUNK = 1 << 20  # characters read at a time; more while an item is longer than that

    def __init__(self, stream: io.TextIOWrapper) -> None:
        self.stream = stream
        self.text = ""
        self.at = 0  # where reading resumes in ``text``
        self.line = 1  # the file's line where ``text`` starts
        self.ended = False

    def _more(self, wanted: int = 0) -> bool:
        """Read on (dropping what was decoded); False at the end of the file."""
        chunk = "" if self.ended else self.stream.read(max(wanted, self.CHUNK))
        if not chunk:
            self.ended = True  # what was read stays as it is, for the error's place
            return False
        self.line += self.text.count("\n", 0, self.at)
        self.text, self.at = self.text[self.at :] + chunk, 0
        return True

    def _next_char(self) -> str:
        """The next character that is not white space ("" at the end), not consumed."""
        while True:
            while self.at < len(self.text) and self.text[self.at] in " \t\r\n":
                self.at += 1
            if self.at < len(self.text) or not self._more():
                return self.text[self.at : self.at + 1]

    def _refuse(self, error: json.JSONDecodeError) -> ImportFileError:
        return ImportFileError(
            gettext_noop("invalid JSON: %(error)s"),
            self.line + error.lineno - 1,
            error=error.msg,
        )

    def opens_array(self) -> bool:
        if self._next_char() != "[":
            return False
        self.at += 1
        return True

    def whole(self) -> Any:
        while self._more():
            pass
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as error:
            raise self._refuse(error) from None
        except RecursionError:
            raise ImportFileError(gettext_noop("the JSON is nested too deep"), 1) from None

    def items(self) -> Iterator[Any]:
        if self._next_char() == "]":
            self.at += 1
        else:
            while True:
                yield self._item()
                separator = self._next_char()
                self.at += 1
                if separator == "]":
                    break
                if separator != ",":
                    self.at -= 1
                    raise self._refuse(self._error("Expecting ',' delimiter"))
        if self._next_char():
            raise self._refuse(self._error("Extra data"))

    def _item(self) -> Any:
        self._next_char()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.at)
            except json.JSONDecodeError as error:
                if self._more(len(self.text)):  # the item may go on past what was read
                    continue
                raise self._refuse(error) from None
            except RecursionError:
                line = self.line + self.text.count("\n", 0, self.at)
                raise ImportFileError(gettext_noop("the JSON is nested too deep"), line) from None
            # A number cut where the read ended ("1e" of "1e+15") decodes as its start:
            # an item is whole once what follows it is read.
            if self.text[end : end + 1] not in _AFTER_ITEM and self._more():
                continue
            self.at = end
            return value

    def _error(self, message: str) -> json.JSONDecodeError:
        return json.JSONDecodeError(message, self.text, self.at)


_DECODER = json.JSONDecoder()
_AFTER_ITEM = frozenset(",] \t\r\n")


def _jsonl_records(stream: io.TextIOWrapper) -> Iterator[Record]:
    for number, value in json_lines(stream):
        yield _record(value, number)


def _json_records(stream: io.TextIOWrapper) -> Iterator[Record]:
    for index, item in read_json(stream):
        yield _record(item, index)


def _csv_records(stream: io.TextIOWrapper, text_column: str, title_column: str) -> Iterator[Record]:
    reader = csv.DictReader(stream)
    columns = reader.fieldnames or []
    # Our classes CSV reads back with its classes and meta.
    ours = tuple(columns) == classes_csv.COLUMNS and text_column == "text"
    if text_column not in columns:
        raise ImportFileError(
            gettext_noop('the CSV has no column "%(column)s" (its columns: %(columns)s)'),
            1,
            column=text_column,
            columns=", ".join(columns),
        )
    try:
        for row in reader:
            number = reader.line_num
            text = row.get(text_column) or ""
            if not text.strip():
                raise ImportFileError(
                    gettext_noop('the "%(column)s" cell is empty'), number, column=text_column
                )
            check_text(text, number)
            meta = {
                key: value for key, value in row.items() if key not in (text_column, title_column)
            }
            title = (row.get(title_column) or "").strip() if title_column else ""
            classes: list[str] = []
            if ours:  # its cells escaped against formulas: one leading quote goes
                text = classes_csv.unescaped(text)
                cell = classes_csv.unescaped(row["classes"] or "")
                classes = [name for name in cell.split("|") if name]
                meta = _csv_meta(classes_csv.unescaped(row["meta"] or ""), number)
            yield Record(text=text, title=title, meta=meta, line=number, classes=classes)
    except csv.Error as error:
        raise ImportFileError(
            gettext_noop("invalid CSV: %(error)s"), reader.line_num, error=str(error)
        ) from None


def _csv_meta(cell: str | None, line: int) -> dict[str, Any]:
    """The meta cell of our CSV: a JSON object, or empty."""
    if not cell:
        return {}
    try:
        meta = json.loads(cell)
    except json.JSONDecodeError:
        meta = None
    if not isinstance(meta, dict):
        raise ImportFileError(gettext_noop('"meta" must be a JSON object'), line)
    return meta


def guess_format(filename: str) -> str:
    name = filename.lower()
    for suffix, name_format in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json")):
        if name.endswith(suffix):
            return name_format
    if name.endswith((".csv", ".tsv")):
        return "csv"
    return "text"


def read_records(
    chunks: ChunkSource,
    *,
    file_format: str,
    encoding: str,
    text_column: str = "text",
    title_column: str = "",
) -> Iterator[Record]:
    if file_format == "brat":
        from annotation.ingest.peers import read_brat  # it builds on this module

        return read_brat(b"".join(chunks()))
    if file_format == "text":
        bom = 1 if encoding == "utf-8-sig" else 0
        return _text_records(open_text(chunks, encoding, translate=False), bom)
    stream = open_text(chunks, encoding)
    if file_format == "jsonl":
        return _jsonl_records(stream)
    if file_format == "json":
        return _json_records(stream)
    if file_format == "csv":
        return _csv_records(stream, text_column, title_column)
    from annotation.ingest.peers import read_peer_records  # it builds on this module

    if file_format in PEER_FORMATS:
        return read_peer_records(stream, file_format)
    raise ImportFileError(
        gettext_noop('unknown format "%(format)s"; use one of %(formats)s'),
        format=file_format,
        formats=", ".join(FORMATS),
    )
