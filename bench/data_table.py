"""The data table on a large project: how long a filtered page takes.

    python bench/data_table.py [--snippets 1000000] [--annotated 0.3] [--runs 15]
                               [--keep | --reuse]

Creates a scratch PostgreSQL database with a project of N snippets (corpus.py), the
``--annotated`` share of them annotated by two annotators who sometimes disagree, with
some work in progress, returned, skipped and in review, and their final annotations
stored. Then asks the table's API, as the manager's page does, for a page under each
filter: none, a batch, each state, an annotator, an annotator's returned work, a label,
disagreements, gold, text searches (common and rare words, of two, three and four
characters), sorts, and a page deep in the list. Each query runs ``--runs`` times; prints
p50 and p95 per query and the p95 over all of them.

Target (issue 30): p95 ≤ 300 ms for a filtered page on 1,000,000 snippets.
"""

import argparse
import statistics
import time

from common import django_on_scratch, drop_database, print_figures
from corpus import annotated_project

DB_NAME = "biaozhu_bench_table"

QUERIES = [
    ("no filter", {}),
    ("no filter, page 2,000", {"page": 2000}),
    ("batch", {"batch": "BATCH"}),
    ("state: open", {"state": "open"}),
    ("state: in progress", {"state": "in_progress"}),
    ("state: submitted", {"state": "submitted"}),
    ("state: returned", {"state": "returned"}),
    ("state: skipped", {"state": "skipped"}),
    ("state: in review", {"state": "in_review"}),
    ("state: excluded", {"state": "excluded"}),
    ("annotator", {"annotator": "a1"}),
    ("annotator's returned work", {"annotator": "a2", "state": "returned"}),
    ("label", {"label": "人名"}),
    ("disagreement", {"disagreement": "true"}),
    ("gold", {"gold": "true"}),
    ("text, common, 2 characters", {"q": "数据"}),
    ("text, rare, 2 characters", {"q": "鑫）"}),
    ("text, common, 4 characters", {"q": "数据标注"}),
    ("text, rare, 3 characters", {"q": "董金鑫"}),
    ("text, none, 4 characters", {"q": "没有此句"}),
    ("text and batch", {"q": "标注", "batch": "BATCH"}),
    ("sort: most annotations", {"sort": "-annotations"}),
]


def _states(project_id: int) -> None:
    """Some of the work moved on: returned, in progress, skipped, in review; a few
    snippets excluded and a few gold, as in a project under way."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(  # nobody has had the snippets without work yet
            "UPDATE annotation_snippet s SET slots_taken = 0 WHERE project_id = %s AND NOT"
            " EXISTS (SELECT 1 FROM annotation_assignment a WHERE a.snippet_id = s.id)",
            [project_id],
        )
        cursor.execute(
            "UPDATE annotation_assignment SET status = CASE"
            " WHEN mod(id, 997) = 0 THEN 'returned' WHEN mod(id, 991) = 0 THEN 'active'"
            " WHEN mod(id, 983) = 0 THEN 'skipped' ELSE status END, lease_expires_at = now()"
            " + interval '1 day' WHERE project_id = %s",
            [project_id],
        )
        cursor.execute(
            "INSERT INTO annotation_review (project_id, batch_id, assignment_id, revision_id,"
            " round, status, reason, created_at)"
            " SELECT a.project_id, s.batch_id, a.id, r.id, 1, 'pending', '', now()"
            " FROM annotation_assignment a JOIN annotation_revision r ON r.assignment_id = a.id"
            " JOIN annotation_snippet s ON s.id = a.snippet_id"
            " WHERE a.project_id = %s AND mod(a.id, 499) = 0",
            [project_id],
        )
        cursor.execute(
            "UPDATE annotation_snippet SET excluded = mod(id, 4999) = 0, gold = mod(id, 5003) = 0"
            " WHERE project_id = %s AND (mod(id, 4999) = 0 OR mod(id, 5003) = 0)",
            [project_id],
        )


def _settled() -> None:
    """VACUUM ANALYZE, as autovacuum does some time after a load this size: the planner's
    statistics and the visibility map (for counts read from an index alone)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snippets", type=int, default=1_000_000)
    parser.add_argument("--annotated", type=float, default=0.3)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="use the kept database")
    args = parser.parse_args()

    django_on_scratch(DB_NAME, None, reuse=args.reuse)
    from django.test import Client

    from annotation.models import Batch
    from annotation.quality.finals import finals_refresh
    from projects.models import Project

    if args.reuse:
        project = Project.objects.get(name="bench table")
        manager = project.created_by
    else:
        started = time.perf_counter()
        manager, project = annotated_project(
            name="bench table", snippets=args.snippets, annotators=2, annotated=args.annotated
        )
        _states(project.id)
        print(f"{'data written (COPY)':<44} {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        stored = finals_refresh(project_id=project.id)
        print(f"{'finals stored, ' + f'{stored:,}':<44} {time.perf_counter() - started:.1f} s")
        _settled()
    batch = Batch.objects.filter(project=project).order_by("id")[1]
    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    url = f"/api/v1/projects/{project.id}/snippets/table/"

    client.get(url)  # a server that has answered before: its URLconf and connection made
    rows, every = [], []
    for name, query in QUERIES:
        asked = {key: str(batch.id) if value == "BATCH" else value for key, value in query.items()}
        took = []
        for _ in range(args.runs):
            started = time.perf_counter()
            answer = client.get(url, asked)
            took.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.content
        body = answer.json()
        every += took
        count = f"{body['count']:,}{'+' if body['more'] else ''}"
        p95 = statistics.quantiles(took, n=20)[-1]
        rows.append(
            (f"{name} ({count})", f"p50 {statistics.median(took):.0f} ms, p95 {p95:.0f} ms")
        )
    rows.append(
        (f"all {len(QUERIES)} queries, p95", f"{statistics.quantiles(every, n=20)[-1]:.0f} ms")
    )
    print_figures(rows)
    if not args.keep and not args.reuse:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
