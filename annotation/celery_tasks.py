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
            reason = gettext_noop("the database could not be reached")
            services.import_fail(job_id=job_id, reason=reason)
        raise


@shared_task(name="annotation.pretokenize_chunk", **RETRY)
def pretokenize_chunk_task(chunk_id: int) -> None:
    tokenizing.tokenize_chunk_run(chunk_id=chunk_id)
