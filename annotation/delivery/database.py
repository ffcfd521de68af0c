"""Our JSONL of a project's final annotations, written by PostgreSQL.

The final annotations are stored (annotation.quality.finals). For our JSONL on PostgreSQL
the database writes the lines from those rows and copies them out (``COPY … TO
STDOUT``), so Python touches a line only to store it: a second writer beside
``annotation.delivery.formats.OwnJsonl`` kept for speed at a million snippets, and the
tests check that both give the same file (docs/benchmarks.md, the ledger, says when it
goes). Every other format, and SQLite, takes the formats' writers in ``services``.
"""

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.db import connection

FETCH = 2000  # rows a round trip from the server-side cursor

_FINALS = """
SELECT s.id, s.text, s.tokens, s.tokenizer_version, b.name AS batch,
       f.spans, f.classes, f.segmentation, f.relations, f.events,
       f.source = 'adjudication' AS adjudicated, f.tie,
       a.title, coalesce(j.filename, '') AS filename, a.meta
FROM annotation_snippet s
JOIN annotation_batch b ON b.id = s.batch_id
JOIN annotation_finalannotation f ON f.snippet_id = s.id
JOIN annotation_article a ON a.id = s.article_id
LEFT JOIN annotation_importjob j ON j.id = a.import_job_id
WHERE s.project_id = %(project)s AND NOT s.gold AND NOT s.excluded AND s.batch_id = ANY(%(batches)s)
"""

# One line of our JSONL, the same bytes as annotation.delivery.formats.OwnJsonl writes, and
# beside it (after a tab) ``[[span labels], [classes], tokenizer version, [relation types],
# [event types]]`` for the card.
# A class list is jsonb's text with its ", " separators closed up: inside a string a quote
# is escaped, so ``", "`` only ever stands between two elements.
_JSONL_LINE = """
SELECT concat(
    '{"id":', f.id,
    ',"text":', to_json(f.text),
    ',"spans":[', (
        SELECT string_agg(concat(
            '{"start":', x.start, ',"end":', x."end", ',"label":', to_json(x.label),
            ',"text":', to_json(substr(f.text, x.start + 1, x."end" - x.start)), '}'
        ), ',' ORDER BY x.n)
        FROM ROWS FROM (jsonb_to_recordset(f.spans) AS (start int, "end" int, label text))
            WITH ORDINALITY AS x(start, "end", label, n)
    ),
    '],"classes":', replace(f.classes::text, '", "', '","'),
    ',"segmentation":', CASE
        WHEN jsonb_array_length(f.segmentation) > 0 THEN replace(f.segmentation::text, ' ', '')
        ELSE concat('[', f.tokens, ']') END,
    ',"annotator":null,"revision":null,"review":null,"adjudicated":',
    CASE WHEN f.adjudicated THEN 'true' ELSE 'false' END,
    ',"tie":', CASE WHEN f.tie THEN 'true' ELSE 'false' END,
    ',"batch":', to_json(f.batch), ',"title":', to_json(f.title),
    ',"source":', to_json(f.filename), ',"meta":', f.meta::text,
    ',"relations":', f.relations::text, ',"events":', f.events::text, '}'
),
    jsonb_build_array(
        jsonb_path_query_array(f.spans, '$[*].label'), f.classes, f.tokenizer_version,
        jsonb_path_query_array(f.relations, '$[*].type'),
        jsonb_path_query_array(f.events, '$[*].type')
    )::text
FROM (FINALS ORDER BY s.id) f
ORDER BY f.id
"""


def _params(project_id: int, batch_ids: list[int]) -> dict:
    return {"project": project_id, "batches": batch_ids}


@dataclass
class Summary:
    """What an export holds, for its progress and its dataset card."""

    count: int = 0
    labels: Counter = field(default_factory=Counter)  # "span:地名", "class:正面" → count
    versions: Counter = field(default_factory=Counter)  # tokenizer version → snippets


# The tables the finals read, whose statistics an export brings up to date first.
READ_TABLES = (
    "annotation_snippet",
    "annotation_batch",
    "annotation_finalannotation",
    "annotation_article",
)


def planned_whole() -> None:
    """Plan the export's reads for every row, for the rest of its transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '128MB'")  # sorts in memory, not on disk
        cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
        # A cursor is planned for its first tenth by default: nested loops that never end.
        cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")


def jsonl_copy(
    project_id: int, batch_ids: list[int], out: "Out", progress: Callable[[int], None]
) -> Summary:
    """Write our JSONL into ``out``, the lines made by the database and copied out; return
    what it holds. ``progress`` is called with the lines written so far, now and then.

    COPY's text format doubles each backslash (the lines hold no control characters:
    JSON escapes them) and hands over one row at a time; the rows are undone a few
    thousand at a time.
    """
    keys: Counter = Counter()
    lines: list[bytes] = []
    written = 0
    planned_whole()
    with connection.cursor() as cursor:
        statement = cursor.mogrify(
            _JSONL_LINE.replace("FINALS", _FINALS), _params(project_id, batch_ids)
        )
        with cursor.cursor.copy(f"COPY ({statement}) TO STDOUT") as copy:
            for row in copy:
                row = bytes(row)
                tab = row.rindex(b"\t")
                lines.append(row[:tab])
                keys[row[tab + 1 : -1]] += 1
                if len(lines) == FETCH:
                    _lines_write(out, lines)
                    written += len(lines)
                    progress(written)
                    lines = []
    _lines_write(out, lines)
    summary = Summary(count=written + len(lines))
    for key, count in keys.items():
        spans, classes, version, relations, events = json.loads(key.replace(b"\\\\", b"\\"))
        summary.versions[version] += count
        for kind, names in (
            ("span", spans),
            ("class", classes),
            ("relation", relations),
            ("event", events),
        ):
            for name in names:
                summary.labels[f"{kind}:{name}"] += count
    return summary


class Out(Protocol):
    """Where the lines go: anything that takes bytes (a file, a Gzip stream)."""

    def write(self, data: bytes, /) -> object: ...


def _lines_write(out: Out, lines: list[bytes]) -> None:
    """Lines as COPY gave them (without their key), written as they were made."""
    if lines:
        out.write(b"\n".join(lines).replace(b"\\\\", b"\\") + b"\n")
