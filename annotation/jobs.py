"""Dispatching background jobs, and the live progress of jobs that run in one transaction."""

import logging
from typing import Any

from celery import Task
from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

PROGRESS_TTL = 24 * 60 * 60


def dispatch_on_commit(task: Task, *args: Any) -> None:
    """Send ``task`` once the current transaction commits (at once outside of one).

    If the broker cannot be reached the job's row stays unfinished and
    ``annotation.resend_unfinished_jobs`` sends it again later; the request does not fail.
    """

    def send() -> None:
        try:
            task.delay(*args)
        except BrokerError:
            logger.warning("broker unreachable; %s%r left for resending", task.name, args)

    transaction.on_commit(send)


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
