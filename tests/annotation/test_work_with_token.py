"""Next task, autosave and submit with an API token, as scripts and the bench send them: DRF's
token authentication, then the same work path and the same answers as a session's."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotation.models import Assignment, Revision
from projects.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TEXT = "𠮷野家👩‍👩‍👧在北京开了新店。\n\n第二段：上海，很大！\n"
WRITES = ["autosave", "submit"]


@pytest.fixture
def held(project, members, client_for, upload):
    """The annotator's token and the task they hold."""
    project.labels.create(name="地名", kind="spans")
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


def submit(client: APIClient, task: dict, key: str = "", end: int = 3, then_next: bool = True):
    """The place name at the start of the snippet: 𠮷野家 (three code points)."""
    text = task["snippet"]["text"]
    span = {"start": 0, "end": end, "label": "地名", "text": text[:end]}
    return client.post(
        f"/api/v1/assignments/{task['id']}/submit/" + ("?next=1" if then_next else ""),
        {"spans": [span], "time_spent_ms": 4200},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def write(kind: str, client: APIClient, task: dict):
    return autosave(client, task) if kind == "autosave" else submit(client, task)


def stored(task: dict) -> tuple[int, dict, int]:
    """The assignment's version and draft, and how many revisions it has."""
    assignment = Assignment.objects.get(id=task["id"])
    return assignment.version, assignment.draft, assignment.revisions.count()


NOTHING = (0, {}, 0)
# DRF's answers to an unknown token and to the token of an inactive user.
REFUSED = ("认证令牌无效。", "用户未激活或者已删除。")


def test_an_autosave_with_a_token_stores_the_draft(held):
    key, task = held

    response = autosave(with_token(key), task, draft={"spans": ["𠮷野家"]})

    assert response.status_code == 200
    assert response.json() == {"version": 1, "draft": {"spans": ["𠮷野家"]}}
    assert stored(task) == (1, {"spans": ["𠮷野家"]}, 0)


def test_a_submit_with_a_token_stores_the_revision_and_hands_out_the_next_task(held):
    key, task = held

    response = submit(with_token(key), task, key="k1")

    assert response.status_code == 201
    answer = response.json()
    assert answer["number"] == 1 and answer["time_spent_ms"] == 4200 and not answer["late"]
    assert answer["spans"] == [{"start": 0, "end": 3, "label": "地名"}]  # 𠮷野家, checked
    assert answer["next"]["annotator"] == "annotator"
    assert answer["next"]["snippet"]["text"].startswith("第二段")
    revision = Revision.objects.get(assignment_id=task["id"])
    assert (revision.id, revision.annotator.username) == (answer["id"], "annotator")
    assert Assignment.objects.get(id=answer["next"]["id"]).annotator.username == "annotator"


def next_task(client: APIClient, project):
    return client.post(f"/api/v1/projects/{project.id}/tasks/next/")


def test_a_next_task_with_a_token_claims_for_the_tokens_holder(held, project):
    key, task = held
    client = with_token(key)
    submit(client, task, then_next=False)

    response = next_task(client, project)

    assert response.status_code == 200
    claimed = response.json()
    assert claimed["annotator"] == "annotator" and claimed["version"] == 0
    assert claimed["snippet"]["text"].startswith("第二段")
    assert Assignment.objects.get(id=claimed["id"]).annotator.username == "annotator"


@pytest.mark.parametrize("kind", WRITES)
@pytest.mark.parametrize("change", ["deactivated", "token deleted"])
def test_a_change_to_the_token_or_its_user_takes_effect_at_once(held, members, change, kind):
    key, task = held
    client = with_token(key)
    assert autosave(client, task, draft={"spans": []}).status_code == 200
    if change == "deactivated":
        members["annotator"].is_active = False
        members["annotator"].save(update_fields=["is_active"])
    else:
        Token.objects.filter(key=key).delete()

    response = write(kind, client, task)

    assert response.status_code == 403 and response.json()["detail"] in REFUSED
    assert stored(task) == (1, {"spans": []}, 0)


def test_a_next_task_with_a_token_hands_back_the_task_held_then_says_nothing_is_left(held, project):
    key, task = held
    client = with_token(key)

    assert next_task(client, project).json()["id"] == task["id"]
    following = submit(client, task).json()["next"]
    submit(client, following, then_next=False)
    assert next_task(client, project).status_code == 204


@pytest.mark.parametrize("who, code", [("outsider", 404), ("client", 403), ("unknown", 403)])
def test_a_next_task_with_a_token_of_no_annotator_is_refused(held, project, members, who, code):
    key = "0" * 40 if who == "unknown" else Token.objects.create(user=members[who]).key

    response = next_task(with_token(key), project)

    assert response.status_code == code
    assert Assignment.objects.filter(project=project).count() == 1  # the held one


def test_a_retried_submit_with_a_token_returns_the_same_revision(held):
    key, task = held
    client = with_token(key)

    first, again = submit(client, task, key="k1"), submit(client, task, key="k1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["next"] == first.json()["next"]  # the task it holds, not a new one
    assert stored(task)[2] == 1


def test_the_last_submit_with_a_token_says_nothing_is_left(held):
    key, task = held
    client = with_token(key)
    following = submit(client, task).json()["next"]

    last = submit(client, following)

    assert last.status_code == 201 and last.json()["next"] is None


def test_a_submit_that_does_not_fit_names_the_span_to_the_annotator_only(held, members):
    key, task = held
    stranger = Token.objects.create(user=members["outsider"]).key

    assert submit(with_token(stranger), task, end=99).status_code == 404
    response = submit(with_token(key), task, end=99)

    assert response.status_code == 400 and "spans" in response.json()
    assert stored(task) == NOTHING


def test_a_stale_autosave_with_a_token_gets_409_and_the_stored_draft(held):
    key, task = held
    client = with_token(key)
    autosave(client, task, draft={"spans": ["上海"]})

    response = autosave(client, task, version=0)

    assert response.status_code == 409
    assert response.json() == {"version": 1, "draft": {"spans": ["上海"]}}


@pytest.mark.parametrize("kind", WRITES)
@pytest.mark.parametrize("who", ["unknown", "inactive"])
def test_a_token_that_names_nobody_active_is_refused_and_stores_nothing(held, members, who, kind):
    key, task = held
    if who == "inactive":
        members["annotator"].is_active = False
        members["annotator"].save()
    else:
        key = "0" * 40

    response = write(kind, with_token(key), task)

    # As everywhere in the API: 403, not 401, since session authentication comes first
    # and sends no challenge (tests/accounts/test_api.py).
    assert response.status_code == 403 and response.json()["detail"] in REFUSED
    assert stored(task) == NOTHING


@pytest.mark.parametrize("kind", WRITES)
def test_a_token_of_someone_else_gets_404_on_the_annotators_work(held, project, members, kind):
    _, task = held
    other = MembershipFactory(project=project, role=Role.ANNOTATOR, user__username="乙").user
    outsider_key = Token.objects.create(user=members["outsider"]).key

    for key in (Token.objects.create(user=other).key, outsider_key):
        assert write(kind, with_token(key), task).status_code == 404
    assert stored(task) == NOTHING
    assert Assignment.objects.filter(annotator=other).count() == 0  # no next task either


@pytest.mark.parametrize("kind", WRITES)
def test_an_annotator_who_left_the_project_gets_404(held, project, members, kind):
    key, task = held
    project.memberships.filter(user=members["annotator"]).delete()

    assert write(kind, with_token(key), task).status_code == 404
    assert stored(task) == NOTHING


@pytest.mark.parametrize("path", ["draft", "submit"])
def test_a_body_that_is_not_json_is_refused_to_a_stranger_and_400_to_the_annotator(held, path):
    key, task = held
    url = f"/api/v1/assignments/{task['id']}/{path}/"

    def broken(client):
        method = "PUT" if path == "draft" else "POST"
        return client.generic(method, url, "{版本", content_type="application/json")

    assert broken(with_token("0" * 40)).json()["detail"] == "认证令牌无效。"
    assert broken(with_token(key)).status_code == 400
    assert stored(task) == NOTHING


@pytest.mark.parametrize("kind", WRITES)
def test_a_request_with_a_session_is_the_session_users_even_with_a_token(held, project, kind):
    """DRF authenticates by the session first; nothing acts for the token."""
    key, task = held
    other = MembershipFactory(project=project, role=Role.ANNOTATOR, user__username="乙").user
    client = APIClient()
    client.force_login(other)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = write(kind, client, task)

    assert response.status_code == 404  # the task is the annotator's, not the session user's
    assert stored(task) == NOTHING
    claimed = next_task(client, project).json()
    assert claimed["annotator"] == "乙" and claimed["id"] != task["id"]


@pytest.mark.parametrize("kind", WRITES)
def test_a_superuser_who_left_the_project_still_writes_their_own_work(held, project, members, kind):
    """A superuser acts as a manager anywhere, and their own work stays theirs."""
    key, task = held
    admin = members["annotator"]
    admin.is_superuser = True
    admin.save()
    project.memberships.filter(user=admin).delete()

    response = write(kind, with_token(key), task)

    assert response.status_code == (200 if kind == "autosave" else 201)
    assert stored(task)[0 if kind == "autosave" else 2] == 1
