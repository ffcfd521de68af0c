"""The Celery application. Its settings are the CELERY_* names in config/settings.py."""

import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("biaozhu")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules are named celery_tasks.py (STYLE.md), not Celery's default tasks.py.
app.autodiscover_tasks(related_name="celery_tasks")


@worker_process_init.connect
def _worker_process_start(**kwargs) -> None:
    # Each worker process loads jieba's dictionary when it starts, before it takes a task.
    from annotation.ingest.tokenizer import warm_up
    from annotation.jobs import worker_process_started

    warm_up()
    worker_process_started()


@worker_ready.connect
def _sweep_outbox(**kwargs) -> None:
    # A worker sends unfinished tokenization chunks again (a killed worker can lose one),
    # the imports, exports and quality runs a killed worker left unfinished, and what the
    # outbox still holds (left by a process that died, or written while the broker was
    # down), and sweeps it from then on.
    from annotation.ingest.tokenizing import tokenize_chunks_resend
    from annotation.jobs import heavy_jobs_resend, publisher

    tokenize_chunks_resend()
    heavy_jobs_resend()
    publisher.poke()
