"""A quality run over a large project, on a real worker: time and memory.

    python bench/quality.py [--snippets 100000] [--annotators 3] [--relations] [--keep]

Creates a scratch PostgreSQL database with a project of N snippets (classes and spans),
each annotated by every annotator (one submitted revision each, written with COPY: the
annotations follow a hidden truth with realistic disagreement; jieba's words are real, for
the consistency checks). Starts a Celery worker,
asks for a quality run through the API and waits for its results. Prints the run's time,
the worker's peak memory, and for scale the time of the run's database pass alone (the
same rows read in this process without computing anything), with the ratio.

Targets (issue 6): 100,000 snippets × 3 annotators in ≤ 30 s, worker memory ≤ 1 GB; with
``--relations`` (each annotator linking their spans, issue 31) the same 30 s.
"""

import argparse
import os
import time

from common import (
    django_on_scratch,
    drop_database,
    peak_rss_mb,
    print_figures,
    start_worker,
    worker_pids,
)
from corpus import annotated_project

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
DB_NAME = "biaozhu_bench_quality"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snippets", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--relations", action="store_true", help="spans linked by relations")
    args = parser.parse_args()

    env = django_on_scratch(DB_NAME, REDIS_URL)
    from django.test import Client

    from annotation.models import JobStatus, QualityRun
    from annotation.quality.judgements import judgements_by_snippet

    started = time.perf_counter()
    manager, project = annotated_project(
        name="bench quality",
        snippets=args.snippets,
        annotators=args.annotators,
        relations=args.relations,
    )
    print(f"{'data written (COPY)':<44} {time.perf_counter() - started:.1f} s")

    worker = start_worker(env)
    try:
        client = Client(HTTP_HOST="localhost")
        client.force_login(manager)
        time.sleep(3)  # let the worker connect
        started = time.perf_counter()
        response = client.post(f"/api/v1/projects/{project.id}/quality-runs/")
        assert response.status_code == 202, response.content
        run_id = response.json()["id"]
        while True:
            run = QualityRun.objects.get(id=run_id)
            if run.status == JobStatus.FAILED:
                raise SystemExit(f"the quality run failed: {run.error}")
            if run.status == JobStatus.SUCCEEDED:
                break
            if time.perf_counter() - started > 600:
                raise SystemExit("the quality run did not finish within 10 minutes")
            time.sleep(0.05)
        total = time.perf_counter() - started
        peak = peak_rss_mb(worker_pids(worker.pid))
    finally:
        worker.terminate()
        worker.wait(30)

    started = time.perf_counter()
    rows = judgements_by_snippet(project=project, with_tokens=True, with_text=True)
    judgements = sum(len(row.judgements) for row in rows)
    read_alone = time.perf_counter() - started
    results = run.results
    rows = [
        ("snippets × annotators", f"{args.snippets:,} × {args.annotators} = {judgements:,}"),
        ("quality run, request → results stored", f"{total:.2f} s"),
        ("its database pass alone (no maths)", f"{read_alone:.2f} s"),
        ("run ÷ database pass", f"{total / read_alone:.2f}×"),
        ("peak worker memory (RSS, max of processes)", f"{peak:.0f} MB"),
        ("classes: Cohen κ (mean of pairs)", f"{results['classes']['cohen_kappa']:.4f}"),
        ("classes: Fleiss κ", f"{results['classes']['fleiss_kappa']:.4f}"),
        ("classes: Krippendorff α", f"{results['classes']['krippendorff_alpha']:.4f}"),
        (
            "spans: F1 exact / overlap",
            f"{results['spans']['f1_exact']:.4f} / {results['spans']['f1_overlap']:.4f}",
        ),
        ("batches in the results", f"{len(results['batches'])}"),
    ]
    if args.relations:
        relations = results["relations"]
        rows.append(
            (
                "relations: F1 exact / overlap",
                f"{relations['f1_exact']:.4f} / {relations['f1_overlap']:.4f}",
            )
        )
        rows.append(("pairs linked by several types", f"{len(results['relation_types'])}"))
    print_figures(rows)
    if not args.keep:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
