"""The manager's side of suggestions: how each model did, training again, the gazetteer."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import GazetteerEntry, MachineSuggestion, ProjectModel

pytestmark = pytest.mark.django_db


def url(project, what: str) -> str:
    return f"/api/v1/projects/{project.id}/{what}/"


def test_a_reviewer_sees_how_each_model_did_beside_its_baseline(learning, client_for):
    answer = client_for("reviewer").get(url(learning, "suggestions"))

    assert answer.status_code == 200
    body = answer.json()
    [model] = body["models"]
    assert model["engine"] == "crf-spans" and model["version"] == 1
    assert model["trained_on"] + model["held_out"] == 40
    assert 0.0 <= model["baseline_f1"] <= 1.0 and 0.0 <= model["f1"] <= 1.0
    assert body["suggested"]["dictionary"] == 2  # the two open snippets with a name
    assert body["suggest_every"] == 100 and body["gazetteer"] == 0


@pytest.mark.parametrize(
    ("actor", "status"), [("annotator", 403), ("client", 403), ("outsider", 404)]
)
def test_nobody_below_a_reviewer_sees_the_models(learning, client_for, actor, status):
    assert client_for(actor).get(url(learning, "suggestions")).status_code == status


def test_a_manager_trains_the_models_again_now(
    learning, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for("manager").post(url(learning, "suggestions"))

    assert answer.status_code == 202
    versions = ProjectModel.objects.filter(project=learning).values_list("version", flat=True)
    assert sorted(versions) == [1, 2]
    assert client_for("reviewer").post(url(learning, "suggestions")).status_code == 403


def upload(client, project, content: bytes, label: str = "", name: str = "地名.txt"):
    data = {"file": SimpleUploadedFile(name, content), "label": label}
    return client.post(url(project, "gazetteer"), data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_gazetteer_is_suggested_wherever_its_strings_occur(
    learning, client_for, django_capture_on_commit_callbacks
):
    content = "# 机构\n新华社\t机构\n\n来到\n".encode("gb18030")  # GBK, a line without a label

    with django_capture_on_commit_callbacks(execute=True):
        answer = upload(client_for("manager"), learning, content, label="人名")

    assert answer.status_code == 200 and answer.json() == {"entries": 2}
    task = client_for("annotator").post(f"/api/v1/projects/{learning.id}/tasks/next/").json()
    [dictionary] = [
        s for s in task["snippet"]["machine_suggestions"] if s["engine"] == "dictionary"
    ]
    assert {"start": 5, "end": 7, "label": "人名", "score": 1.0} in dictionary["items"]  # 来到


def test_a_bad_line_refuses_the_gazetteer_naming_it_and_keeps_the_old_one(learning, client_for):
    manager = client_for("manager")
    assert upload(manager, learning, "新华社\t机构\n".encode()).status_code == 200

    answer = upload(manager, learning, "北京\t机构\n上海\t城市\n".encode(), name="places.tsv")

    assert answer.status_code == 400
    assert answer.json() == {
        "file": "places.tsv",
        "line": 2,
        "reason": "城市 is not one of the project's entity labels",
    }
    assert list(GazetteerEntry.objects.values_list("string", flat=True)) == ["新华社"]
    assert manager.delete(url(learning, "gazetteer")).status_code == 204
    assert not GazetteerEntry.objects.exists()
    assert upload(client_for("reviewer"), learning, b"x\tx\n").status_code == 403


def test_a_renamed_label_is_renamed_in_the_suggestions_and_the_models_learn_it(
    learning, client_for, django_capture_on_commit_callbacks
):
    manager = client_for("manager")
    assert upload(manager, learning, "人民日报\t机构\n".encode()).status_code == 200
    labels = manager.get(f"/api/v1/projects/{learning.id}/").json()["labels"]
    renamed = [{**label, "name": "组织"} if label["name"] == "机构" else label for label in labels]

    with django_capture_on_commit_callbacks(execute=True):
        answer = manager.patch(
            f"/api/v1/projects/{learning.id}/", {"labels": renamed}, format="json"
        )

    assert answer.status_code == 200, answer.json()
    assert list(GazetteerEntry.objects.values_list("label", flat=True)) == ["组织"]
    labels_suggested = {
        item["label"]
        for items in MachineSuggestion.objects.filter(project=learning).values_list(
            "items", flat=True
        )
        for item in items
    }
    assert "组织" in labels_suggested and "机构" not in labels_suggested
    latest = ProjectModel.objects.filter(project=learning).order_by("-version").first()
    assert latest.version == 2  # trained again on the new name
