"""Imports and pre-tokenization on a real Celery worker (PostgreSQL + Redis, CI's 2nd run)."""

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from annotation.ingest.services import import_create
from annotation.ingest.tokenizing import tokenizer_update
from annotation.models import ImportJob, JobStatus, Snippet, TokenizeChunk
from tests.factories import MembershipFactory
from tests.worker import WorkerProcess, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def where_jobs_stand(job_id: int) -> str:
    """What a stuck test should say: the job, its run, and the outbox."""
    from annotation.models import OutboxMessage

    job = ImportJob.objects.select_related("tokenize_run").get(id=job_id)
    run = job.tokenize_run
    pending = list(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("task", "args"))
    chunks = f"{run.chunks_done}/{run.chunks_total} chunks, {run.status}" if run else "no run"
    return f"import {job.status} (attempts {job.attempts}), {chunks}, outbox pending {pending}"


def import_done(job_id: int) -> bool:
    job = ImportJob.objects.select_related("tokenize_run").get(id=job_id)
    assert job.status != JobStatus.FAILED, job.errors
    return job.status == JobStatus.SUCCEEDED and job.tokenize_run.status == JobStatus.SUCCEEDED


def test_an_upload_is_imported_and_tokenized_by_the_worker(api):
    manager = MembershipFactory(role="manager").user
    project = manager.memberships.get().project
    api.force_authenticate(manager)
    content = "聊城建成7个数据标注产业基地。\n\n企业当前日均处理10万帧图像。\n".encode()

    response = api.post(
        f"/api/v1/projects/{project.id}/imports/", {"file": SimpleUploadedFile("a.txt", content)}
    )

    assert response.status_code == 202
    assert response.json()["status"] == "pending"  # the work happens in the worker
    wait_for(lambda: import_done(response.json()["id"]), timeout=60)
    body = api.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert body["status"] == "succeeded"
    assert body["snippets"] == body["tokenized"] == 2
    assert all(s.tokens for s in Snippet.objects.filter(project=project))


def start_big_import(count: int):
    """Queue an import of ``count`` distinct one-sentence records; returns membership, job."""
    membership = MembershipFactory(role="manager")
    records = [
        json.dumps(
            {"text": f"第{n}号：聊城数据标注基地日均处理{n}万帧图像，带动就业。"},
            ensure_ascii=False,
        )
        for n in range(count)
    ]
    upload = SimpleUploadedFile("big.jsonl", "\n".join(records).encode())
    with transaction.atomic():
        job = import_create(project=membership.project, user=membership.user, upload=upload)
    return membership, job


def test_a_worker_killed_mid_import_ends_with_every_snippet_tokenized_once(worker):
    """The file (3 MB) is prepared in a pool of processes (preparing.py) that dies too."""
    membership, job = start_big_import(30000)

    wait_for(lambda: ImportJob.objects.get(id=job.id).status == JobStatus.RUNNING, step=0.05)
    time.sleep(0.5)
    worker.kill()
    assert ImportJob.objects.get(id=job.id).status == JobStatus.RUNNING
    assert not Snippet.objects.filter(project=membership.project).exists()
    worker.start()

    wait_for(lambda: import_done(job.id), timeout=240, describe=lambda: where_jobs_stand(job.id))
    job.refresh_from_db()
    assert job.attempts >= 2
    assert job.snippets == 30000
    snippets = Snippet.objects.filter(project=membership.project)
    assert snippets.count() == 30000
    assert not snippets.exclude(tokenizer_version=job.tokenize_run.tokenizer_version).exists()
    assert job.tokenize_run.snippets_done == job.tokenize_run.snippets_total == 30000


def test_a_worker_killed_as_a_whole_has_its_import_taken_up_when_one_starts(worker):
    """Without the resend at start, the killed worker's import would wait for the broker's
    visibility timeout: an hour here, as in production."""
    membership, job = start_big_import(30000)
    wait_for(lambda: ImportJob.objects.get(id=job.id).status == JobStatus.RUNNING, step=0.05)
    time.sleep(0.5)
    worker.kill()
    hourly = WorkerProcess(dict(worker.env, BIAOZHU_BROKER_VISIBILITY_TIMEOUT="3600"))
    hourly.start()
    try:
        wait_for(
            lambda: import_done(job.id), timeout=180, describe=lambda: where_jobs_stand(job.id)
        )
    finally:
        hourly.stop()
        # The session's worker, whose short timeout gives the killed worker's message back:
        # it finds the import done and changes nothing.
        worker.start()
    job.refresh_from_db()
    assert job.attempts >= 2 and job.snippets == 30000
    assert Snippet.objects.filter(project=membership.project).count() == 30000


def test_a_worker_killed_mid_tokenization_counts_every_chunk_once(worker):
    membership, job = start_big_import(20000)
    wait_for(lambda: import_done(job.id), timeout=240, describe=lambda: where_jobs_stand(job.id))
    # The import tokenized as it wrote; a change of the tokenizer tokenizes in chunks.
    run = tokenizer_update(project=membership.project, hmm=False, words=[])

    def tokenizing() -> bool:
        run.refresh_from_db()
        return 0 < run.chunks_done < run.chunks_total

    wait_for(tokenizing, step=0.02)
    worker.kill()
    worker.start()

    def tokenized() -> bool:
        run.refresh_from_db()
        return run.status == JobStatus.SUCCEEDED

    wait_for(tokenized, timeout=240)
    assert run.chunks_done == run.chunks_total == 40
    assert run.snippets_done == run.snippets_total == 20000
    assert not TokenizeChunk.objects.filter(run=run, done=False).exists()
    snippets = Snippet.objects.filter(project=membership.project)
    assert not snippets.exclude(tokenizer_version=run.tokenizer_version).exists()
