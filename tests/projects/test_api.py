import pytest

from accounts.services import user_ensure
from projects.models import Membership, Project, Role
from tests.conftest import ACTORS

pytestmark = pytest.mark.django_db

CAN_SEE = {"client", "annotator", "reviewer", "manager"}


@pytest.mark.parametrize("actor", ACTORS)
def test_project_detail_by_actor(client_for, project, actor):
    response = client_for(actor).get(f"/api/v1/projects/{project.id}/")

    if actor == "anonymous":
        assert response.status_code in (401, 403)
    elif actor in CAN_SEE:
        assert response.status_code == 200
        assert response.json()["name"] == project.name
        assert response.json()["role"] == actor
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("actor", ACTORS)
def test_project_list_shows_only_own_projects(client_for, project, actor):
    response = client_for(actor).get("/api/v1/projects/")

    if actor == "anonymous":
        assert response.status_code in (401, 403)
        return
    ids = [item["id"] for item in response.json()["results"]]
    assert (project.id in ids) is (actor in CAN_SEE)
    assert len(ids) == 1


@pytest.mark.parametrize("actor", ACTORS)
def test_project_create_by_actor(client_for, members, actor):
    before = Project.objects.count()

    response = client_for(actor).post("/api/v1/projects/", {"name": "新项目"}, format="json")

    # Project roles give no right to create: that is site staff's or the permission holder's.
    assert response.status_code in ((401, 403) if actor == "anonymous" else (403,))
    assert Project.objects.count() == before


def test_staff_creates_a_project_and_manages_it(api, user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    api.force_authenticate(user)

    response = api.post(
        "/api/v1/projects/", {"name": "医疗实体", "description": "病历"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "医疗实体"
    assert body["role"] == "manager"
    assert Membership.objects.get(project_id=body["id"], user=user).role == Role.MANAGER


def test_a_manager_with_the_right_creates_projects(api):
    user, _ = user_ensure(username="pm", password="pw-12345678", can_create_projects=True)
    api.force_authenticate(user)

    response = api.post("/api/v1/projects/", {"name": "分词校对"}, format="json")

    assert response.status_code == 201


def test_project_create_validates(api):
    user, _ = user_ensure(username="pm", password="pw-12345678", can_create_projects=True)
    api.force_authenticate(user)

    response = api.post("/api/v1/projects/", {"name": ""}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()
    assert not Project.objects.exists()


def test_unknown_and_malformed_project_ids_are_404(client_for, project):
    client = client_for("manager")

    assert client.get(f"/api/v1/projects/{project.id + 999}/").status_code == 404
    assert client.get("/api/v1/projects/abc/").status_code == 404


def test_project_list_query_count_does_not_grow(api, django_assert_max_num_queries):
    user, _ = user_ensure(username="pm", password="pw-12345678", can_create_projects=True)
    api.force_authenticate(user)
    for n in range(5):
        api.post("/api/v1/projects/", {"name": f"p{n}"}, format="json")

    with django_assert_max_num_queries(3):
        response = api.get("/api/v1/projects/")

    assert len(response.json()["results"]) == 5
