"""Annotation loop under load: next → draft → submit, against gunicorn + PostgreSQL.

    python bench/annotate.py [--clients 50] [--seconds 60] [--workers 4]

Creates a scratch PostgreSQL database with a project of 20,000 snippets and one annotator
per client, starts gunicorn on loopback, and runs the clients with no pause for the given
time: each loop takes the next task, saves a draft and submits with an Idempotency-Key.
Then the same clients hammer a bare DRF endpoint (GET /api/v1/me/: token lookup and one
row) for the same time: the ceiling of this server. Prints loops/s, the latency
percentiles of each endpoint, the ratio to the ceiling, and checks that every submit the
clients saw succeed is stored exactly once.
"""

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict

from common import ROOT, drop_database, scratch_database

DB_NAME = "biaozhu_bench_annotate"
PORT = 8791
SNIPPETS = 20_000


class Client:
    def __init__(self, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None, **headers: str):
        payload = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        self.connection.request(method, path, payload, {**self.headers, **headers})
        response = self.connection.getresponse()
        data = response.read()
        return response.status, data, (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run_clients(tokens, seconds, loop) -> tuple[list, dict[str, list[float]], list]:
    latencies: dict[str, list[float]] = defaultdict(list)
    results: list = []
    errors: list = []
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def work(token: str) -> None:
        client = Client(token)
        while time.perf_counter() < stop:
            try:
                outcome = loop(client)
            except Exception as error:  # noqa: BLE001 - counted and printed as an error
                with lock:
                    errors.append(repr(error))
                client = Client(token)
                continue
            with lock:
                for name, ms in outcome["latencies"]:
                    latencies[name].append(ms)
                results.append(outcome.get("result"))
                errors.extend(outcome.get("errors", []))

    threads = [threading.Thread(target=work, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, latencies, errors


def annotate_loop(project_id: int):
    def loop(client: Client) -> dict:
        status, data, next_ms = client.call("POST", f"/api/v1/projects/{project_id}/tasks/next/")
        if status == 204:
            return {"latencies": [("next", next_ms)], "result": "empty"}
        if status != 200:
            return {"latencies": [], "errors": [f"next {status}"], "result": "error"}
        task = json.loads(data)
        status, _, draft_ms = client.call(
            "PUT",
            f"/api/v1/assignments/{task['id']}/draft/",
            {"version": task["version"], "draft": {"classes": ["甲"]}},
        )
        key = f"bench-{task['id']}"
        status_submit, body, submit_ms = client.call(
            "POST",
            f"/api/v1/assignments/{task['id']}/submit/",
            {"classes": ["甲"]},
            **{"Idempotency-Key": key},
        )
        ok = status == 200 and status_submit in (200, 201)
        return {
            "latencies": [("next", next_ms), ("draft", draft_ms), ("submit", submit_ms)],
            "result": (task["id"], json.loads(body)["id"]) if ok else "error",
            "errors": [] if ok else [f"draft {status} submit {status_submit}"],
        }

    return loop


def ceiling_loop(client: Client) -> dict:
    status, _, ms = client.call("GET", "/api/v1/me/")
    return {"latencies": [("me", ms)], "result": "ok" if status == 200 else "error"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    env = dict(
        os.environ,
        DATABASE_URL=scratch_database(DB_NAME),
        BIAOZHU_DATA_DIR=str(ROOT / "var" / "bench"),
        DJANGO_SETTINGS_MODULE="config.settings",
        BIAOZHU_LOGIN_RATE="100000/min",
    )
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from accounts.services import token_for_user, user_ensure
    from annotation.models import Article, Revision, Snippet
    from projects.models import Role
    from projects.services import membership_set, project_create

    owner, _ = user_ensure(username="bench-owner", password="bench-password", is_staff=True)
    project = project_create(
        creator=owner,
        name="bench",
        kinds=["classes"],
        labels=[{"name": "甲", "kind": "classes"}],
    )
    article = Article.objects.create(project=project, raw_text="-", raw_hash="-")
    Snippet.objects.bulk_create(
        (
            Snippet(
                project=project,
                article=article,
                position=n,
                text=f"第{n}条：数据标注。",
                text_hash=str(n),
                offset_map=[0, 0],
            )
            for n in range(SNIPPETS)
        ),
        batch_size=2000,
    )
    tokens = []
    for n in range(args.clients):
        user, _ = user_ensure(username=f"annotator{n}", password="bench-password")
        membership_set(project=project, user=user, role=Role.ANNOTATOR)
        tokens.append(token_for_user(user=user))
    from django.db import connections

    connections.close_all()

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/")
                break
            except OSError:
                time.sleep(0.2)
        results, latencies, errors = run_clients(tokens, args.seconds, annotate_loop(project.id))
        ceiling_results, ceiling_latencies, ceiling_errors = run_clients(
            tokens, args.seconds, ceiling_loop
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    submitted = [result for result in results if isinstance(result, tuple)]
    loops = len(submitted)
    ceiling = sum(1 for result in ceiling_results if result == "ok")
    stored = Revision.objects.filter(assignment__project=project)
    exactly_once = stored.count() == loops == len({revision for _, revision in submitted}) and set(
        stored.values_list("id", flat=True)
    ) == {revision for _, revision in submitted}
    print(f"clients {args.clients}, {args.seconds} s each run, gunicorn --workers {args.workers}")
    print(f"annotate loops/s        {loops / args.seconds:8.1f}   errors {len(errors)}")
    for name in ("next", "draft", "submit"):
        values = latencies[name]
        print(
            f"  {name:<8} p50 {statistics.median(values):6.1f} ms  "
            f"p95 {percentile(values, 0.95):6.1f} ms  p99 {percentile(values, 0.99):6.1f} ms"
        )
    values = ceiling_latencies["me"]
    print(f"bare endpoint req/s     {ceiling / args.seconds:8.1f}   errors {len(ceiling_errors)}")
    print(
        f"  me       p50 {statistics.median(values):6.1f} ms  "
        f"p95 {percentile(values, 0.95):6.1f} ms  p99 {percentile(values, 0.99):6.1f} ms"
    )
    print(f"loops ÷ bare requests   {loops / ceiling:8.0%}")
    print(f"submits seen to succeed {loops}, stored exactly once: {exactly_once}")
    if not args.keep:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
