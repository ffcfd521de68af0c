"""The work path in one process: CPU and statements per request, without a server.

    python bench/work_path.py [--loops 1000] [--snippets 20000]

An annotator with an API token runs the loop next → draft → submit through Django's test
client against PostgreSQL (a scratch database), 200 loops to warm up, then ``--loops``
loops with ``time.process_time`` around each request. Prints, per request, the CPU of
this process (Django, DRF, psycopg: what a gunicorn worker spends) at the median and p90,
and the statements it sent to the database (BEGIN and COMMIT included). Compare builds
in one run: check each out in its own worktree and run this script there, alternating.
"""

import argparse
import os
import statistics
import sys
import time

from common import ROOT, django_on_scratch, drop_database

DB_NAME = "bench_work_path"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loops", type=int, default=1000)
    parser.add_argument("--snippets", type=int, default=20000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    django_on_scratch(DB_NAME, None)
    try:
        run(args)
    finally:
        if not args.keep:
            drop_database(DB_NAME)


def run(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from serving import make_annotators, make_project

    from accounts.services import user_ensure

    owner, _ = user_ensure(username="bench-owner", password="bench-password", is_staff=True)
    [(user, token)] = make_annotators(1)
    project = make_project(owner, [user], args.snippets, "work path")
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    spent: dict[str, list[float]] = {"next": [], "draft": [], "submit": []}
    statements: dict[str, int] = {}
    counting = False  # a last loop counts the statements (capturing them costs CPU)

    def timed(name: str, call):
        if counting:
            with CaptureQueriesContext(connection) as queries:
                response = call()
            statements[name] = len(queries)
        else:
            began = time.process_time()
            response = call()
            spent[name].append(time.process_time() - began)
        assert response.status_code in (200, 201), (name, response.status_code, response.content)
        return response.json()

    def loop() -> None:
        task = timed("next", lambda: client.post(f"/api/v1/projects/{project.id}/tasks/next/"))
        assignment = task["id"]
        start = task["snippet"]["text"].index("北京")  # no character outside the BMP here
        span = {"start": start, "end": start + 2, "label": "地名"}
        draft = {"spans": [span], "classes": ["甲"]}
        timed(
            "draft",
            lambda: client.put(
                f"/api/v1/assignments/{assignment}/draft/",
                {"version": task["version"], "draft": draft},
                content_type="application/json",
            ),
        )
        body = {"spans": [{**span, "text": "北京"}], "classes": ["甲"], "time_spent_ms": 9000}
        timed(
            "submit",
            lambda: client.post(
                f"/api/v1/assignments/{assignment}/submit/",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"k-{assignment}",
            ),
        )

    for _ in range(200):
        loop()
    for values in spent.values():
        values.clear()
    for _ in range(args.loops):
        loop()
    counting = True
    loop()
    print(f"{args.loops} loops, {args.snippets} snippets, one annotator, in-process")
    for name, values in spent.items():
        median = statistics.median(values) * 1000
        p90 = statistics.quantiles(values, n=10)[-1] * 1000
        counted = statements[name]
        print(f"{name:<8} CPU median {median:5.2f} ms, p90 {p90:5.2f} ms, {counted} statements")
    total = sum(statistics.median(values) for values in spent.values()) * 1000
    print(f"loop     CPU median {total:5.2f} ms, {sum(statements.values())} statements")


if __name__ == "__main__":
    main()
