"""Writes of the ingest stage: uploads and imports. Pre-tokenization is in tokenizing.py."""

import json
import logging
import os
import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from annotation.admission import heavy_job_admit
from annotation.core.links import events_by_role, link_schema, suggested_links
from annotation.core.search import search_key
from annotation.ingest import cleaning, formats
from annotation.ingest.preparing import (
    Prepared,
    PreparedArticle,
    PreparedSnippet,
    prepare_parallel,
    prepare_record,
)
from annotation.ingest.tokenizer import TokenizerConfig, snippet_tokens
from annotation.ingest.tokenizing import tokenize_run_create, tokenizer_config
from annotation.jobs import (
    FINALS_REFRESH,
    IMPORT_FILE,
    dispatch_on_commit,
    in_worker,
    job_start,
    progress_publish,
    suggest_refresh_ask,
)
from annotation.models import (
    Adjudication,
    Article,
    Assignment,
    Batch,
    FinalDirty,
    ImportJob,
    JobStatus,
    Snippet,
    SnippetSearch,
    UploadChunk,
)
from annotation.statistics import statistics_refresh
from projects.models import Project

logger = logging.getLogger(__name__)

UPLOAD_CHUNK_BYTES = 1024 * 1024
FLUSH_SNIPPETS = 2000
PROGRESS_EVERY_SECONDS = 0.5


# An import's ``clean`` option: what of the project's cleaning its records go through.
CLEAN_CHOICES: dict[str, dict[str, bool]] = {
    # Records that carry annotations (other tools' files, spans in ours) are kept exactly:
    # a migrating team's texts come back as they went in. The others are cleaned.
    "auto": {},
    "yes": {"annotated_exact": False},  # every record cleaned, annotated or not
    "no": {  # every record kept exactly; a text page is not reflowed nor changed
        "exact": True,
        "reflow": False,
        "remove_cjk_spaces": False,
        "normalize_punctuation": False,
    },
}


def cleaning_options(project: Project, clean: str = "auto") -> cleaning.CleaningOptions:
    settings = cleaning.CleaningOptions(
        reflow=project.clean_reflow,
        remove_cjk_spaces=project.clean_cjk_spaces,
        normalize_punctuation=project.clean_punctuation,
        max_snippet_chars=project.max_snippet_chars,
    )
    return replace(settings, **CLEAN_CHOICES[clean])


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
    clean: str = "auto",
    capped: bool = True,
) -> ImportJob:
    """Store the upload in the database in 1 MiB chunks and queue the import after commit.
    Past the heavy jobs ``user`` and ``project`` may have, raises TooManyJobs first, unless
    not ``capped`` (an operator's command, not a tenant's request)."""
    if capped:
        heavy_job_admit(user=user, project=project)
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
            "clean": clean,
        },
    )
    job.size = _upload_store(job, upload)
    job.save(update_fields=["size"])
    dispatch_on_commit(IMPORT_FILE, job.id)
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

    def chunks() -> Iterable[bytes]:
        rows = UploadChunk.objects.filter(job=job)
        for seq in rows.order_by("seq").values_list("seq", flat=True):
            yield bytes(rows.filter(seq=seq).values_list("data", flat=True).get())

    return chunks


# --- import --------------------------------------------------------------------------------


@dataclass
class _PendingArticle:
    title: str
    raw: str
    raw_hash: str
    meta: dict
    line: int
    snippets: list[PreparedSnippet]
    file_start: int | None = None
    crlf: list[int] = field(default_factory=list)


class _Batches:
    """The batches (任务包) an import fills: one, or a new one every ``batch_size``
    snippets when the project sets a size. Made as snippets arrive; sizes set at the end."""

    def __init__(self, job: ImportJob, project: Project) -> None:
        self.job, self.project = job, project
        self.size = project.batch_size
        self.filled: list[tuple[Batch, int]] = []

    def place(self, count: int) -> Iterable[tuple[int, int]]:
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


SnippetRow = tuple[int, int, PreparedSnippet]  # article id, position, snippet


class _ImportWriter:
    """Buffers articles and snippets and writes them in batches, skipping duplicates."""

    def __init__(self, job: ImportJob, project: Project, tokenizer: TokenizerConfig | None) -> None:
        self.job = job
        self.project = project
        self.batches = _Batches(job, project)
        self.pending: list[_PendingArticle] = []
        self.pending_snippets = 0
        self.seen_articles: set[str] = set()
        self.seen_snippets: set[str] = set()
        # The snippets come tokenized with this tokenizer, or untokenized when None.
        self.tokenizer = tokenizer
        self.articles = self.snippets = self.duplicates = 0
        self.titles: list[dict] = []  # made of headings in the text, with their lines
        self.split: list[dict] = []  # records cut into several snippets
        # Annotations in the file kept as the snippets' final ones instead of suggestions.
        self.final = job.options.get("annotations") == "final"
        # Into an empty project (imports of a project run one at a time) nothing stored
        # can repeat the file's texts: no lookups.
        self.stored = (
            Article.objects.filter(project=project).exists()
            or Snippet.objects.filter(project=project).exists()
        )

    def add(self, record: formats.Record, article: PreparedArticle) -> None:
        if article.raw_hash in self.seen_articles:
            self.duplicates += len(article.snippets)
            return
        self.seen_articles.add(article.raw_hash)
        if article.title and not record.title:
            line = record.line + record.text.count("\n", 0, article.raw_start)
            self.titles.append({"line": line, "title": article.title})
        if self.job.format != "text" and len(article.snippets) > 1:
            self.split.append({"line": record.line, "snippets": len(article.snippets)})
        raw = record.text[article.raw_start : article.raw_end]
        file_start, crlf = None, []
        if record.file_start is not None:
            start, end = article.raw_start, article.raw_end
            file_start = record.file_start + start + bisect_left(record.crlf, start)
            crlf = [p - start for p in record.crlf[bisect_left(record.crlf, start) :] if p < end]
        self.pending.append(
            _PendingArticle(
                article.title[:500],
                raw,
                article.raw_hash,
                record.meta,
                record.line,
                article.snippets,
                file_start,
                crlf,
            )
        )
        self.pending_snippets += len(article.snippets)
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

        rows = [
            (article_id, position, snippet)
            for article_id, item in zip(ids, fresh, strict=True)
            for position, snippet in enumerate(item.snippets)
        ]
        candidates = [
            row[2].text_hash for row in rows if row[2].text_hash not in self.seen_snippets
        ]
        known_snippets = self._stored(Snippet, "text_hash", candidates)
        kept = []
        for row in rows:
            text_hash = row[2].text_hash
            if text_hash in self.seen_snippets or text_hash in known_snippets:
                self.duplicates += 1
                continue
            self.seen_snippets.add(text_hash)
            kept.append(self._tokenized(row))
        # Kept as final, a record without entities or classes is annotated as having none:
        # it is delivered like every other.
        finals = {row[2].text_hash: row[2].suggested for row in kept} if self.final else {}
        if self.final:
            kept = [
                (article_id, position, snippet._replace(suggested=[]))
                for article_id, position, snippet in kept
            ]
        start = 0
        for batch_id, count in self.batches.place(len(kept)):
            _snippets_insert(self.project.id, batch_id, kept[start : start + count], self.tokenizer)
            start += count
        _search_insert(self.project.id, ids)
        if finals:
            _finals_insert(self.project, finals)
        self.snippets += len(kept)
        self.pending = []
        self.pending_snippets = 0

    def _tokenized(self, row: SnippetRow) -> SnippetRow:
        """The row with its tokens: a repeat left untokenized by the preparing process
        (its first occurrence in the file was dropped) is tokenized here."""
        article_id, position, snippet = row
        if snippet.tokens is not None or self.tokenizer is None:
            return row
        tokens = snippet_tokens(snippet.text, self.tokenizer)
        return article_id, position, snippet._replace(tokens=tokens)

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
                file_start=item.file_start,
                crlf=item.crlf,
            )
            for item in items
        ]
        Article.objects.bulk_create(articles)
        return [article.id for article in articles]
    columns = (
        "id, project_id, import_job_id, title, raw_text, raw_hash, meta, source_line,"
        " file_start, crlf"
    )
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
                row = (
                    *(pk, project_id, job_id, item.title, item.raw, item.raw_hash, meta),
                    *(item.line, item.file_start, json.dumps(item.crlf)),
                )
                copy.write_row(row)
    return ids


def _tokens_of(snippet: PreparedSnippet) -> str:
    """The tokens a prepared snippet is stored with; the writer has filled those a
    preparing process left out (``_ImportWriter``), so None here is a bug."""
    if snippet.tokens is None:
        raise ValueError(f"snippet {snippet.text_hash} reached the insert without its tokens")
    return snippet.tokens


def _snippets_insert(
    project_id: int, batch_id: int, rows: list[SnippetRow], tokenizer: TokenizerConfig | None
) -> None:
    """Insert snippet rows: COPY on PostgreSQL (20x faster than INSERT), bulk_create else.
    Snippets prepared with a ``tokenizer`` are written with their tokens and its version."""
    if not rows:
        return
    version = tokenizer.version if tokenizer else ""
    if connection.vendor == "postgresql":
        columns = (
            "project_id, article_id, position, text, text_hash, offset_map, tokens, "
            "tokenizer_version, suggestions, batch_id, slots_taken, gold, excluded"
        )
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY annotation_snippet ({columns}) FROM STDIN") as copy:
                for article_id, position, snippet in rows:
                    suggested = snippet.suggested
                    copy.write_row(
                        (
                            project_id,
                            article_id,
                            position,
                            snippet.text,
                            snippet.text_hash,
                            snippet.offset_map,
                            snippet.tokens,
                            version,
                            json.dumps(suggested, ensure_ascii=False) if suggested else "[]",
                            batch_id,
                            0,
                            False,
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
                text=snippet.text,
                text_hash=snippet.text_hash,
                offset_map=json.loads(snippet.offset_map),
                tokens=_tokens_of(snippet),
                tokenizer_version=version,
                suggestions=snippet.suggested,
                batch_id=batch_id,
            )
            for article_id, position, snippet in rows
        ],
        batch_size=500,
    )


SEARCH_CHUNK = 500  # articles a read of their snippets' texts


def _search_insert(project_id: int, article_ids: list[int]) -> None:
    """The search text (SnippetSearch) of the snippets just inserted for these articles:
    COPY on PostgreSQL, bulk_create else."""
    for start in range(0, len(article_ids), SEARCH_CHUNK):
        rows = list(
            Snippet.objects.filter(
                article_id__in=article_ids[start : start + SEARCH_CHUNK]
            ).values_list("id", "text")
        )
        if connection.vendor != "postgresql":
            SnippetSearch.objects.bulk_create(
                [
                    SnippetSearch(snippet_id=id_, project_id=project_id, text=search_key(text))
                    for id_, text in rows
                ],
                batch_size=500,
            )
            continue
        sql = "COPY annotation_snippetsearch (snippet_id, project_id, text) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for id_, text in rows:
                copy.write_row((id_, project_id, search_key(text)))


def _events_by_role(
    records: Iterable[formats.Record], project: Project
) -> Iterator[formats.Record]:
    """doccano's relation JSONL holds an event as relations from its trigger named by role
    (as PaddleNLP writes them): with the project's event types, they are events again."""
    schema = link_schema(project.labels.all())
    for record in records:
        if schema.events and record.relations:
            labels = [label for _, _, label in record.spans]
            record.relations, events = events_by_role(labels, record.relations, schema)
            record.events = record.events + events
        yield record


def _final_of(suggested: list[dict]) -> dict:
    """An import's annotation of a snippet (as its suggestions are written) as stored."""
    spans = sorted(
        (item for item in suggested if "start" in item),
        key=lambda item: (item["start"], item["end"], item["label"]),
    )
    classes = [item["label"] for item in suggested if "label" in item and "start" not in item]
    words: list[int] = next(
        (item["segmentation"] for item in suggested if "segmentation" in item), []
    )
    return {
        "spans": spans,
        "classes": classes,
        "segmentation": words,
        **suggested_links(spans, suggested),
    }


def _finals_insert(project: Project, finals: dict[str, list[dict]]) -> None:
    """Imported annotations kept as final: an adjudication of nobody for each snippet,
    its final annotation marked to be stored (annotation.quality.finals)."""
    ids = list(
        Snippet.objects.filter(project=project, text_hash__in=finals).values_list("text_hash", "id")
    )
    FinalDirty.objects.mark(project_id=project.id, snippet_ids=[id_ for _, id_ in ids])
    Adjudication.objects.bulk_create(
        [
            Adjudication(project=project, snippet_id=snippet_id, **_final_of(finals[text_hash]))
            for text_hash, snippet_id in ids
        ],
        batch_size=1000,
    )


def _import_processes(job: ImportJob) -> int:
    """How many processes prepare the records: one per core for a big file in a worker,
    else none besides this one (forking costs more than a small file takes, and a web
    process, where Celery eager runs jobs, never forks)."""
    if job.size < settings.BIAOZHU_IMPORT_PARALLEL_BYTES or not in_worker():
        return 1
    return settings.BIAOZHU_IMPORT_PROCESSES or len(os.sched_getaffinity(0))


def _prepared(
    job: ImportJob, project: Project, records: Iterable[formats.Record]
) -> tuple[Prepared, TokenizerConfig | None]:
    """The records with their articles, and the tokenizer their snippets were cut with.

    In a pool the snippets are always tokenized as they are prepared, whatever the engine:
    the cores are busy, and the tokens go into the rows as they are first written. In this
    process only an inline engine tokenizes; jieba's tokens are left to the workers."""
    options = cleaning_options(project, job.options.get("clean", "auto"))
    config = tokenizer_config(project)
    processes = _import_processes(job)
    if processes > 1:
        prepared = prepare_parallel(records, job.format, options, config, processes)
        return prepared, config
    tokenizer = config if config.inline else None
    one_by_one = (
        (record, prepare_record(record, job.format, options, tokenizer)) for record in records
    )
    return one_by_one, tokenizer


def _import_records(
    job: ImportJob, project: Project, records: Iterable[formats.Record]
) -> "_ImportWriter":
    prepared, tokenizer = _prepared(job, project, records)
    writer = _ImportWriter(job, project, tokenizer)
    consumed = 0
    published = time.monotonic()
    with closing(prepared):  # a pool ends with the import, whatever stops it
        for record, articles in prepared:
            for article in articles:
                writer.add(record, article)
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
    job.titles, job.records_split = writer.titles, writer.split
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
        # A brat zip is bytes; its texts are read as brat writes them (peers.read_brat).
        encoding = "utf-8" if job.format == "brat" else formats.detect_encoding(source)
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
            if job.format == "doccano-relation":
                records = _events_by_role(records, project)
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
                    "titles",
                    "records_split",
                    "tokenize_run",
                ]
            )
            # The new snippets get the engines' suggestions; finals kept from the file are
            # stored first, and the suggestions learn from them (annotation.suggesting).
            if writer.final:
                dispatch_on_commit(FINALS_REFRESH, project.id, coalesce=f"finals:{project.id}")
            else:
                suggest_refresh_ask(project.id)
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


class ImportInUse(Exception):
    """Why an import cannot be deleted: it is still running, or its snippets have work."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@transaction.atomic
def import_delete(*, job: ImportJob) -> dict[str, int]:
    """Delete an import and all it made (articles, snippets, their suggestions and the
    batches made for it), as long as none of its snippets was handed to an annotator;
    returns what went. Raises ImportInUse otherwise, or while it runs."""
    job = ImportJob.objects.select_for_update().get(id=job.id)
    if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
        raise ImportInUse(_("The import is still running."))
    snippets = Snippet.objects.filter(article__import_job=job)
    if Assignment.objects.filter(snippet__in=snippets).exists():
        raise ImportInUse(_("Annotators have worked on its snippets: their work would go with it."))
    gone = {
        "articles": Article.objects.filter(import_job=job).count(),
        "snippets": snippets.count(),
        "batches": Batch.objects.filter(import_job=job).count(),
    }
    Article.objects.filter(import_job=job).delete()  # its snippets with it
    Batch.objects.filter(import_job=job).delete()
    job.delete()
    return gone
