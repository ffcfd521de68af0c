"""Project set-up: settings, labels and members, through the API."""

import pytest
from rest_framework.test import APIClient

from accounts.services import user_ensure
from projects.models import Label, Membership
from tests.conftest import ACTORS
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LABELS = [
    {"name": "人名", "kind": "spans", "color": "#E03131", "hotkey": "p", "description": "人"},
    {"name": "地名", "kind": "spans", "color": "#2f9e44", "hotkey": "l"},
    {"name": "正面", "kind": "classes", "hotkey": "1"},
]


def test_a_project_is_created_with_its_settings_and_labels(api):
    creator, _ = user_ensure(username="pm", password="pw-12345678", can_create_projects=True)
    api.force_authenticate(creator)

    response = api.post(
        "/api/v1/projects/",
        {
            "name": "新闻实体",
            "guidelines": "# 规范\n人名包括笔名。",
            "kinds": ["classes", "spans"],
            "labels": LABELS,
            "multi_label": True,
            "allow_overlap": True,
            "snap_to_tokens": False,
            "overlap": 3,
            "lease_minutes": 45,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kinds"] == ["spans", "classes"]
    assert (body["overlap"], body["lease_minutes"], body["multi_label"]) == (3, 45, True)
    labels = body["labels"]
    assert [(x["name"], x["kind"], x["color"], x["hotkey"]) for x in labels] == [
        ("人名", "spans", "#e03131", "p"),
        ("地名", "spans", "#2f9e44", "l"),
        ("正面", "classes", "#4c6ef5", "1"),
    ]


def test_defaults_of_a_new_project(api):
    creator, _ = user_ensure(username="pm", password="pw-12345678", can_create_projects=True)
    api.force_authenticate(creator)

    body = api.post("/api/v1/projects/", {"name": "默认"}, format="json").json()

    assert body["kinds"] == ["spans"]
    assert (body["overlap"], body["lease_minutes"]) == (1, 30)
    assert body["snap_to_tokens"] is True and body["allow_overlap"] is False
    assert body["labels"] == []


def test_patch_replaces_labels_keeping_the_ones_that_stay(client_for, project, members):
    client = client_for("manager")
    url = f"/api/v1/projects/{project.id}/"
    client.patch(url, {"kinds": ["spans", "classes"], "labels": LABELS}, format="json")
    kept_id = Label.objects.get(name="地名").id

    # 人名 goes, 地名 and 正面 swap nothing but 地名 takes 人名's hotkey, 机构 is new.
    response = client.patch(
        url,
        {
            "labels": [
                {"name": "地名", "kind": "spans", "hotkey": "p"},
                {"name": "机构", "kind": "spans", "hotkey": "o"},
                {"name": "正面", "kind": "classes", "hotkey": "1"},
            ],
            "overlap": 2,
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    names = [(label["name"], label["hotkey"]) for label in response.json()["labels"]]
    assert names == [("地名", "p"), ("机构", "o"), ("正面", "1")]
    assert Label.objects.get(name="地名").id == kept_id
    assert not Label.objects.filter(name="人名").exists()
    project.refresh_from_db()
    assert project.overlap == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"labels": [{"name": "甲", "hotkey": "a"}, {"name": "乙", "hotkey": "a"}]}, "labels"),
        ({"labels": [{"name": "甲"}, {"name": "甲"}]}, "labels"),
        ({"labels": [{"name": "甲", "kind": "classes"}]}, "labels"),
        ({"labels": [{"name": "甲", "color": "red"}]}, "labels"),
        ({"overlap": 0}, "overlap"),
        ({"lease_minutes": 0}, "lease_minutes"),
        ({"kinds": []}, "kinds"),
        ({"kinds": ["ner"]}, "kinds"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(client_for, project, members, body, field):
    before = (project.overlap, project.lease_minutes, project.kinds)

    response = client_for("manager").patch(f"/api/v1/projects/{project.id}/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    project.refresh_from_db()
    assert (project.overlap, project.lease_minutes, project.kinds) == before
    assert not Label.objects.exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_only_managers_change_a_project(client_for, project, members, actor):
    before = (project.name, project.overlap)

    response = client_for(actor).patch(
        f"/api/v1/projects/{project.id}/", {"name": "改名", "overlap": 5}, format="json"
    )

    project.refresh_from_db()
    if actor == "manager":
        assert response.status_code == 200
        assert (project.name, project.overlap) == ("改名", 5)
    else:
        expected = {"anonymous": (401, 403), "outsider": (404,)}.get(actor, (403,))
        assert response.status_code in expected
        assert (project.name, project.overlap) == before


@pytest.mark.parametrize("actor", ACTORS)
def test_members_by_actor(client_for, project, members, actor):
    newcomer = UserFactory(username="新人")
    client = client_for(actor)
    url = f"/api/v1/projects/{project.id}/members/"

    listed = client.get(url)
    added = client.post(url, {"username": "新人", "role": "annotator"}, format="json")
    removed = client.delete(f"{url}{members['client'].id}/")

    in_project = set(
        Membership.objects.filter(project=project).values_list("user__username", flat=True)
    )
    if actor == "manager":
        assert listed.status_code == 200
        assert {m["username"] for m in listed.json()} == {
            "manager",
            "reviewer",
            "annotator",
            "client",
        }
        assert added.status_code == 200 and added.json()["role"] == "annotator"
        assert removed.status_code == 204
        assert "新人" in in_project and "client" not in in_project
    else:
        expected = {"anonymous": {401, 403}, "outsider": {404}}.get(actor, {403})
        assert {listed.status_code, added.status_code, removed.status_code} <= expected
        assert "新人" not in in_project and "client" in in_project
    assert newcomer.memberships.count() == (1 if actor == "manager" else 0)


def test_a_role_can_change_but_the_last_manager_stays(client_for, project, members):
    client = client_for("manager")
    url = f"/api/v1/projects/{project.id}/members/"

    promoted = client.post(url, {"username": "reviewer", "role": "manager"}, format="json")
    demoted_self = client.post(url, {"username": "manager", "role": "client"}, format="json")
    last = client_for("reviewer").post(
        url, {"username": "reviewer", "role": "client"}, format="json"
    )
    removed_last = client_for("reviewer").delete(f"{url}{members['reviewer'].id}/")

    assert promoted.status_code == 200 and demoted_self.status_code == 200
    assert last.status_code == 400 and removed_last.status_code == 400
    assert Membership.objects.get(project=project, user=members["reviewer"]).role == "manager"


def test_unknown_user_and_user_of_another_project(client_for, project, members):
    client = client_for("manager")
    url = f"/api/v1/projects/{project.id}/members/"

    assert (
        client.post(url, {"username": "nobody", "role": "annotator"}, format="json").status_code
        == 400
    )
    assert client.delete(f"{url}{members['outsider'].id}/").status_code == 404
    assert Membership.objects.filter(user=members["outsider"]).count() == 1


def test_who_a_manager_may_enrol(client_for, project, members):
    """Site staff add anyone; a manager adds the people they share a project with and
    accounts in no project yet, never another tenant's users, nor learns they exist."""
    client = client_for("manager")
    url = f"/api/v1/projects/{project.id}/members/"
    theirs = members["outsider"]  # a manager of another project only
    colleague = MembershipFactory(user__username="同事", role="annotator").user
    MembershipFactory(project=colleague.memberships.get().project, user=members["manager"])
    UserFactory(username="新账号")  # made by staff, in no project yet
    UserFactory(username="停用", is_active=False)

    def add(name: str, by=client):
        return by.post(url, {"username": name, "role": "annotator"}, format="json")

    refused, unknown = add(theirs.username), add("nobody")
    assert refused.status_code == unknown.status_code == 400
    assert refused.json()["username"] != unknown.json()["username"]  # names differ, and only
    [said], [unknown_said] = refused.json()["username"], unknown.json()["username"]
    assert said.replace(theirs.username, "nobody") == unknown_said
    assert add("停用").status_code == 400
    assert add("同事").status_code == 200 and add("新账号").status_code == 200
    assert not Membership.objects.filter(project=project, user=theirs).exists()

    staff = UserFactory(username="staff", is_staff=True)
    MembershipFactory(project=project, user=staff, role="manager")
    by_staff = APIClient()
    by_staff.force_authenticate(staff)
    assert add(theirs.username, by=by_staff).status_code == 200


def test_a_manager_adds_many_members_at_once_or_none(client_for, project, members):
    client = client_for("manager")
    url = f"/api/v1/projects/{project.id}/members/"
    for n in range(30):
        UserFactory(username=f"new{n:02}", display_name=f"新人{n}")
    team = [{"username": f"new{n:02}", "role": "annotator"} for n in range(30)]
    team[0]["role"] = "reviewer"

    refused = client.post(url, [*team, {"username": "outsider", "role": "client"}], format="json")
    added = client.post(url, team, format="json")

    assert refused.status_code == 400 and "outsider" in str(refused.json())
    assert added.status_code == 200 and len(added.json()) == 30
    assert added.json()[0]["display_name"] == "新人0"
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles["new00"] == "reviewer" and roles["new29"] == "annotator"


def test_the_candidates_a_manager_may_add_by_name(client_for, project, members):
    UserFactory(username="zhao6", display_name="赵六")
    url = f"/api/v1/projects/{project.id}/members/candidates/"

    found = client_for("manager").get(url, {"q": "赵"}).json()
    mine = client_for("manager").get(url, {"q": "review"}).json()
    hidden = client_for("manager").get(url, {"q": "outsider"}).json()

    assert [(c["username"], c["role"]) for c in found] == [("zhao6", None)]
    assert [(c["username"], c["role"]) for c in mine] == [("reviewer", "reviewer")]
    assert hidden == []  # another tenant's user is not found


def test_hotkeys_are_one_case_and_never_the_workspaces_own(client_for, project, members):
    url = f"/api/v1/projects/{project.id}/"
    manager = client_for("manager")

    def labels(*keys):
        return {
            "labels": [
                {"name": f"L{n}", "kind": "spans", "hotkey": key} for n, key in enumerate(keys)
            ]
        }

    reserved = [manager.patch(url, labels(key), format="json") for key in ("?", "w", "M")]
    twice = manager.patch(url, labels("l", "L"), format="json")
    kept = manager.patch(url, labels("P", "2"), format="json")

    assert [answer.status_code for answer in reserved] == [400, 400, 400]
    assert "W" in str(reserved[1].json())
    assert twice.status_code == 400
    assert kept.status_code == 200
    assert [label["hotkey"] for label in kept.json()["labels"]] == ["p", "2"]


def test_a_renamed_label_keeps_its_identity_in_every_annotation(client_for, project, members):
    from annotation.models import Assignment, Revision
    from tests.factories import snippets_of, work_submitted

    url = f"/api/v1/projects/{project.id}/"
    manager = client_for("manager")
    made = manager.patch(url, {"kinds": ["spans", "classes"], "labels": LABELS}, format="json")
    ids = {label["name"]: label["id"] for label in made.json()["labels"]}
    [snippet] = snippets_of(project, ["张三去了北京。"])
    work = work_submitted(
        snippet, members["annotator"], {"spans": [(4, 6, "地名")], "classes": ["正面"]}
    )
    Assignment.objects.filter(id=work.id).update(
        draft={"spans": [{"start": 4, "end": 6, "label": "地名"}]}
    )

    renamed = [
        {
            **label,
            "id": ids[label["name"]],
            "name": {"地名": "地点", "正面": "积极"}.get(label["name"], label["name"]),
        }
        for label in LABELS
    ]
    answer = manager.patch(url, {"labels": renamed}, format="json")

    assert answer.status_code == 200
    assert {label["name"]: label["id"] for label in answer.json()["labels"]} == {
        "人名": ids["人名"],
        "地点": ids["地名"],  # the same label, renamed
        "积极": ids["正面"],
    }
    revision = Revision.objects.get()
    assert revision.spans == [{"start": 4, "end": 6, "label": "地点"}]
    assert revision.classes == ["积极"]
    assert Assignment.objects.get().draft["spans"][0]["label"] == "地点"
    swapped = [
        {**label, "name": {"人名": "地点", "地点": "人名"}.get(label["name"], label["name"])}
        for label in answer.json()["labels"]
    ]
    assert manager.patch(url, {"labels": swapped}, format="json").status_code == 200
    assert Revision.objects.get().spans[0]["label"] == "人名"  # two labels may swap names


def test_a_project_made_from_another_as_a_template(client_for, project, members):
    manager = client_for("manager")
    manager.patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans", "classes"], "labels": LABELS, "overlap": 3, "guidelines": "## 规范"},
        format="json",
    )
    members["manager"].is_staff = True  # may create projects
    members["manager"].save(update_fields=["is_staff"])

    made = manager.post(
        "/api/v1/projects/", {"name": "二期", "template": project.id}, format="json"
    )
    theirs = members["outsider"].memberships.get().project
    refused = manager.post("/api/v1/projects/", {"name": "x", "template": theirs.id}, format="json")

    assert made.status_code == 201
    body = made.json()
    assert (body["name"], body["overlap"], body["guidelines"]) == ("二期", 3, "## 规范")
    assert [label["name"] for label in body["labels"]] == ["人名", "地名", "正面"]
    assert refused.status_code == 404  # not theirs to copy


def test_how_many_works_use_each_label(client_for, project, members):
    from tests.factories import snippets_of, work_submitted

    url = f"/api/v1/projects/{project.id}/labels/usage/"
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans", "classes"], "labels": LABELS},
        format="json",
    )
    first, second = snippets_of(project, ["张三去了北京。", "北京很大。"])
    work_submitted(first, members["annotator"], {"spans": [(0, 2, "人名"), (4, 6, "地名")]})
    work_submitted(
        second,
        members["annotator"],
        {"spans": [(0, 2, "人名")]},  # corrected: the latest revision counts
        {"spans": [(0, 2, "地名")], "classes": ["正面"]},
    )

    used = client_for("manager").get(url).json()

    assert used == [
        {"kind": "classes", "name": "正面", "works": 1},
        {"kind": "spans", "name": "人名", "works": 1},
        {"kind": "spans", "name": "地名", "works": 2},
    ]
    assert client_for("annotator").get(url).status_code == 403
