"""Active learning: the open snippets the project model is least sure of are handed out
first, with nothing computed on the claim's path."""

import pytest

from annotation.core.tokens import decode_ends
from annotation.models import Engine, GoldItem, ProjectModel, Snippet
from annotation.suggesting import crf, services

pytestmark = pytest.mark.django_db

OPEN = ["𠮷😀王建国来到北京大学。", "周玉兰在新华社开会。", "没有名字的一句话。"]


def claimed_texts(client, project, count):
    texts = []
    for _ in range(count):
        task = client.post(f"/api/v1/projects/{project.id}/tasks/next/").json()
        texts.append(task["snippet"]["text"])
        client.post(f"/api/v1/assignments/{task['id']}/skip/", {"reason": "next"}, format="json")
    return texts


def by_uncertainty(project):
    latest = ProjectModel.objects.filter(project=project, engine=Engine.SPANS).latest("version")
    model = crf.Model(bytes(latest.data))
    snippets = Snippet.objects.filter(project=project, text__in=OPEN)
    scored = [(model.uncertainty(s.text, decode_ends(s.tokens)), s.id, s.text) for s in snippets]
    return [text for _, _, text in sorted(scored, key=lambda x: (-x[0], x[1]))]


def test_the_least_certain_open_snippets_are_handed_out_first(learning, client_for):
    learning.active_learning, learning.active_random_percent = True, 0
    learning.save(update_fields=["active_learning", "active_random_percent"])

    services.suggestions_refresh(project_id=learning.id)

    expected = by_uncertainty(learning)
    assert expected != OPEN  # not the order they came in, or the test shows nothing
    assert claimed_texts(client_for("annotator"), learning, 3) == expected


def test_turned_off_the_work_goes_back_to_its_own_order(learning, client_for):
    learning.active_learning = True
    learning.save(update_fields=["active_learning"])
    services.suggestions_refresh(project_id=learning.id)
    assert Snippet.objects.filter(project=learning, claim_rank__gt=0).count() == 3

    learning.active_learning = False
    learning.save(update_fields=["active_learning"])
    services.suggestions_refresh(project_id=learning.id)

    assert not Snippet.objects.filter(project=learning, claim_rank__gt=0).exists()
    assert claimed_texts(client_for("annotator"), learning, 1) == [OPEN[0]]


def test_gold_items_are_never_ranked(learning, client_for):
    gold = Snippet.objects.get(project=learning, text=OPEN[2])
    answer = client_for("manager").post(
        f"/api/v1/projects/{learning.id}/gold/",
        {"snippet": gold.id, "spans": [], "classes": []},
        format="json",
    )
    assert answer.status_code in (200, 201), answer.json()
    learning.active_learning = True
    learning.save(update_fields=["active_learning"])

    services.suggestions_refresh(project_id=learning.id)

    gold.refresh_from_db()
    assert GoldItem.objects.filter(snippet=gold).exists() and gold.claim_rank == 0
    assert Snippet.objects.filter(project=learning, claim_rank__gt=0).count() == 2
