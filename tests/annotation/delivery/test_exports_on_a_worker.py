"""An export on a real Celery worker (PostgreSQL + Redis, CI's second run), killed on the
way: the retry writes the file once, whole."""

import gzip

import pytest
from django.db import transaction

from annotation.delivery.services import export_create
from annotation.delivery.storage import stored_chunks
from annotation.jobs import progress_read
from annotation.models import Adjudication, Batch, ExportJob, FinalDirty, JobStatus
from annotation.quality.finals import finals_refresh
from tests.factories import MembershipFactory, snippets_of
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

COUNT = 100_000


def accepted_project(count: int):
    """``count`` snippets with a final annotation each, their batch accepted."""
    membership = MembershipFactory(role="manager")
    project = membership.project
    batch = Batch.objects.create(project=project, name="包", status="accepted", size=count)
    texts = (f"第{n}号：聊城数据标注基地日均处理{n}万帧图像。" for n in range(count))
    snippets = snippets_of(project, texts, batch)
    Adjudication.objects.bulk_create(
        (
            Adjudication(
                project=project, snippet=snippet, spans=[{"start": 4, "end": 6, "label": "地名"}]
            )
            for snippet in snippets
        ),
        batch_size=5000,
    )
    # As settlements do, and the refresh job after them: the export finds the finals stored.
    FinalDirty.objects.mark(project_id=project.id, snippet_ids=[s.id for s in snippets])
    finals_refresh(project_id=project.id)
    return membership


def test_a_worker_killed_mid_export_writes_the_file_once_whole(worker):
    membership = accepted_project(COUNT)
    with transaction.atomic():
        job, _ = export_create(
            project=membership.project, user=membership.user, file_format="conll-bio"
        )

    # Killed once the file is partly written (the job's live progress, in the shared cache).
    wait_for(lambda: progress_read("export", job.id, 0.0) >= 0.1, step=0.02)
    worker.kill()
    assert ExportJob.objects.get(id=job.id).status == JobStatus.RUNNING
    assert not job.chunks.exists()  # nothing of the killed attempt was kept
    worker.start()

    wait_for(lambda: ExportJob.objects.get(id=job.id).finished, timeout=240)
    job.refresh_from_db()
    content = gzip.decompress(b"".join(stored_chunks(job))).decode()
    blocks = content.split("\n\n")
    assert job.status == JobStatus.SUCCEEDED and job.attempts >= 2
    assert list(job.chunks.order_by("seq").values_list("seq", flat=True)) == list(
        range(job.chunks.count())
    )
    assert job.items == COUNT and len(content.encode()) == job.size
    assert len(blocks) == COUNT + 1 and blocks[-1] == ""  # every snippet once, in order
    assert blocks[7].splitlines()[3:6] == ["： O", "聊 B-地名", "城 I-地名"]
