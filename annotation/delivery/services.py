"""Exports: asked for through the API, written by a worker a page of snippets at a time,
stored as 1 MiB rows in the database, streamed back as an attachment."""

from collections import Counter, defaultdict
from collections.abc import Iterator

import jieba.posseg
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from annotation.delivery.card import dataset_card
from annotation.delivery.formats import Item, writer_for
from annotation.ingest.tokenizer import decode_ends
from annotation.jobs import dispatch_on_commit, job_start
from annotation.models import (
    Batch,
    BatchStatus,
    ExportChunk,
    ExportJob,
    JobStatus,
    Review,
    Snippet,
)
from annotation.quality.judgements import final_annotations, latest_revisions
from projects.models import Project

PAGE = 2000  # snippets read at a time
CHUNK_BYTES = 1024 * 1024


def export_create(
    *,
    project: Project,
    user: User,
    file_format: str,
    status: str = "accepted",
    version: str = "final",
    batch_ids: list[int] | None = None,
) -> ExportJob:
    """Queue an export; it is written by a worker after commit."""
    job = ExportJob.objects.create(
        project=project,
        created_by=user,
        format=file_format,
        options={"status": status, "version": version, "batches": sorted(batch_ids or [])},
    )
    from annotation.celery_tasks import export_task

    dispatch_on_commit(export_task, job.id)
    return job


def _spans(stored: list[dict]) -> list[tuple[int, int, str]]:
    return [(span["start"], span["end"], span["label"]) for span in stored]


def exported_batches(job: ExportJob) -> QuerySet[Batch]:
    """The batches the export holds: accepted ones unless it asked for all, narrowed to
    the ones it named."""
    batches = Batch.objects.filter(project_id=job.project_id)
    if job.options.get("status", "accepted") == "accepted":
        batches = batches.filter(status=BatchStatus.ACCEPTED)
    if job.options.get("batches"):
        batches = batches.filter(id__in=job.options["batches"])
    return batches


def _snippet_pages(job: ExportJob) -> Iterator[list[tuple]]:
    snippets = Snippet.objects.filter(
        project=job.project, gold=False, batch__in=exported_batches(job)
    )
    columns = ("id", "text", "tokens", "tokenizer_version", "batch__name")
    after = 0
    while page := list(snippets.filter(id__gt=after).order_by("id").values_list(*columns)[:PAGE]):
        after = page[-1][0]
        yield page


def export_items(job: ExportJob, versions: Counter) -> Iterator[Item]:
    """The items to write, in snippet order: each snippet's final annotation, or every
    annotator's latest revision with its review state. ``versions`` counts the tokenizer
    versions met (for the card)."""
    items_of = _every_version if job.options.get("version") == "all" else _finals
    for page in _snippet_pages(job):
        versions.update(row[3] for row in page)
        yield from items_of(page)


def _finals(page: list[tuple]) -> Iterator[Item]:
    finals = final_annotations(snippet_ids=[row[0] for row in page])
    for snippet, text, tokens, _, batch in page:
        final = finals.get(snippet)
        if final is None:
            continue  # nobody has submitted it
        yield Item(
            snippet,
            text,
            _spans(final["spans"]),
            final["classes"],
            final["segmentation"] or decode_ends(tokens),
            adjudicated=bool(final.get("adjudicated")),
            batch=batch,
        )


def _every_version(page: list[tuple]) -> Iterator[Item]:
    rows = latest_revisions(
        [row[0] for row in page],
        *("id", "annotator__username", "number", "spans", "classes", "segmentation"),
    )
    reviews = dict(
        Review.objects.filter(revision_id__in=[row[2] for row in rows])
        .order_by("revision_id", "round")
        .values_list("revision_id", "status")
    )
    by_snippet: dict[int, list[tuple]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: row[3]):  # annotators by name
        by_snippet[row[1]].append(row[2:])
    for snippet, text, tokens, _, batch in page:
        for revision, annotator, number, spans, classes, segmentation in by_snippet[snippet]:
            yield Item(
                snippet,
                text,
                _spans(spans),
                classes,
                segmentation or decode_ends(tokens),
                annotator,
                number,
                reviews.get(revision),
                batch=batch,
            )


def _tag_of(word: str) -> str:
    return jieba.posseg.dt.word_tag_tab.get(word) or next(
        (pair.flag for pair in jieba.posseg.dt.cut(word, HMM=False)), "x"
    )


def export_execute(*, export_id: int) -> None:
    """Write the export. Idempotent: the file, its figures and its card are stored in one
    transaction at the end, so a worker that dies leaves nothing and the retry starts
    again; the job row is locked inside it, so a second delivery of the same message waits
    and then finds the export finished."""
    job = ExportJob.objects.select_related("project").filter(id=export_id).first()
    if job is None or job.finished:
        return
    job_start(job)
    project = job.project
    writer = writer_for(job.format, kinds=project.kinds, tag_of=_tag_of)
    versions: Counter = Counter()
    labels: Counter = Counter()
    with transaction.atomic():
        if ExportJob.objects.select_for_update().get(id=job.id).finished:
            return
        buffer, seq, size, count = [writer.head], 0, 0, 0
        pending = len(writer.head) * 3
        for item in export_items(job, versions):
            count += 1
            labels.update(f"span:{label}" for _, _, label in item.spans)
            labels.update(f"class:{name}" for name in item.classes)
            text = writer.write(item)
            buffer.append(text)
            pending += len(text) * 3  # an upper bound of its UTF-8 length
            if pending >= CHUNK_BYTES:
                size += _chunk_store(job, seq, buffer)
                seq, buffer, pending = seq + 1, [], 0
        buffer.append(writer.tail)
        size += _chunk_store(job, seq, buffer)
        job.items, job.size, job.dropped = count, size, dict(writer.dropped)
        job.card = dataset_card(
            job=job,
            labels=labels,
            versions=versions,
            batch_ids=set(exported_batches(job).values_list("id", flat=True)),
        )
        job.status, job.progress, job.finished_at = JobStatus.SUCCEEDED, 1.0, timezone.now()
        job.save(
            update_fields=["items", "size", "dropped", "card", "status", "progress", "finished_at"]
        )


def _chunk_store(job: ExportJob, seq: int, parts: list[str]) -> int:
    data = "".join(parts).encode()
    ExportChunk.objects.create(job=job, seq=seq, data=data)
    return len(data)


def export_fail(*, export_id: int, reason: str) -> None:
    ExportJob.objects.filter(id=export_id).exclude(status__in=ExportJob.FINISHED).update(
        status=JobStatus.FAILED, error=reason[:500], finished_at=timezone.now()
    )


def export_chunks(job: ExportJob) -> Iterator[bytes]:
    """The file's bytes, a stored chunk at a time."""
    ids = ExportChunk.objects.filter(job=job).order_by("seq").values_list("id", flat=True)
    for chunk_id in list(ids):
        yield bytes(ExportChunk.objects.values_list("data", flat=True).get(id=chunk_id))
