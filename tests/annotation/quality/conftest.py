"""A project three annotators worked through, for the quality tests."""

import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory

SNIPPETS = ["𠮷野家在北京开了新店。", "张三去了上海。", "广州的天气很好。", "深圳也不错。"]
LABELS = [
    {"name": "地名", "kind": "spans", "hotkey": "l"},
    {"name": "机构", "kind": "spans", "hotkey": "o"},
    {"name": "正面", "kind": "classes", "hotkey": "1"},
    {"name": "负面", "kind": "classes", "hotkey": "2"},
]
# What each annotator says of each snippet: its class and where they put a 地名/机构.
CLASSES = {
    "a1": ["正面", "正面", "负面", "正面"],
    "a2": ["正面", "负面", "负面", "正面"],
    "a3": ["正面", "正面", "负面", "负面"],
}
PLACE = {"a1": "地名", "a2": "地名", "a3": "机构"}  # the label each gives 北京


@pytest.fixture
def quality_project(project, members, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans", "classes", "segmentation"], "labels": LABELS, "overlap": 3},
        format="json",
    )
    upload(project, "a.txt", "\n\n".join(SNIPPETS).encode())
    for name in CLASSES:
        MembershipFactory(project=project, role="annotator", user__username=name)
    return project


def as_user(username: str) -> APIClient:
    from accounts.models import User

    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


def annotate_everything(project, django_capture_on_commit_callbacks) -> None:
    for name, classes in CLASSES.items():
        client = as_user(name)
        while True:
            task = client.post(f"/api/v1/projects/{project.id}/tasks/next/")
            if task.status_code == 204:
                break
            text = task.json()["snippet"]["text"]
            index = SNIPPETS.index(text)
            spans = []
            if "北京" in text:
                start = text.index("北京")
                spans = [{"start": start, "end": start + 2, "label": PLACE[name], "text": "北京"}]
            body = {"classes": [classes[index]], "spans": spans}
            url = f"/api/v1/assignments/{task.json()['id']}/submit/"
            with django_capture_on_commit_callbacks(execute=True):
                if name == "a1" and index == 1:  # a first thought, corrected by a second submit
                    client.post(url, {**body, "classes": ["负面"]}, format="json")
                client.post(url, body, format="json")
