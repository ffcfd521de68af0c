"""Annotation under load: saturation and capacity, against gunicorn + PostgreSQL.

    python bench/annotate.py [--only saturation|capacity|scale] [--seconds 60]
        [--clients 50] [--rounds 3] [--annotators 800,1000,1200] [--think 10]
        [--sizes 10000,1000000] [--scale-annotators 300]
        [--workers 4] [--worker-class gthread] [--threads 4] [--keep-alive 30]

Creates a scratch PostgreSQL database, starts gunicorn on loopback with the platform's
settings plus one bare endpoint (bench/ceiling_urls.py), and drives it with an asyncio
HTTP client from this process (on the same two cores). Each simulated client keeps its
connection open for as long as the server does (sync workers close every one; gthread
workers keep them), and sends its token with every request, as the ceiling's do.

Saturation: ``--clients`` annotators loop with no pause for ``--seconds``, in two styles:
"three" requests a loop (next → draft → submit) and "two" (draft → submit/?next=1, the
next task coming with the submit's answer). Then the same clients read one row by primary
key from the bare endpoint for as long: the ceiling. Prints loops/s, latency percentiles,
where the CPU went (server, database, clients) and the ratio of loops to ceiling requests;
``--rounds`` times, then the median ratios (one run moves by ±10 % on this machine). Each
style's connections are spread evenly over the gunicorn workers first, as a load balancer
would (serving.spread).

Capacity: for each number in ``--annotators``, that many annotators each spend about
``--think`` seconds on a snippet (an autosave halfway, jittered ±20 %, arrivals spread over
the first think time), next → draft → submit. Latencies are read after the first think
time. A level passes with zero errors and p95 ≤ 100 ms on every endpoint.

Scale (only with ``--only scale``): the capacity loop, ``--scale-annotators`` at
``--think`` seconds a snippet, against a project of each of ``--sizes`` snippets, smallest
first, then the smallest again once the large ones sit in the same tables. Prints next
and submit p95 at each size and their ratio to the smallest's: the work path must not
grow with the project (no count or scan of it on the way).

Each run has a project of its own and checks that every submit the clients saw succeed is
stored exactly once.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time

from common import ROOT, drop_database, scratch_database
from serving import (
    Connection,
    CpuMeter,
    Record,
    make_annotators,
    make_project,
    percentile,
    spread,
    start_server,
)

DB_NAME = "biaozhu_bench_annotate"
P95_LIMIT_MS = 100.0


class Annotator:
    """One simulated annotator of one project."""

    def __init__(self, token: str, project_id: int, record: Record) -> None:
        self.token, self.project_id, self.record = token, project_id, record
        self.link = Connection()

    async def next(self) -> dict | None:
        path = f"/api/v1/projects/{self.project_id}/tasks/next/"
        status, data = await self.record.timed(self.link, "next", "POST", path, self.token)
        return json.loads(data) if status == 200 else None

    async def draft(self, task: dict) -> None:
        body = {"version": task["version"], "draft": {"classes": ["甲"]}}
        path = f"/api/v1/assignments/{task['id']}/draft/"
        await self.record.timed(self.link, "draft", "PUT", path, self.token, body)

    async def submit(self, task: dict, *, then_next: bool = False) -> dict | None:
        path = f"/api/v1/assignments/{task['id']}/submit/" + ("?next=1" if then_next else "")
        status, data = await self.record.timed(
            self.link,
            "submit",
            "POST",
            path,
            self.token,
            {"classes": ["甲"]},
            key=f"bench-{task['id']}",
        )
        if status in (200, 201):
            answer = json.loads(data)
            self.record.revisions.append(answer["id"])
            self.record.loops += 1
            return answer
        return None


async def saturate(annotators: list[Annotator], seconds: float, style: str, workers: int) -> None:
    await spread([a.link for a in annotators], annotators[0].token, workers)
    stop = time.perf_counter() + seconds

    async def work(annotator: Annotator) -> None:
        task = await annotator.next() if style == "two" else None
        while time.perf_counter() < stop:
            if style == "three":
                task = await annotator.next()
            if task is None:
                return
            await annotator.draft(task)
            answer = await annotator.submit(task, then_next=style == "two")
            if style == "two":
                task = answer and answer.get("next")

    await asyncio.gather(*(work(annotator) for annotator in annotators))


async def ceiling(
    tokens: list[str], row_id: int, seconds: float, record: Record, workers: int
) -> None:
    links = [Connection() for _ in tokens]
    await spread(links, tokens[0], workers)
    stop = time.perf_counter() + seconds

    async def work(token: str, link: Connection) -> None:
        while time.perf_counter() < stop:
            status, _ = await record.timed(link, "row", "GET", f"/bench/row/{row_id}/", token)
            if status == 200:
                record.loops += 1

    await asyncio.gather(*(work(token, link) for token, link in zip(tokens, links, strict=True)))


async def simulate(annotators: list[Annotator], seconds: float, think: float) -> None:
    record = annotators[0].record
    record.recording = False
    begin = time.perf_counter()
    stop = begin + think + seconds

    async def work(annotator: Annotator) -> None:
        await asyncio.sleep(random.uniform(0, think))
        while time.perf_counter() < stop:
            task = await annotator.next()
            if task is None:
                return
            await asyncio.sleep(think / 2 * random.uniform(0.8, 1.2))
            await annotator.draft(task)
            await asyncio.sleep(think / 2 * random.uniform(0.8, 1.2))
            await annotator.submit(task)

    async def start_recording() -> None:
        await asyncio.sleep(think)
        record.recording = True

    await asyncio.gather(start_recording(), *(work(annotator) for annotator in annotators))


def describe(record: Record, names: tuple[str, ...]) -> list[str]:
    lines = []
    for name in names:
        values = record.latencies.get(name, [])
        lines.append(
            f"  {name:<7} n {len(values):6d}  p50 {percentile(values, 0.5):7.1f} ms  "
            f"p95 {percentile(values, 0.95):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms"
        )
    return lines


def stored_exactly_once(project_id: int, record: Record) -> bool:
    from annotation.models import Revision

    stored = set(
        Revision.objects.filter(assignment__project_id=project_id).values_list("id", flat=True)
    )
    return len(record.revisions) == len(set(record.revisions)) and stored == set(record.revisions)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["saturation", "capacity", "scale"])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="saturation: rounds")
    parser.add_argument("--annotators", default="800,1000,1200")
    parser.add_argument("--think", type=float, default=10)
    parser.add_argument("--sizes", default="10000,1000000", help="scale: snippets a project")
    parser.add_argument("--scale-annotators", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    # The defaults are the server settings of the Dockerfile and docker-compose.yml.
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep-alive", type=int, default=30, help="gunicorn --keep-alive, s")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    levels = [int(n) for n in args.annotators.split(",")]

    env = dict(
        os.environ,
        DATABASE_URL=scratch_database(DB_NAME),
        BIAOZHU_DATA_DIR=str(ROOT / "var" / "bench"),
        DJANGO_SETTINGS_MODULE="ceiling_settings",
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(ROOT / "bench"), os.environ.get("PYTHONPATH")])
        ),
        BIAOZHU_LOGIN_RATE="100000/min",
    )
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "bench"))
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.db import connections

    from accounts.services import user_ensure

    owner, _ = user_ensure(username="bench-owner", password="bench-password", is_staff=True)
    people = make_annotators(max([args.clients, args.scale_annotators, *levels]))
    connections.close_all()
    server = start_server(
        env,
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads,
        keep_alive=args.keep_alive,
    )
    print(
        f"gunicorn --workers {args.workers} --worker-class {args.worker_class} "
        f"--threads {args.threads} --keep-alive {args.keep_alive}; runs of {args.seconds:.0f} s"
    )
    try:
        if args.only in (None, "saturation"):
            run_saturation(owner, people[: args.clients], args, CpuMeter(server))
        if args.only in (None, "capacity"):
            run_capacity(owner, people, levels, args)
        if args.only == "scale":
            run_scale(owner, people[: args.scale_annotators], args)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        if not args.keep:
            drop_database(DB_NAME)


def run_saturation(owner, people, args, meter: CpuMeter) -> None:
    """``--rounds`` rounds of the three-request loop, the two-request loop and the ceiling,
    in that order, each round's ratios from its own ceiling; then the median of each."""
    from django.db import connections

    ratios = {"three": [], "two": []}
    for round_ in range(1, args.rounds + 1):
        results = {}
        for style in ratios:
            record = Record()
            users = [user for user, _ in people]
            project = make_project(owner, users, 40_000, f"saturation-{style}-{round_}")
            connections.close_all()
            annotators = [Annotator(token, project.id, record) for _, token in people]
            meter.start()
            asyncio.run(saturate(annotators, args.seconds, style, args.workers))
            meter.stop()
            results[style] = record.loops / args.seconds
            print(f"\nround {round_}: saturation, {len(people)} clients, loop of {style} requests")
            print(f"  loops/s {results[style]:.1f}   errors {len(record.errors)}")
            print("\n".join(describe(record, ("next", "draft", "submit"))))
            print(f"  CPU a loop: {meter.per(record.loops)}   server processes {meter.balance()}")
            print(f"  stored exactly once: {stored_exactly_once(project.id, record)}")
        record = Record()
        row_id = project.snippets.order_by("id").values_list("id", flat=True).first()
        connections.close_all()
        tokens = [token for _, token in people]
        meter.start()
        asyncio.run(ceiling(tokens, row_id, args.seconds, record, args.workers))
        meter.stop()
        bare = record.loops / args.seconds
        print(f"\nround {round_}: ceiling, bare endpoint reading one row, {len(people)} clients")
        print(f"  requests/s {bare:.1f}   errors {len(record.errors)}")
        print("\n".join(describe(record, ("row",))))
        print(f"  CPU a request: {meter.per(record.loops)}   server processes {meter.balance()}")
        for style, loops in results.items():
            ratios[style].append(loops / bare)
            print(f"round {round_}: loops of {style} ÷ bare requests: {loops / bare:.1%}")
    for style, values in ratios.items():
        listed = ", ".join(f"{value:.1%}" for value in values)
        print(
            f"loops of {style} ÷ bare requests, median of {len(values)}: "
            f"{statistics.median(values):.1%} ({listed})"
        )


def run_capacity(owner, people, levels, args) -> None:
    from django.db import connections

    served = 0
    for count in levels:
        record = Record()
        pool = int(count / args.think * (args.seconds + args.think) * 1.3) + 1000
        project = make_project(owner, [user for user, _ in people[:count]], pool, f"cap-{count}")
        connections.close_all()
        annotators = [Annotator(token, project.id, record) for _, token in people[:count]]
        asyncio.run(simulate(annotators, args.seconds, args.think))
        p95 = {name: percentile(values, 0.95) for name, values in record.latencies.items()}
        ok = not record.errors and len(p95) == 3 and max(p95.values()) <= P95_LIMIT_MS
        served = count if ok else served
        print(f"\ncapacity, {count} annotators, {args.think:.0f} s a snippet")
        print(
            f"  loops/s {record.loops / (args.seconds + args.think):.1f}   errors "
            f"{len(record.errors)}   {'PASS' if ok else 'FAIL'} (p95 ≤ {P95_LIMIT_MS:.0f} ms)"
        )
        print("\n".join(describe(record, ("next", "draft", "submit"))))
        print(f"  stored exactly once: {stored_exactly_once(project.id, record)}")
        if record.errors:
            print(f"  first errors: {record.errors[:3]}")
    print(f"\nlargest number served within the limits: {served or 'none of the levels'}")


def run_scale(owner, people, args) -> None:
    from django.db import connections

    sizes = sorted(int(n) for n in args.sizes.split(","))
    p95 = {}
    for run, size in enumerate([*sizes, sizes[0]]):
        record = Record()
        started = time.perf_counter()
        project = make_project(owner, [user for user, _ in people], size, f"scale-{run}-{size}")
        built = time.perf_counter() - started
        connections.close_all()
        annotators = [Annotator(token, project.id, record) for _, token in people]
        asyncio.run(simulate(annotators, args.seconds, args.think))
        name = f"{size:,}" + (" again" if run == len(sizes) else "")
        p95[name] = {step: percentile(record.latencies[step], 0.95) for step in ("next", "submit")}
        print(
            f"\nscale: a project of {name} snippets (built in {built:.0f} s), {len(people)} "
            f"annotators, {args.think:.0f} s a snippet, errors {len(record.errors)}"
        )
        print("\n".join(describe(record, ("next", "draft", "submit"))))
        print(f"  stored exactly once: {stored_exactly_once(project.id, record)}")
    base = p95[f"{sizes[0]:,}"]
    for name, figures in p95.items():
        ratios = ", ".join(f"{step} p95 {figures[step] / base[step]:.2f}×" for step in figures)
        print(f"{name:>14} ÷ {sizes[0]:,}: {ratios}")


if __name__ == "__main__":
    main()
