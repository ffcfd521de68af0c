"""Job entry points: load by id, call a service, nothing else.

Every task is safe to run twice (the services check their Job rows). Only transient
failures of the database are retried, a bounded number of times with backoff; the final
failure is recorded on the job's row.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from annotation.ingest import services, tokenizing
from annotation.ingest.formats import gettext_noop

TRANSIENT = (OperationalError, InterfaceError)
UNREACHABLE = gettext_noop("the database could not be reached")
INTERNAL = gettext_noop("an internal error stopped the import; the worker's log has the details")
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 5,
    "retry_jitter": True,
}


@shared_task(name="annotation.import_file", bind=True, **RETRY)
def import_file_task(self, job_id: int) -> None:
    try:
        services.import_run(job_id=job_id)
    except TRANSIENT:
        if self.request.retries >= self.max_retries:
            services.import_fail(job_id=job_id, reason=UNREACHABLE)
        raise
    except Exception:
        # A bug or a time limit: the job must not stay "running" for ever. Logged by Celery.
        services.import_fail(job_id=job_id, reason=INTERNAL)
        raise


@shared_task(name="annotation.pretokenize_chunk", bind=True, **RETRY)
def pretokenize_chunk_task(self, chunk_id: int) -> None:
    try:
        tokenizing.tokenize_chunk_run(chunk_id=chunk_id)
    except TRANSIENT:
        if self.request.retries >= self.max_retries:
            tokenizing.tokenize_run_fail(chunk_id=chunk_id)
        raise
    except Exception:
        tokenizing.tokenize_run_fail(chunk_id=chunk_id)
        raise
