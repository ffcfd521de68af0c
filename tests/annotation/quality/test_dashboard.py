"""The quality dashboard: charts drawn on the server, for reviewers and managers only."""

import pytest

from annotation.models import Batch
from tests.annotation.quality.conftest import annotate_everything
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(client, username):
    client.login(username=username, password=PASSWORD)
    return client


def test_the_dashboard_draws_progress_qualification_and_agreement(
    quality_project, client, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    Batch.objects.update(name="<script>alert(1)</script>")

    html = logged_in(client, "reviewer").get(f"/projects/{quality_project.id}/quality/")

    page = html.content.decode()
    assert html.status_code == 200
    assert page.count("<svg") >= 4  # progress, per annotator, span and class agreement
    assert "每天提交的片段" in page and "人名" not in page  # titles in Chinese; only used labels
    assert "地名" in page and "a1" in page and "a3" in page
    assert "<script>alert(1)</script>" not in page  # a batch name is text, in SVG too


@pytest.mark.parametrize(
    "actor, code", [("outsider", 404), ("client", 403), ("annotator", 403), ("manager", 200)]
)
def test_the_dashboard_by_actor(quality_project, client, actor, code):
    assert (
        logged_in(client, actor).get(f"/projects/{quality_project.id}/quality/").status_code == code
    )
