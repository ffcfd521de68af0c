import pytest

pytestmark = pytest.mark.django_db


def test_import_errors_are_reported_in_the_callers_language(upload, project, members, client_for):
    _, job = upload(project, "a.zip", b"PK\x03\x04" + b"\x00" * 10)

    chinese = client_for("manager").get(f"/api/v1/imports/{job['id']}/")
    english = client_for("manager").get(f"/api/v1/imports/{job['id']}/", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.json()["errors"][0]["reason"].startswith("文件是压缩包")
    assert english.json()["errors"][0]["reason"].startswith("the file is an archive")


def test_set_up_errors_are_chinese_by_default(project, members, client_for):
    url = f"/api/v1/projects/{project.id}/members/"

    chinese = client_for("manager").post(url, {"username": "无名", "role": "annotator"})
    english = client_for("manager").post(
        url, {"username": "无名", "role": "annotator"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert chinese.json()["username"] == ["没有你可以添加的、名为 无名 的有效用户。"]
    assert english.json()["username"] == ["No active user you may add is called 无名."]


def test_a_refused_submit_names_the_span_in_the_callers_language(project, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans"], "labels": [{"name": "人名", "kind": "spans"}]},
        format="json",
    )
    upload(project, "a.txt", "张三在北京。\n".encode())
    annotator = client_for("annotator")
    task = annotator.post(f"/api/v1/projects/{project.id}/tasks/next/").json()
    url = f"/api/v1/assignments/{task['id']}/submit/"
    body = {"spans": [{"start": 0, "end": 2, "label": "地名", "text": "张三"}]}

    chinese = annotator.post(url, body, format="json")
    english = annotator.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.json() == {"spans": {"0": ["未知标签 '地名'"]}}
    assert english.json() == {"spans": {"0": ["unknown label '地名'"]}}
