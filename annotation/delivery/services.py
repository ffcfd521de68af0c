"""Exports: asked for through the API, written by a worker (by PostgreSQL where it can,
database.py), stored gzip-compressed as 1 MiB rows in the database (storage.py) and
streamed back as an attachment."""

import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace

import jieba.posseg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone, translation

from accounts.models import User
from annotation.admission import heavy_job_admit
from annotation.core.links import numbered, shifted_links, span_key
from annotation.core.pieces import Piece
from annotation.core.tokens import decode_ends
from annotation.core.validation import PARTS
from annotation.delivery.card import dataset_card
from annotation.delivery.database import READ_TABLES, Summary, jsonl_copy, planned_whole
from annotation.delivery.formats import PARTLY, Item, joins_records, writer_for
from annotation.delivery.storage import CHUNK_BYTES, Chunks, Gzip
from annotation.jobs import EXPORT, dispatch_on_commit, job_start, progress_publish
from annotation.models import (
    Batch,
    BatchStatus,
    ExportJob,
    FinalAnnotation,
    FinalSource,
    ImportJob,
    JobStatus,
    Review,
    Snippet,
)
from annotation.quality.finals import finals_refresh
from annotation.quality.judgements import latest_revisions
from annotation.statistics import statistics_refresh
from projects.models import Project

PAGE = 2000  # snippets read at a time


@transaction.atomic
def export_create(
    *,
    project: Project,
    user: User,
    file_format: str,
    status: str = "accepted",
    version: str = "final",
    offsets: str = "snippet",
    batch_ids: list[int] | None = None,
    language: str = "",
) -> tuple[ExportJob, bool]:
    """Queue an export, written by a worker after commit; returns it and True.

    The same export asked again by the same person while theirs still waits to start
    (it will read the newest work) is that one, returned with False: a burst of clicks
    queues one job. Past the heavy jobs allowed, raises TooManyJobs.
    """
    options = {
        "status": status,
        "version": version,
        "offsets": offsets,
        "batches": sorted(set(batch_ids or [])),
        "language": language,  # the dataset card's
    }
    waiting = ExportJob.objects.select_for_update().filter(
        project=project, created_by=user, format=file_format, status=JobStatus.PENDING
    )
    for job in waiting:
        if job.options == options:
            return job, False
    heavy_job_admit(user=user, project=project)
    job = ExportJob.objects.create(
        project=project, created_by=user, format=file_format, options=options
    )
    dispatch_on_commit(EXPORT, job.id)
    return job, True


def exported_batches(job: ExportJob) -> QuerySet[Batch]:
    """The batches the export holds: accepted ones unless it asked for all, narrowed to
    the ones it named."""
    batches = Batch.objects.filter(project_id=job.project_id)
    if job.options.get("status", "accepted") == "accepted":
        batches = batches.filter(status=BatchStatus.ACCEPTED)
    if job.options.get("batches"):
        batches = batches.filter(id__in=job.options["batches"])
    return batches


def _snippets_of(job: ExportJob, batch_ids: list[int]) -> QuerySet[Snippet]:
    """The exported snippets. The batches are named by id, not by a subquery: the planner
    then knows how many there are (a batch just accepted is not yet in its statistics)."""
    return Snippet.objects.filter(project_id=job.project_id, batch_id__in=batch_ids).pooled()


# What a record carries besides its annotation: its article's meta (the client's own
# fields) and title, and the name of the file it was imported from.
_RECORD_COLUMNS = ("article__meta", "article__title", "article__import_job__filename")


def _snippet_pages(job: ExportJob, batch_ids: list[int]) -> Iterator[list[tuple]]:
    """Pages of ``(id, text, tokens, tokenizer_version, batch name, meta, title, file)``
    rows, with the snippet's article and map back to it after them when offsets are raw."""
    snippets = _snippets_of(job, batch_ids)
    columns: tuple[str, ...] = ("id", "text", "tokens", "tokenizer_version", "batch__name")
    columns += _RECORD_COLUMNS
    if job.options.get("offsets") == "raw":
        columns += ("article_id", "offset_map", "article__file_start", "article__crlf")
    after = 0
    while page := list(snippets.filter(id__gt=after).order_by("id").values_list(*columns)[:PAGE]):
        after = page[-1][0]
        yield page


def export_items(
    job: ExportJob, versions: Counter, batch_ids: list[int] | None = None
) -> Iterator[Item]:
    """The items to write, in snippet order: each snippet's final annotation, or every
    annotator's latest revision with its review state; with ``offsets=raw``, each with
    the map back to its article's raw text. ``versions`` counts the tokenizer versions
    of the snippets delivered (for the card)."""
    if batch_ids is None:
        batch_ids = list(exported_batches(job).values_list("id", flat=True))
    raw = job.options.get("offsets") == "raw"
    if job.options.get("version") != "all":
        yield from _finals(job, batch_ids, versions, raw)
        return
    for page in _snippet_pages(job, batch_ids):
        items = list(_every_version(page))
        delivered = {item.snippet for item in items}
        versions.update(row[3] for row in page if row[0] in delivered)
        yield from _on_raw(page, items) if raw else items


def _placed(text: str, offset_map: list[int], file_start: int | None, crlf: list[int]) -> Piece:
    """The snippet mapped onto the file as uploaded where it came from a text file, else
    onto its record's text."""
    piece = Piece.from_flat_map(text, offset_map)
    return piece if file_start is None else piece.in_file(file_start, crlf)


def _on_raw(page: list[tuple], items: list[Item]) -> Iterator[Item]:
    places = {row[0]: (row[8], row[10], _placed(row[1], row[9], row[10], row[11])) for row in page}
    for item in items:
        article, file_start, raw = places[item.snippet]
        yield replace(item, article=article, raw=raw, in_file=file_start is not None)


_FINAL_COLUMNS = (
    "snippet_id",
    "snippet__article_id",
    "snippet__text",
    "snippet__tokens",
    "snippet__tokenizer_version",
    "snippet__batch__name",
    *PARTS,
    "source",
    "tie",
    *(f"snippet__{column}" for column in _RECORD_COLUMNS),
)


def _finals(job: ExportJob, batch_ids: list[int], versions: Counter, raw: bool) -> Iterator[Item]:
    """The stored final annotations (annotation.quality.finals) of the exported snippets,
    with their snippets, in snippet order: one query read through a server-side cursor
    on PostgreSQL, in chunks on SQLite; snippets without one are not read at all."""
    placing = ("offset_map", "article__file_start", "article__crlf")
    columns = _FINAL_COLUMNS + (tuple(f"snippet__{name}" for name in placing) if raw else ())
    if connection.vendor == "postgresql":
        planned_whole()
    rows = (
        FinalAnnotation.objects.filter(
            project_id=job.project_id,
            snippet__gold=False,
            snippet__excluded=False,
            snippet__batch_id__in=batch_ids,
        )
        .order_by("snippet_id")
        .values_list(*columns)
    )
    for row in rows.iterator(chunk_size=PAGE):
        (
            snippet,
            article,
            text,
            tokens,
            version,
            batch,
            spans,
            classes,
            words,
            relations,
            events,
            source,
            tie,
            *rest,
        ) = row
        meta, title, filename, *place = rest
        versions[version] += 1
        item = Item(
            snippet,
            text,
            [span_key(span) for span in spans],
            classes,
            words or decode_ends(tokens),
            relations=relations,
            events=events,
            adjudicated=source == FinalSource.ADJUDICATION,
            tie=tie,
            batch=batch,
            meta=meta,
            title=title,
            source=filename or "",
            article=article,
        )
        if place:
            offset_map, file_start, crlf = place
            mapped = _placed(text, offset_map, file_start, crlf)
            item = replace(item, article=article, raw=mapped, in_file=file_start is not None)
        yield item


def _every_version(page: list[tuple]) -> Iterator[Item]:
    rows = latest_revisions(
        [row[0] for row in page],
        *("id", "annotator__username", "number", *PARTS),
    )
    reviews = dict(
        Review.objects.filter(revision_id__in=[row[2] for row in rows])
        .order_by("revision_id", "round")
        .values_list("revision_id", "status")
    )
    by_snippet: dict[int, list[tuple]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: row[3]):  # annotators by name
        by_snippet[row[1]].append(row[2:])
    for snippet, text, tokens, _, batch, meta, title, filename, *_ in page:
        for work in by_snippet[snippet]:
            revision, annotator, number, spans, classes, words, relations, events = work
            yield Item(
                snippet,
                text,
                [span_key(span) for span in spans],
                classes,
                words or decode_ends(tokens),
                annotator,
                number,
                reviews.get(revision),
                batch=batch,
                meta=meta,
                title=title,
                source=filename or "",
                relations=relations,
                events=events,
            )


def tag_of(word: str) -> str:
    return jieba.posseg.dt.word_tag_tab.get(word) or next(
        (pair.flag for pair in jieba.posseg.dt.cut(word, HMM=False)), "x"
    )


def _database_writes(job: ExportJob, pieces: dict[int, int]) -> bool:
    """Whether PostgreSQL writes the lines itself (database.py): our JSONL of the final
    annotations, offsets on the snippet, no record to join back from its pieces
    (docs/benchmarks.md, the ledger)."""
    return (
        connection.vendor == "postgresql"
        and job.format == "jsonl"
        and job.options.get("version", "final") == "final"
        and job.options.get("offsets", "snippet") == "snippet"
        and not pieces
    )


def _records_cut(job: ExportJob, batch_ids: list[int]) -> dict[int, int]:
    """The records of the exported batches that were cut into several snippets at import
    (the imports list them, ``records_split``): each one's article, with how many pieces
    it has in the whole project."""
    imports = ImportJob.objects.filter(project_id=job.project_id).exclude(records_split=[])
    exported = _snippets_of(job, batch_ids).filter(article__import_job__in=imports)
    rows = (
        Snippet.objects.filter(article_id__in=exported.values("article_id"))
        .pooled()
        .values("article_id")
        .annotate(pieces=Count("id"))
        .filter(pieces__gt=1)
        .values_list("article_id", "pieces")
    )
    return dict(rows)


def _whole(items: Iterator[Item], pieces: dict[int, int], dropped: Counter) -> Iterator[Item]:
    """The items with each record cut into several snippets joined back into one, where
    all its pieces are delivered; a record delivered in part goes as its pieces, counted
    in ``dropped``."""
    held: list[Item] = []
    for item in items:
        if held and item.article != held[0].article:
            yield from _joined(held, pieces, dropped)
            held = []
        if item.article in pieces:
            held.append(item)
        else:
            yield item
    if held:
        yield from _joined(held, pieces, dropped)


def _joined(held: list[Item], pieces: dict[int, int], dropped: Counter) -> Iterator[Item]:
    article = held[0].article
    assert article is not None  # held: the pieces of a record that was cut
    if len(held) < pieces[article]:
        dropped[PARTLY] += 1
        yield from held
        return
    text, classes, words = "", [], []
    spans: list[tuple[int, int, str]] = []
    relations: list[dict] = []
    events: list[dict] = []
    for item in held:
        offset = len(text)
        shifted = shifted_links(item.relations, item.events, len(spans))
        relations += shifted["relations"]
        events += shifted["events"]
        spans += [(start + offset, end + offset, label) for start, end, label in item.spans]
        classes += [name for name in item.classes if name not in classes]
        words += [end + offset for end in item.segmentation]
        text += item.text
    yield replace(
        held[0],
        text=text,
        spans=spans,
        classes=classes,
        segmentation=words,
        relations=numbered(relations, "R"),
        events=numbered(events, "E"),
        adjudicated=any(item.adjudicated for item in held),
        tie=any(item.tie for item in held),
    )


def _python_writes(
    job: ExportJob, batch_ids: list[int], total: int, chunks: Chunks, pieces: dict[int, int]
) -> tuple[Summary, int, dict]:
    """Write the items one by one, each through the format's writer, a record cut into
    ``pieces`` joined back; return what the file holds, its size and what was left out."""
    writer = writer_for(job.format, kinds=job.project.kinds, tag_of=tag_of)
    summary = Summary()
    items = export_items(job, summary.versions, batch_ids)
    if pieces:
        items = _whole(items, pieces, writer.dropped)
    out = Gzip(chunks)
    out.write(writer.head.encode())
    for item in items:
        summary.count += 1
        summary.labels.update(f"span:{label}" for _, _, label in item.spans)
        summary.labels.update(f"class:{name}" for name in item.classes)
        summary.labels.update(f"relation:{relation['type']}" for relation in item.relations)
        summary.labels.update(f"event:{event['type']}" for event in item.events)
        written = writer.write(item)
        out.write(written if isinstance(written, bytes) else written.encode())
        writer.links_left(item)
        if summary.count % PAGE == 0:
            progress_publish("export", job.id, 0.99 * summary.count / total)
    out.write(writer.end())
    out.close()
    return summary, out.size, dict(writer.dropped)


def _database_jsonl(
    job: ExportJob, batch_ids: list[int], total: int, chunks: Chunks
) -> tuple[Summary, int]:
    """Our JSONL made by PostgreSQL, compressed into a spooled file as it comes, then
    stored: COPY holds the connection until it ends, so the chunks follow it."""
    with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK_BYTES) as spool:
        out = Gzip(spool)
        summary = jsonl_copy(
            job.project_id,
            batch_ids,
            out,
            lambda lines: progress_publish("export", job.id, 0.9 * lines / total),
        )
        out.close()
        packed = max(1, spool.tell())
        spool.seek(0)
        while data := spool.read(CHUNK_BYTES):
            chunks.write(data)
            progress_publish("export", job.id, 0.9 + 0.09 * chunks.stored / packed)
    return summary, out.size


def export_execute(*, export_id: int) -> None:
    """Write the export. Idempotent: the file, its figures and its card are stored in one
    transaction, so a worker that dies leaves nothing and the retry starts again; the job
    row is locked inside it, so a second delivery of the same message waits and then
    finds the export finished. Progress is published meanwhile (``jobs.progress_publish``)."""
    job = ExportJob.objects.select_related("project").filter(id=export_id).first()
    if job is None or job.finished:
        return
    job_start(job)
    finals_refresh(project_id=job.project_id)  # what changed since the last refresh
    if connection.vendor == "postgresql":
        statistics_refresh(dict.fromkeys(READ_TABLES, 0))
    with transaction.atomic():
        if ExportJob.objects.select_for_update().get(id=job.id).finished:
            return
        batch_ids = list(exported_batches(job).values_list("id", flat=True))
        delivered = _snippets_of(job, batch_ids)
        if job.options.get("version", "final") == "final":
            delivered = delivered.filter(final__isnull=False)
        total = max(1, delivered.count())  # for the progress
        chunks = Chunks(job)
        dropped: dict[str, int] = {}
        cut = _records_cut(job, batch_ids)
        pieces = cut if joins_records(job.format, job.options) else {}
        if _database_writes(job, pieces):
            summary, size = _database_jsonl(job, batch_ids, total, chunks)
        else:
            summary, size, dropped = _python_writes(job, batch_ids, total, chunks, pieces)
        chunks.flush()
        job.items, job.size, job.dropped = summary.count, size, dropped
        job.stored_size = chunks.stored
        with translation.override(job.options.get("language") or settings.LANGUAGE_CODE):
            job.card = dataset_card(
                job=job,
                labels=summary.labels,
                versions=summary.versions,
                batch_ids=set(batch_ids),
                records_cut=len(cut),
                excluded=Snippet.objects.filter(
                    batch_id__in=batch_ids, excluded=True, gold=False
                ).count(),
            )
        job.status, job.progress, job.finished_at = JobStatus.SUCCEEDED, 1.0, timezone.now()
        job.save(
            update_fields=[
                *("items", "size", "stored_size", "dropped", "card"),
                *("status", "progress", "finished_at"),
            ]
        )


def export_fail(*, export_id: int, reason: str) -> None:
    ExportJob.objects.filter(id=export_id).exclude(status__in=ExportJob.FINISHED).update(
        status=JobStatus.FAILED, error=reason[:500], finished_at=timezone.now()
    )
