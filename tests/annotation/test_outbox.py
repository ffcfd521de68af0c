"""The outbox: jobs called for by a request are written with it, and sent after it."""

import time

import pytest
from django.db import transaction

from annotation.jobs import dispatch_on_commit, outbox_drain
from annotation.models import Assignment, Batch, BatchStatus, OutboxMessage
from tests.factories import MembershipFactory, snippets_make

pytestmark = pytest.mark.django_db


def batch_of(project, count: int) -> Batch:
    batch = Batch.objects.create(project=project, name="第一包", size=count)
    snippets_make(project, count, batch=batch)
    return batch


def annotate_everything(api, project) -> list[float]:
    """Take and submit every task as the authenticated annotator; the submits' seconds."""
    seconds = []
    while (task := api.post(f"/api/v1/projects/{project.id}/tasks/next/")).status_code == 200:
        started = time.monotonic()
        response = api.post(f"/api/v1/assignments/{task.json()['id']}/submit/", {}, format="json")
        seconds.append(time.monotonic() - started)
        assert response.status_code == 201, response.content
    return seconds


def test_a_job_is_written_with_the_transaction_and_coalesced(broker_jobs):
    from annotation.jobs import BATCH_CHECK

    with transaction.atomic():
        dispatch_on_commit(BATCH_CHECK, 7, coalesce="batch:7")
        dispatch_on_commit(BATCH_CHECK, 7, coalesce="batch:7")
        dispatch_on_commit(BATCH_CHECK, 8)
    with pytest.raises(RuntimeError), transaction.atomic():
        dispatch_on_commit(BATCH_CHECK, 9)
        raise RuntimeError("rolled back")

    pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id")
    assert [(m.task, m.args) for m in pending] == [
        ("annotation.batch_check", [7]),
        ("annotation.batch_check", [8]),
    ]


def test_draining_sends_each_message_once_and_the_job_does_its_work(broker_jobs, api):
    from annotation.jobs import BATCH_CHECK

    membership = MembershipFactory(role="annotator")
    batch = batch_of(membership.project, 2)
    api.force_authenticate(membership.user)
    annotate_everything(api, membership.project)
    assert Batch.objects.get(id=batch.id).status == BatchStatus.ANNOTATING
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1  # coalesced

    from config.celery import app

    app.conf.update(CELERY_TASK_ALWAYS_EAGER=True)  # "the broker" runs the job in-process
    assert outbox_drain() == 1
    assert outbox_drain() == 0
    dispatch_on_commit(BATCH_CHECK, batch.id)  # eager: runs after the commit

    assert Batch.objects.get(id=batch.id).status == BatchStatus.REVIEWING
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_submits_succeed_and_the_outbox_drains_after(api, redis_url):
    from tests.worker import RedisServer, wait_for

    membership = MembershipFactory(role="annotator")
    batch = batch_of(membership.project, 5)
    api.force_authenticate(membership.user)
    redis = RedisServer(redis_url)

    redis.stop()
    try:
        seconds = annotate_everything(api, membership.project)
        pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    finally:
        redis.start()

    assert len(seconds) == 5 and max(seconds) < 1.0  # nobody waited for Redis
    assert Assignment.objects.filter(status="submitted").count() == 5
    assert pending == 1  # the batch check, waiting in PostgreSQL
    wait_for(lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(), 60)
    wait_for(lambda: Batch.objects.get(id=batch.id).status == BatchStatus.REVIEWING, 60)


def test_a_starting_worker_sends_unfinished_chunks_again_once(broker_jobs):
    from annotation.ingest.tokenizing import tokenize_chunks_resend
    from annotation.models import JobStatus, TokenizeChunk, TokenizeRun
    from tests.factories import ProjectFactory

    project = ProjectFactory()
    running = TokenizeRun.objects.create(project=project, status=JobStatus.RUNNING)
    finished = TokenizeRun.objects.create(project=project, status=JobStatus.SUCCEEDED)
    lost = TokenizeChunk.objects.create(run=running, first_id=1, last_id=2, size=2)
    TokenizeChunk.objects.create(run=running, first_id=3, last_id=4, size=2, done=True)
    TokenizeChunk.objects.create(run=finished, first_id=5, last_id=6, size=2)

    assert tokenize_chunks_resend() == 1
    tokenize_chunks_resend()  # a second worker starting: the waiting message stands for both

    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert list(pending.values_list("task", "args")) == [
        ("annotation.pretokenize_chunk", [lost.id])
    ]


@pytest.mark.django_db(transaction=True)
def test_an_ended_publisher_has_no_thread_left_and_the_next_poke_starts_one_that_sends():
    from annotation.jobs import Publisher
    from config.celery import app

    publisher = Publisher()
    publisher.poke()
    first = publisher._thread
    assert first.is_alive()

    publisher.end()
    assert not first.is_alive()  # nothing of it sweeps during a later test

    batch = batch_of(MembershipFactory(role="annotator").project, 1)
    message = OutboxMessage.objects.create(task="annotation.batch_check", args=[batch.id])
    eager = app.conf.task_always_eager
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=True)  # "the broker" runs the job in-process
    try:
        publisher.poke()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not OutboxMessage.objects.get(id=message.id).sent_at:
            time.sleep(0.05)
    finally:
        publisher.end()
        app.conf.update(CELERY_TASK_ALWAYS_EAGER=eager)
    assert publisher._thread is None
    assert OutboxMessage.objects.get(id=message.id).sent_at is not None  # the new one sent it


def test_a_process_that_never_loaded_the_task_modules_finds_a_job_by_its_name():
    """Stages dispatch jobs by name and never import annotation.celery_tasks; a web process
    publishing the outbox finds the task all the same (Celery's discovery loads it)."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import django; django.setup()\n"
        "import sys\n"
        "from celery import current_app\n"
        "from annotation.jobs import BATCH_CHECK, _registered\n"
        "loaded_before = 'annotation.celery_tasks' in sys.modules\n"
        "print(loaded_before, _registered(BATCH_CHECK).name)\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True
    )

    assert done.stdout.split() == ["False", "annotation.batch_check"], done.stderr
