"""The downloads page and the API token scripts download with."""

import pytest

from annotation.models import Batch, ExportJob
from tests.annotation.delivery.test_peer_imports import exported
from tests.conftest import ACTORS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ACTORS)
def test_the_downloads_page_by_actor(client, project, members, actor):
    if actor != "anonymous":
        client.force_login(members[actor])

    response = client.get(f"/projects/{project.id}/downloads/")

    expected = {
        "anonymous": 302,  # to the log-in page
        "outsider": 404,
        "annotator": 403,
        "client": 200,
        "reviewer": 200,
        "manager": 200,
    }[actor]
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        # Clients export accepted batches' final annotations only: no choice offered.
        assert ('name="version"' in html) is (actor != "client")


def test_a_client_sees_only_accepted_batches_to_pick(client, project, members):
    Batch.objects.create(project=project, name="验收通过的包", status="accepted")
    Batch.objects.create(project=project, name="还在质检的包", status="reviewing")
    client.force_login(members["client"])

    html = client.get(f"/projects/{project.id}/downloads/").content.decode()

    assert "验收通过的包" in html and "还在质检的包" not in html


@pytest.mark.parametrize("actor", ACTORS)
def test_my_token_by_actor(client_for, members, actor):
    client = client_for(actor)

    shown = client.get("/api/v1/me/token/")
    again = client.get("/api/v1/me/token/")

    if actor == "anonymous":
        assert shown.status_code in (401, 403)
        return
    assert shown.status_code == 200 and shown.json() == again.json()  # made once, then kept
    assert shown["Cache-Control"] == "no-store"  # a credential: in no cache on the way


def test_every_answer_holding_a_token_is_kept_in_no_cache(client_for, api, members):
    manager = client_for("manager")
    members["manager"].set_password("a-long-password-1")
    members["manager"].save()

    answers = [
        manager.get("/api/v1/me/token/"),
        manager.post("/api/v1/me/token/"),
        api.post(
            "/api/v1/auth/token/",
            {"username": "manager", "password": "a-long-password-1"},
            format="json",
        ),
    ]

    assert [answer.status_code for answer in answers] == [200, 201, 200]
    assert all(answer["Cache-Control"] == "no-store" for answer in answers)


def test_a_replaced_token_stops_the_old_one_at_once(client_for, api, members):
    manager = client_for("manager")
    old = manager.get("/api/v1/me/token/").json()["token"]

    new = manager.post("/api/v1/me/token/").json()["token"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    refused = api.get("/api/v1/me/")
    api.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    accepted = api.get("/api/v1/me/")
    assert new != old and refused.status_code in (401, 403)
    assert accepted.status_code == 200 and accepted.json()["username"] == "manager"


@pytest.mark.django_db(transaction=True)
def test_a_client_exports_and_downloads_in_the_browser(
    project, members, upload, page_for, live_server
):
    _, job = upload(project, "a.jsonl", exported("doccano"), format="doccano", annotations="final")
    Batch.objects.filter(project=project).update(status="accepted")
    page = page_for("client")

    page.goto(f"{live_server.url}/projects/{project.id}/")
    page.click("#downloads-link")
    page.select_option("select[name=format]", "conll-bmes")
    page.click("#export-form button[type=submit]")
    ready = page.locator("#exports tr[data-status=succeeded]")
    ready.wait_for()
    with page.expect_download() as download:
        ready.get_by_role("link", name="下载").first.click()
    page.click("#token-show")
    page.locator("#token:not([hidden])").wait_for()

    content = open(download.value.path(), encoding="utf-8").read()
    [made] = ExportJob.objects.all()
    assert job["status"] == "succeeded" and made.format == "conll-bmes" and made.items == 2
    assert content == exported("conll-bmes").decode()
    assert download.value.suggested_filename.endswith("-conll-bmes.txt")
    token = page.locator("#token").inner_text()
    assert len(token) == 40 and f"Token {token}" in page.locator("#token-example").inner_text()
    assert page.errors == []


def test_a_new_password_ends_the_api_token_at_once(client_for, api, members):
    manager = client_for("manager")
    old = manager.get("/api/v1/me/token/").json()["token"]
    user = members["manager"]

    user.set_password("another-long-password-2")
    user.save()

    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.get("/api/v1/me/").status_code in (401, 403)
    new = client_for("manager")  # logged in afresh: a new token, which works
    token = new.get("/api/v1/me/token/").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert token != old and api.get("/api/v1/me/").status_code == 200
