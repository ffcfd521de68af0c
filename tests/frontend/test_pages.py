"""Pages: log-in, project list and project page; Chinese by default, English on request."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default_whatever_the_browser_says(client):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "用户名" in html


def test_english_on_request(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    html = client.get("/login/").content.decode()

    assert '<html lang="en">' in html
    assert "Username" in html


def test_the_javascript_catalog_is_chinese(client):
    script = client.get("/jsi18n/").content.decode()

    assert "\\u6392\\u961f\\u4e2d" in script or "排队中" in script  # "Waiting"


@pytest.mark.parametrize("path", ["/", "/projects/{id}/"])
def test_pages_need_a_login(client, project, path):
    response = client.get(path.format(id=project.id))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("actor", ["outsider", "client", "annotator", "reviewer", "manager"])
def test_project_page_by_actor(client, project, members, actor):
    client.force_login(members[actor])

    response = client.get(f"/projects/{project.id}/")

    if actor == "outsider":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert project.name in html
    # Only managers get the import panel; reviewers and managers see snippets.
    assert ('id="import-panel"' in html) is (actor == "manager")
    assert ('id="settings-form"' in html) is (actor == "manager")
    assert ('id="data-table"' in html) is (actor in ("manager", "reviewer"))
    assert ('id="table-actions"' in html) is (actor == "manager")


def test_project_list_page_and_log_in(client, members):
    response = client.post("/login/", {"username": "annotator", "password": PASSWORD})
    assert response.status_code == 302

    html = client.get("/").content.decode()
    assert "项目" in html
    assert 'src="/static/frontend/project_list.js"' in html


def test_text_from_users_is_escaped(client, project, members):
    project.name = "<img src=x onerror=alert(1)>"
    project.save(update_fields=["name"])
    client.force_login(members["manager"])

    html = client.get(f"/projects/{project.id}/").content.decode()

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_guidelines_reach_the_page_as_data_never_as_markup(client, project, members):
    project.guidelines = "# 规范\n\n</script><script>alert(1)</script>"
    project.save(update_fields=["guidelines"])
    client.force_login(members["annotator"])

    html = client.get(f"/projects/{project.id}/").content.decode()

    # The source sits in a JSON script element, escaped; markdown.js renders it as text.
    assert 'id="guidelines-source"' in html
    assert "<script>alert(1)</script>" not in html
    assert "\\u003C/script\\u003E" in html


@pytest.mark.parametrize("actor", ["outsider", "client", "annotator", "reviewer", "manager"])
def test_workspace_page_by_actor(client, project, members, actor):
    client.force_login(members[actor])

    response = client.get(f"/projects/{project.id}/annotate/")

    expected = {"outsider": 404, "client": 403}.get(actor, 200)
    assert response.status_code == expected
    if expected == 200:
        assert 'id="workspace-setup"' in response.content.decode()


def test_logging_in_is_throttled_per_address_and_username(client, members):
    answers = [
        client.post("/login/", {"username": "annotator", "password": "wrong"}).status_code
        for _ in range(10)
    ]

    refused = client.post("/login/", {"username": "Annotator ", "password": PASSWORD})
    colleague = client.post("/login/", {"username": "reviewer", "password": PASSWORD})

    assert answers == [200] * 10  # the form again, with its error
    assert refused.status_code == 429 and "尝试登录的次数过多" in refused.content.decode()
    assert colleague.status_code == 302  # the same office address, another person
