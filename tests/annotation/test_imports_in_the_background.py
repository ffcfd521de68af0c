"""Without a broker (the embedded default) an import runs beside the request that asked
for it: the upload answers at once with the job, which the page then follows to its end."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from annotation.models import ImportJob, JobStatus, Snippet

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_upload_answers_at_once_and_the_import_ends_beside_it(
    project, members, client_for, settings
):
    settings.BIAOZHU_JOBS_IN_BACKGROUND = True
    rows = ["text"] + [f"第{n}号：聊城数据标注基地日均处理{n}万帧图像。" for n in range(3000)]
    upload = SimpleUploadedFile("big.csv", "\n".join(rows).encode())

    answer = client_for("manager").post(f"/api/v1/projects/{project.id}/imports/", {"file": upload})

    assert answer.status_code == 202 and answer.json()["status"] in ("pending", "running")
    deadline = time.monotonic() + 120
    job = None
    while time.monotonic() < deadline:
        try:  # SQLite's shared test database may be locked by the import for a moment
            job = ImportJob.objects.get(id=answer.json()["id"])
        except OperationalError:
            continue
        if job.status not in (JobStatus.PENDING, JobStatus.RUNNING):
            break
        time.sleep(0.2)
    assert job is not None and job.status == JobStatus.SUCCEEDED, job and job.errors
    assert Snippet.objects.filter(project=project).count() == 3000
