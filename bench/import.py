"""Import benchmark: upload → every snippet tokenized, against raw jieba on the same text.

Needs PostgreSQL and Redis (defaults: the local ones). It creates a scratch database, starts
a Celery worker with --concurrency 2 (one process per core), uploads a JSONL file of N
snippets built from seeds/, and waits until every snippet is tokenized. In the same run it
times raw jieba on the same snippet texts, in one process and in two, and prints the ratio.

    python bench/import.py [--snippets 100000] [--keep]
"""

import argparse
import json
import multiprocessing
import os
import time
from pathlib import Path

from common import (
    ROOT,
    django_on_scratch,
    drop_database,
    peak_rss_mb,
    print_figures,
    seed_snippets,
    start_worker,
    worker_pids,
)

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
DB_NAME = "biaozhu_bench"
PARAGRAPHS_PER_ARTICLE = 5


def build_file(count: int, path: Path) -> int:
    """JSONL of articles of five paragraphs; every paragraph is a distinct seed snippet."""
    base = seed_snippets()
    paragraphs = [f"第{n}条：{base[n % len(base)]}" for n in range(count)]
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, count, PARAGRAPHS_PER_ARTICLE):
            text = "\n\n".join(paragraphs[start : start + PARAGRAPHS_PER_ARTICLE])
            handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    return sum(len(p) for p in paragraphs)


def _jieba_chunk(texts: list[str]) -> int:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return sum(1 for text in texts for _ in jieba.cut(text))


def raw_jieba(texts: list[str], processes: int) -> float:
    """Seconds for raw jieba to tokenize the texts (dictionary loading not counted)."""
    if processes == 1:
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        started = time.perf_counter()
        for text in texts:
            list(jieba.cut(text))
        return time.perf_counter() - started
    size = (len(texts) + processes - 1) // processes
    parts = [texts[i : i + size] for i in range(0, len(texts), size)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(_jieba_chunk, [["预热"]] * processes)  # load the dictionary first
        started = time.perf_counter()
        pool.map(_jieba_chunk, parts)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snippets", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    env = django_on_scratch(DB_NAME, REDIS_URL)
    from django.test import Client

    from accounts.services import user_ensure
    from annotation.models import ImportJob, JobStatus, Snippet
    from projects.services import project_create

    data_file = ROOT / "var" / "bench" / f"import-{args.snippets}.jsonl"
    data_file.parent.mkdir(parents=True, exist_ok=True)
    characters = build_file(args.snippets, data_file)
    size_mb = data_file.stat().st_size / 1e6

    worker = start_worker(env)
    try:
        user, _ = user_ensure(username="bench", password="bench-password", is_staff=True)
        project = project_create(creator=user, name="bench")
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        time.sleep(3)  # let the worker connect

        started = time.perf_counter()
        with data_file.open("rb") as handle:
            response = client.post(f"/api/v1/projects/{project.id}/imports/", {"file": handle})
        upload_seconds = time.perf_counter() - started
        assert response.status_code == 202, response.content
        job_id = response.json()["id"]
        imported_at = None
        deadline = started + 30 * 60
        while True:
            if time.perf_counter() > deadline:
                raise SystemExit("the import did not finish within 30 minutes")
            job = ImportJob.objects.select_related("tokenize_run").get(id=job_id)
            if job.status == JobStatus.FAILED:
                raise SystemExit(f"import failed: {job.errors}")
            if imported_at is None and job.status == JobStatus.SUCCEEDED:
                imported_at = time.perf_counter()
            run = job.tokenize_run
            if run is not None and run.status == JobStatus.SUCCEEDED:
                break
            time.sleep(0.1)
        total = time.perf_counter() - started
        peak = peak_rss_mb(worker_pids(worker.pid))
    finally:
        worker.terminate()
        worker.wait(30)

    # Raw jieba on exactly the snippet texts the platform tokenized.
    texts = list(Snippet.objects.filter(project=project).values_list("text", flat=True))
    jieba_one = raw_jieba(texts, 1)
    jieba_two = raw_jieba(texts, 2)
    rows = [
        ("snippets", f"{len(texts):,} ({characters:,} characters, {size_mb:.1f} MB JSONL)"),
        ("upload request", f"{upload_seconds:.2f} s"),
        ("upload → imported (cleaned, cut)", f"{imported_at - started:.2f} s"),
        ("upload → all tokenized", f"{total:.2f} s ({len(texts) / total:,.0f} snippets/s)"),
        ("raw jieba, 1 process", f"{jieba_one:.2f} s ({len(texts) / jieba_one:,.0f} snippets/s)"),
        ("raw jieba, 2 processes", f"{jieba_two:.2f} s ({len(texts) / jieba_two:,.0f} snippets/s)"),
        ("throughput ÷ raw jieba, 1 process", f"{jieba_one / total:.0%}"),
        ("throughput ÷ raw jieba, 2 processes", f"{jieba_two / total:.0%}"),
        ("peak worker memory (RSS, max of processes)", f"{peak:.0f} MB"),
    ]
    print_figures(rows)
    if not args.keep:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
