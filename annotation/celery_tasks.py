"""Job entry points: load by id, call a service, nothing else.

Every task is safe to run twice (the services check their Job rows). Only transient
failures of the database are retried, a bounded number of times with backoff; the final
failure is recorded on the job's row.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from annotation import flow, jobs
from annotation.core.i18n import gettext_noop
from annotation.delivery import services as delivery
from annotation.ingest import services, tokenizing
from annotation.quality import finals
from annotation.quality import services as quality
from annotation.suggesting import external
from annotation.suggesting import services as suggesting

TRANSIENT = (OperationalError, InterfaceError)
UNREACHABLE = gettext_noop("the database could not be reached")
INTERNAL = gettext_noop("an internal error stopped the job; the worker's log has the details")
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 5,
    "retry_jitter": True,
}


@contextmanager
def failure_recorded(task: Task, fail: Callable[[str], None]) -> Iterator[None]:
    """Record a job's final failure on its row, then let Celery see the exception.

    A transient database error is final only once its retries are spent; anything else (a
    bug, a time limit) is final at once, so that no job stays "running" for ever.
    """
    try:
        yield
    except TRANSIENT:
        if task.request.retries >= task.max_retries:
            fail(UNREACHABLE)
        raise
    except Exception:
        fail(INTERNAL)
        raise


@shared_task(name=jobs.IMPORT_FILE, bind=True, **RETRY)
def import_file_task(self, job_id: int) -> None:
    with failure_recorded(self, lambda reason: services.import_fail(job_id=job_id, reason=reason)):
        services.import_run(job_id=job_id)


@shared_task(name=jobs.PRETOKENIZE_CHUNK, bind=True, **RETRY)
def pretokenize_chunk_task(self, chunk_id: int) -> None:
    with failure_recorded(self, lambda reason: tokenizing.tokenize_run_fail(chunk_id=chunk_id)):
        tokenizing.tokenize_chunk_run(chunk_id=chunk_id)


@shared_task(name=jobs.BATCH_CHECK, bind=True, **RETRY)
def batch_check_task(self, batch_id: int) -> None:
    batch = flow.batch_check(batch_id=batch_id)
    _finals_refreshed(batch.project_id)


@shared_task(name=jobs.FINALS_REFRESH, bind=True, **RETRY)
def finals_refresh_task(self, project_id: int) -> None:
    _finals_refreshed(project_id)


def _finals_refreshed(project_id: int) -> None:
    """Refresh the project's finals; when any changed, the suggestions learn from them."""
    if finals.finals_refresh(project_id=project_id):
        jobs.suggest_refresh_ask(project_id)


@shared_task(name=jobs.SUGGEST_REFRESH, bind=True, **RETRY)
def suggest_refresh_task(self, project_id: int, force: bool = False) -> None:
    suggesting.suggestions_refresh(project_id=project_id, force=force)


@shared_task(name=jobs.ENDPOINT_RUN, bind=True, **RETRY)
def endpoint_run_task(self, run_id: int) -> None:
    with failure_recorded(
        self, lambda reason: external.endpoint_run_fail(run_id=run_id, reason=reason)
    ):
        external.endpoint_run_execute(run_id=run_id)


@shared_task(name=jobs.QUALITY_RUN, bind=True, **RETRY)
def quality_run_task(self, run_id: int) -> None:
    with failure_recorded(
        self, lambda reason: quality.quality_run_fail(run_id=run_id, reason=reason)
    ):
        quality.quality_run_execute(run_id=run_id)


@shared_task(name=jobs.EXPORT, bind=True, **RETRY)
def export_task(self, export_id: int) -> None:
    with failure_recorded(
        self, lambda reason: delivery.export_fail(export_id=export_id, reason=reason)
    ):
        delivery.export_execute(export_id=export_id)
