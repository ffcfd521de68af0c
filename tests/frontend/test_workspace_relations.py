"""Relations and events in the workspace, in a real browser (Debian's Chromium)."""

import random

import pytest

from annotation.models import Assignment, Revision
from tests.relations import KNOWS, LABELS, LI, PKU, TEXT, WORKS_AT, ZHANG, both_annotate

pytestmark = pytest.mark.django_db(transaction=True)


def selected(page) -> str:
    return "".join(page.locator("#snippet .seg.selected").all_inner_texts())


def select(page, word: str) -> None:
    """Select ``word`` by keyboard only: arrows a word at a time (leftward first, then
    rightward), Shift+arrows a character at a time to fit."""
    for key in ["ArrowLeft"] * 20 + ["ArrowRight"] * 20:
        page.keyboard.press(key)
        now = selected(page)
        if now == word:
            return
        if now and now.startswith(word):
            while selected(page) != word:
                page.keyboard.press("Shift+ArrowLeft")
            return
        if now and word.startswith(now):
            while len(selected(page)) < len(word):
                page.keyboard.press("Shift+ArrowRight")
            if selected(page) == word:
                return
    raise AssertionError(f"the keys never selected {word}")


def test_an_annotator_draws_relations_and_an_event_by_keyboard_only(page_for, live_server, linked):
    page = page_for("annotator")
    page.goto(f"{live_server.url}/projects/{linked.id}/annotate/")
    page.locator("#snippet .seg").first.wait_for()
    for word, key in (("张三", "p"), ("任职", "t"), ("北京大学", "o"), ("李四", "p")):
        select(page, word)
        page.keyboard.press(key)
    assert page.locator("#span-list li").count() == 4

    select(page, "张三")
    page.keyboard.press("r")  # 任职于: only 北京大学 may be its object
    assert "北京大学" in page.locator("#link-prompt").inner_text()
    page.keyboard.press("Enter")
    select(page, "李四")
    page.keyboard.press("x")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert "张三" in page.locator("#link-prompt").inner_text()
    page.keyboard.press("Enter")
    select(page, "任职")
    page.keyboard.press("e")  # the event: 任职者 from the people, then 机构
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.locator("#save-state.saved").wait_for()

    page.reload()
    page.locator("#relation-list li").nth(2).wait_for()
    items = page.locator("#relation-list li").all_inner_texts()
    assert items[0].startswith("张三 —任职于→ 北京大学")
    assert items[1].startswith("张三 —相识— 李四")
    assert items[2].startswith("任职〔任职〕 任职者: 张三 · 机构: 北京大学")
    assert page.locator("#arcs .arc").count() == 4  # two relations, two arguments

    page.keyboard.press("Enter")
    page.locator("#done").wait_for()
    [revision] = Revision.objects.all()
    words = [TEXT[span["start"] : span["end"]] for span in revision.spans]
    assert words == ["张三", "任职", "北京大学", "李四"]  # T1 … T4
    assert revision.relations == [
        {"id": "R1", "from": "T1", "to": "T3", "type": "任职于"},
        {"id": "R2", "from": "T1", "to": "T4", "type": "相识"},
    ]
    assert revision.events == [
        {
            "id": "E1",
            "trigger": "T2",
            "type": "任职",
            "arguments": [{"role": "任职者", "span": "T1"}, {"role": "机构", "span": "T3"}],
        }
    ]
    assert page.errors == []


# Every arc label's box, and every line box of the text (less the half-leading a glyph
# does not fill), in the page's pixels.
MEASURED = """() => {
  const box = (r) => [r.left, r.top, r.right, r.bottom];
  const glyph = (r) => [r.left, r.top + 4, r.right, r.bottom - 4];
  const pieces = [...document.querySelectorAll("#snippet .seg")];
  const labels = [...document.querySelectorAll("#arcs rect")];
  return {
    labels: labels.map((node) => box(node.getBoundingClientRect())),
    glyphs: pieces.flatMap((node) => [...node.getClientRects()].map(glyph)),
  };
}"""


def dense_draft(text: str, gap: int) -> dict:
    """30 spans of two characters and 20 relations among them, some to neighbours and some
    far along the text. With a ``gap``, the spans leave that many characters in the middle
    of the text without any (lines that hold no span between lines that do)."""
    starts = [8 * n for n in range(30)]
    if gap:
        starts = [4 * n for n in range(15)] + [256 - 4 * n - 2 for n in range(15)][::-1]
    spans = [
        {"id": f"d{n}", "start": start, "end": start + 2, "label": ("人名", "机构")[n % 2]}
        for n, start in enumerate(starts)
    ]
    pairs = [(n, n + 1) for n in range(0, 28, 2)] + [(n, n + 9) for n in range(0, 18, 3)]
    relations = [{"from": f"d{a}", "to": f"d{b}", "type": "相识"} for a, b in pairs[:20]]
    return {"spans": spans, "relations": relations, "events": []}


@pytest.mark.parametrize("gap", [0, 136])
def test_a_dense_snippet_draws_every_arc_label_readable(
    page_for, live_server, project, members, client_for, upload, gap
):
    rng = random.Random(7)
    text = "".join(
        rng.choice("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会")
        for _ in range(256)
    )
    client_for("manager").patch(
        f"/api/v1/projects/{project.id}/",
        {"kinds": ["spans", "relations"], "labels": LABELS[:6], "max_snippet_chars": 300},
        format="json",
    )
    upload(project, "dense.txt", text.encode())
    annotator = client_for("annotator")
    task = annotator.post(f"/api/v1/projects/{project.id}/tasks/next/").json()
    assert len(task["snippet"]["text"]) == 256
    saved = annotator.put(
        f"/api/v1/assignments/{task['id']}/draft/",
        {"version": 0, "draft": dense_draft(text, gap)},
        format="json",
    )
    assert saved.status_code == 200

    page = page_for("annotator", width=1366, height=768)
    page.goto(f"{live_server.url}/projects/{project.id}/annotate/")
    page.locator("#arcs .arc").nth(19).wait_for()
    page.screenshot(path=f"var/e2e/workspace-relations-{gap}.png", full_page=True)

    boxes = page.evaluate(MEASURED)

    def overlap(a, b):
        return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5

    labels_ = boxes["labels"]
    assert len(labels_) == 20
    for i, a in enumerate(labels_):
        assert not any(overlap(a, b) for b in labels_[i + 1 :]), f"label {i} overlaps another"
        assert not any(overlap(a, glyph) for glyph in boxes["glyphs"]), f"label {i} hides text"
    assert Assignment.objects.get().draft["relations"][0]["type"] == "相识"
    assert page.errors == []


def test_a_reviewer_rejects_one_relation_with_a_reason(page_for, live_server, linked, client_for):
    from annotation.models import Review

    body = {"spans": [ZHANG, PKU, LI], "relations": [WORKS_AT, KNOWS]}
    both_annotate(linked, client_for, body, body)
    first = Review.objects.order_by("id").first()
    page = page_for("reviewer")
    page.goto(f"{live_server.url}/projects/{linked.id}/review/")
    page.locator("#review-links li").nth(1).wait_for()
    assert (
        page.locator("#review-links li").all_inner_texts()[0].startswith("张三 —任职于→ 北京大学")
    )

    page.locator("#review-links li").first.get_by_role("button").click()
    page.keyboard.type("应为就职，请改类型")
    page.keyboard.press("Enter")
    page.locator("#review-who").filter(has_not_text=first.assignment.annotator.username).wait_for()

    first.refresh_from_db()
    assert first.status == "rejected"
    assert first.reason == "「张三 —任职于→ 北京大学」：应为就职，请改类型"
    returned = Assignment.objects.get(id=first.assignment_id)
    assert returned.status == "returned" and returned.return_reason == first.reason
    assert len(returned.draft["relations"]) == 2  # the work comes back whole, to correct
    assert page.errors == []
