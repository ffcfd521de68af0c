"""Machine suggestions in the workspace, in a real browser (Debian's Chromium): shown apart,
taken or dropped by key, and only what was taken is the annotator's work."""

import pytest

from annotation.models import MachineSuggestion, ProjectModel, Revision, Snippet
from annotation.suggesting import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_annotator_takes_and_drops_suggestions_by_keyboard(page_for, live_server, learning):
    # Only the dictionary speaks: what it suggests is known from the finals.
    ProjectModel.objects.filter(project=learning).update(shown=False)
    services.suggestions_refresh(project_id=learning.id)
    page = page_for("annotator")
    page.goto(f"{live_server.url}/projects/{learning.id}/annotate/")
    page.locator("#suggestion-list li").nth(1).wait_for()

    assert page.locator("#span-list li").count() == 0  # suggestions are not the work
    marked = page.locator("#snippet .seg.suggested").all_inner_texts()
    assert "".join(marked) == "王建国北京大学"
    page.keyboard.press("Tab")
    assert "王建国 · 人名 · 词典" in page.locator("#link-prompt").inner_text()
    page.keyboard.press("Delete")  # dropped
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # taken
    assert page.locator("#span-list li").all_inner_texts()[0].startswith("北京大学")
    assert page.locator("#suggestions").is_hidden()
    page.keyboard.press("Enter")  # nothing picked out: the submit

    page.locator("#snippet", has_text="周玉兰").wait_for()
    page.locator("#suggestion-list li").first.wait_for()
    offered = page.locator("#suggestion-list li").count()
    page.keyboard.press("Shift+Enter")
    assert page.locator("#span-list li").count() == offered
    page.keyboard.press("Control+z")  # one undo takes them all back
    assert page.locator("#span-list li").count() == 0
    page.keyboard.press("Control+Shift+z")
    page.keyboard.press("Enter")
    page.locator("#snippet", has_text="没有名字").wait_for()

    first, second = Revision.objects.order_by("id")
    assert [(s["start"], s["end"], s["label"]) for s in first.spans] == [(7, 11, "机构")]
    assert ("新华社", "机构") in [
        ("周玉兰在新华社开会。"[s["start"] : s["end"]], s["label"]) for s in second.spans
    ]
    assert len(second.spans) == offered
    assert page.errors == []


def test_a_manager_sees_how_the_models_did_and_uploads_a_gazetteer(
    page_for, live_server, learning, tmp_path
):
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{learning.id}/#settings")
    row = page.locator("#project-models tbody tr").first
    row.wait_for()
    trained, held = row.locator("td").nth(2).inner_text().split("/")
    assert int(trained) + int(held) == 40 and int(held) >= 1
    form = page.locator("#settings-form")
    form.locator("#settings-fields:not([disabled])").wait_for()
    assert form.locator("input[name=suggest_every]").input_value() == "100"

    bad = tmp_path / "places.tsv"
    bad.write_text("北京\t机构\n上海\t城市\n", encoding="utf-8")
    gazetteer = page.locator("#gazetteer-form")
    gazetteer.locator("input[name=file]").set_input_files(str(bad))
    gazetteer.locator("button[type=submit]").click()
    refusal = gazetteer.locator(".error")
    refusal.wait_for()
    said = refusal.inner_text()
    assert said.startswith("places.tsv") and "2" in said and "城市" in said

    good = tmp_path / "orgs.txt"
    good.write_text("新华社\n人民日报\n", encoding="utf-8")
    gazetteer.locator("input[name=file]").set_input_files(str(good))
    gazetteer.locator("select[name=label]").select_option("机构")
    gazetteer.locator("button[type=submit]").click()
    page.locator("#gazetteer-count", has_text="2").wait_for()
    assert page.errors == []


def test_a_suggested_segmentation_shows_where_it_differs_and_is_taken_whole(
    page_for, live_server, project, members, client_for, upload
):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/", {"kinds": ["spans", "segmentation"]}, format="json"
    )
    _, job = upload(project, "a.txt", "江泽民发表新年讲话。\n".encode())
    assert job["status"] == "succeeded"
    snippet = Snippet.objects.get(project=project)
    jieba = [int(end) for end in snippet.tokens.split(",")]
    standard = sorted({*jieba, 1})  # People's Daily writes 江/泽民
    MachineSuggestion.objects.create(
        snippet=snippet,
        project=project,
        engine="crf-words",
        model_version="v1",
        items=[{"segmentation": standard, "score": 0.9}],
    )
    Snippet.objects.filter(id=snippet.id).update(suggested=True)
    page = page_for("annotator")
    page.goto(f"{live_server.url}/projects/{project.id}/annotate/")
    page.locator("#suggested-words").wait_for()

    page.keyboard.press("w")  # segmenting: the model's extra boundary is marked
    assert page.locator("#snippet .seg.suggested-break").all_inner_texts() == ["江"]
    page.keyboard.press("Shift+Enter")
    assert page.locator("#snippet .seg.suggested-break").count() == 0
    page.keyboard.press("w")
    page.keyboard.press("Enter")
    page.locator("#done").wait_for()

    [revision] = Revision.objects.all()
    assert revision.segmentation == standard
    assert page.errors == []
