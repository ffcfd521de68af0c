"""Autosave with an API token: the token is checked in the compare-and-set itself
(annotation.work.views.TokenInStatement), and every other answer stays what it was."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotation.models import Assignment
from projects.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TEXT = "𠮷野家👩‍👩‍👧在北京开了新店。\n\n第二段：上海，很大！\n"


@pytest.fixture
def held(project, members, client_for, upload):
    """The annotator's token and the task they hold."""
    upload(project, "a.txt", TEXT.encode())
    task = client_for("annotator").post(f"/api/v1/projects/{project.id}/tasks/next/").json()
    return Token.objects.create(user=members["annotator"]).key, task


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def autosave(client: APIClient, task: dict, version: int = 0, draft=None, **extra):
    body = {"version": version, "draft": draft if draft is not None else {"spans": ["北京"]}}
    return client.put(f"/api/v1/assignments/{task['id']}/draft/", body, format="json", **extra)


def stored(task: dict) -> tuple[int, dict]:
    assignment = Assignment.objects.get(id=task["id"])
    return assignment.version, assignment.draft


def test_an_autosave_with_a_token_is_one_statement(held, django_assert_num_queries):
    key, task = held

    with django_assert_num_queries(1):
        response = autosave(with_token(key), task, draft={"spans": ["𠮷野家"]})

    assert response.status_code == 200
    assert response.json() == {"version": 1, "draft": {"spans": ["𠮷野家"]}}
    assert stored(task) == (1, {"spans": ["𠮷野家"]})


def test_a_stale_autosave_with_a_token_gets_409_and_the_stored_draft(held):
    key, task = held
    client = with_token(key)
    autosave(client, task, draft={"spans": ["上海"]})

    response = autosave(client, task, version=0)

    assert response.status_code == 409
    assert response.json() == {"version": 1, "draft": {"spans": ["上海"]}}


@pytest.mark.parametrize("who", ["unknown", "inactive"])
def test_a_token_that_names_nobody_active_is_refused_and_stores_nothing(held, members, who):
    key, task = held
    if who == "inactive":
        members["annotator"].is_active = False
        members["annotator"].save()
    else:
        key = "0" * 40

    response = autosave(with_token(key), task)

    # As everywhere in the API: 403, not 401, since session authentication comes first
    # and sends no challenge (tests/accounts/test_api.py).
    assert response.status_code == 403 and response.json()["detail"] == "认证令牌无效。"
    assert stored(task) == (0, {})


def test_a_token_of_someone_else_gets_404_on_the_annotators_work(held, project, members):
    _, task = held
    other = MembershipFactory(project=project, role=Role.ANNOTATOR, user__username="乙").user
    outsider_key = Token.objects.create(user=members["outsider"]).key

    for key in (Token.objects.create(user=other).key, outsider_key):
        assert autosave(with_token(key), task).status_code == 404
    assert stored(task) == (0, {})


def test_an_annotator_who_left_the_project_gets_404(held, project, members):
    key, task = held
    project.memberships.filter(user=members["annotator"]).delete()

    assert autosave(with_token(key), task).status_code == 404
    assert stored(task) == (0, {})


def test_a_body_that_is_not_json_is_refused_to_a_stranger_and_400_to_the_annotator(held):
    key, task = held
    url = f"/api/v1/assignments/{task['id']}/draft/"

    def broken(client):
        return client.generic("PUT", url, "{版本", content_type="application/json")

    assert broken(with_token("0" * 40)).json()["detail"] == "认证令牌无效。"
    assert broken(with_token(key)).status_code == 400
    assert stored(task) == (0, {})


def test_a_request_with_a_session_is_the_session_users_even_with_a_token(held, project):
    """DRF authenticates by the session first; the statement must not act for the token."""
    key, task = held
    other = MembershipFactory(project=project, role=Role.ANNOTATOR, user__username="乙").user
    client = APIClient()
    client.force_login(other)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = autosave(client, task)

    assert response.status_code == 404  # the task is the annotator's, not the session user's
    assert stored(task) == (0, {})
