"""The data tab in a real browser: a manager finds an annotator's work, returns some of it
with a reason, excludes a snippet and reads an item's history."""

import pytest

from annotation.models import Assignment, Batch, Snippet
from tests.factories import MembershipFactory, snippets_of, work_submitted

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = ["𠮷野家开业。", "张三👍去北京。", "李四到上海。", "王五在广州。", "赵六回深圳。"]


def test_a_manager_returns_an_annotators_work_and_excludes_a_snippet(
    page_for, live_server, project, members
):
    batch = Batch.objects.create(project=project, name="第一包", size=len(TEXTS))
    snippets = snippets_of(project, TEXTS, batch)
    second = MembershipFactory(project=project, role="annotator", user__username="second").user
    for snippet in snippets[:4]:
        work_submitted(snippet, members["annotator"], {"spans": [(0, 2, "人名")]})
    work_submitted(snippets[4], second)
    page = page_for("manager")
    page.goto(f"{live_server.url}/projects/{project.id}/#data")
    table = page.locator("#data-table tbody")
    table.locator("tr").nth(4).wait_for()

    page.locator("#table-filters input[name=annotator]").fill("annotator")
    table.locator("tr").nth(4).wait_for(state="detached")
    assert table.locator("tr").count() == 4
    for snippet in snippets[:3]:
        table.locator(f"tr[data-snippet='{snippet.id}'] input[type=checkbox]").check()
    page.locator("#return-reason").fill("边界不对")
    page.locator("[data-action=return]").click()
    page.locator("#action-result", has_text="3").wait_for()
    page.locator("#table-filters select[name=state]").select_option("returned")
    table.locator("tr").nth(3).wait_for(state="detached")

    returned = Assignment.objects.filter(status="returned")
    assert table.locator("tr").count() == 3
    assert sorted(returned.values_list("snippet_id", flat=True)) == [s.id for s in snippets[:3]]
    assert set(returned.values_list("return_reason", flat=True)) == {"边界不对"}

    page.locator("#table-filters select[name=state]").select_option("")
    table.locator(f"tr[data-snippet='{snippets[3].id}'] input[type=checkbox]").check()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("[data-action=exclude]").click()
    table.locator(f"tr[data-snippet='{snippets[3].id}'] .status.excluded").wait_for()
    assert Snippet.objects.get(id=snippets[3].id).excluded and "1" in asked[0]

    table.locator(f"button[data-open='{snippets[0].id}']").click()
    dialog = page.locator("#item-view")
    dialog.locator(".work", has_text="边界不对").wait_for()
    assert "𠮷野家开业。" in dialog.locator(".context").inner_text()
    assert page.errors == []
