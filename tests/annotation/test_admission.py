"""Heavy jobs: their own queue, one export for a burst of the same, caps per user and
project, so that one tenant cannot hold every other tenant's work behind theirs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation import jobs
from annotation.models import ExportJob, ImportJob, OutboxMessage, QualityRun
from annotation.quality.services import quality_run_start
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def exports(project):
    return f"/api/v1/projects/{project.id}/exports/"


def test_heavy_jobs_have_a_queue_of_their_own():
    queue_of = {
        name: celery_app.amqp.router.route({}, name)["queue"].name
        for name in (
            jobs.IMPORT_FILE,
            jobs.EXPORT,
            jobs.QUALITY_RUN,
            jobs.PRETOKENIZE_CHUNK,
            jobs.BATCH_CHECK,
            jobs.FINALS_REFRESH,
        )
    }

    assert queue_of == {
        jobs.IMPORT_FILE: "heavy",
        jobs.EXPORT: "heavy",
        jobs.QUALITY_RUN: "heavy",
        jobs.PRETOKENIZE_CHUNK: "celery",
        jobs.BATCH_CHECK: "celery",
        jobs.FINALS_REFRESH: "celery",
    }
    # A worker told nothing takes both queues.
    assert {queue.name for queue in celery_app.conf.task_queues} == {"celery", "heavy"}


def test_a_burst_of_the_same_export_queues_one(project, client_for, broker_jobs):
    manager = client_for("manager")
    body = {"format": "jsonl", "status": "all", "batches": []}

    answers = [manager.post(exports(project), body, format="json") for _ in range(5)]
    other = manager.post(exports(project), {**body, "format": "conll-bio"}, format="json")
    reviewer = client_for("reviewer").post(exports(project), body, format="json")

    assert [answer.status_code for answer in answers] == [202, 200, 200, 200, 200]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert other.status_code == 202 and reviewer.status_code == 202  # not the same export
    assert ExportJob.objects.count() == 3


def test_one_person_may_have_three_heavy_jobs_waiting(
    project, client_for, members, broker_jobs, settings
):
    settings.BIAOZHU_JOBS_PER_USER = 3
    manager = client_for("manager")
    upload = {"file": SimpleUploadedFile("a.txt", "北京欢迎你。".encode())}
    imported = manager.post(f"/api/v1/projects/{project.id}/imports/", upload)
    queued = [
        manager.post(exports(project), {"format": name, "status": "all"}, format="json")
        for name in ("jsonl", "conll-bio", "doccano")
    ]
    run = manager.post(f"/api/v1/projects/{project.id}/quality-runs/")
    # Someone else of the project is not held back by the manager's jobs.
    theirs = client_for("reviewer").post(exports(project), {"format": "jsonl"}, format="json")

    assert imported.status_code == 202
    assert [answer.status_code for answer in queued] == [202, 202, 429]
    assert "3" in queued[-1].json()["detail"] and run.status_code == 429
    assert theirs.status_code == 202
    assert ImportJob.objects.count() == 1 and ExportJob.objects.count() == 3
    assert not QualityRun.objects.exists()
    # Once one has finished, the next is taken.
    ExportJob.objects.filter(format="jsonl", created_by=members["manager"]).update(
        status="succeeded"
    )
    again = manager.post(exports(project), {"format": "doccano", "status": "all"}, format="json")
    assert again.status_code == 202


def test_a_project_has_a_cap_of_its_own(project, client_for, members, broker_jobs, settings):
    settings.BIAOZHU_JOBS_PER_PROJECT = 2
    client_for("manager").post(exports(project), {"format": "jsonl"}, format="json")
    client_for("reviewer").post(exports(project), {"format": "jsonl"}, format="json")

    refused = client_for("client").post(exports(project), {"format": "jsonl"}, format="json")
    elsewhere = members["outsider"].memberships.get().project

    assert refused.status_code == 429 and "项目" in refused.json()["detail"]
    outsider = client_for("outsider").post(exports(elsewhere), {"format": "jsonl"}, format="json")
    assert outsider.status_code == 202  # another tenant is not held back
    # The platform's own runs (a batch completing) are never refused.
    run, created = quality_run_start(project=project)
    assert created and run.created_by is None


def test_a_starting_worker_sends_again_the_heavy_jobs_left_unfinished(
    project, members, broker_jobs
):
    manager = members["manager"]
    left = {
        "running import": ImportJob.objects.create(project=project, status="running"),
        "pending export": ExportJob.objects.create(
            project=project, created_by=manager, format="jsonl", status="pending"
        ),
        "running run": QualityRun.objects.create(project=project, status="running"),
    }
    ExportJob.objects.create(project=project, format="jsonl", status="succeeded")
    QualityRun.objects.create(project=project, status="failed")

    sent = jobs.heavy_jobs_resend()
    again = jobs.heavy_jobs_resend()  # a second worker starting: one message waits per job

    waiting = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert sent == again == 3
    assert sorted(waiting.values_list("task", "args")) == sorted(
        [
            (jobs.IMPORT_FILE, [left["running import"].id]),
            (jobs.EXPORT, [left["pending export"].id]),
            (jobs.QUALITY_RUN, [left["running run"].id]),
        ]
    )
