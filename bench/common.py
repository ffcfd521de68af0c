"""Pieces every benchmark needs: the seed snippets and a scratch PostgreSQL database."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def seed_snippets() -> list[str]:
    """The snippets the platform cuts from seeds/ with the default cleaning."""
    from annotation.ingest.cleaning import CleaningOptions, split_page

    texts = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for article in split_page(path.read_text(encoding="utf-8"), CleaningOptions()):
            texts.extend(piece.text for piece in article.snippets)
    return texts


def scratch_database(name: str) -> str:
    """Create the database ``name`` afresh beside BASE_URL's; return its URL."""
    import psycopg

    with psycopg.connect(BASE_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return BASE_URL.rsplit("/", 1)[0] + f"/{name}"


def django_on_scratch(name: str, redis_url: str | None, reuse: bool = False) -> dict:
    """Point this process at a fresh scratch database ``name`` (migrated; the one kept
    from an earlier run if ``reuse``) and an emptied Redis database (none if ``redis_url``
    is None: jobs run in-process), set Django up, and return the environment for the
    worker it starts."""
    url = BASE_URL.rsplit("/", 1)[0] + f"/{name}" if reuse else scratch_database(name)
    env = dict(
        os.environ,
        DATABASE_URL=url,
        BIAOZHU_DATA_DIR=str(ROOT / "var" / "bench"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    if redis_url is None:
        env.pop("REDIS_URL", None)
        os.environ.pop("REDIS_URL", None)
    else:
        env["REDIS_URL"] = redis_url
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    if redis_url is not None:
        subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=True, capture_output=True)
    import django

    django.setup()
    return env


def print_figures(rows: list[tuple[str, str]]) -> None:
    for name, value in rows:
        print(f"{name:<44} {value}")


def drop_database(name: str) -> None:
    """Drop the scratch database, after closing this process's connections to it."""
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(BASE_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")


def start_worker(env: dict, concurrency: int = 2) -> subprocess.Popen:
    """A real Celery worker on the scratch database, one process per core by default."""
    command = [sys.executable, "-m", "celery", "-A", "config", "worker"]
    command += [f"--concurrency={concurrency}", "--loglevel=WARNING"]
    command += ["--without-gossip", "--without-mingle"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def worker_pids(parent: int) -> list[int]:
    """The worker's main process and its children (the pool)."""
    children = Path(f"/proc/{parent}/task/{parent}/children")
    return [parent, *map(int, children.read_text().split())] if children.exists() else [parent]


def peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident memory (VmHWM) among the processes, in MB."""
    peak = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024
