"""Dispatching background jobs through an outbox, and the live progress of long jobs.

A request never talks to the broker. ``dispatch_on_commit`` writes the job into the
``OutboxMessage`` table in the caller's transaction; once it commits, a publisher thread
of the process sends pending messages to the broker. While the broker is down the rows
wait, the thread retries with backoff, and every process sweeps the table now and then,
so messages left by a process that died are sent too. Sending is at least once: every
job is safe to run twice (STYLE.md, rule 6).

Without a broker (the embedded default, Celery eager) there is nothing to wait for: the
job runs in-process after the commit, as Celery's eager mode does.
"""

import json
import logging
import os
import threading
from typing import Any

from celery import Celery, Task, current_app
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from annotation.models import Job, JobStatus, OutboxMessage

logger = logging.getLogger(__name__)

PROGRESS_TTL = 24 * 60 * 60
SWEEP_SECONDS = 30.0  # how often each process looks for messages nobody sent
RETRY_MAX_SECONDS = 10.0  # the longest wait between two tries while the broker is down

_INSERT = (
    "INSERT INTO annotation_outboxmessage (task, args, coalesce_key, created_at)"
    " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"
)


# The jobs, by the names their tasks are registered under (annotation.celery_tasks). A
# stage dispatches a job by its name, so that no stage imports the task module (which
# imports every stage).
IMPORT_FILE = "annotation.import_file"
PRETOKENIZE_CHUNK = "annotation.pretokenize_chunk"
BATCH_CHECK = "annotation.batch_check"
FINALS_REFRESH = "annotation.finals_refresh"
QUALITY_RUN = "annotation.quality_run"
EXPORT = "annotation.export"
SUGGEST_REFRESH = "annotation.suggest_refresh"
ENDPOINT_RUN = "annotation.endpoint_run"


def dispatch_on_commit(task: str, *args: Any, coalesce: str = "") -> None:
    """Send the job named ``task`` with ``args`` once the current transaction commits.

    With a broker the job is written to the outbox now, in the caller's transaction, and
    published after the commit without the caller waiting; with ``coalesce`` set, a
    message already waiting under that key stands for this one.
    """
    if jobs_eager():
        transaction.on_commit(lambda: _run_eagerly(task, args))
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT,
            [
                task,
                json.dumps(list(args)),
                coalesce,
                connection.ops.adapt_datetimefield_value(timezone.now()),
            ],
        )
    transaction.on_commit(publisher.poke)


def suggest_refresh_ask(project_id: int, force: bool = False) -> None:
    """The project's suggestions refreshed after the caller's transaction (one message
    waits a project); with ``force`` its models train again whatever is due."""
    dispatch_on_commit(SUGGEST_REFRESH, project_id, force, coalesce=f"suggest:{project_id}:{force}")


# The jobs that take long: without a broker they run beside the request that asked for
# them (settings.BIAOZHU_JOBS_IN_BACKGROUND), which answers at once, as with a worker.
HEAVY = frozenset({IMPORT_FILE, EXPORT, QUALITY_RUN, SUGGEST_REFRESH, ENDPOINT_RUN})


def _run_eagerly(task: str, args: tuple) -> None:
    if task in HEAVY and settings.BIAOZHU_JOBS_IN_BACKGROUND and not in_worker():
        app = current_app._get_current_object()  # Celery's current app is the thread's
        threading.Thread(target=_run_apart, args=(app, task, args), name=task, daemon=True).start()
    else:
        _apply(task, args)


def _apply(task: str, args: tuple) -> None:
    """Run a job here and now, as Celery's eager mode does (its arguments through JSON, its
    exception raised), without the producer eager ``delay`` opens: a connection to a
    broker there is none of, and a warning about it."""
    job = _registered(task)
    job.apply(args=json.loads(json.dumps(list(args))), throw=job.app.conf.task_eager_propagates)


def _run_apart(app: Celery, task: str, args: tuple) -> None:
    """A heavy job in a thread of its own, on its own database connection, with the
    platform's Celery app (eager, as in the request). Its failure is on its row already
    (annotation.celery_tasks); the log gets the traceback."""
    app.set_current()
    try:
        _apply(task, args)
    except Exception:
        logger.exception("job %s%s failed", task, args)
    finally:
        connection.close()


def _registered(name: str) -> Task:
    """The task registered under ``name``; the task modules are imported by Celery's own
    discovery the first time one is asked for (a web process has not loaded them)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def jobs_eager() -> bool:
    """Whether jobs run in-process (no broker): then nothing goes through the outbox."""
    return current_app.conf.task_always_eager


class BrokerUnreachable(Exception):
    pass


def outbox_drain(*, chunk: int = 100) -> int:
    """Publish every pending message, oldest first; return how many were sent.

    Each chunk is locked (SKIP LOCKED) while it is published, so that two processes
    draining at once do not send the same message. Raises BrokerUnreachable, after
    recording what was sent, when the broker cannot be reached.
    """
    sent = 0
    while True:
        with transaction.atomic():
            pending = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("id")[:chunk]
            )
            published, failure = [], None
            for message in pending:
                try:
                    _registered(message.task).apply_async(message.args)
                except (BrokerError, RedisError, OSError) as error:
                    failure = error
                    break
                published.append(message.id)
            OutboxMessage.objects.filter(id__in=published).update(sent_at=timezone.now())
        sent += len(published)
        if failure is not None:
            raise BrokerUnreachable(str(failure)) from failure
        if len(pending) < chunk:
            return sent


class Publisher:
    """The process's publisher thread: drains the outbox when poked after a commit, every
    SWEEP_SECONDS, and again and again with backoff while the broker is down."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Fresh state, as in a forked child: a thread of the parent is not there, and its
        locks may have been held at the fork."""
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self.inline = False  # set in Celery worker processes (config.celery)

    def end(self) -> None:
        """End the thread, if there is one, after its sweep in progress, and begin afresh:
        the next poke starts a new one (tests end the thread a test started with it)."""
        if self._thread is not None:
            self._stop.set()
            self._wake.set()
            self._thread.join(timeout=5)
            self.reset()

    def poke(self) -> None:
        if self.inline:
            # In a worker process: send now, before the job that called for it is
            # acknowledged; the thread takes over only if the broker cannot be reached.
            try:
                outbox_drain()
                return
            except BrokerUnreachable:
                pass
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                # The thread keeps the events it started with: after an end() that
                # timed out, a new thread's events do not wake the old one again.
                self._thread = threading.Thread(
                    target=self._run,
                    args=(self._wake, self._stop),
                    name="outbox-publisher",
                    daemon=True,
                )
                self._thread.start()
        self._wake.set()

    def _run(self, wake: threading.Event, stop: threading.Event) -> None:
        backoff = 0.5
        while True:
            wake.wait(timeout=SWEEP_SECONDS)
            wake.clear()
            if stop.is_set():
                return
            try:
                outbox_drain()
                backoff = 0.5
            except BrokerUnreachable as error:
                logger.warning("broker unreachable (%s); outbox retried in %.1f s", error, backoff)
                if stop.wait(backoff):  # asked to end while waiting out the broker
                    return
                backoff = min(backoff * 2, RETRY_MAX_SECONDS)
                wake.set()
            except DatabaseError:
                logger.exception("outbox could not be read; retried at the next sweep")
            finally:
                connection.close()  # this thread's own connection


publisher = Publisher()
# gunicorn and Celery fork their workers: each child starts from a clean publisher.
os.register_at_fork(after_in_child=publisher.reset)


def heavy_jobs_resend() -> int:
    """Send again every import, export, quality run and endpoint run left unfinished;
    return how many.

    Called when a worker starts. A worker killed as a whole leaves its job "running", and
    the broker hands the message out again only after its visibility timeout (an hour by
    default); a pending job's message may be lost the same way. A job whose row is locked
    is being written by a live worker and is left alone; the others are sent again, one
    message waiting per job. Every job is safe to run twice: one already done, or done
    meanwhile by the message the broker restores, is left as it is.
    """
    from annotation.models import EndpointRun, ExportJob, ImportJob, QualityRun

    sent = 0
    # An endpoint run holds no lock while it runs (it calls out for minutes): it is sent
    # again when it never started, or stopped beating (EndpointRun.beat_at).
    stale = timezone.now() - EndpointRun.STALE_AFTER
    with transaction.atomic():
        unfinished = list(
            EndpointRun.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=JobStatus.PENDING)
                | Q(status=JobStatus.RUNNING, beat_at__lt=stale)
                | Q(status=JobStatus.RUNNING, beat_at__isnull=True)
            )
            .values_list("id", flat=True)
        )
        for run_id in unfinished:
            dispatch_on_commit(ENDPOINT_RUN, run_id, coalesce=f"{ENDPOINT_RUN}:{run_id}")
    sent += len(unfinished)
    for model, task in ((ImportJob, IMPORT_FILE), (ExportJob, EXPORT), (QualityRun, QUALITY_RUN)):
        with transaction.atomic():
            unfinished = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(status__in=(JobStatus.PENDING, JobStatus.RUNNING))
                .values_list("id", flat=True)
            )
            for job_id in unfinished:
                dispatch_on_commit(task, job_id, coalesce=f"{task}:{job_id}")
        sent += len(unfinished)
    return sent


def job_start(job: Job) -> None:
    """Mark a job running: one more attempt, the first start kept."""
    job.status = JobStatus.RUNNING
    job.attempts += 1
    job.started_at = job.started_at or timezone.now()
    job.save(update_fields=["status", "attempts", "started_at"])


def _progress_key(kind: str, job_id: int) -> str:
    return f"biaozhu:progress:{kind}:{job_id}"


def progress_publish(kind: str, job_id: int, value: float) -> None:
    """Progress of a job whose row is locked in a long transaction; best effort."""
    try:
        cache.set(_progress_key(kind, job_id), round(value, 4), PROGRESS_TTL)
    except RedisError:
        logger.info("cache unreachable; progress of %s %s not published", kind, job_id)


def progress_read(kind: str, job_id: int, default: float) -> float:
    try:
        value = cache.get(_progress_key(kind, job_id))
    except RedisError:
        return default
    return default if value is None else max(default, float(value))


class _Process:
    worker = False  # set once a Celery worker process starts (config.celery)


def worker_process_started() -> None:
    """Mark this process as a Celery worker's: the jobs it dispatches are sent before its
    task is acknowledged, and it may fork a pool of its own (annotation.ingest.preparing).
    A web process never may: with Celery eager (the embedded default) jobs run in it."""
    _Process.worker = True
    publisher.inline = True


def in_worker() -> bool:
    """Whether this process is a Celery worker's."""
    return _Process.worker
