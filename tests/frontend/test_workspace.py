"""The annotator's workspace in a real browser (Debian's Chromium through Playwright)."""

import json
import statistics
from pathlib import Path

import pytest

from annotation.models import Assignment, Revision

pytestmark = pytest.mark.django_db(transaction=True)

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "e2e"
SNIPPETS = [
    "𠮷野家在北京开了新店，张三去了。",
    "<img src=x onerror=alert(1)>这一段不是网页。",
    *[f"第{n}段：聊城的数据标注基地。" for n in range(12)],
]
LABELS = [
    {"name": "人名", "kind": "spans", "hotkey": "p", "color": "#e03131"},
    {"name": "地名", "kind": "spans", "hotkey": "l", "color": "#2f9e44"},
    {"name": "机构", "kind": "spans", "hotkey": "o", "color": "#1971c2"},
    {"name": "正面", "kind": "classes", "hotkey": "1", "color": "#f08c00"},
]


@pytest.fixture
def work_project(project, members, client_for, upload):
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {
            "kinds": ["spans", "classes", "segmentation"],
            "labels": LABELS,
            "guidelines": "## 规范\n\n- 地名",
        },
        format="json",
    )
    upload(project, "a.txt", "\n\n".join(SNIPPETS).encode())
    return project


def selected_text(page) -> str:
    return "".join(page.locator("#snippet .seg.selected").all_inner_texts())


def select_by_keyboard(page, word: str) -> None:
    for _ in range(30):
        page.keyboard.press("ArrowRight")
        if selected_text(page) == word:
            return
    raise AssertionError(f"the arrows never selected {word}")


def select_by_mouse(page, word: str) -> None:
    """Drag from the left of the word's first character to the middle of its second: the
    mouse covers one character, and snapping widens the selection to jieba's word."""
    box = page.locator("#snippet .seg", has_text=word).first.bounding_box()
    middle = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.1, middle)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, middle, steps=5)
    page.mouse.up()


def test_an_annotator_labels_by_keyboard_and_mouse_and_nothing_is_lost(
    page_for, live_server, work_project
):
    page = page_for("annotator")
    page.goto(f"{live_server.url}/projects/{work_project.id}/annotate/")
    page.locator("#snippet .seg").first.wait_for()
    assert page.locator("#snippet").inner_text().startswith("𠮷野家")

    select_by_keyboard(page, "北京")
    page.keyboard.press("l")
    select_by_keyboard(page, "张三去")  # jieba's word; the name is two characters of it
    page.keyboard.press("Shift+ArrowLeft")
    assert selected_text(page) == "张三"
    page.keyboard.press("p")
    select_by_mouse(page, "新店")
    assert selected_text(page) == "新店"
    page.keyboard.press("o")
    page.keyboard.press("1")
    # jieba took 张三去 for one word: split it after 三 (code point 13) in segmentation mode.
    page.keyboard.press("w")
    for _ in range(13):
        page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    page.keyboard.press("w")
    page.locator("#save-state.saved").wait_for()

    page.reload()
    page.locator("#span-list li").nth(2).wait_for()
    assert page.locator("#span-list li").count() == 3
    assert page.locator("#class-labels button.active").inner_text().startswith("正面")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "workspace.png"))

    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # a double Enter stores one revision
    page.locator("#snippet", has_text="onerror").wait_for()
    # Progress: one done today; 14 snippets, one done and one on screen → 12 nobody holds.
    page.locator("#my-progress", has_text="12").wait_for()
    assert page.locator("#my-progress").inner_text() == "今天已完成 1 个 · 本任务包还剩 12 个"

    [revision] = Revision.objects.all()
    text = revision.assignment.snippet.text
    found = {(text[span["start"] : span["end"]], span["label"]) for span in revision.spans}
    assert found == {("北京", "地名"), ("张三", "人名"), ("新店", "机构")}
    assert revision.classes == ["正面"]
    assert revision.segmentation == [1, 3, 4, 6, 7, 8, 10, 11, 13, 14, 15, 16]
    # The markup in the next snippet is text on the page, never an element.
    assert page.locator("#snippet img").count() == 0
    assert "<img src=x onerror=alert(1)>" in page.locator("#snippet").inner_text()
    assert page.errors == []


def test_submit_to_next_snippet_is_timed_in_the_browser(page_for, live_server, work_project):
    """Enter → the next snippet on screen, by the Performance API; figures go to var/e2e."""
    page = page_for("annotator")
    page.goto(f"{live_server.url}/projects/{work_project.id}/annotate/")
    page.locator("#snippet .seg").first.wait_for()
    page.evaluate(
        """() => {
          window.timings = [];
          let pressed = null;
          document.addEventListener("keydown", (event) => {
            if (event.key === "Enter") pressed = performance.now();
          }, true);
          new MutationObserver(() => {
            if (pressed === null) return;
            window.timings.push(performance.now() - pressed);
            pressed = null;
          }).observe(document.getElementById("snippet"), { childList: true });
        }"""
    )
    for count in range(1, 11):
        page.keyboard.press("1")  # a class: an empty snippet asks before it goes
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => window.timings.length >= {count}")

    timings = page.evaluate("window.timings")
    assert len(timings) == 10
    assert Assignment.objects.filter(status="submitted").count() == 10
    figures = {
        "samples": len(timings),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(sorted(timings)[int(0.95 * len(timings))], 1),
        "max_ms": round(max(timings), 1),
    }
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "submit-to-next.json").write_text(json.dumps(figures), encoding="utf-8")
    print("submit → next snippet:", figures)


def open_workspace(page, live_server, project):
    page.goto(f"{live_server.url}/projects/{project.id}/annotate/")
    page.locator("#snippet .seg").first.wait_for()


def held(project) -> Assignment:
    return Assignment.objects.get(project=project, status="active")


def test_previous_shows_earlier_work_and_enter_stores_a_correction(
    page_for, live_server, work_project
):
    page = page_for("annotator")
    open_workspace(page, live_server, work_project)
    select_by_keyboard(page, "北京")
    page.keyboard.press("l")
    page.keyboard.press("Enter")
    page.locator("#snippet", has_text="onerror").wait_for()

    page.keyboard.press("PageUp")
    page.locator("#snippet", has_text="𠮷野家").wait_for()
    assert page.locator("#past-note").is_visible() and page.locator("#skip").is_hidden()
    assert page.locator("#span-list li").inner_text().startswith("北京")
    page.locator("#span-list li button").click()  # the correction: 北京 is no 地名 after all
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.locator("#snippet", has_text="onerror").wait_for()

    first = Assignment.objects.get(snippet__text=SNIPPETS[0])
    revisions = list(first.revisions.order_by("number").values_list("spans", "classes"))
    assert [spans for spans, _ in revisions] == [
        [{"start": 4, "end": 6, "label": "地名"}],
        [],
    ]
    assert revisions[1][1] == ["正面"]
    assert page.locator("#forward").is_hidden() and page.locator("#past-note").is_hidden()
    assert held(work_project).snippet.text == SNIPPETS[1]  # still the task in hand
    assert page.errors == []


def test_the_next_snippet_never_shows_the_lists_of_the_one_before(
    page_for, live_server, work_project
):
    page = page_for("annotator")
    open_workspace(page, live_server, work_project)
    select_by_keyboard(page, "北京")
    page.keyboard.press("l")
    page.locator("#span-list li", has_text="北京").wait_for()
    # What the span list holds when the next text comes (before the lists are drawn
    # again, a frame later): a button there would act on the new snippet.
    page.evaluate(
        """() => {
          window.listed = [];
          new MutationObserver(() => {
            window.listed.push(document.getElementById("span-list").innerText);
          }).observe(document.getElementById("snippet"), { childList: true });
        }"""
    )
    page.keyboard.press("Enter")
    page.locator("#snippet", has_text="onerror").wait_for()

    assert page.evaluate("window.listed") == [""]
    page.keyboard.press("PageUp")  # back: its span is listed again
    page.locator("#span-list li", has_text="北京").wait_for()
    assert page.errors == []


def test_skip_asks_for_a_reason_in_the_page(page_for, live_server, work_project):
    page = page_for("annotator")
    open_workspace(page, live_server, work_project)
    skipped = held(work_project)

    page.click("#skip")
    page.locator("#skip-dialog").get_by_text("与任务无关").click()
    page.fill("#skip-dialog input[name=other]", "是广告")
    page.keyboard.press("Enter")
    page.locator("#snippet", has_text="onerror").wait_for()

    skipped.refresh_from_db()
    assert (skipped.status, skipped.skip_reason) == ("skipped", "与任务无关 — 是广告")
    page.click("#skip")
    page.click("#skip-cancel")  # a second thought: nothing happens
    assert held(work_project).snippet.text == SNIPPETS[1]
    assert page.locator("#snippet").inner_text().startswith("<img")


def test_a_draft_saved_elsewhere_lets_the_annotator_choose(page_for, live_server, work_project):
    from annotation.work.services import draft_save

    page = page_for("annotator")
    open_workspace(page, live_server, work_project)
    select_by_keyboard(page, "北京")
    page.keyboard.press("l")
    page.locator("#save-state.saved").wait_for()
    elsewhere = {"spans": [{"start": 11, "end": 13, "label": "人名"}], "classes": []}

    # Another tab saved a newer draft; this page's next save is refused with it (409).
    assignment = held(work_project)
    draft_save(
        annotator=assignment.annotator,
        assignment_id=assignment.id,
        version=assignment.version,
        draft=elsewhere,
    )
    page.keyboard.press("1")
    page.locator("#conflict").wait_for()
    page.click("#use-newer")
    assert page.locator("#span-list li").all_inner_texts()[0].startswith("张三")
    assert page.locator("#class-labels button.active").count() == 0

    # Again, and this time the annotator keeps their own.
    assignment.refresh_from_db()
    draft_save(
        annotator=assignment.annotator,
        assignment_id=assignment.id,
        version=assignment.version,
        draft={"spans": []},
    )
    page.keyboard.press("1")
    page.locator("#conflict").wait_for()
    page.click("#keep-mine")
    page.locator("#save-state.saved").wait_for()
    assignment.refresh_from_db()
    assert assignment.draft["spans"] == elsewhere["spans"]
    assert assignment.draft["classes"] == ["正面"]
    assert page.errors == []


def test_offline_for_a_moment_shows_unsaved_and_retries(page_for, live_server, work_project):
    page = page_for("annotator")
    open_workspace(page, live_server, work_project)
    drafts = "**/api/v1/assignments/*/draft/"
    page.route(drafts, lambda route: route.abort("internetdisconnected"))
    select_by_keyboard(page, "北京")
    page.keyboard.press("l")
    page.locator("#save-state.unsaved", has_text="网络断开").wait_for()
    assert held(work_project).version == 0

    page.unroute(drafts)  # back online: the retry saves it
    page.locator("#save-state.saved").wait_for()
    assert held(work_project).draft["spans"][0]["label"] == "地名"

    # The submit reaches the server but its answer is lost; the retry (same key) stores
    # nothing new and the page moves on.
    submits = "**/api/v1/assignments/*/submit/*"

    lost = []

    def answer_lost(route):
        if lost:
            return route.continue_()
        lost.append(route.fetch().status)
        route.abort("connectionreset")

    page.route(submits, answer_lost)
    page.keyboard.press("Enter")
    page.locator("#snippet", has_text="onerror").wait_for()
    assert lost == [201]
    [revision] = Revision.objects.all()
    assert revision.spans == [{"start": 4, "end": 6, "label": "地名"}]
    assert page.errors == []


def test_a_database_restart_answer_is_retried_not_shown_as_a_failure(
    page_for, live_server, work_project
):
    """While PostgreSQL restarts the server answers 503 (config.unavailable); the page
    keeps the work and sends it again."""
    page = page_for("annotator")
    open_workspace(page, live_server, work_project)
    refused = []

    def restarting(route):
        if len(refused) < 2:
            refused.append(route.request.url)
            body = '{"detail": "数据库暂时不可用", "retryable": true}'
            return route.fulfill(status=503, body=body, headers={"Retry-After": "2"})
        route.continue_()

    page.route("**/api/v1/assignments/*/submit/*", restarting)
    select_by_keyboard(page, "北京")
    page.keyboard.press("l")
    page.keyboard.press("Enter")
    page.locator("#snippet", has_text="onerror").wait_for()

    assert len(refused) == 2
    [revision] = Revision.objects.all()
    assert revision.spans == [{"start": 4, "end": 6, "label": "地名"}]
    assert page.errors == []


@pytest.mark.parametrize(
    "width, height, name",
    [(1366, 768, "workspace-1366x768.png"), (3840, 2160, "workspace-3840x2160.png")],
)
def test_the_workspace_is_readable_on_a_laptop_and_on_a_4k_screen(
    page_for, live_server, work_project, width, height, name
):
    page = page_for("annotator", width=width, height=height)
    open_workspace(page, live_server, work_project)
    select_by_keyboard(page, "北京")
    page.keyboard.press("l")

    figures = page.evaluate(
        """() => {
          const box = (node) => node.getBoundingClientRect();
          const buttons = [...document.querySelectorAll("#task button:not([hidden])")]
            .filter((node) => node.offsetParent !== null).map(box);
          let overlaps = 0;
          const apart = (a, b) =>
            a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
          buttons.forEach((a, i) => buttons.slice(i + 1).forEach((b) => {
            if (!apart(a, b)) overlaps++;
          }));
          const snippet = document.getElementById("snippet");
          return {
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            overlaps,
            fontPx: parseFloat(getComputedStyle(snippet).fontSize),
            fontFamily: getComputedStyle(snippet).fontFamily,
            snippetWidth: box(snippet).width,
            submitBottom: box(document.getElementById("submit")).bottom,
          };
        }"""
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / name))

    assert figures["overflow"] <= 0  # no sideways scrolling
    assert figures["overlaps"] == 0
    assert figures["submitBottom"] <= height  # the whole task on the first screen
    assert "Noto Sans CJK SC" in figures["fontFamily"]
    # Chinese at ≥ 24 CSS px on a laptop; on an unscaled 4K screen, at ≥ 0.9 % of its width
    # and the snippet across at least a third of it.
    assert figures["fontPx"] >= max(24, 0.009 * width)
    assert figures["snippetWidth"] >= width / 3


def test_an_imports_pre_annotations_start_the_task_and_are_submitted_as_corrected(
    page_for, live_server, work_project
):
    first = work_project.snippets.get(text=SNIPPETS[0])
    first.suggestions = [
        {"start": 4, "end": 6, "label": "地名"},  # 北京, after 𠮷
        {"start": 11, "end": 13, "label": "未知"},  # a label the project lacks: left out
        {"label": "正面"},
    ]
    first.save(update_fields=["suggestions"])
    page = page_for("annotator")
    open_workspace(page, live_server, work_project)

    page.locator("#span-list li", has_text="北京").wait_for()
    assert page.locator("#span-list li").count() == 1
    page.keyboard.press("Enter")
    page.locator("#snippet", has_text="onerror").wait_for()

    [revision] = Revision.objects.all()
    assert revision.spans == [{"start": 4, "end": 6, "label": "地名"}]
    assert revision.classes == ["正面"]


def test_overlapping_spans_each_underline_the_characters_they_cover(
    page_for, live_server, work_project, client_for
):
    client_for("manager").patch(
        f"/api/v1/projects/{work_project.id}/", {"allow_overlap": True}, format="json"
    )
    first = work_project.snippets.get(text=SNIPPETS[0])
    first.suggestions = [  # 𠮷野家 a 机构, its 𠮷 a 人名 too, and 北京
        {"start": 0, "end": 3, "label": "机构"},
        {"start": 0, "end": 1, "label": "人名"},
        {"start": 4, "end": 6, "label": "地名"},
    ]
    first.save(update_fields=["suggestions"])
    page = page_for("annotator")
    open_workspace(page, live_server, work_project)
    page.locator("#span-list li").nth(2).wait_for()

    # Each character with the number of lines under it, read from the pieces drawn.
    lines = page.evaluate(
        """() => [...document.querySelectorAll("#snippet .seg")].flatMap((piece) =>
          [...piece.textContent].map((char) =>
            [char, (piece.style.boxShadow.match(/inset/g) ?? []).length]))"""
    )
    assert lines[:8] == [
        ["𠮷", 2],
        ["野", 1],
        ["家", 1],
        ["在", 0],
        ["北", 1],
        ["京", 1],
        ["开", 0],
        ["了", 0],
    ]
    assert all(count == 0 for _, count in lines[8:])
    assert page.errors == []


def test_keyboard_labelling_keeps_its_place_in_a_long_snippet(
    page_for, live_server, project, members, client_for, upload
):
    """Three places in a long snippet, by arrows and a label's key each: after a label the
    arrows go on from the span (before: from the start again, 24 keys to a word 40 in)."""
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans", "classes"], "labels": LABELS},
        format="json",
    )
    text = (
        "记者从市政府获悉，今年全市新建城市书房五家，分布在东昌府区、开发区和高新区，"
        "读者可以在任何一个网点借还图书，明年还将在茌平区新建三家，让市民就近阅读。"
    )
    upload(project, "long.txt", text.encode())
    page = page_for("annotator")
    page.goto(f"{live_server.url}/projects/{project.id}/annotate/")
    page.locator("#snippet .seg").first.wait_for()
    assert page.locator("#keys-toggle").inner_text().endswith("?")

    keys = 0
    for place in ("东昌府区", "开发区", "高新区"):
        for _ in range(60):
            page.keyboard.press("ArrowRight")
            keys += 1
            if selected_text(page) == place:
                break
        page.keyboard.press("L")  # upper case: the same key as l
        keys += 1
    page.locator("#span-list li").nth(2).wait_for()

    ends = [int(end) for end in Assignment.objects.get().snippet.tokens.split(",")]
    words = [text[start:end] for start, end in zip([0, *ends], ends, strict=False)]
    restarting = sum(words.index(place) + 2 for place in ("东昌府区", "开发区", "高新区"))
    assert keys == words.index("高新区") + 1 + 3 < restarting
    assert [item.split()[0] for item in page.locator("#span-list li").all_inner_texts()] == [
        "东昌府区",
        "开发区",
        "高新区",
    ]
    page.keyboard.press("?")
    assert page.locator("#keys").is_visible()
    assert page.locator("#label-keys kbd").all_inner_texts() == ["P", "L", "O", "1"]
    assert page.errors == []


def test_enter_on_a_snippet_with_nothing_done_asks_once(page_for, live_server, work_project):
    page = page_for("annotator")
    open_workspace(page, live_server, work_project)

    page.keyboard.press("Enter")
    page.locator("#task .error", has_text="Enter").wait_for()
    assert not Revision.objects.exists()
    page.keyboard.press("Enter")  # yes: there is nothing to label here
    page.locator("#snippet", has_text="onerror").wait_for()

    [revision] = Revision.objects.all()
    assert (revision.spans, revision.classes, revision.segmentation) == ([], [], [])
    assert page.errors == []
