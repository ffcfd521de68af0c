"""Exports of a large project on a real worker: snippets a second and memory.

    python bench/export.py [--snippets 1000000] [--annotators 1] [--formats jsonl,conll-bio]
                           [--annotated 1.0] [--relations] [--keep | --reuse]

Creates a scratch PostgreSQL database with a project of N snippets, the ``--annotated``
share of them annotated (see corpus.py), its batches accepted, and stores their final
annotations as the refresh job does after submits (timed on its own). Starts a fresh
Celery worker for each format, asks for the export through the API as a client would and
waits for it; prints snippets a second from request to stored file, the worker's peak
memory, and the download's own speed. For scale it also times the formats' writers alone
(what every format but our JSONL on PostgreSQL takes) over the first 100,000 snippets of
the same project, in this process.

Targets (issue 7): 1,000,000 snippets, JSONL ≥ 50,000 snippets/s, CoNLL-BIO ≥ 15,000
snippets/s, worker peak memory ≤ 300 MB regardless of size. With ``--relations`` (issue 31):
relation exports (``jsonl,doccano-relation``) of 100,000 snippets ≥ 15,000 snippets/s.
"""

import argparse
import os
import time
from collections import Counter

from common import (
    django_on_scratch,
    drop_database,
    peak_rss_mb,
    print_figures,
    start_worker,
    worker_pids,
)
from corpus import annotated_project

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
DB_NAME = "biaozhu_bench_export"
SAMPLE = 100_000  # snippets the Python path is timed over


def _export(client, project_id: int, file_format: str) -> tuple[float, dict]:
    from annotation.models import ExportJob, JobStatus

    started = time.perf_counter()
    response = client.post(
        f"/api/v1/projects/{project_id}/exports/", {"format": file_format}, "application/json"
    )
    assert response.status_code == 202, response.content
    while True:
        job = ExportJob.objects.get(id=response.json()["id"])
        if job.status == JobStatus.FAILED:
            raise SystemExit(f"the {file_format} export failed: {job.error}")
        if job.status == JobStatus.SUCCEEDED:
            return time.perf_counter() - started, client.get(f"/api/v1/exports/{job.id}/").json()
        if time.perf_counter() - started > 1800:
            raise SystemExit(f"the {file_format} export did not finish within 30 minutes")
        time.sleep(0.05)


def _download(client, export_id: int) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(f"/api/v1/exports/{export_id}/download/")
    size = sum(len(block) for block in response.streaming_content)
    return time.perf_counter() - started, size


def _python_path(project, file_format: str) -> tuple[float, int]:
    """The Python path (SQLite's) over the first SAMPLE snippets, in this process."""
    from annotation.delivery.formats import writer_for
    from annotation.delivery.services import export_items, tag_of
    from annotation.models import ExportJob

    job = ExportJob(project=project, format=file_format, options={"status": "accepted"})
    writer = writer_for(file_format, kinds=project.kinds, tag_of=tag_of)
    started, count = time.perf_counter(), 0
    for item in export_items(job, Counter()):
        writer.write(item)
        count += 1
        if count == SAMPLE:
            break
    return time.perf_counter() - started, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snippets", type=int, default=1_000_000)
    parser.add_argument("--annotators", type=int, default=1)
    parser.add_argument("--formats", default="jsonl,conll-bio")
    parser.add_argument("--annotated", type=float, default=1.0, help="share of snippets done")
    parser.add_argument("--relations", action="store_true", help="spans linked by relations")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="use the kept database")
    args = parser.parse_args()

    env = django_on_scratch(DB_NAME, REDIS_URL, reuse=args.reuse)
    from django.test import Client

    from accounts.services import user_ensure
    from annotation.models import Batch, ExportChunk, ExportJob
    from annotation.quality.finals import finals_refresh
    from projects.models import Membership, Project, Role

    if args.reuse:
        project = Project.objects.get(name="bench export")
    else:
        started = time.perf_counter()
        _, project = annotated_project(
            name="bench export",
            snippets=args.snippets,
            annotators=args.annotators,
            annotated=args.annotated,
            relations=args.relations,
        )
        Batch.objects.filter(project=project).update(status="accepted")
        print(f"{'data written (COPY)':<44} {time.perf_counter() - started:.1f} s")
        # The refresh job stores the finals as the work is submitted; here all at once.
        started = time.perf_counter()
        stored = finals_refresh(project_id=project.id)
        print(f"{'finals stored (refresh job), ' + f'{stored:,}':<44} ", end="")
        print(f"{time.perf_counter() - started:.1f} s")
    ExportChunk.objects.all().delete()
    ExportJob.objects.all().delete()
    buyer, _ = user_ensure(username="buyer", password="bench-password")
    Membership.objects.get_or_create(project=project, user=buyer, defaults={"role": Role.CLIENT})
    client = Client(HTTP_HOST="localhost")
    client.force_login(buyer)

    rows = []
    for file_format in args.formats.split(","):
        worker = start_worker(env, concurrency=1)
        try:
            time.sleep(3)  # let the worker connect
            took, job = _export(client, project.id, file_format)
            peak = peak_rss_mb(worker_pids(worker.pid))
        finally:
            worker.terminate()
            worker.wait(30)
        fetched, size = _download(client, job["id"])
        python_took, python_count = _python_path(project, file_format)
        rows += [
            (f"{file_format}: snippets", f"{job['items']:,} ({size / 1e6:.0f} MB)"),
            (f"{file_format}: request → file stored", f"{took:.2f} s"),
            (f"{file_format}: snippets a second", f"{job['items'] / took:,.0f}"),
            (f"{file_format}: peak worker memory (RSS)", f"{peak:.0f} MB"),
            (f"{file_format}: download", f"{size / 1e6 / fetched:.0f} MB/s"),
            (
                f"{file_format}: Python path, {python_count:,} snippets",
                f"{python_count / python_took:,.0f} snippets/s",
            ),
        ]
    print_figures(rows)
    if not args.keep and not args.reuse:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
