"""Start and stop a real Celery worker process against the test database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    assert "postgresql" in db["ENGINE"], "a worker shares the test database only on PostgreSQL"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, timeout: float = 120, step: float = 0.2, describe=None):
    """Poll ``condition`` until it is true (its value is returned) or fail, saying
    ``describe()`` where given."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    where = f": {describe()}" if describe else ""
    raise AssertionError(f"condition not met within {timeout} s{where}")


class WorkerProcess:
    def __init__(self, env: dict[str, str], concurrency: int = 1) -> None:
        self.env = env
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    @classmethod
    def for_test_database(cls, concurrency: int = 1) -> "WorkerProcess":
        env = dict(
            os.environ,
            DATABASE_URL=test_database_url(),
            PYTHONUNBUFFERED="1",
            # A killed worker's task comes back within seconds, not the production hour.
            BIAOZHU_BROKER_VISIBILITY_TIMEOUT="4",
            BIAOZHU_BROKER_RESTORE_INTERVAL="1",
        )
        return cls(env, concurrency)

    def start(self, timeout: float = 30) -> None:
        # Workers must not hold connections to the test database when it is dropped.
        connection.close()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.process.returncode}")
            if celery_app.control.ping(timeout=0.5):
                return
        self.stop()
        raise RuntimeError("celery worker did not answer a ping in time")

    def settle(self, timeout: float = 60) -> None:
        """Wait until the broker holds no task, waiting or unacknowledged. Tasks are
        acknowledged when done (``acks_late``), and a killed worker's task comes back after
        the visibility timeout, maybe after the test has seen what it waited for: it must
        not run while the test database is flushed (the two deadlock)."""
        with celery_app.connection_for_read() as broker:
            redis = broker.default_channel.client
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                queued = sum(redis.llen(queue) for queue in ("celery", "heavy"))
                if not queued and not redis.hlen("unacked"):
                    return
                time.sleep(0.2)
        raise RuntimeError("the worker still had tasks at the end of the test")

    def kill(self) -> None:
        """SIGKILL the whole worker, parent and children, as a crash would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


class RedisServer:
    """The real Redis of REDIS_URL, stopped and started again as an outage would."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", str(parsed.port or 6379)

    def _cli(self, *args: str) -> subprocess.CompletedProcess:
        command = ["redis-cli", "-h", self.host, "-p", self.port, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=10)

    def alive(self) -> bool:
        return self._cli("ping").stdout.strip() == "PONG"

    def stop(self) -> None:
        self._cli("shutdown", "nosave")
        deadline = time.monotonic() + 10
        while self.alive():
            if time.monotonic() > deadline:
                raise RuntimeError("redis did not stop")
            time.sleep(0.1)

    def start(self) -> None:
        # As CI starts it: in memory only.
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", self.host, "--port", self.port]
            + ["--save", "", "--appendonly", "no"],
            check=True,
            timeout=10,
        )
        deadline = time.monotonic() + 10
        while not self.alive():
            if time.monotonic() > deadline:
                raise RuntimeError("redis did not start")
            time.sleep(0.1)
