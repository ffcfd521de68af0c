import pytest

pytestmark = pytest.mark.django_db


def test_import_errors_are_reported_in_the_callers_language(upload, project, members, client_for):
    _, job = upload(project, "a.zip", b"PK\x03\x04" + b"\x00" * 10)

    chinese = client_for("manager").get(f"/api/v1/imports/{job['id']}/")
    english = client_for("manager").get(f"/api/v1/imports/{job['id']}/", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.json()["errors"][0]["reason"].startswith("文件是压缩包")
    assert english.json()["errors"][0]["reason"].startswith("the file is an archive")
