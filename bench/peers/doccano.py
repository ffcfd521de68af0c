"""Biaozhu and doccano side by side, in one run, both on PostgreSQL.

    python bench/peers/doccano.py [--sizes 10000,100000] [--clients 20] [--seconds 60]
        [--steps import,annotate,export] [--capacity 25,50,100,200,500,1000] [--think 10]

Installs doccano 1.8.4 from PyPI into var/peers/doccano (a virtual environment of its
own, once), gives each platform a scratch database on BENCH_DATABASE_URL's server, a
Redis database as its broker, a Celery worker (two processes) and gunicorn with the same
settings on loopback (4 workers × 4 threads). Then, for each size:

- import: the same JSONL file (one snippet of the seeds a line, made distinct) uploaded
  through each one's API, timed until the data is ready to annotate: doccano's import
  task done; Biaozhu's import done and every snippet cleaned, cut and tokenized, once
  with jieba (the reference) and once with rjieba (the faster compatible engine);
- annotate: ``--clients`` annotators looping with no pause for ``--seconds``, each
  creating a span annotation a loop as each platform's own browser client does it —
  doccano: the next unconfirmed example, the span, confirm; Biaozhu: next task,
  autosave, submit with the span;
- export: a project of the same size with every snippet annotated (the file again, each
  line with a span, imported as final annotations) to JSONL, request → file downloaded.

With ``--capacity``, on the smallest size, each level of annotators spends ``--think``
seconds a snippet on each platform; a level passes with p95 ≤ 100 ms on every request
and no error. Prints each figure and the ratio Biaozhu ÷ doccano.
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
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import (  # noqa: E402
    BASE_URL,
    ROOT,
    drop_database,
    scratch_database,
    seed_snippets,
    start_worker,
)
from serving import (  # noqa: E402
    HOST,
    Connection,
    Record,
    make_annotators,
    percentile,
    start_server,
)

# doccano 1.8.4, the last release, and what it needs that its own pins no longer hold
# (environs 9 fails beside marshmallow 4, pandas 1.5 beside numpy 2).
DOCCANO = ["doccano==1.8.4", "marshmallow<4", "numpy<2", "psycopg2-binary", "redis"]
VENV = ROOT / "var" / "peers" / "doccano"
OURS_DB, THEIRS_DB = "biaozhu_bench_peer", "doccano_bench_peer"
OURS_PORT, THEIRS_PORT = 8793, 8794
OURS_REDIS, THEIRS_REDIS = "redis://127.0.0.1:6379/6", "redis://127.0.0.1:6379/7"
SERVER = {"workers": 4, "worker_class": "gthread", "threads": 4, "keep_alive": 30}
P95_LIMIT_MS = 100.0
LABEL = "地名"


# ---- the file ------------------------------------------------------------------------


def build_file(count: int, labeled: bool = False) -> Path:
    """One distinct snippet of the seeds a line, as doccano's JSONL ({"text", "label"});
    ``labeled``: each with a span over its first two characters."""
    path = ROOT / "var" / "bench" / f"peers-{count}{'-labeled' if labeled else ''}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    base = seed_snippets()
    label = [[0, 2, LABEL]] if labeled else []
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            record = {"text": f"第{n}条：{base[n % len(base)]}", "label": label}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


# ---- HTTP for the set-up steps -------------------------------------------------------


def http(port, method, path, token="", body=None, raw=None, kind="", gzip=False):
    """One request; return (status, body bytes as sent). ``gzip``: accept a gzip-encoded
    answer, as a browser does (a download then comes as stored, not inflated)."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    if gzip:
        headers["Accept-Encoding"] = "gzip"
    data = raw
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if kind:
        headers["Content-Type"] = kind
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def multipart(field_name: str, path: Path, **fields: str) -> tuple[bytes, str]:
    """A form of ``fields`` and the file; return the body and its content type."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    head = "".join(parts) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
        f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    body = head.encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def until(check, timeout: float = 1800, pause: float = 0.05):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if (value := check()) is not None:
            return value
        time.sleep(pause)
    raise SystemExit("timed out")


# ---- the clients ---------------------------------------------------------------------


class Platform:
    """What a platform must say to be driven: its loop of three requests."""

    name = ""
    port = 0
    steps = ("next", "label", "done")

    def __init__(self, project_id: int, record: Record) -> None:
        self.project_id, self.record = project_id, record

    async def loop(self, link, token, pause: float = 0.0) -> bool:
        raise NotImplementedError


class Biaozhu(Platform):
    name, port = "Biaozhu", OURS_PORT

    async def loop(self, link, token, pause=0.0) -> bool:
        path = f"/api/v1/projects/{self.project_id}/tasks/next/"
        status, data = await self.record.timed(link, "next", "POST", path, token)
        if status != 200:
            return False
        task = json.loads(data)
        text = task["snippet"]["text"]
        span = {"start": 0, "end": 2, "label": LABEL, "text": text[:2]}
        await asyncio.sleep(pause)
        body = {"version": task["version"], "draft": {"spans": [span]}}
        path = f"/api/v1/assignments/{task['id']}/draft/"
        await self.record.timed(link, "label", "PUT", path, token, body)
        await asyncio.sleep(pause)
        path = f"/api/v1/assignments/{task['id']}/submit/"
        key = f"peer-{task['id']}"
        status, _ = await self.record.timed(
            link, "done", "POST", path, token, {"spans": [span]}, key
        )
        self.record.loops += status in (200, 201)
        return True


class Doccano(Platform):
    name, port = "doccano", THEIRS_PORT

    def __init__(self, project_id: int, record: Record, label_id: int) -> None:
        super().__init__(project_id, record)
        self.label_id = label_id

    async def loop(self, link, token, pause=0.0) -> bool:
        base = f"/v1/projects/{self.project_id}"
        path = f"{base}/examples?limit=1&offset=0&confirmed=False"
        status, data = await self.record.timed(link, "next", "GET", path, token)
        results = json.loads(data)["results"] if status == 200 else []
        if not results:
            return False
        example = results[0]["id"]
        await asyncio.sleep(pause)
        body = {"example": example, "label": self.label_id, "start_offset": 0, "end_offset": 2}
        await self.record.timed(
            link, "label", "POST", f"{base}/examples/{example}/spans", token, body
        )
        await asyncio.sleep(pause)
        path = f"{base}/examples/{example}/states"
        status, _ = await self.record.timed(link, "done", "POST", path, token, {})
        self.record.loops += status == 201
        return True


async def saturate(platform: Platform, tokens: list[str], seconds: float) -> None:
    stop = time.perf_counter() + seconds

    async def client(token: str) -> None:
        link = Connection(HOST, platform.port)
        while time.perf_counter() < stop and await platform.loop(link, token):
            pass

    await asyncio.gather(*(client(token) for token in tokens))


async def paced(platform: Platform, tokens: list[str], seconds: float, think: float) -> None:
    """Annotators who each spend about ``think`` seconds a snippet; latencies are kept
    once every one has started."""
    platform.record.recording = False
    stop = time.perf_counter() + think + seconds

    async def client(token: str) -> None:
        link = Connection(HOST, platform.port)
        await asyncio.sleep(random.uniform(0, think))
        while time.perf_counter() < stop:
            if not await platform.loop(link, token, think / 2 * random.uniform(0.8, 1.2)):
                return

    async def start_recording() -> None:
        await asyncio.sleep(think)
        platform.record.recording = True

    await asyncio.gather(start_recording(), *(client(token) for token in tokens))


def summary(record: Record, seconds: float) -> str:
    parts = [f"loops/s {record.loops / seconds:.1f}", f"errors {len(record.errors)}"]
    for step in Platform.steps:
        values = record.latencies.get(step, [])
        parts.append(
            f"{step} p50/p95 {percentile(values, 0.5):.0f}/{percentile(values, 0.95):.0f} ms"
        )
    return "  ".join(parts)


# ---- doccano's side ------------------------------------------------------------------


def doccano_install() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *DOCCANO], check=True)
    return python


def doccano_env(python: Path) -> tuple[dict, Path]:
    backend = next((python.parents[1] / "lib").glob("python3*/site-packages/backend"))
    home = ROOT / "var" / "peers" / "doccano-home"
    env = dict(
        os.environ,
        DATABASE_URL=scratch_database(THEIRS_DB) + "?sslmode=disable",
        CELERY_BROKER_URL=THEIRS_REDIS,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="bench-only",
        DEBUG="False",
        DOCCANO_HOME=str(home),
        MEDIA_ROOT=str(home / "media"),
        PYTHONPATH=str(backend),
    )
    for name in ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return env, backend


DOCCANO_PEOPLE = """
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
User = get_user_model()
admin = User.objects.create_superuser("bench-admin", "admin@example.com", "bench-password")
tokens = [Token.objects.create(user=admin).key]
for n in range({count}):
    user = User.objects.create_user(f"bench-annotator-{{n}}")  # tokens only
    tokens.append(Token.objects.create(user=user).key)
print(json.dumps(tokens))
"""

DOCCANO_MEMBERS = """
from django.contrib.auth import get_user_model
from projects.models import Member, Project
from roles.models import Role
project = Project.objects.get(id={project})
role = Role.objects.get(name="annotator")
Member.objects.bulk_create(
    Member(project=project, user=user, role=role)
    for user in get_user_model().objects.filter(username__startswith="bench-annotator-")
)
"""


class Side:
    """A platform's server and worker, started by the subclass."""

    server: subprocess.Popen
    worker: subprocess.Popen

    def stop(self) -> None:
        os.killpg(self.server.pid, signal.SIGTERM)
        self.server.wait(30)
        self.worker.send_signal(signal.SIGTERM)
        self.worker.wait(60)


class DoccanoSide(Side):
    def __init__(self, clients: int) -> None:
        self.python = doccano_install()
        self.env, self.backend = doccano_env(self.python)
        run = [str(self.python), str(self.backend / "manage.py")]
        subprocess.run(run + ["migrate", "-v0"], cwd=self.backend, env=self.env, check=True)
        subprocess.run(
            run + ["create_roles"], cwd=self.backend, env=self.env, check=True, capture_output=True
        )
        tokens = json.loads(self.shell(DOCCANO_PEOPLE.format(count=clients)).splitlines()[-1])
        self.admin, self.tokens = tokens[0], tokens[1:]
        self.server = start_server(
            self.env, python=str(self.python), port=THEIRS_PORT, cwd=self.backend, **SERVER
        )
        worker = [str(self.python), "-m", "celery", "--app=config", "worker"]
        worker += ["--concurrency=2", "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
        self.worker = subprocess.Popen(worker, cwd=self.backend, env=self.env)

    def shell(self, code: str) -> str:
        run = [str(self.python), str(self.backend / "manage.py"), "shell", "-c", code]
        done = subprocess.run(run, cwd=self.backend, env=self.env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"doccano shell failed: {done.stderr[-2000:]}")
        return done.stdout

    def call(self, method, path, body=None, **extra):
        return http(THEIRS_PORT, method, path, self.admin, body, **extra)

    def project(self, name: str) -> tuple[int, int]:
        status, data = self.call(
            "POST",
            "/v1/projects",
            {
                "name": name,
                "description": "bench",
                "guideline": "",
                "project_type": "SequenceLabeling",
                "resourcetype": "SequenceLabelingProject",
                "random_order": False,
                "collaborative_annotation": False,
                "allow_overlapping": False,
                "grapheme_mode": False,
                "use_relation": False,
                "tags": [],
            },
        )
        assert status == 201, data
        project = json.loads(data)["id"]
        label = {"text": LABEL, "background_color": "#209cee", "text_color": "#ffffff"}
        status, data = self.call("POST", f"/v1/projects/{project}/span-types", label)
        assert status == 201, data
        self.shell(DOCCANO_MEMBERS.format(project=project))
        return project, json.loads(data)["id"]

    def import_file(self, project: int, path: Path) -> float:
        started = time.perf_counter()
        body, kind = multipart("filepond", path)
        status, upload = self.call("POST", "/v1/fp/process/", raw=body, kind=kind)
        assert status == 200, upload
        options = {
            "uploadIds": [upload.decode()],
            "format": "JSONL",
            "task": "SequenceLabeling",
            "column_data": "text",
            "column_label": "label",
            "encoding": "utf_8",
        }
        status, data = self.call("POST", f"/v1/projects/{project}/upload", options)
        assert status == 200, data
        self.wait_task(json.loads(data)["task_id"])
        return time.perf_counter() - started

    def wait_task(self, task_id: str) -> dict:
        def ready():
            _, data = self.call("GET", f"/v1/tasks/status/{task_id}")
            state = json.loads(data)
            if state["error"]:
                raise SystemExit(f"doccano task failed: {state['error']}")
            return state if state["ready"] else None

        return until(ready)

    def export(self, project: int) -> tuple[float, int]:
        """Every example with every member's spans in one file. Left per member (the
        default), doccano writes a file per member, each with every example: with the 20
        annotators of the run, 21 files, which took over six minutes for 10,000."""
        shared = {"collaborative_annotation": True, "resourcetype": "SequenceLabelingProject"}
        status, data = self.call("PATCH", f"/v1/projects/{project}", shared)
        assert status == 200, data
        started = time.perf_counter()
        status, data = self.call(
            "POST", f"/v1/projects/{project}/download", {"format": "JSONL", "exportApproved": False}
        )
        assert status == 200, data
        task_id = json.loads(data)["task_id"]
        self.wait_task(task_id)
        path = f"/v1/projects/{project}/download?taskId={task_id}"
        status, data = self.call("GET", path, gzip=True)
        assert status == 200
        return time.perf_counter() - started, len(data)


# ---- Biaozhu's side ------------------------------------------------------------------


class BiaozhuSide(Side):
    def __init__(self, clients: int) -> None:
        self.env = dict(
            os.environ,
            DATABASE_URL=scratch_database(OURS_DB),
            REDIS_URL=OURS_REDIS,
            BIAOZHU_DATA_DIR=str(ROOT / "var" / "bench"),
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        os.environ.update(self.env)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.env, check=True
        )
        subprocess.run(["redis-cli", "-u", OURS_REDIS, "flushdb"], check=True, capture_output=True)
        import django

        django.setup()
        from rest_framework.authtoken.models import Token

        from accounts.services import user_ensure

        self.owner, _ = user_ensure(
            username="bench-owner", password="bench-password", is_staff=True
        )
        self.admin = Token.objects.get_or_create(user=self.owner)[0].key
        self.people = make_annotators(clients)
        self.tokens = [token for _, token in self.people]
        self.server = start_server(self.env, port=OURS_PORT, **SERVER)
        self.worker = start_worker(self.env)

    def call(self, method, path, body=None, **extra):
        return http(OURS_PORT, method, path, self.admin, body, **extra)

    def project(self, name: str, engine: str) -> int:
        from projects.models import Membership, Role

        labels = [{"name": LABEL, "kind": "spans"}]
        body = {"name": name, "kinds": ["spans"], "labels": labels}
        status, data = self.call("POST", "/api/v1/projects/", body)
        assert status == 201, data
        project = json.loads(data)["id"]
        if engine != "jieba":
            status, data = self.call(
                "PUT",
                f"/api/v1/projects/{project}/tokenizer/",
                {"engine": engine, "hmm": True, "words": []},
            )
            assert status == 200, data
        Membership.objects.bulk_create(
            Membership(project_id=project, user=user, role=Role.ANNOTATOR)
            for user, _ in self.people
        )
        return project

    def import_file(self, project: int, path: Path, **options: str) -> float:
        from annotation.models import ImportJob, JobStatus

        started = time.perf_counter()
        body, kind = multipart("file", path, **options)
        status, data = self.call(
            "POST", f"/api/v1/projects/{project}/imports/", raw=body, kind=kind
        )
        assert status == 202, data
        job_id = json.loads(data)["id"]

        def tokenized():
            job = ImportJob.objects.select_related("tokenize_run").get(id=job_id)
            if job.status == JobStatus.FAILED:
                raise SystemExit(f"import failed: {job.errors}")
            run = job.tokenize_run
            return True if run is not None and run.status == JobStatus.SUCCEEDED else None

        until(tokenized)
        return time.perf_counter() - started

    def export(self, project: int) -> tuple[float, int]:
        started = time.perf_counter()
        body = {"format": "jsonl", "status": "all"}
        status, data = self.call("POST", f"/api/v1/projects/{project}/exports/", body)
        assert status == 202, data
        export = json.loads(data)["id"]

        def done():
            _, data = self.call("GET", f"/api/v1/exports/{export}/")
            state = json.loads(data)
            if state["status"] == "failed":
                raise SystemExit(f"export failed: {state}")
            return state if state["status"] == "succeeded" else None

        until(done)
        status, data = self.call("GET", f"/api/v1/exports/{export}/download/", gzip=True)
        assert status == 200
        return time.perf_counter() - started, len(data)


# ---- the run -------------------------------------------------------------------------


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.1f}×" if theirs else "—"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--capacity", default="", help="levels of annotators, e.g. 50,100,200")
    parser.add_argument("--think", type=float, default=10)
    parser.add_argument("--steps", default="import,annotate,export")
    args = parser.parse_args()
    args.steps = set(args.steps.split(","))
    sizes = [int(n) for n in args.sizes.split(",")]
    levels = [int(n) for n in args.capacity.split(",") if n]
    capacity_clients = max([args.clients, *levels])

    theirs = DoccanoSide(capacity_clients)
    ours = BiaozhuSide(capacity_clients)
    time.sleep(3)  # the workers connect
    print(
        f"both on PostgreSQL ({BASE_URL.rsplit('/', 1)[0]}), gunicorn {SERVER}, 2 worker processes"
    )
    try:
        for size in sizes:
            compare(size, ours, theirs, args)
        if levels:
            capacity(min(sizes), ours, theirs, levels, args)
    finally:
        ours.stop()
        theirs.stop()
        drop_database(OURS_DB)
        drop_database(THEIRS_DB)


def compare(size: int, ours: BiaozhuSide, theirs: DoccanoSide, args) -> None:
    print(f"\n== {size:,} snippets")
    if {"import", "annotate"} & args.steps:
        projects = compare_import(size, ours, theirs)
        if "annotate" in args.steps:
            compare_annotate(projects, ours, theirs, args)
    if "export" in args.steps:
        compare_export(size, ours, theirs)


def compare_import(size: int, ours: BiaozhuSide, theirs: DoccanoSide) -> tuple:
    from django.db import connections

    path = build_file(size)
    their_project, label_id = theirs.project(f"peer-{size}")
    their_import = theirs.import_file(their_project, path)
    our_project = ours.project(f"peer-{size}", "jieba")
    our_import = ours.import_file(our_project, path)
    fast_project = ours.project(f"peer-{size}-rjieba", "rjieba")
    fast_import = ours.import_file(fast_project, path)
    connections.close_all()
    print(f"import     ({path.stat().st_size / 1e6:.1f} MB JSONL)")
    print(f"           doccano {their_import:6.1f} s ({size / their_import:,.0f}/s)")
    print(
        f"           Biaozhu, jieba {our_import:6.1f} s ({size / our_import:,.0f}/s, cleaned, cut"
        f" and tokenized)  ÷ doccano time: {ratio(their_import, our_import)} as fast"
    )
    print(
        f"           Biaozhu, rjieba {fast_import:5.1f} s ({size / fast_import:,.0f}/s)"
        f"  {ratio(their_import, fast_import)} as fast"
    )
    return their_project, label_id, our_project


def compare_annotate(projects: tuple, ours: BiaozhuSide, theirs: DoccanoSide, args) -> None:
    their_project, label_id, our_project = projects
    records = {}
    for platform in (Doccano(their_project, Record(), label_id), Biaozhu(our_project, Record())):
        tokens = (theirs if isinstance(platform, Doccano) else ours).tokens[: args.clients]
        asyncio.run(saturate(platform, tokens, args.seconds))
        records[platform.name] = platform.record
        print(f"annotate   {platform.name:<8} {summary(platform.record, args.seconds)}")
        if platform.record.errors:
            print(f"           first errors: {platform.record.errors[:3]}")
    loops = {name: record.loops / args.seconds for name, record in records.items()}
    print(f"           loops ÷ doccano's: {ratio(loops['Biaozhu'], loops['doccano'])}")


def compare_export(size: int, ours: BiaozhuSide, theirs: DoccanoSide) -> None:
    """Every snippet annotated: the file again, a span on each line, imported as final
    annotations; then each platform's JSONL, request → file downloaded."""
    from django.db import connections

    labeled = build_file(size, labeled=True)
    their_project, _ = theirs.project(f"peer-{size}-labeled")
    theirs.import_file(their_project, labeled)
    our_project = ours.project(f"peer-{size}-labeled", "rjieba")
    ours.import_file(our_project, labeled, format="doccano", annotations="final")
    connections.close_all()
    their_export, their_bytes = theirs.export(their_project)
    our_export, our_bytes = ours.export(our_project)
    print(f"export     doccano {their_export:6.1f} s ({their_bytes / 1e6:.1f} MB zip)")
    print(
        f"           Biaozhu {our_export:6.1f} s ({our_bytes / 1e6:.1f} MB gzip)"
        f"  {ratio(their_export, our_export)} as fast"
    )


def capacity(size: int, ours: BiaozhuSide, theirs: DoccanoSide, levels, args) -> None:
    """Each level on each platform, smallest first, until the platform fails one."""
    print(f"\n== capacity on {size:,} snippets, {args.think:.0f} s a snippet, {args.seconds:.0f} s")
    path = build_file(size)
    served, failed = {}, set()
    for count in sorted(levels):
        # Each level on a project of its own: the levels together would use up one.
        platforms = []
        if "doccano" not in failed:
            their_project, label_id = theirs.project(f"capacity-{count}")
            theirs.import_file(their_project, path)
            platforms.append(Doccano(their_project, Record(), label_id))
        if "Biaozhu" not in failed:
            our_project = ours.project(f"capacity-{count}", "rjieba")
            ours.import_file(our_project, path)
            platforms.append(Biaozhu(our_project, Record()))
        for platform in platforms:
            side = theirs if isinstance(platform, Doccano) else ours
            asyncio.run(paced(platform, side.tokens[:count], args.seconds, args.think))
            p95 = max(percentile(v, 0.95) for v in platform.record.latencies.values())
            ok = not platform.record.errors and p95 <= P95_LIMIT_MS
            if ok:
                served[platform.name] = count
            else:
                failed.add(platform.name)
            print(
                f"{count:5d} annotators  {platform.name:<8} "
                f"{summary(platform.record, args.seconds + args.think)}  "
                f"{'PASS' if ok else 'FAIL'}"
            )
    print(f"largest level served at p95 ≤ {P95_LIMIT_MS:.0f} ms: {served}")
    if len(served) == 2:
        print(f"annotators served ÷ doccano's: {ratio(served['Biaozhu'], served['doccano'])}")


if __name__ == "__main__":
    main()
