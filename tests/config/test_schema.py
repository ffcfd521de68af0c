from django.core.management import call_command


def test_the_openapi_schema_builds_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))

    text = target.read_text()
    for path in ("/api/v1/projects/{project_id}/tasks/next/", "/api/v1/imports/{import_id}/"):
        assert path in text


def test_schema_and_docs_are_served(client, db):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
