"""The final annotation of each snippet: defined once (annotation.quality.finals), stored,
refreshed by an idempotent job from dirty marks, and what the readers get."""

import pytest

from annotation.models import FinalAnnotation, FinalDirty
from annotation.quality import finals
from annotation.quality.finals import finals_read, finals_refresh
from annotation.quality.reviewing import work_return
from tests.factories import UserFactory, adjudicated, snippets_of, work_submitted

pytestmark = pytest.mark.django_db

PLACE = (5, 7, "地名")
PERSON = (0, 3, "人名")


@pytest.fixture
def people():
    return [UserFactory(username=name) for name in ("甲", "乙", "丙")]


@pytest.fixture
def snippets(project):
    texts = ["𠮷野家😀在北京开了新店，张三说：“好！”", "一二三四五六七八九十", "没有人标注。"]
    return snippets_of(project, texts)


def stored(snippet) -> tuple:
    final = FinalAnnotation.objects.get(snippet=snippet)
    spans = [(s["start"], s["end"], s["label"]) for s in final.spans]
    return spans, final.classes, final.source, final.works, final.votes, final.tie


def test_the_majority_of_the_annotators_is_stored_with_its_votes(project, snippets, people):
    a, b, c = people
    work_submitted(snippets[0], a, {"spans": [PLACE], "classes": ["正面"]})
    work_submitted(snippets[0], b, {"spans": [PERSON]})
    work_submitted(snippets[0], c, {"spans": [PLACE], "classes": ["正面"]})

    assert finals_refresh(project_id=project.id) == 1

    assert stored(snippets[0]) == ([PLACE], ["正面"], "majority", 3, 2, False)
    assert not FinalDirty.objects.exists()
    assert not FinalAnnotation.objects.filter(snippet=snippets[2]).exists()  # nobody's work


def test_a_tie_is_flagged_and_the_earliest_work_stands(project, snippets, people):
    a, b, _ = people
    work_submitted(snippets[0], b, {"spans": [PERSON]})
    work_submitted(snippets[0], a, {"spans": [PLACE]})

    finals_refresh(project_id=project.id)

    assert stored(snippets[0]) == ([PERSON], [], "majority", 2, 1, True)


def test_the_latest_adjudication_overrides_the_majority(project, snippets, people):
    a, b, _ = people
    work_submitted(snippets[0], a, {"spans": [PLACE]})
    work_submitted(snippets[0], b, {"spans": [PLACE]})
    finals_refresh(project_id=project.id)
    adjudicated(snippets[0], spans=[{"start": 0, "end": 1, "label": "字"}])
    adjudicated(snippets[0], spans=[{"start": 0, "end": 3, "label": "机构"}])

    finals_refresh(project_id=project.id)

    assert stored(snippets[0]) == ([(0, 3, "机构")], [], "adjudication", 2, 0, False)


def test_work_in_rework_counts_again_only_once_resubmitted(project, snippets, people):
    a, b, _ = people
    work_submitted(snippets[0], a, {"spans": [PLACE]})
    returned = work_submitted(snippets[0], b, {"spans": [PLACE]})
    finals_refresh(project_id=project.id)

    work_return(assignment_id=returned.id, draft={}, reason="重做")
    finals_refresh(project_id=project.id)

    assert stored(snippets[0]) == ([PLACE], [], "majority", 1, 1, False)


def test_a_refresh_run_twice_changes_nothing_the_second_time(project, snippets, people):
    work_submitted(snippets[0], people[0], {"spans": [PLACE]})
    work_submitted(snippets[1], people[0], {"classes": ["正面"]})
    finals_refresh(project_id=project.id)
    first = list(FinalAnnotation.objects.order_by("snippet_id").values())

    assert finals_refresh(project_id=project.id) == 0
    assert list(FinalAnnotation.objects.order_by("snippet_id").values()) == first


def test_a_change_made_while_the_refresh_computes_stays_marked(
    project, snippets, people, monkeypatch
):
    """A submit that commits after the refresh read the revisions leaves its mark: the
    next run computes the snippet again."""
    work_submitted(snippets[0], people[0], {"spans": [PLACE]})
    computing = finals.finals_compute

    def meanwhile(snippet_ids):
        result = computing(snippet_ids)
        work_submitted(snippets[0], people[1], {"spans": [PERSON]})  # marks it again
        return result

    monkeypatch.setattr(finals, "finals_compute", meanwhile)
    finals_refresh(project_id=project.id)
    monkeypatch.setattr(finals, "finals_compute", computing)

    assert FinalDirty.objects.filter(snippet=snippets[0]).exists()
    assert finals_refresh(project_id=project.id) == 1
    assert stored(snippets[0]) == ([PLACE], [], "majority", 2, 1, True)


def test_a_read_gets_what_is_still_marked_computed_now(project, snippets, people):
    work_submitted(snippets[0], people[0], {"spans": [PLACE]})
    finals_refresh(project_id=project.id)
    work_submitted(snippets[0], people[1], {"spans": [PERSON]})
    work_submitted(snippets[0], people[2], {"spans": [PERSON]})

    read = finals_read([s.id for s in snippets])

    assert read == {
        snippets[0].id: {
            "spans": [{"start": 0, "end": 3, "label": "人名"}],
            "classes": [],
            "segmentation": [],
            "relations": [],
            "events": [],
        }
    }
    assert FinalDirty.objects.filter(snippet=snippets[0]).exists()  # a read writes nothing


def test_a_gold_item_has_no_final_annotation(project, snippets, people):
    snippets[1].gold = True
    snippets[1].save(update_fields=["gold"])
    work_submitted(snippets[1], people[0], {"classes": ["正面"]})
    finals.final_mark(snippet_id=snippets[1].id, project_id=project.id)

    finals_refresh(project_id=project.id)

    assert not FinalAnnotation.objects.exists() and not FinalDirty.objects.exists()
