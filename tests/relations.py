"""What the tests of relations and events share: a text with 𠮷 and an emoji before its
spans, a label set with relation and event types, the bodies that link them, and the
projects (fixtures, through tests/conftest.py)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import MembershipFactory

# 𠮷 and an emoji before the spans: offsets are code points.
TEXT = "𠮷😀张三任职于北京大学，李四在上海。"
LABELS = [
    {"name": "人名", "kind": "spans", "hotkey": "p", "color": "#e03131"},
    {"name": "机构", "kind": "spans", "hotkey": "o", "color": "#1971c2"},
    {"name": "地名", "kind": "spans", "hotkey": "l", "color": "#2f9e44"},
    {"name": "触发词", "kind": "spans", "hotkey": "t", "color": "#f08c00"},
    {
        "name": "任职于",
        "kind": "relations",
        "hotkey": "r",
        "color": "#495057",
        "subject_labels": ["人名"],
        "object_labels": ["机构"],
    },
    {"name": "相识", "kind": "relations", "hotkey": "x", "color": "#862e9c", "directed": False},
    {
        "name": "任职",
        "kind": "events",
        "hotkey": "e",
        "color": "#0c8599",
        "trigger_label": "触发词",
        "roles": [
            {"name": "任职者", "labels": ["人名"], "min": 1, "max": 1},
            {"name": "机构", "labels": ["机构"], "min": 0, "max": 1},
        ],
    },
]


def span(word, label, name):
    start = TEXT.index(word)
    return {"id": name, "start": start, "end": start + len(word), "label": label, "text": word}


ZHANG = span("张三", "人名", "a")
PKU = span("北京大学", "机构", "b")
LI = span("李四", "人名", "c")
WORKS = span("任职", "触发词", "d")
WORKS_AT = {"from": "a", "to": "b", "type": "任职于"}
KNOWS = {"from": "c", "to": "a", "type": "相识"}  # undirected: stored as 张三–李四
APPOINTED = {
    "trigger": "d",
    "type": "任职",
    "arguments": [{"role": "任职者", "span": "a"}, {"role": "机构", "span": "b"}],
}


@pytest.fixture
def typed(project, members, client_for):
    """The project with the relation and event types, two annotators a snippet, no text."""
    MembershipFactory(project=project, role="annotator", user__username="a2")
    answer = client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans", "relations", "events"], "labels": LABELS, "overlap": 2},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    return project


@pytest.fixture
def linked(typed, upload):
    upload(typed, "a.txt", TEXT.encode())
    typed.refresh_from_db()
    return typed


def task(client, project):
    answer = client.post(f"/api/v1/projects/{project.id}/tasks/next/")
    assert answer.status_code == 200
    return answer.json()


def submit(client, work, **body):
    return client.post(f"/api/v1/assignments/{work['id']}/submit/", body, format="json")


def both_annotate(project, client_for, mine, theirs):
    second = APIClient()
    second.force_authenticate(User.objects.get(username="a2"))
    for client, body in ((client_for("annotator"), mine), (second, theirs)):
        answer = submit(client, task(client, project), **body)
        assert answer.status_code == 201, answer.json()
