"""Load with faults: annotators for minutes against gunicorn + PostgreSQL + Redis + a
Celery worker, with double clicks, abandoned tasks, Redis stopped and PostgreSQL
restarted under them; then every submit the clients saw succeed is checked to be stored
exactly once and nothing half-written to remain.

    python bench/load.py [--annotators 100] [--seconds 300] [--think 2]
        [--redis-stop-at 60] [--redis-down 30] [--postgres-restart-at 180] [--no-faults]

The bench runs a Redis of its own on port 6392 (stopped and started again under the
load) and a scratch database on the PostgreSQL at BENCH_DATABASE_URL, whose cluster it
restarts with pg_ctlcluster (Debian's; every connection to the cluster is cut).

Each simulated annotator loops next → autosave → submit, ``--think`` seconds a snippet
(jittered). Now and then one double-clicks "next" or "submit" (two requests at once on
two connections, the submits under one Idempotency-Key: both must answer the same task,
the same revision), or closes the tab holding a task and comes back after its lease ran
out (the slot must go back to the pool). Like the workspace, a client sends a request
again, unchanged, on 503 (after Retry-After) or a broken connection; that is counted as
a retry, anything else unexpected as a failure.

Checked at the end, after the outbox and the worker have drained:
- every revision the clients were answered is stored, once, and nothing else is stored;
  each assignment has at most one revision (no rework here); every double click got
  one answer;
- every snippet's slot counter equals its assignments holding a slot (active or
  submitted), none has more than ``overlap`` submitted, nobody had one snippet twice;
- the per-annotator tallies add up to the submitted assignments;
- no outbox message is left unsent, no job waits in the broker, and every batch whose
  snippets all have ``overlap`` submissions has moved on to review.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from common import ROOT, drop_database, scratch_database, start_worker
from serving import Connection, make_annotators, make_project, percentile, start_server

DB_NAME = "biaozhu_bench_load"
REDIS_PORT = 6392
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
OVERLAP = 2
LEASE_MINUTES = 1
BROKEN = (OSError, asyncio.IncompleteReadError, IndexError, ValueError)


class Redis:
    """A Redis server of the bench's own, to stop and start under the load."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        for _ in range(50):
            ping = subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True)
            if ping.stdout.strip() == b"PONG":
                return
            time.sleep(0.1)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def postgres_restart() -> float:
    """Restart the PostgreSQL cluster (fast mode: every session cut); return seconds."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    started = time.perf_counter()
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]
    subprocess.run(command + ["-m", "fast"], check=True, capture_output=True)
    return time.perf_counter() - started


@dataclass
class Run:
    begin: float = field(default_factory=time.perf_counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    retried: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    answered: dict[int, int] = field(default_factory=dict)  # assignment → revision
    events: Counter = field(default_factory=Counter)
    window: str = ""  # the fault under way, if any
    in_window: Counter = field(default_factory=Counter)
    slow: Counter = field(default_factory=Counter)  # answers over 1 s, by step and fault
    timeline: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        line = f"  {time.perf_counter() - self.begin:6.1f} s  {text}"
        self.timeline.append(line)
        print(line, flush=True)


class Annotator:
    """One simulated annotator: a connection, and a second one for double clicks."""

    def __init__(self, token: str, project_id: int, run: Run, think: float) -> None:
        self.token, self.project_id, self.run, self.think = token, project_id, run, think
        self.links = (Connection(), Connection())

    async def call(self, name: str, method: str, path: str, body=None, key="", second=False):
        """One request, sent again unchanged while the answer is 503 or the connection
        breaks; return (status, body, whether it was sent more than once)."""
        link = self.links[1 if second else 0]
        for attempt in range(120):
            started, fresh = time.perf_counter(), link.streams is None
            try:
                status, data, headers = await link.request(method, path, self.token, body, key)
            except BROKEN:
                link.close()
                self._retry(name)
                await asyncio.sleep(1)
                continue
            if status == 503:
                self._retry(name)
                await asyncio.sleep(float(headers.get("retry-after", "2")))
                continue
            took = (time.perf_counter() - started) * 1000
            self.run.latencies[name].append(took)
            if took > 1000:
                connection = "new connection" if fresh else "kept connection"
                self.run.slow[f"{name}, {connection}, {self.run.window or 'no fault'}"] += 1
            if self.run.window:
                self.run.in_window[f"{self.run.window}: {name} answered"] += 1
            return status, data, attempt > 0
        self.run.failures.append(f"{name} {path}: no answer after 120 tries")
        return 0, b"", True

    def _retry(self, name: str) -> None:
        self.run.retried[name] += 1
        if self.run.window:
            self.run.in_window[f"{self.run.window}: {name} retried"] += 1

    async def next(self) -> dict | None:
        path = f"/api/v1/projects/{self.project_id}/tasks/next/"
        if random.random() < 0.05:  # a double click
            self.run.events["double next"] += 1
            answers = await asyncio.gather(
                self.call("next", "POST", path), self.call("next", "POST", path, second=True)
            )
            ids = {json.loads(data)["id"] for status, data, _ in answers if status == 200}
            if len(ids) > 1:
                self.run.failures.append(f"a double click on next handed out {sorted(ids)}")
            status, data, _ = answers[0]
        else:
            status, data, _ = await self.call("next", "POST", path)
        if status == 204:
            return None
        if status != 200:
            self.run.failures.append(f"next: HTTP {status} {data[:200]!r}")
            return None
        return json.loads(data)

    async def draft(self, task: dict) -> None:
        body = {"version": task["version"], "draft": {"classes": ["甲"]}}
        path = f"/api/v1/assignments/{task['id']}/draft/"
        status, data, repeated = await self.call("draft", "PUT", path, body)
        if status == 409 and repeated:
            self.run.events["autosave kept before its answer was lost (409 on the repeat)"] += 1
        elif status != 200:
            self.run.failures.append(f"draft: HTTP {status} {data[:200]!r}")

    async def submit(self, task: dict) -> None:
        text = task["snippet"]["text"]
        start = text.index("北京")
        body = {
            "classes": ["甲"],
            "spans": [{"start": start, "end": start + 2, "label": "地名", "text": "北京"}],
            "time_spent_ms": int(self.think * 1000),
        }
        path = f"/api/v1/assignments/{task['id']}/submit/"
        key = f"load-{task['id']}"
        calls = [self.call("submit", "POST", path, body, key)]
        if random.random() < 0.05:  # a double click: the same submit twice at once
            self.run.events["double submit"] += 1
            calls.append(self.call("submit", "POST", path, body, key, second=True))
        revisions = set()
        for status, data, _ in await asyncio.gather(*calls):
            if status in (200, 201):
                revisions.add(json.loads(data)["id"])
            else:
                self.run.failures.append(f"submit: HTTP {status} {data[:200]!r}")
        if len(revisions) > 1:
            self.run.failures.append(f"one submit stored twice: revisions {sorted(revisions)}")
        for revision in revisions:
            if self.run.answered.setdefault(task["id"], revision) != revision:
                self.run.failures.append(f"assignment {task['id']} answered two revisions")
        if self.run.window and revisions:
            self.run.in_window[f"{self.run.window}: submits stored"] += 1

    async def work(self, stop: float) -> None:
        await asyncio.sleep(random.uniform(0, self.think))
        while time.perf_counter() < stop:
            task = await self.next()
            if task is None:
                await asyncio.sleep(self.think)
                continue
            await asyncio.sleep(self.think / 2 * random.uniform(0.8, 1.2))
            if random.random() < 0.02:  # the tab closed; back after the lease ran out
                self.run.events["task abandoned"] += 1
                away = LEASE_MINUTES * 60 + 15
                await asyncio.sleep(min(away, max(0.0, stop - time.perf_counter())))
                continue
            await self.draft(task)
            await asyncio.sleep(self.think / 2 * random.uniform(0.8, 1.2))
            await self.submit(task)


async def faults(run: Run, redis: Redis, args) -> None:
    if args.no_faults:
        return
    await asyncio.sleep(args.redis_stop_at)
    run.window = "Redis down"
    await asyncio.to_thread(redis.stop)
    run.note(f"Redis stopped for {args.redis_down:.0f} s")
    await asyncio.sleep(args.redis_down)
    await asyncio.to_thread(redis.start)
    run.window = ""
    run.note("Redis started again")
    await asyncio.sleep(max(0.0, args.postgres_restart_at - args.redis_stop_at - args.redis_down))
    run.window = "PostgreSQL restart"
    run.note("PostgreSQL restarting")
    took = await asyncio.to_thread(postgres_restart)
    run.note(f"PostgreSQL restarted in {took:.1f} s")
    await asyncio.sleep(10)  # the requests that find their kept connection broken
    run.window = ""


async def drive(annotators: list[Annotator], run: Run, redis: Redis, args) -> None:
    stop = time.perf_counter() + args.seconds
    await asyncio.gather(faults(run, redis, args), *(a.work(stop) for a in annotators))


def drained(timeout: float) -> bool:
    """Wait until no outbox message is unsent and the broker holds no job; True if so."""
    import redis as redis_client
    from django.db import connections

    from annotation.models import OutboxMessage

    broker = redis_client.Redis.from_url(REDIS_URL)
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        connections.close_all()
        pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
        queued = broker.llen("celery") + broker.llen("heavy") + broker.hlen("unacked")
        if not pending and not queued:
            return True
        time.sleep(1)
    return False


def checks(project, run: Run) -> list[tuple[str, bool]]:
    from django.db.models import Count, F, Q, Sum

    from annotation.models import (
        Assignment,
        AssignmentStatus,
        Batch,
        BatchStatus,
        OutboxMessage,
        Revision,
        Snippet,
        WorkTally,
    )

    revisions = Revision.objects.filter(assignment__project=project)
    stored = set(revisions.values_list("id", flat=True))
    per_assignment = revisions.values("assignment").annotate(n=Count("id")).filter(n__gt=1)
    holding = (AssignmentStatus.ACTIVE, AssignmentStatus.SUBMITTED)
    snippets = Snippet.objects.filter(project=project).annotate(
        holding=Count("assignments", filter=Q(assignments__status__in=holding)),
        submitted=Count("assignments", filter=Q(assignments__status=AssignmentStatus.SUBMITTED)),
    )
    twice = (
        Assignment.objects.filter(project=project)
        .values("snippet", "annotator")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    with_revision = Assignment.objects.filter(project=project, revisions__isnull=False).distinct()
    tallied = WorkTally.objects.filter(project=project).aggregate(n=Sum("submitted"))["n"] or 0
    complete = snippets.filter(submitted__gte=project.overlap)
    short = snippets.filter(submitted__lt=project.overlap).values("batch")
    stuck = Batch.objects.filter(project=project, status=BatchStatus.ANNOTATING).exclude(
        id__in=short
    )
    return [
        ("every revision answered is stored", set(run.answered.values()) <= stored),
        ("nothing stored that no client was answered", stored <= set(run.answered.values())),
        ("no assignment with two revisions", not per_assignment.exists()),
        (
            "slot counters equal the slots held",
            not snippets.exclude(slots_taken=F("holding")).exists(),
        ),
        (
            "no snippet over its overlap",
            not snippets.filter(submitted__gt=project.overlap).exists(),
        ),
        ("nobody had one snippet twice", not twice.exists()),
        ("tallies add up to the submitted work", tallied == with_revision.count()),
        (
            "no outbox message unsent",
            not OutboxMessage.objects.filter(sent_at__isnull=True).exists(),
        ),
        (
            f"every complete batch moved on ({complete.count()} complete snippets)",
            not stuck.exists(),
        ),
        ("no client failure", not run.failures),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotators", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--think", type=float, default=2.0, help="seconds a snippet")
    parser.add_argument("--snippets", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--redis-stop-at", type=float, default=60)
    parser.add_argument("--redis-down", type=float, default=30)
    parser.add_argument("--postgres-restart-at", type=float, default=180)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    redis = Redis()
    redis.start()
    env = dict(
        os.environ,
        DATABASE_URL=scratch_database(DB_NAME),
        REDIS_URL=REDIS_URL,
        BIAOZHU_DATA_DIR=str(ROOT / "var" / "bench"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from django.db import connections

    from accounts.services import user_ensure

    owner, _ = user_ensure(username="bench-owner", password="bench-password", is_staff=True)
    people = make_annotators(args.annotators)
    project = make_project(
        owner,
        [user for user, _ in people],
        args.snippets,
        "load",
        batch_size=args.batch_size,
        overlap=OVERLAP,
        lease_minutes=LEASE_MINUTES,
    )
    connections.close_all()
    server = start_server(env, workers=4, worker_class="gthread", threads=4, keep_alive=30)
    worker = start_worker(env)
    print(
        f"{args.annotators} annotators, {args.think:.0f} s a snippet, {args.seconds:.0f} s; "
        f"{args.snippets} snippets in batches of {args.batch_size}, overlap {OVERLAP}, "
        f"lease {LEASE_MINUTES} min; gunicorn 4 × gthread 4 + PostgreSQL + Redis + a worker"
    )
    run = Run()
    try:
        annotators = [Annotator(token, project.id, run, args.think) for _, token in people]
        asyncio.run(drive(annotators, run, redis, args))
        run.note("load over; waiting for the outbox and the worker")
        settled = drained(180)
        time.sleep(3)  # the last job's commit
        run.note(f"drained: {settled}")
        report(project, run, args)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
        redis.stop()
        if not args.keep:
            drop_database(DB_NAME)


def report(project, run: Run, args) -> None:
    project.refresh_from_db()
    answered = len(run.answered)
    print(f"\nsubmits answered {answered} ({answered / args.seconds:.1f}/s)")
    for name in ("next", "draft", "submit"):
        values = run.latencies[name]
        print(
            f"  {name:<7} n {len(values):6d}  p50 {percentile(values, 0.5):7.1f} ms  "
            f"p95 {percentile(values, 0.95):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms  "
            f"sent again {run.retried[name]}"
        )
    print("events: " + ", ".join(f"{name} {count}" for name, count in sorted(run.events.items())))
    for name, count in sorted(run.in_window.items()):
        print(f"  {name}: {count}")
    slow = ", ".join(f"{name} {count}" for name, count in sorted(run.slow.items()))
    print(f"answers slower than 1 s: {slow or 'none'}")
    results = checks(project, run)
    print("\nchecks:")
    for name, ok in results:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    if run.failures:
        print(f"first failures: {run.failures[:5]}")
    if not all(ok for _, ok in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
