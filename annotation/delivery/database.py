"""The heavy part of an export done by PostgreSQL.

Each exported snippet's final annotation is chosen in one query, by the rule of
``annotation.quality.judgements.final_annotations``: the latest adjudication, or else the
annotation most of its annotators submitted (their latest revisions compared whole, as
jsonb), the earliest work breaking ties. The rows are read through a server-side cursor;
for our JSONL the database writes the lines themselves and copies them out
(``COPY … TO STDOUT``), so Python touches a line only to store it.

SQLite (the embedded default) takes the Python path in ``services``; the tests check on
PostgreSQL that both give the same file.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import connection

from annotation.delivery.formats import Item
from annotation.ingest.tokenizer import decode_ends

FETCH = 2000  # rows a round trip from the server-side cursor

_FINALS = """
WITH exported AS (
    SELECT s.id, s.text, s.tokens, s.tokenizer_version, b.name AS batch
    FROM annotation_snippet s JOIN annotation_batch b ON b.id = s.batch_id
    WHERE s.project_id = %(project)s AND NOT s.gold AND s.batch_id = ANY(%(batches)s)
), latest AS (
    SELECT a.snippet_id, r.id AS revision_id, r.assignment_id
    FROM annotation_revision r
    JOIN annotation_assignment a ON a.id = r.assignment_id
    WHERE a.project_id = %(project)s AND a.status = 'submitted'
      AND NOT EXISTS (
          SELECT 1 FROM annotation_revision newer
          WHERE newer.assignment_id = r.assignment_id AND newer.number > r.number
      )
), works AS (
    SELECT snippet_id, count(*) AS works, min(revision_id) AS revision_id
    FROM latest GROUP BY snippet_id
), voted AS (
    SELECT DISTINCT ON (snippet_id) snippet_id, revision_id
    FROM (
        SELECT l.snippet_id, min(l.revision_id) AS revision_id,
               count(*) AS votes, min(l.assignment_id) AS first_work
        FROM latest l
        JOIN works w ON w.snippet_id = l.snippet_id AND w.works > 1
        JOIN annotation_revision r ON r.id = l.revision_id
        GROUP BY l.snippet_id, r.spans, r.classes, r.segmentation
    ) votes
    ORDER BY snippet_id, votes DESC, first_work
), majority AS (
    SELECT snippet_id, revision_id FROM works WHERE works = 1
    UNION ALL
    SELECT snippet_id, revision_id FROM voted
), settled AS (
    SELECT DISTINCT ON (snippet_id) snippet_id, spans, classes, segmentation
    FROM annotation_adjudication WHERE project_id = %(project)s
    ORDER BY snippet_id, id DESC
)
SELECT e.id, e.text, e.tokens, e.tokenizer_version, e.batch,
       CASE WHEN d.snippet_id IS NULL THEN r.spans ELSE d.spans END AS spans,
       CASE WHEN d.snippet_id IS NULL THEN r.classes ELSE d.classes END AS classes,
       CASE WHEN d.snippet_id IS NULL THEN r.segmentation ELSE d.segmentation END
           AS segmentation,
       d.snippet_id IS NOT NULL AS adjudicated
FROM exported e
LEFT JOIN majority m ON m.snippet_id = e.id
LEFT JOIN annotation_revision r ON r.id = m.revision_id
LEFT JOIN settled d ON d.snippet_id = e.id
WHERE m.snippet_id IS NOT NULL OR d.snippet_id IS NOT NULL
"""

# One line of our JSONL, the same bytes as annotation.delivery.formats.OwnJsonl writes, and
# beside it (after a tab) ``[[span labels], [classes], tokenizer version]`` for the card.
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
    ',"batch":', to_json(f.batch), '}'
),
    jsonb_build_array(
        jsonb_path_query_array(f.spans, '$[*].label'), f.classes, f.tokenizer_version
    )::text
FROM (FINALS ORDER BY e.id) f
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


def final_items(project_id: int, batch_ids: list[int], versions: Counter) -> Iterator[Item]:
    """Each exported snippet's final annotation, in snippet order, from a server-side
    cursor; ``versions`` counts their tokenizer versions."""
    with connection.cursor() as cursor:
        _planned_whole(cursor)
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"{_FINALS} ORDER BY e.id", _params(project_id, batch_ids))
        while rows := cursor.fetchmany(FETCH):
            for snippet, text, tokens, version, batch, spans, classes, words, settled in rows:
                versions[version] += 1
                yield Item(
                    snippet,
                    text,
                    [(s["start"], s["end"], s["label"]) for s in _loaded(spans)],
                    _loaded(classes),
                    _loaded(words) or decode_ends(tokens),
                    adjudicated=settled,
                    batch=batch,
                )


# The tables the finals read, whose statistics an export brings up to date first.
READ_TABLES = (
    "annotation_snippet",
    "annotation_batch",
    "annotation_assignment",
    "annotation_revision",
    "annotation_adjudication",
)


def _planned_whole(cursor) -> None:
    """Plan the finals for reading every row, for the rest of the export's transaction."""
    cursor.execute("SET LOCAL work_mem = '128MB'")  # sorts in memory, not on disk
    cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
    # Parallel workers would each build the whole choice of finals again.
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    # A cursor is planned for its first tenth by default: nested loops that never end.
    cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")


def _loaded(value: object) -> list:
    return json.loads(value) if isinstance(value, str) else value


def jsonl_copy(
    project_id: int, batch_ids: list[int], out: BinaryIO, progress: Callable[[int], None]
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
    with connection.cursor() as cursor:
        _planned_whole(cursor)
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
        spans, classes, version = json.loads(key.replace(b"\\\\", b"\\"))
        summary.versions[version] += count
        for name in spans:
            summary.labels[f"span:{name}"] += count
        for name in classes:
            summary.labels[f"class:{name}"] += count
    return summary


def _lines_write(out: BinaryIO, lines: list[bytes]) -> None:
    """Lines as COPY gave them (without their key), written as they were made."""
    if lines:
        out.write(b"\n".join(lines).replace(b"\\\\", b"\\") + b"\n")
