"""A quality run over a large project, on a real worker: time and memory.

    python bench/quality.py [--snippets 100000] [--annotators 3] [--keep]

Creates a scratch PostgreSQL database with a project of N snippets (classes and spans),
each annotated by every annotator (one submitted revision each, written with COPY: the
annotations follow a hidden truth with realistic disagreement; jieba's words are real, for
the consistency checks). Starts a Celery worker,
asks for a quality run through the API and waits for its results. Prints the run's time,
the worker's peak memory, and for scale the time of the run's database pass alone (the
same rows read in this process without computing anything), with the ratio.

Targets (issue 6): 100,000 snippets × 3 annotators in ≤ 30 s, worker memory ≤ 1 GB.
"""

import argparse
import json
import os
import random
import time
from datetime import UTC, datetime

import jieba
from common import (
    django_on_scratch,
    drop_database,
    peak_rss_mb,
    print_figures,
    seed_snippets,
    start_worker,
    worker_pids,
)

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
DB_NAME = "biaozhu_bench_quality"
CLASSES = ["正面", "负面", "中性", "无关"]
ENTITIES = ["人名", "地名", "机构", "时间", "数量"]
BATCH = 10_000


def truth_of(rng: random.Random, length: int) -> tuple[str, list[tuple[int, int, str]]]:
    """A snippet's hidden truth: one class and up to three spans that do not overlap."""
    spans, at = [], 0
    for _ in range(rng.randint(0, 3)):
        at += rng.randint(0, 8)
        size = rng.randint(2, 4)
        if at + size > length:
            break
        spans.append((at, at + size, rng.choice(ENTITIES)))
        at += size
    return rng.choice(CLASSES), spans


def judged(rng: random.Random, truth, length: int) -> tuple[list[str], list[dict]]:
    """One annotator's take: mostly the truth, sometimes a slip."""
    label, spans = truth
    chosen = label if rng.random() < 0.85 else rng.choice(CLASSES)
    found = []
    for start, end, entity in spans:
        roll = rng.random()
        if roll < 0.05:
            continue  # missed
        if roll < 0.10:
            entity = rng.choice(ENTITIES)
        elif roll < 0.15:
            end = min(length, end + 1)
        found.append({"start": start, "end": end, "label": entity})
    return [chosen], found


def build(project_id: int, article_id: int, user_ids: list[int], count: int) -> None:
    """Snippets, batches, submitted assignments and revisions, written with COPY."""
    from django.db import connection

    rng = random.Random(7)
    base = seed_snippets()
    tokenizer = jieba.Tokenizer()
    base_ends = [[end for _, _, end in tokenizer.tokenize(text)] for text in base]
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        batch_ids = []
        for number in range((count + BATCH - 1) // BATCH):
            raw.execute(
                "INSERT INTO annotation_batch (project_id, name, status, created_at, size) "
                "VALUES (%s, %s, 'annotating', %s, %s) RETURNING id",
                (project_id, f"bench #{number + 1}", now, BATCH),
            )
            batch_ids.append(raw.fetchone()[0])
        columns = (
            "project_id, article_id, position, text, text_hash, offset_map, tokens, "
            "tokenizer_version, suggestions, batch_id, slots_taken, gold"
        )
        with raw.copy(f"COPY annotation_snippet ({columns}) FROM STDIN") as copy:
            for n in range(count):
                prefix, seed = f"第{n}条：", n % len(base)
                text = prefix + base[seed]
                ends = [len(prefix), *(len(prefix) + end for end in base_ends[seed])]
                tokens = ",".join(map(str, ends))
                row = (project_id, article_id, n, text, f"h{n}", "[0, 0]", tokens, "jieba", "[]")
                copy.write_row((*row, batch_ids[n // BATCH], len(user_ids), False))
        raw.execute(
            "SELECT id, char_length(text) FROM annotation_snippet WHERE project_id = %s "
            "ORDER BY id",
            (project_id,),
        )
        snippets = raw.fetchall()
        columns = (
            "project_id, snippet_id, annotator_id, status, lease_expires_at, draft, version, "
            "skip_reason, return_reason, created_at, submitted_at"
        )
        with raw.copy(f"COPY annotation_assignment ({columns}) FROM STDIN") as copy:
            for snippet_id, _ in snippets:
                for user_id in user_ids:
                    row = (project_id, snippet_id, user_id, "submitted", now, "{}", 0, "", "")
                    copy.write_row((*row, now, now))
        raw.execute(
            "SELECT a.id, a.snippet_id, a.annotator_id FROM annotation_assignment a "
            "WHERE a.project_id = %s ORDER BY a.snippet_id, a.annotator_id",
            (project_id,),
        )
        assignments = raw.fetchall()
        lengths = dict(snippets)
        columns = (
            "assignment_id, number, annotator_id, spans, classes, segmentation, "
            "time_spent_ms, late, idempotency_key, created_at"
        )
        truths: dict[int, tuple] = {}
        with raw.copy(f"COPY annotation_revision ({columns}) FROM STDIN") as copy:
            for assignment_id, snippet_id, user_id in assignments:
                length = lengths[snippet_id]
                truth = truths.setdefault(snippet_id, truth_of(rng, length))
                classes, spans = judged(rng, truth, length)
                copy.write_row(
                    (
                        assignment_id,
                        1,
                        user_id,
                        json.dumps(spans),
                        json.dumps(classes, ensure_ascii=False),
                        "[]",
                        rng.randint(3000, 20000),
                        False,
                        "",
                        now,
                    )
                )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snippets", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    env = django_on_scratch(DB_NAME, REDIS_URL)
    from django.test import Client

    from accounts.services import user_ensure
    from annotation.models import Article, JobStatus, QualityRun
    from annotation.quality.judgements import judgements_by_snippet
    from projects.models import Label, Membership, Role
    from projects.services import project_create

    manager, _ = user_ensure(username="bench", password="bench-password", is_staff=True)
    project = project_create(creator=manager, name="bench quality")
    project.kinds = ["spans", "classes"]
    project.overlap = args.annotators
    project.save(update_fields=["kinds", "overlap"])
    Label.objects.bulk_create(
        [
            Label(project=project, kind="classes", name=name, position=n)
            for n, name in enumerate(CLASSES)
        ]
        + [
            Label(project=project, kind="spans", name=name, position=n)
            for n, name in enumerate(ENTITIES)
        ]
    )
    annotators = []
    for n in range(args.annotators):
        user, _ = user_ensure(username=f"a{n + 1}", password="bench-password")
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
        annotators.append(user.id)
    article = Article.objects.create(project=project, raw_text="bench", raw_hash="bench")
    started = time.perf_counter()
    build(project.id, article.id, annotators, args.snippets)
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
    print_figures(rows)
    if not args.keep:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
