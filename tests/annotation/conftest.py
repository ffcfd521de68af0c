import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture
def upload(client_for, django_capture_on_commit_callbacks):
    """POST a file to a project's imports as ``actor``; the job runs at commit, eagerly.

    Returns the upload's response and the job as the API then reports it.
    """

    def post(project, name: str, content: bytes, actor: str = "manager", **fields):
        client = client_for(actor)
        data = {"file": SimpleUploadedFile(name, content), **fields}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/api/v1/projects/{project.id}/imports/", data)
        if response.status_code != 202:
            return response, None
        # Reasons in English, so that the assertions read the same in any locale.
        job_url = f"/api/v1/imports/{response.json()['id']}/"
        job = client.get(job_url, HTTP_ACCEPT_LANGUAGE="en").json()
        return response, job

    return post
