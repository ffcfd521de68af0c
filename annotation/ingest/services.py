"""Writes of the ingest stage: uploads and imports. Pre-tokenization is in tokenizing.py."""

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from annotation.ingest import cleaning, formats
from annotation.ingest.tokenizer import TokenizerConfig, encode_ends, token_ends
from annotation.ingest.tokenizing import tokenize_run_create, tokenizer_config
from annotation.jobs import dispatch_on_commit, job_start, progress_publish
from annotation.models import (
    Adjudication,
    Article,
    Batch,
    ImportJob,
    JobStatus,
    Snippet,
    UploadChunk,
)
from annotation.statistics import statistics_refresh
from projects.models import Project

logger = logging.getLogger(__name__)

UPLOAD_CHUNK_BYTES = 1024 * 1024
FLUSH_SNIPPETS = 2000
PROGRESS_EVERY_SECONDS = 0.5


def cleaning_options(project: Project) -> cleaning.CleaningOptions:
    return cleaning.CleaningOptions(
        reflow=project.clean_reflow,
        remove_cjk_spaces=project.clean_cjk_spaces,
        normalize_punctuation=project.clean_punctuation,
        max_snippet_chars=project.max_snippet_chars,
    )


# --- uploads -------------------------------------------------------------------------------


@transaction.atomic
def import_create(
    *,
    project: Project,
    user: User,
    upload: UploadedFile,
    file_format: str = "",
    text_column: str = "text",
    title_column: str = "",
    annotations: str = "suggestions",
) -> ImportJob:
    """Store the upload in the database in 1 MiB chunks and queue the import after commit."""
    filename = (upload.name or "upload")[-255:]
    job = ImportJob.objects.create(
        project=project,
        created_by=user,
        filename=filename,
        format=file_format or formats.guess_format(filename),
        options={
            "text_column": text_column,
            "title_column": title_column,
            "annotations": annotations,
        },
    )
    job.size = _upload_store(job, upload)
    job.save(update_fields=["size"])
    from annotation.celery_tasks import import_file_task

    dispatch_on_commit(import_file_task, job.id)
    return job


def _upload_store(job: ImportJob, upload: UploadedFile) -> int:
    """Write the upload's bytes as 1 MiB rows; binary COPY on PostgreSQL. Returns the size."""
    chunks = upload.chunks(UPLOAD_CHUNK_BYTES)
    size = 0
    if connection.vendor == "postgresql":
        sql = "COPY annotation_uploadchunk (job_id, seq, data) FROM STDIN (FORMAT BINARY)"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.set_types(["bigint", "integer", "bytea"])
            for seq, data in enumerate(chunks):
                copy.write_row((job.id, seq, data))
                size += len(data)
        return size
    for seq, data in enumerate(chunks):
        UploadChunk.objects.create(job=job, seq=seq, data=data)
        size += len(data)
    return size


def _upload_chunks(job: ImportJob) -> formats.ChunkSource:
    """The upload's bytes, one chunk (1 MiB) a query, so that no cursor stays open."""

    def chunks() -> Iterator[bytes]:
        rows = UploadChunk.objects.filter(job=job)
        for seq in rows.order_by("seq").values_list("seq", flat=True):
            yield bytes(rows.filter(seq=seq).values_list("data", flat=True).get())

    return chunks


# --- import --------------------------------------------------------------------------------


def _digest(text: str, size: int = 32) -> str:
    """Content hash for deduplication (formats.check_text has refused lone surrogates)."""
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()


@dataclass
class _PendingArticle:
    title: str
    raw: str
    raw_hash: str
    meta: dict
    line: int
    snippets: list[cleaning.Piece]
    suggestions: list[list[dict]]


class _Batches:
    """The batches (任务包) an import fills: one, or a new one every ``batch_size``
    snippets when the project sets a size. Made as snippets arrive; sizes set at the end."""

    def __init__(self, job: ImportJob, project: Project) -> None:
        self.job, self.project = job, project
        self.size = project.batch_size
        self.filled: list[tuple[Batch, int]] = []

    def place(self, count: int) -> Iterator[tuple[int, int]]:
        """(batch id, how many) for the next ``count`` snippets, in order."""
        while count:
            if not self.filled or (self.size and self.filled[-1][1] >= self.size):
                number = len(self.filled) + 1
                name = f"{self.job.filename} #{number}" if self.size else self.job.filename
                batch = Batch.objects.create(
                    project=self.project, name=name[:255], import_job=self.job
                )
                self.filled.append((batch, 0))
            batch, filled = self.filled[-1]
            taken = min(count, self.size - filled) if self.size else count
            self.filled[-1] = (batch, filled + taken)
            count -= taken
            yield batch.id, taken

    def close(self) -> None:
        for batch, filled in self.filled:
            batch.size = filled
            batch.save(update_fields=["size"])


class _ImportWriter:
    """Buffers articles and snippets and writes them in batches, skipping duplicates."""

    def __init__(self, job: ImportJob, project: Project) -> None:
        self.job = job
        self.project = project
        self.batches = _Batches(job, project)
        self.pending: list[_PendingArticle] = []
        self.pending_snippets = 0
        self.seen_articles: set[str] = set()
        self.seen_snippets: set[str] = set()
        config = tokenizer_config(project)
        self.tokenizer = config if config.inline else None
        self.articles = self.snippets = self.duplicates = 0
        # Annotations in the file kept as the snippets' final ones instead of suggestions.
        self.final = job.options.get("annotations") == "final"
        # Into an empty project (imports of a project run one at a time) nothing stored
        # can repeat the file's texts: no lookups.
        self.stored = (
            Article.objects.filter(project=project).exists()
            or Snippet.objects.filter(project=project).exists()
        )

    def add(
        self,
        title: str,
        raw: str,
        meta: dict,
        line: int,
        pieces: list[cleaning.Piece],
        suggestions: list[list[dict]],
    ) -> None:
        raw_hash = _digest(raw)
        if raw_hash in self.seen_articles:
            self.duplicates += len(pieces)
            return
        self.seen_articles.add(raw_hash)
        self.pending.append(
            _PendingArticle(title[:500], raw, raw_hash, meta, line, pieces, suggestions)
        )
        self.pending_snippets += len(pieces)
        if self.pending_snippets >= FLUSH_SNIPPETS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        known = self._stored(Article, "raw_hash", [item.raw_hash for item in self.pending])
        fresh = [item for item in self.pending if item.raw_hash not in known]
        self.duplicates += sum(
            len(item.snippets) for item in self.pending if item.raw_hash in known
        )
        ids = _articles_insert(self.project.id, self.job.id, fresh)
        self.articles += len(fresh)

        rows = []
        for article_id, item in zip(ids, fresh, strict=True):
            for position, (piece, suggested) in enumerate(
                zip(item.snippets, item.suggestions, strict=True)
            ):
                rows.append((article_id, position, piece, _digest(piece.text, 16), suggested))
        candidates = [row[3] for row in rows if row[3] not in self.seen_snippets]
        known_snippets = self._stored(Snippet, "text_hash", candidates)
        kept = []
        for row in rows:
            if row[3] in self.seen_snippets or row[3] in known_snippets:
                self.duplicates += 1
                continue
            self.seen_snippets.add(row[3])
            kept.append(row)
        finals = {row[3]: row[4] for row in kept if self.final and row[4]}
        if self.final:
            kept = [(*row[:4], []) for row in kept]
        start = 0
        for batch_id, count in self.batches.place(len(kept)):
            _snippets_insert(self.project.id, batch_id, kept[start : start + count], self.tokenizer)
            start += count
        if finals:
            _finals_insert(self.project, finals)
        self.snippets += len(kept)
        self.pending = []
        self.pending_snippets = 0

    def _stored(self, model: type[Article | Snippet], field: str, hashes: list[str]) -> set:
        """Which of the content hashes the project already holds."""
        if not self.stored or not hashes:
            return set()
        rows = model.objects.filter(project=self.project, **{f"{field}__in": hashes})
        return set(rows.values_list(field, flat=True))


def _articles_insert(project_id: int, job_id: int, items: list[_PendingArticle]) -> list[int]:
    """Insert the articles; return their ids in order. On PostgreSQL the ids are drawn from
    the sequence first and the rows copied in (the ORM's INSERT cost half the import)."""
    if not items:
        return []
    if connection.vendor != "postgresql":
        articles = [
            Article(
                project_id=project_id,
                import_job_id=job_id,
                title=item.title,
                raw_text=item.raw,
                raw_hash=item.raw_hash,
                meta=item.meta,
                source_line=item.line,
            )
            for item in items
        ]
        Article.objects.bulk_create(articles)
        return [article.id for article in articles]
    columns = "id, project_id, import_job_id, title, raw_text, raw_hash, meta, source_line"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('annotation_article', 'id')) "
            "FROM generate_series(1, %s)",
            [len(items)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY annotation_article ({columns}) FROM STDIN") as copy:
            for pk, item in zip(ids, items, strict=True):
                meta = json.dumps(item.meta, ensure_ascii=False)
                row = (pk, project_id, job_id, item.title, item.raw, item.raw_hash, meta, item.line)
                copy.write_row(row)
    return ids


SnippetRow = tuple[int, int, cleaning.Piece, str, list[dict]]


def _json_ints(numbers: list[int]) -> str:
    """A list of integers as JSON, without the cost of json's encoder (an import writes
    one offset map a snippet)."""
    return f"[{','.join(map(str, numbers))}]"


def _snippets_insert(
    project_id: int, batch_id: int, rows: list[SnippetRow], tokenizer: TokenizerConfig | None
) -> None:
    """Insert snippet rows: COPY on PostgreSQL (20x faster than INSERT), bulk_create else.
    With an inline ``tokenizer`` their tokens are written with them."""
    if not rows:
        return
    version = tokenizer.version if tokenizer else ""

    def tokens(piece: cleaning.Piece) -> str:
        return encode_ends(token_ends(piece.text, tokenizer)) if tokenizer else ""

    if connection.vendor == "postgresql":
        columns = (
            "project_id, article_id, position, text, text_hash, offset_map, tokens, "
            "tokenizer_version, suggestions, batch_id, slots_taken, gold"
        )
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY annotation_snippet ({columns}) FROM STDIN") as copy:
                for article_id, position, piece, text_hash, suggested in rows:
                    copy.write_row(
                        (
                            project_id,
                            article_id,
                            position,
                            piece.text,
                            text_hash,
                            _json_ints(piece.flat_map()),
                            tokens(piece),
                            version,
                            json.dumps(suggested, ensure_ascii=False) if suggested else "[]",
                            batch_id,
                            0,
                            False,
                        )
                    )
        return
    Snippet.objects.bulk_create(
        [
            Snippet(
                project_id=project_id,
                article_id=article_id,
                position=position,
                text=piece.text,
                text_hash=text_hash,
                offset_map=piece.flat_map(),
                tokens=tokens(piece),
                tokenizer_version=version,
                suggestions=suggested,
                batch_id=batch_id,
            )
            for article_id, position, piece, text_hash, suggested in rows
        ],
        batch_size=500,
    )


def _finals_insert(project: Project, finals: dict[str, list[dict]]) -> None:
    """Imported annotations kept as final: an adjudication of nobody for each snippet."""
    ids = Snippet.objects.filter(project=project, text_hash__in=finals).values_list(
        "text_hash", "id"
    )
    Adjudication.objects.bulk_create(
        [
            Adjudication(
                project=project,
                snippet_id=snippet_id,
                spans=[item for item in finals[text_hash] if "start" in item],
                classes=[item["label"] for item in finals[text_hash] if "start" not in item],
            )
            for text_hash, snippet_id in ids
        ],
        batch_size=1000,
    )


def _suggestions(record: formats.Record, snippets: list[cleaning.Piece]) -> list[list[dict]]:
    """The record's pre-annotated spans, moved into the coordinates of their snippets, and
    its classes (``{"label"}`` without offsets) on each of its snippets."""
    placed: list[list[dict]] = [[] for _ in snippets]
    for number, (start, end, label) in enumerate(record.spans, start=1):
        for index, piece in enumerate(snippets):
            first, last = piece.clean_index(start), piece.clean_index(end - 1)
            if first is not None and last is not None:
                placed[index].append({"start": first, "end": last + 1, "label": label})
                break
        else:
            raise formats.ImportFileError(
                formats.gettext_noop(
                    "span %(number)s (%(start)s–%(end)s) does not lie within one snippet "
                    "after cleaning"
                ),
                record.line,
                number=number,
                start=start,
                end=end,
            )
    for suggested in placed:
        suggested += [{"label": name} for name in dict.fromkeys(record.classes)]
    return placed


def _articles_of(
    record: formats.Record, file_format: str, options: cleaning.CleaningOptions
) -> Iterator[tuple[str, str, list[cleaning.Piece], list[list[dict]]]]:
    """(title, raw text, snippets, suggestions per snippet) for each article of a record."""
    if file_format == "text":
        for article in cleaning.split_page(record.text, options):
            raw = record.text[article.raw_start : article.raw_end]
            yield article.title, raw, article.snippets, [[] for _ in article.snippets]
        return
    title, snippets = cleaning.clean_article(record.text, options, record=True)
    yield record.title or title, record.text, snippets, _suggestions(record, snippets)


def _import_records(
    job: ImportJob, project: Project, records: Iterable[formats.Record]
) -> "_ImportWriter":
    options = cleaning_options(project)
    writer = _ImportWriter(job, project)
    consumed = 0
    published = time.monotonic()
    for record in records:
        for title, raw, snippets, suggestions in _articles_of(record, job.format, options):
            writer.add(title, raw, record.meta, record.line, snippets, suggestions)
        # UTF-8 Chinese takes about three bytes a character: a progress estimate, capped.
        consumed += len(record.text) * 3
        if time.monotonic() - published > PROGRESS_EVERY_SECONDS:
            progress_publish("import", job.id, min(0.95, consumed / max(job.size, 1)))
            published = time.monotonic()
    writer.flush()
    writer.batches.close()
    if writer.articles == 0 and writer.duplicates == 0:
        raise formats.ImportFileError(formats.gettext_noop("the file holds no text to annotate"))
    job.articles, job.snippets, job.duplicates = writer.articles, writer.snippets, writer.duplicates
    return writer


def _job_fail(job: ImportJob, errors: list[dict]) -> None:
    with transaction.atomic():
        job.status = JobStatus.FAILED
        job.errors = errors
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "errors", "finished_at"])
        UploadChunk.objects.filter(job=job).delete()


def import_run(*, job_id: int) -> None:
    """Run an import: all or nothing, in one transaction that locks the project's imports.

    Idempotent: a finished job is left alone; a job whose worker died is redone from the
    start, since nothing of its transaction was committed. On success the pre-tokenization
    of the new snippets is dispatched after commit.
    """
    job = ImportJob.objects.filter(id=job_id).first()
    if job is None or job.finished:
        return
    job_start(job)
    source = _upload_chunks(job)
    try:
        encoding = formats.detect_encoding(source)
        with transaction.atomic():
            # A second delivery of the same job waits here, then finds it finished.
            job = ImportJob.objects.select_for_update().get(id=job_id)
            if job.finished:
                return
            # One import at a time per project, so that duplicates are seen across imports.
            project = Project.objects.select_for_update(no_key=True).get(id=job.project_id)
            records = formats.read_records(
                source,
                file_format=job.format,
                encoding=encoding,
                text_column=job.options.get("text_column") or "text",
                title_column=job.options.get("title_column") or "",
            )
            writer = _import_records(job, project, records)
            job.encoding = encoding
            job.status = JobStatus.SUCCEEDED
            job.progress = 1.0
            job.finished_at = timezone.now()
            if writer.tokenizer:
                run = tokenize_run_create(project=project, snippet_ids=[], tokenized=job.snippets)
            else:
                run = tokenize_run_create(project=project, snippet_ids=_job_snippet_ids(job))
            job.tokenize_run = run
            job.save(
                update_fields=[
                    "encoding",
                    "status",
                    "progress",
                    "finished_at",
                    "articles",
                    "snippets",
                    "duplicates",
                    "tokenize_run",
                ]
            )
            UploadChunk.objects.filter(job=job).delete()
    except formats.ImportFileError as error:
        _job_fail(job, [error.as_dict()])
        return
    if connection.vendor == "postgresql":
        # The snippets just written would look like none to the planner until autovacuum
        # comes by: the claims of the first minutes would scan the project (bench/peers).
        statistics_refresh({"annotation_article": job.articles, "annotation_snippet": job.snippets})


def import_fail(*, job_id: int, reason: str) -> None:
    """Record the final failure of an import that could not be run (after its retries)."""
    job = ImportJob.objects.filter(id=job_id).first()
    if job is not None and not job.finished:
        _job_fail(job, [formats.ImportFileError(reason).as_dict()])


def _job_snippet_ids(job: ImportJob) -> list[int]:
    return list(
        Snippet.objects.filter(article__import_job=job).order_by("id").values_list("id", flat=True)
    )
