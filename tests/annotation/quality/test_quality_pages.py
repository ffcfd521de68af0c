"""The quality pages: dashboard, review queue, adjudication and acceptance, in a browser and
out."""

import re
from pathlib import Path

import pytest

from annotation.flow import submit
from annotation.models import Adjudication, Batch, QualityRun, Review, Snippet
from annotation.work.services import task_next
from tests.annotation.quality.conftest import SNIPPETS, annotate_everything
from tests.factories import PASSWORD, MembershipFactory, snippets_make

pytestmark = pytest.mark.django_db

ARTEFACTS = Path(__file__).resolve().parents[3] / "var" / "e2e"


def logged_in(client, username):
    client.login(username=username, password=PASSWORD)
    return client


def test_the_dashboard_draws_progress_qualification_and_agreement(
    quality_project, client, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    Batch.objects.update(name="<script>alert(1)</script>")

    html = logged_in(client, "reviewer").get(f"/projects/{quality_project.id}/quality/")

    page = html.content.decode()
    assert html.status_code == 200
    charts = re.findall(r'<svg[^>]*aria-label="([^"]*)"', page)  # titled in Chinese
    assert charts == [
        "每天提交的片段",
        "各任务包合格率",
        "各实体标签一致性（精确 F1）",
        "各分类标签一致性（Cohen κ）",
        "各标注员质检通过率",
    ]
    assert "人名" not in page  # only labels in use
    assert "地名" in page and "a1" in page and "a3" in page
    assert "<script>alert(1)</script>" not in page  # a batch name is text, in SVG too
    beijing = Snippet.objects.get(text=SNIPPETS[0])
    fix_list = page[page.index('id="fix-list"') :]
    assert "地名 ×2、机构 ×1" in fix_list  # 北京, one string under two labels
    assert f"/projects/{quality_project.id}/adjudicate/?snippet={beijing.id}" in fix_list


@pytest.mark.parametrize("path", ["quality", "review", "adjudicate"])
@pytest.mark.parametrize(
    "actor, code",
    [("outsider", 404), ("client", 403), ("annotator", 403), ("reviewer", 200), ("manager", 200)],
)
def test_the_reviewers_pages_by_actor(quality_project, client, path, actor, code):
    url = f"/projects/{quality_project.id}/{path}/"
    assert logged_in(client, actor).get(url).status_code == code


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_in_a_browser(
    quality_project, page_for, live_server, django_capture_on_commit_callbacks
):
    """A screenshot for people to judge (var/e2e/quality.png); nothing spills sideways."""
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    page = page_for("reviewer", width=1366, height=900)

    page.goto(f"{live_server.url}/projects/{quality_project.id}/quality/")
    page.locator("svg.chart").first.wait_for()

    assert page.locator("svg.chart").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "quality.png"), full_page=True)
    assert page.errors == []


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_works_through_the_queue_by_keyboard(
    quality_project, page_for, live_server, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    [first, second, third] = Review.objects.order_by("id")  # 20 % of 4 snippets: one, ×3
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/projects/{quality_project.id}/review/")
    page.locator("#review-text span").first.wait_for()
    assert page.locator("#review-count").inner_text() == "3 条待质检"

    page.keyboard.press("a")
    page.locator("#review-who", has_text=second.assignment.annotator.username).wait_for()
    page.keyboard.press("a")
    page.locator("#review-who", has_text=third.assignment.annotator.username).wait_for()
    page.keyboard.press("r")
    page.keyboard.type("北京是地名")
    page.keyboard.press("Enter")
    page.locator("#review-empty").wait_for()

    decided = list(Review.objects.order_by("id").values_list("status", "reason"))
    assert decided == [("accepted", ""), ("accepted", ""), ("rejected", "北京是地名")]
    assert page.errors == []


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_settles_disagreements_by_keyboard(
    quality_project, page_for, live_server, django_capture_on_commit_callbacks
):
    """北京 after 𠮷 (two UTF-16 units, one code point): a1 and a2 say 地名, a3 says 机构;
    the majority comes ticked but undecided, and Enter is refused until the reviewer decides:
    they keep 机构 instead. Then 张三's class: the suggestion (the majority), taken by A."""
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/projects/{quality_project.id}/quality/")
    page.click("#adjudicate-link")
    page.locator(".adj-version").first.wait_for()
    assert page.locator(".adj-item").count() == 3  # every snippet but 广州's
    assert page.locator("#adj-choices li.kept .chip").all_inner_texts()[0].count("地名") == 1
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "adjudicate.png"), full_page=True)

    page.keyboard.press("Enter")  # nothing decided yet: refused, saying why
    page.locator("#adj-error", has_text="2").wait_for()
    assert not Adjudication.objects.exists()
    page.keyboard.press("1")  # drop 地名 (a1, a2)
    page.keyboard.press("2")  # keep 机构 (a3)
    page.keyboard.press("Enter")
    page.locator("#adj-final", has_text="张三").wait_for()
    page.keyboard.press("a")  # the suggestion: the majority's class
    page.keyboard.press("Enter")
    page.locator("#adj-final", has_text="深圳").wait_for()

    settled = {
        item.snippet.text: (item.spans, item.classes)
        for item in Adjudication.objects.select_related("snippet")
    }
    assert settled == {
        SNIPPETS[0]: ([{"start": 4, "end": 6, "label": "机构"}], ["正面"]),
        SNIPPETS[1]: ([], ["正面"]),  # a1 and a3 against a2
    }
    assert page.locator(".adj-item .settled").count() == 2
    assert page.errors == []


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_runs_the_checks_and_walks_the_fix_list(
    quality_project, page_for, live_server, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    runs = QualityRun.objects.count()
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/projects/{quality_project.id}/quality/")
    page.evaluate("window.before = true")

    page.click("#run-now")
    page.wait_for_function("() => window.before === undefined")  # reloaded with the new figures
    assert QualityRun.objects.filter(status="succeeded").count() == runs + 1
    page.locator("#fix-list a").first.click()
    page.locator("#adj-final", has_text="北京").wait_for()
    page.keyboard.press("a")  # the suggestion, the majority: 地名
    page.keyboard.press("Enter")
    page.locator("#adj-settled", has_text="reviewer").wait_for()

    [settled] = Adjudication.objects.all()
    assert settled.snippet.text == SNIPPETS[0]
    assert settled.spans == [{"start": 4, "end": 6, "label": "地名"}]
    assert page.errors == []


@pytest.mark.django_db(transaction=True)
def test_a_client_accepts_a_batch_in_the_browser(project, members, page_for, live_server):
    batch = Batch.objects.create(project=project, name="第一包", status="accepting", size=20)
    snippets_make(project, 20, batch=batch)
    while (work := task_next(project_id=project.id, annotator=members["annotator"])) is not None:
        submit(annotator=members["annotator"], assignment_id=work.id, body={})
    page = page_for("client")

    page.goto(f"{live_server.url}/projects/{project.id}/")
    page.get_by_role("link", name="查看").click()
    page.click("#acceptance-start")
    page.locator(".acceptance-item").first.wait_for()
    items = page.locator(".acceptance-item")
    assert items.count() == 5  # 16–25 snippets: code letter C, five items
    for n in range(5):
        items.nth(n).get_by_role("button", name="正确").click()
        page.locator("#acceptance-summary", has_text=f"已判定 {n + 1}").wait_for()

    page.locator("#acceptance-result.accepted").wait_for()
    batch.refresh_from_db()
    assert batch.status == "accepted"
    assert page.errors == []


@pytest.mark.django_db(transaction=True)
def test_settling_without_a_part_everyone_agreed_on_asks_first(
    quality_project, page_for, live_server, django_capture_on_commit_callbacks
):
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    beijing = Snippet.objects.get(text=SNIPPETS[0])
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/projects/{quality_project.id}/adjudicate/?snippet={beijing.id}")
    page.locator("#adj-final", has_text="北京").wait_for()
    asked = []

    page.keyboard.press("a")
    page.keyboard.press("3")  # drop the class 正面, which all three gave
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert len(asked) == 1 and "1" in asked[0] and not Adjudication.objects.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    page.locator("#adj-settled", has_text="reviewer").wait_for()

    assert Adjudication.objects.get().classes == []
    assert page.errors == []


def test_the_dashboard_counts_each_annotators_empty_submits(
    quality_project, client, django_capture_on_commit_callbacks
):
    from accounts.models import User
    from tests.factories import snippets_of, work_submitted

    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    for text in ("一段没有可标的内容。", "又一段。"):
        [snippet] = snippets_of(quality_project, [text])
        work_submitted(snippet, User.objects.get(username="a2"), {})

    page = logged_in(client, "reviewer").get(f"/projects/{quality_project.id}/quality/")

    rows = re.findall(
        r"<tr><td>(\w+)</td>.*?<td class=\"empty-submits\">(\d+)</td>", page.content.decode(), re.S
    )
    assert dict(rows) == {"a1": "0", "a2": "2", "a3": "0"}


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_edits_the_final_annotation_freely(
    quality_project, page_for, live_server, django_capture_on_commit_callbacks
):
    """A span nobody gave, 𠮷野家 (𠮷 is two UTF-16 units, one code point), added from a
    selection; the 地名 on 北京 stretched to 北京开 and given another label."""
    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    beijing = Snippet.objects.get(text=SNIPPETS[0])
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/projects/{quality_project.id}/adjudicate/?snippet={beijing.id}")
    page.locator("#adj-final", has_text="北京").wait_for()

    page.keyboard.press("a")
    page.evaluate(
        """() => {
            const text = document.querySelector('#adj-final [data-start="0"]').firstChild;
            const range = document.createRange();
            range.setStart(text, 0);
            range.setEnd(text, 4);  // UTF-16 units: 𠮷野家
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }"""
    )
    page.select_option("#adj-label", "机构")
    page.click("#adj-add")
    first = page.locator("#adj-choices li").first
    first.get_by_role("button", name="结束处后移一个字").click()
    first.locator("select").select_option("机构")
    page.click("#adj-settle")
    page.locator("#adj-settled", has_text="reviewer").wait_for()

    settled = Adjudication.objects.get()
    assert sorted(settled.spans, key=lambda span: span["start"]) == [
        {"start": 0, "end": 3, "label": "机构"},
        {"start": 4, "end": 7, "label": "机构"},
    ]
    assert settled.classes == ["正面"] and page.errors == []


@pytest.mark.django_db(transaction=True)
def test_the_review_queue_reads_again_after_each_decision(
    quality_project, page_for, live_server, django_capture_on_commit_callbacks, members
):
    """While one reviewer looks at the first piece, another decides the second: after the
    first's decision the count says one left, and the third piece comes next."""
    from annotation.quality.reviewing import review_decide

    annotate_everything(quality_project, django_capture_on_commit_callbacks)
    [first, second, third] = Review.objects.order_by("id")
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/projects/{quality_project.id}/review/")
    page.locator("#review-count", has_text="3").wait_for()
    other = MembershipFactory(project=quality_project, role="reviewer").user

    review_decide(review_id=second.id, reviewer=other, accept=True)
    page.keyboard.press("a")

    page.locator("#review-count", has_text="1").wait_for()
    assert third.assignment.annotator.username in page.locator("#review-who").inner_text()
    assert page.errors == []
