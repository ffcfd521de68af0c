"""The pages in a real browser (Debian's Chromium through Playwright)."""

import pytest

from projects.models import Label

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_sets_up_labels_and_guidelines_that_render_safely(
    page_for, live_server, project, members
):
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{project.id}/#settings")
    form = page.locator("#settings-form")
    form.locator("#settings-fields:not([disabled])").wait_for()  # filled in by the script

    form.locator("textarea[name=guidelines]").fill(
        "## 规范\n\n- **人名**：姓和名\n\n<script>window.hit = 1</script>"
        " [坏链接](javascript:window.hit=2) [好链接](https://example.org/)"
    )
    for name, kind, hotkey in (("人名", "spans", "p"), ("正面", "classes", "1")):
        form.locator("#add-label").click()
        row = form.locator(".label-row").last
        row.locator("[data-field=name]").fill(name)
        row.locator("[data-field=kind]").select_option(kind)
        row.locator("[data-field=hotkey]").fill(hotkey)
    form.locator("input[name=kinds][value=classes]").check()
    form.locator("input[name=overlap]").fill("3")
    # Quality and cleaning, in the page too.
    form.locator("input[name=review_percent]").fill("35")
    form.locator("input[name=acceptance_threshold]").fill("96.5")
    form.locator("input[name=gold_percent]").fill("5")
    form.locator("input[name=clean_cjk_spaces]").uncheck()
    form.locator("button[type=submit]").click()
    form.locator(".saved").wait_for()

    labels = list(Label.objects.filter(project=project).values_list("name", "kind", "hotkey"))
    assert labels == [("人名", "spans", "p"), ("正面", "classes", "1")]
    project.refresh_from_db()
    assert project.overlap == 3
    assert (project.review_percent, project.acceptance_threshold, project.gold_percent) == (
        35,
        96.5,
        5,
    )
    assert project.clean_cjk_spaces is False and project.clean_reflow is True
    guidelines = page.locator("#guidelines")
    assert guidelines.locator("h2").inner_text() == "规范"
    assert guidelines.locator("strong").inner_text() == "人名"
    assert guidelines.locator("script").count() == 0
    assert "<script>window.hit = 1</script>" in guidelines.inner_text()
    assert guidelines.locator("a").count() == 1
    assert guidelines.locator("a").get_attribute("href") == "https://example.org/"
    assert page.evaluate("window.hit") is None
    assert page.errors == []


def test_a_refused_label_set_says_why_and_changes_nothing(page_for, live_server, project, members):
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{project.id}/#settings")
    form = page.locator("#settings-form")
    form.locator("#settings-fields:not([disabled])").wait_for()  # filled in by the script

    for _ in range(2):
        form.locator("#add-label").click()
        form.locator(".label-row").last.locator("[data-field=name]").fill("人名")
    form.locator("button[type=submit]").click()

    error = form.locator(".error")
    error.wait_for()
    assert "重名" in error.inner_text()
    assert not Label.objects.filter(project=project).exists()


def test_a_manager_reserves_a_batch_for_named_annotators(
    page_for, live_server, project, members, upload
):
    from annotation.models import Batch

    upload(project, "a.txt", "第一段：聊城。\n\n第二段：济南。\n".encode())
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{project.id}/")
    field = page.locator("#batch-progress form.reserve input")
    button = page.locator("#batch-progress form.reserve button")
    error = page.locator("#batch-progress form.reserve .error")

    def reserve(names: str) -> int:
        field.fill(names)
        with page.expect_response(lambda answer: "/assignees/" in answer.url) as answer:
            button.click()
        return answer.value.status

    assert reserve("annotator，reviewer") == 400
    error.filter(has_text="reviewer").wait_for()
    assert reserve("annotator") == 200
    error.wait_for(state="hidden")
    batch = Batch.objects.get(project=project)
    assert list(batch.assignees.values_list("username", flat=True)) == ["annotator"]


def test_the_project_page_is_tabs_and_shows_returned_work(
    page_for, live_server, project, members, upload
):
    from annotation.models import Assignment
    from annotation.work.services import task_next

    upload(project, "a.txt", "第一段：聊城。\n\n第二段：济南。\n".encode())
    work = task_next(project_id=project.id, annotator=members["annotator"])
    Assignment.objects.filter(id=work.id).update(status="returned", return_reason="漏标")

    manager = page_for("manager")
    manager.goto(f"{live_server.url}/projects/{project.id}/")
    assert manager.locator("#progress-panel").is_visible()
    assert manager.locator("#members-panel").is_hidden()
    manager.get_by_role("tab", name="成员").click()
    manager.locator("#members-panel").wait_for()
    assert manager.locator("#progress-panel").is_hidden() and manager.url.endswith("#members")
    manager.reload()  # the tab is in the address
    manager.locator("#members-panel").wait_for()
    manager.locator("#returned-banner", has_text="1").wait_for()

    annotator = page_for("annotator")
    annotator.goto(f"{live_server.url}/")
    annotator.locator(f"li[data-project='{project.id}'] .badge.returned").wait_for()
    assert "1" in annotator.locator(".badge.returned").inner_text()
    assert manager.errors == [] and annotator.errors == []


def test_a_label_renamed_in_the_page_is_renamed_in_stored_annotations(
    page_for, live_server, project, members
):
    from annotation.models import Revision
    from projects.services import labels_set
    from tests.factories import snippets_of, work_submitted

    labels_set(project=project, labels=[{"name": "地名", "kind": "spans", "hotkey": "l"}])
    [snippet] = snippets_of(project, ["张三去了北京。"])
    work_submitted(snippet, members["annotator"], {"spans": [(4, 6, "地名")]})
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{project.id}/#settings")
    form = page.locator("#settings-form")
    form.locator("#settings-fields:not([disabled])").wait_for()

    form.locator(".label-row [data-field=name]").fill("地点")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    form.locator("button[type=submit]").click()
    form.locator(".saved").wait_for()

    assert "地名" in asked[0] and "地点" in asked[0] and "1" in asked[0]  # said before saving
    assert Revision.objects.get().spans == [{"start": 4, "end": 6, "label": "地点"}]
    assert page.errors == []


def test_labels_are_taken_from_another_project_or_a_file(
    page_for, live_server, project, members, tmp_path
):
    from projects.models import Membership, Project
    from projects.services import labels_set

    other = Project.objects.create(name="旧项目")
    Membership.objects.create(project=other, user=members["manager"], role="manager")
    labels_set(project=other, labels=[{"name": "机构", "kind": "spans", "hotkey": "o"}])
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{project.id}/#settings")
    form = page.locator("#settings-form")
    form.locator("#settings-fields:not([disabled])").wait_for()

    form.locator("#copy-labels").select_option(label="旧项目")
    form.locator(".label-row [data-field=name]").first.wait_for()
    assert form.locator(".label-row [data-field=name]").input_value() == "机构"
    file = tmp_path / "labels.json"
    file.write_text('[{"name": "人名", "kind": "spans"}, {"name": "正面", "kind": "classes"}]')
    form.locator("#labels-file").set_input_files(str(file))
    form.locator(".label-row").nth(1).wait_for()
    form.locator("input[name=kinds][value=classes]").check()
    form.locator("button[type=submit]").click()
    form.locator(".saved").wait_for()

    assert list(project.labels.values_list("name", "kind")) == [
        ("人名", "spans"),
        ("正面", "classes"),
    ]
    assert page.errors == []


def test_a_manager_deletes_an_import_with_no_work_in_the_page(
    page_for, live_server, project, members, upload
):
    from annotation.models import ImportJob, Snippet

    upload(project, "删掉.txt", "第一段：聊城。\n\n第二段：济南。\n".encode())
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{project.id}/#data")
    row = page.locator("#imports tbody tr", has_text="删掉.txt")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_response(lambda answer: answer.request.method == "DELETE"):
        row.locator("button[data-action=delete]").click()
    row.wait_for(state="detached")

    assert "删掉.txt" in asked[0] and "2" in asked[0]  # says what goes
    assert not ImportJob.objects.exists() and not Snippet.objects.exists()
    assert page.errors == []


def test_a_manager_defines_a_relation_type_in_the_page(page_for, live_server, project, members):
    """The type's ends are typed as entity label names; they come back as saved, and a
    save of other settings keeps them."""
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{project.id}/#settings")
    form = page.locator("#settings-form")
    form.locator("#settings-fields:not([disabled])").wait_for()
    form.locator("input[name=kinds][value=relations]").check()
    for name, kind in (("人名", "spans"), ("机构", "spans"), ("任职于", "relations")):
        form.locator("#add-label").click()
        row = form.locator(".label-row").last
        row.locator("[data-field=name]").fill(name)
        row.locator("[data-field=kind]").select_option(kind)
    row = form.locator(".label-row").last
    assert row.locator("[data-field=trigger_label]").is_hidden()
    row.locator("[data-field=subject_labels]").fill("人名")
    row.locator("[data-field=object_labels]").fill("机构，人名")
    row.locator("[data-field=directed]").uncheck()
    form.locator("button[type=submit]").click()
    form.locator(".saved").wait_for()

    saved = Label.objects.get(name="任职于")
    assert (saved.kind, saved.subject_labels, saved.object_labels) == (
        "relations",
        ["人名"],
        ["机构", "人名"],
    )
    assert saved.directed is False
    page.reload()
    form.locator("#settings-fields:not([disabled])").wait_for()
    form.locator("input[name=overlap]").fill("2")
    form.locator("button[type=submit]").click()
    form.locator(".saved").wait_for()
    saved.refresh_from_db()
    assert saved.object_labels == ["机构", "人名"] and saved.directed is False
    assert page.errors == []
