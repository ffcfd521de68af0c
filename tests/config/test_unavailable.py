"""A database connection lost under a request: 503, retryable; the retry stores the work
once, and the next request connects afresh."""

import psycopg
import pytest
from django.db import connection

from annotation.models import Revision
from tests.factories import snippets_of


def _cut_the_connection() -> None:
    """End this process's PostgreSQL session from another one, as a server restart does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server session to end")
@pytest.mark.django_db(transaction=True)
def test_a_submit_whose_connection_is_lost_answers_503_and_its_retry_stores_it_once(
    project, client_for
):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["classes"], "labels": [{"name": "正面", "kind": "classes"}]},
        format="json",
    )
    snippets_of(project, ["床前明月光，𠮷😀。"])
    client = client_for("annotator")
    task = client.post(f"/api/v1/projects/{project.id}/tasks/next/").json()
    path = f"/api/v1/assignments/{task['id']}/submit/"
    body = {"classes": ["正面"]}

    _cut_the_connection()
    lost = client.post(
        path, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert lost.status_code == 503
    assert lost["Retry-After"] == "2"
    assert lost.json()["retryable"] is True
    assert "could not be reached" in lost.json()["detail"]
    connection.close()  # what Django does at the end of a request whose connection failed
    assert Revision.objects.count() == 0
    again = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    repeat = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert repeat.json()["id"] == again.json()["id"]
    assert Revision.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server session to end")
@pytest.mark.django_db(transaction=True)
def test_a_page_whose_connection_is_lost_answers_503_in_plain_text(project, members, client):
    client.force_login(members["manager"])
    _cut_the_connection()

    response = client.get(f"/projects/{project.id}/")
    connection.close()

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response["Content-Type"].startswith("text/plain")
