"""Relation and event types in a project's label set (issue 31's schema), through the API."""

import pytest

from projects.models import Label

pytestmark = pytest.mark.django_db

ENTITIES = [
    {"name": "人名", "kind": "spans", "hotkey": "p"},
    {"name": "机构", "kind": "spans", "hotkey": "o"},
    {"name": "地名", "kind": "spans", "hotkey": "l"},
]
WORKS_AT = {
    "name": "任职于",
    "kind": "relations",
    "hotkey": "r",
    "subject_labels": ["人名"],
    "object_labels": ["机构"],
}
NEXT_TO = {"name": "相邻", "kind": "relations", "directed": False}
APPOINTED = {
    "name": "任职",
    "kind": "events",
    "trigger_label": "机构",
    "roles": [
        {"name": "任职者", "labels": ["人名"], "min": 1, "max": 1},
        {"name": "地点", "labels": ["地名"]},
    ],
}
KINDS = ["spans", "relations", "events"]


def patch(client, project, **body):
    return client.patch(f"/api/v1/projects/{project.id}/", body, format="json")


def test_a_project_defines_relation_and_event_types(client_for, project, members):
    answer = patch(
        client_for("manager"),
        project,
        kinds=KINDS,
        labels=[*ENTITIES, WORKS_AT, NEXT_TO, APPOINTED],
    )

    assert answer.status_code == 200, answer.json()
    labels = {label["name"]: label for label in answer.json()["labels"]}
    assert answer.json()["kinds"] == KINDS
    works_at = labels["任职于"]
    assert (works_at["directed"], works_at["subject_labels"], works_at["object_labels"]) == (
        True,
        ["人名"],
        ["机构"],
    )
    assert labels["相邻"]["directed"] is False and labels["相邻"]["subject_labels"] == []
    assert labels["任职"]["trigger_label"] == "机构"
    assert labels["任职"]["roles"] == [
        {"name": "任职者", "labels": ["人名"], "min": 1, "max": 1},
        {"name": "地点", "labels": ["地名"], "min": 0, "max": 1},
    ]
    assert labels["人名"]["roles"] == [] and labels["人名"]["trigger_label"] == ""


@pytest.mark.parametrize(
    ("label", "named"),
    [
        ({**WORKS_AT, "object_labels": ["公司"]}, "公司"),
        ({**WORKS_AT, "subject_labels": ["正面"]}, "正面"),  # a class, not an entity
        ({**APPOINTED, "trigger_label": "事件词"}, "事件词"),
        ({**APPOINTED, "roles": [{"name": "任职者", "labels": ["职位"]}]}, "职位"),
    ],
)
def test_a_type_naming_no_entity_label_is_refused_naming_both(
    client_for, project, members, label, named
):
    manager = client_for("manager")
    patch(manager, project, kinds=["spans", "classes"], labels=ENTITIES)

    answer = patch(
        manager,
        project,
        kinds=["spans", "classes", *KINDS[1:]],
        labels=[*ENTITIES, {"name": "正面", "kind": "classes"}, label],
    )

    assert answer.status_code == 400
    assert label["name"] in str(answer.json()) and named in str(answer.json())
    assert sorted(Label.objects.values_list("name", flat=True)) == ["人名", "地名", "机构"]


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ({**APPOINTED, "trigger_label": ""}, "trigger_label"),
        ({**APPOINTED, "roles": [{"name": "甲"}, {"name": "甲"}]}, "roles"),
        ({**APPOINTED, "roles": [{"name": "甲", "min": 3, "max": 2}]}, "roles"),
        ({**APPOINTED, "roles": [{"name": f"角色{n}"} for n in range(21)]}, "roles"),
    ],
)
def test_an_event_type_needs_a_trigger_and_distinct_sound_roles(
    client_for, project, members, label, field
):
    answer = patch(client_for("manager"), project, kinds=KINDS, labels=[*ENTITIES, label])

    assert answer.status_code == 400 and field in str(answer.json())
    assert not Label.objects.exists()


def test_relations_need_the_entities_they_link(client_for, project, members):
    answer = patch(client_for("manager"), project, kinds=["classes", "relations"])

    assert answer.status_code == 400 and "kinds" in answer.json()


def test_an_entity_label_renamed_is_renamed_in_the_types_that_name_it(client_for, project, members):
    manager = client_for("manager")
    saved = patch(manager, project, kinds=KINDS, labels=[*ENTITIES, WORKS_AT, APPOINTED]).json()
    renamed = [
        {**label, "name": "组织"} if label["name"] == "机构" else label for label in saved["labels"]
    ]

    answer = patch(manager, project, labels=renamed)

    assert answer.status_code == 200, answer.json()
    assert Label.objects.get(name="任职于").object_labels == ["组织"]
    assert Label.objects.get(name="任职").trigger_label == "组织"


def test_a_template_passes_its_relation_and_event_types_on(client_for, project, members):
    manager = client_for("manager")
    patch(manager, project, kinds=KINDS, labels=[*ENTITIES, WORKS_AT, APPOINTED])
    members["manager"].is_staff = True
    members["manager"].save(update_fields=["is_staff"])

    made = manager.post(
        "/api/v1/projects/", {"name": "副本", "template": project.id}, format="json"
    ).json()

    copied = {label["name"]: label for label in made["labels"]}
    assert made["kinds"] == KINDS and copied["任职于"]["subject_labels"] == ["人名"]
    assert copied["任职"]["roles"][0]["name"] == "任职者"
