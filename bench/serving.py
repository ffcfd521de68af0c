"""The platform served by gunicorn on loopback, the annotators who call it, and the
projects they work in: what bench/annotate.py and bench/load.py share."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from common import ROOT

HOST, PORT = "127.0.0.1", 8791


class Connection:
    """One client's HTTP/1.1 connection: kept open while the server keeps it (gthread
    workers), opened anew when the server closes it (sync workers close every one)."""

    def __init__(self, host: str = HOST, port: int = PORT) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, token: str, body=None, key: str = ""):
        """Send one request; return (status, body, headers)."""
        payload = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Token {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            + (f"Idempotency-Key: {key}\r\n" if key else "")
            + "\r\n"
        )
        reused = self.streams is not None
        try:
            return await self._exchange(head.encode() + payload)
        except (OSError, asyncio.IncompleteReadError, IndexError):
            self.close()
            if not reused:
                raise
            # The server closed the idle connection first; the request never reached it.
            return await self._exchange(head.encode() + payload)

    async def _exchange(self, request: bytes) -> tuple[int, bytes, dict[str, str]]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(request)
        status = int((await reader.readline()).split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length")
        if status in (204, 304):
            # No body, and none announced: reading to the end would wait until the server
            # closes the idle connection (keep-alive, 30 s).
            length = "0"
        data = await (reader.readexactly(int(length)) if length is not None else reader.read())
        if headers.get("connection", "").lower() == "close" or length is None:
            self.close()
        return status, data, headers

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def spread(links: list[Connection], token: str, workers: int) -> dict[int, int]:
    """Open each connection on a server process that holds fewer than its share of them,
    as a load balancer in front would: a gthread worker keeps every connection it
    accepts, and which worker accepts is chance, so a run's clients could otherwise land
    on two of four workers one time and on all four the next. Needs the bench's
    /bench/pid/; returns the connections per process."""
    quota = -(-len(links) // workers)
    held: dict[int, int] = defaultdict(int)
    for link in links:
        for _ in range(200):
            _, body, _ = await link.request("GET", "/bench/pid/", token)
            pid = json.loads(body)["pid"]
            if held[pid] < quota:
                held[pid] += 1
                break
            link.close()
    return dict(held)


@dataclass
class Record:
    """What a run's clients saw: latencies a step (while ``recording``), the revisions
    they were answered, errors, loops completed."""

    recording: bool = True
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    revisions: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    loops: int = 0

    async def timed(
        self, link: Connection, name: str, method: str, path: str, token: str, body=None, key=""
    ):
        started = time.perf_counter()
        try:
            status, data, _ = await link.request(method, path, token, body, key)
        except OSError as error:
            self.errors.append(f"{name}: {error!r}")
            return None, b""
        if self.recording:
            self.latencies[name].append((time.perf_counter() - started) * 1000)
        if status >= 400:
            self.errors.append(f"{name}: HTTP {status} {data[:120]!r}")
        return status, data


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def start_server(
    env: dict,
    *,
    workers: int,
    worker_class: str,
    threads: int,
    keep_alive: int,
    python: str = sys.executable,
    port: int = PORT,
    cwd=ROOT,
) -> subprocess.Popen:
    """gunicorn serving ``config.wsgi`` from ``cwd`` on HOST:``port``, in a session of its
    own (stop it with os.killpg), once every worker has loaded the application
    (bench/gunicorn_ready.py)."""
    import tempfile

    ready = tempfile.mkdtemp(prefix="bench-ready-")
    command = [python, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{port}"]
    command += ["--config", str(ROOT / "bench" / "gunicorn_ready.py")]
    command += ["--workers", str(workers), "--worker-class", worker_class]
    command += ["--threads", str(threads), "--keep-alive", str(keep_alive)]
    command += ["--backlog", "4096", "--log-level", "warning"]
    server = subprocess.Popen(
        command, cwd=cwd, env={**env, "BENCH_READY_DIR": ready}, start_new_session=True
    )
    for _ in range(300):
        if len(os.listdir(ready)) >= workers:
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    return server
            except OSError:
                pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def make_annotators(count: int) -> list:
    """``count`` annotator accounts with API tokens (passwords unusable: tokens only)."""
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    have = list(User.objects.filter(username__startswith="bench-annotator-").order_by("id"))
    users = have + User.objects.bulk_create(
        User(username=f"bench-annotator-{n}", password=make_password(None))
        for n in range(len(have), count)
    )
    Token.objects.bulk_create(
        (Token(key=Token.generate_key(), user=user) for user in users), ignore_conflicts=True
    )
    tokens = dict(Token.objects.filter(user__in=users).values_list("user_id", "key"))
    return [(user, tokens[user.id]) for user in users[:count]]


# Every snippet reads "第n条：张三在北京标注数据。" ("北京" is a place), with jieba's tokens.
SNIPPET_SQL = """
INSERT INTO annotation_snippet
    (project_id, article_id, batch_id, position, text, text_hash, offset_map, tokens,
     tokenizer_version, suggestions, slots_taken, gold, excluded)
SELECT %(project)s, %(article)s, (%(batches)s::bigint[])[n / %(batch_size)s + 1],
       n, '第' || n || '条：张三在北京标注数据。', n::text, '[0, 0]',
       array_to_string(ARRAY[1, d + 1, d + 2, d + 3, d + 5, d + 6, d + 8, d + 10, d + 12,
                             d + 13], ','),
       'bench', '[]', 0, FALSE, FALSE
FROM generate_series(0, %(count)s - 1) AS n, LATERAL (SELECT length(n::text) AS d) AS digits
"""


def make_project(owner, users, snippets: int, name: str, *, batch_size: int = 0, **settings):
    """A project of ``snippets`` short snippets with ``users`` as its annotators, in
    batches of ``batch_size`` (none if 0), written by PostgreSQL in one statement."""
    from django.db import connection

    from annotation.models import Article, Batch
    from projects.models import Membership, Role
    from projects.services import project_create

    labels = [{"name": "甲", "kind": "classes"}, {"name": "地名", "kind": "spans"}]
    project = project_create(
        creator=owner, name=name, kinds=["classes", "spans"], labels=labels, **settings
    )
    article = Article.objects.create(project=project, raw_text="-", raw_hash="-")
    per_batch = batch_size or snippets
    batches = Batch.objects.bulk_create(
        Batch(project=project, name=f"{name} {n + 1}", size=min(per_batch, snippets - start))
        for n, start in enumerate(range(0, snippets if batch_size else 0, per_batch))
    )
    values = {"project": project.id, "article": article.id, "count": snippets}
    with connection.cursor() as cursor:
        cursor.execute(
            SNIPPET_SQL, {**values, "batches": [b.id for b in batches], "batch_size": per_batch}
        )
    Membership.objects.bulk_create(
        Membership(project=project, user=user, role=Role.ANNOTATOR) for user in users
    )
    # On the benchmark machine PostgreSQL runs with autovacuum off, where a production
    # server vacuums these tables as they churn: without it each run starts among the dead
    # rows of the runs before it (a run's database CPU a loop rose 2.6 → 3.0 ms over three
    # rounds). Each project, so each run, starts from tables as a maintained server keeps.
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE annotation_snippet, annotation_assignment, annotation_revision,"
            " annotation_worktally, projects_membership"
        )
    return project


class CpuMeter:
    """CPU seconds spent by the server (gunicorn and its workers), the database (every
    PostgreSQL process) and this process (the clients) between start() and stop(): where
    a run's two cores went.

    Each side's total counts its live processes and, through their parents' reaped
    children, those that ended (database connections are closed after a minute)."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.server = server
        self.spent: dict[str, float] = {}
        self.by_server_process: list[float] = []

    def _read(self) -> tuple[dict[str, float], dict[int, float]]:
        """Each side's CPU seconds so far, and each server process's."""
        tick = os.sysconf("SC_CLK_TCK")
        totals = {"server": 0.0, "database": 0.0, "client": 0.0}
        processes = {}
        for name in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{name}/stat") as stat:
                    text = stat.read()
            except OSError:  # ended meanwhile
                continue
            command = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            # utime, stime, and the same of its children that ended
            seconds = sum(int(value) for value in fields[11:15]) / tick
            if int(name) == os.getpid():
                totals["client"] += seconds
            elif int(fields[2]) == self.server.pid:  # the arbiter and its workers, by pgid
                totals["server"] += seconds
                processes[int(name)] = seconds
            elif command.startswith("postgres"):
                totals["database"] += seconds
        return totals, processes

    def start(self) -> None:
        self.begun = self._read()

    def stop(self) -> dict[str, float]:
        (totals, processes), (begun, processes_begun) = self._read(), self.begun
        self.spent = {side: totals[side] - begun[side] for side in totals}
        self.by_server_process = [
            seconds - processes_begun.get(pid, 0.0) for pid, seconds in processes.items()
        ]
        return self.spent

    def balance(self) -> str:
        """Each server process's share of the server's CPU, largest first: a gthread
        worker keeps the connections it accepted, so a burst of clients can land on a
        few of them."""
        total = sum(self.by_server_process) or 1.0
        shares = sorted(self.by_server_process, reverse=True)
        return " ".join(f"{share / total:.0%}" for share in shares)

    def per(self, count: int) -> str:
        """The CPU of each side per ``count`` (loops, requests), in ms."""
        return "   ".join(
            f"{name} {seconds / max(count, 1) * 1000:.2f} ms"
            for name, seconds in self.spent.items()
        )
