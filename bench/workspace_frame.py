"""The workspace with relations, in Chromium: how long drawing and a key press take.

    python bench/workspace_frame.py [--opens 30] [--presses 200] [--snippets 30]
                                    [--relations 20] [--against CHECKOUT]

Creates a scratch PostgreSQL database with a project of ``--snippets`` snippets of 256
characters, each imported with 30 spans and 20 relations (the dense case of issue 31),
which start each task as suggestions. It serves them with gunicorn on loopback and opens
the workspace in Debian's Chromium at 1366×768. Timed with the Performance API inside the
page:

- the first snippet shown when the page opens from the project's page, in ``--opens``
  new browser contexts (nothing cached: the browser has run none of the workspace's code
  yet), and again on the third opening in each (as for an annotator who comes back: the
  compiled code cached): from the task's answer to its text, spans and arcs drawn (the
  editor's model loaded and the layout read on the way); beside it, from a trace, the
  main thread's CPU time in the task that drew it (which holds a little more: the answer
  read), to tell the page's work from waiting for a core; then its lists, drawn once that
  frame is painted, their layout included;
- the whole snippet drawn again, arcs and all, a relation of the list picked out each time;
- ``--presses`` Tab presses while a relation is made (each offers the next span: the text,
  the lists and every arc are drawn again): the handler (the model's change and the
  drawing, layout read included) and the time until the next animation frame, beside the
  time from one frame to the next with no key pressed (headless Chromium's own pace);
- each following snippet drawn after an Enter submits the one before, as an annotator
  goes through a batch: a new text, its spans and arcs drawn from nothing; then its lists,
  the frame after.

``--relations 0``: the same spans without relations, to tell what the arcs cost.
``--against CHECKOUT``: the page's first opening timed in another checkout of the code as
well, served from the same data, the two in turn (an A/B in one run).

Target (issue 31): the dense snippet drawn and a key press answered within one frame,
≤ 16 ms; and each frame of a new snippet (the snippet, then its lists) within one.
"""

import argparse
import json
import os
import random
import time

from common import django_on_scratch, drop_database, print_figures
from serving import HOST, percentile, start_server

DB_NAME = "biaozhu_bench_workspace"
PORT = 8793
PASSWORD = "bench-password"
COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会"

# Each press dispatched to the text as a real key would be, timed in the page.
PRESSES = """async (count) => {
  const target = document.getElementById("snippet");
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const handled = [], framed = [], idle = [];
  for (let n = 0; n < count; n += 1) {
    await frame();
    const still = performance.now();
    await frame();
    idle.push(performance.now() - still);
    await frame();
    const start = performance.now();
    target.dispatchEvent(new KeyboardEvent("keydown", { key: "Tab", bubbles: true }));
    handled.push(performance.now() - start);
    await frame();
    framed.push(performance.now() - start);
  }
  return { handled, framed, idle };
}"""

# The whole snippet drawn again, arcs and all: a relation of the list picked out, each
# time another (its ends marked in the text, its arc in the accent colour).
REDRAWS = """async (count) => {
  const items = [...document.querySelectorAll("#relation-list li")];
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const drawn = [];
  for (let n = 0; n < count; n += 1) {
    await frame();
    const start = performance.now();
    items[n % items.length].click();
    drawn.push(performance.now() - start);
  }
  return drawn;
}"""

# Each following snippet: Enter submits the one on screen, and the next is drawn when the
# submit's answer brings it.
NEXT_SNIPPETS = """async (count) => {
  const drawn = () => performance.getEntriesByName("workspace-drawn");
  const listed = () => performance.getEntriesByName("workspace-lists-drawn");
  const times = [], lists = [];
  for (let n = 0; n < count; n += 1) {
    const before = listed().length, beforeDrawn = drawn().length;
    const target = document.getElementById("snippet");
    target.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    for (let wait = 0; wait < 500 && listed().length === before; wait += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (listed().length === before) break;
    times.push(drawn()[beforeDrawn].duration);
    lists.push(listed()[before].duration);
  }
  return { times, lists };
}"""

# The first drawing, from the draft as loaded: the task's snippet with its spans and arcs,
# then its lists in the next frame.
FIRST_DRAW = """() => {
  const last = (name) => performance.getEntriesByName(name).at(-1)?.duration ?? null;
  return { snippet: last("workspace-drawn"), lists: last("workspace-lists-drawn") };
}"""


def drawing_cpu(trace: bytes) -> float | None:
    """The main-thread CPU time, in ms, of the task that drew the first snippet: the one
    around the "workspace-drawn" measure in a Chromium trace. Beside its wall-clock time it
    tells the page's own work from the wait for a core of a busy machine."""
    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    marks = [e for e in events if e.get("name") == "workspace-drawn" and e.get("ph") == "b"]
    if not marks:
        return None
    mark = marks[-1]
    tasks = [
        e
        for e in events
        if e.get("name") == "RunTask"
        and e.get("ph") == "X"
        and (e["pid"], e["tid"]) == (mark["pid"], mark["tid"])
        and e["ts"] <= mark["ts"] <= e["ts"] + e.get("dur", 0)
    ]
    return max(tasks, key=lambda e: e["dur"]).get("tdur", 0) / 1000 if tasks else None


def dense(text: str, links: int) -> dict:
    """A record of our JSONL: the text with 30 spans and ``links`` relations between them."""
    spans = [
        {"start": 8 * n, "end": 8 * n + 2, "label": ("人名", "机构")[n % 2]} for n in range(30)
    ]
    pairs = [(n, n + 1) for n in range(0, 28, 2)] + [(n, n + 9) for n in range(0, 18, 3)]
    relations = [{"from": f"T{a + 1}", "to": f"T{b + 1}", "type": "相识"} for a, b in pairs[:links]]
    return {"text": text, "spans": spans, "relations": relations}


def project_made(snippets: int, links: int) -> int:
    """The project with its snippets and its annotator; the project's id."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from accounts.services import user_ensure
    from annotation.models import ImportJob
    from projects.models import Membership, Role
    from projects.services import project_create

    manager, _ = user_ensure(username="bench", password=PASSWORD, is_staff=True)
    annotator, _ = user_ensure(username="bench-annotator", password=PASSWORD)
    project = project_create(creator=manager, name="bench workspace")
    Membership.objects.create(project=project, user=annotator, role=Role.ANNOTATOR)
    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    labels = [
        {"name": "人名", "kind": "spans", "hotkey": "p", "color": "#e03131"},
        {"name": "机构", "kind": "spans", "hotkey": "o", "color": "#1971c2"},
        {"name": "相识", "kind": "relations", "hotkey": "x", "directed": False},
    ]
    body = {"kinds": ["spans", "relations"], "labels": labels, "max_snippet_chars": 300}
    answer = client.patch(f"/api/v1/projects/{project.id}/", body, "application/json")
    assert answer.status_code == 200, answer.content
    rng = random.Random(7)
    texts = ["".join(rng.choice(COMMON) for _ in range(256)) for _ in range(snippets)]
    lines = [json.dumps(dense(text, links), ensure_ascii=False) for text in texts]
    upload = SimpleUploadedFile("dense.jsonl", "\n".join(lines).encode())
    answer = client.post(
        f"/api/v1/projects/{project.id}/imports/", {"file": upload, "format": "jsonl"}
    )
    assert answer.status_code == 202, answer.content
    job = ImportJob.objects.get(id=answer.json()["id"])
    for _ in range(600):  # the import runs beside this process
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.1)
    assert job.status == "succeeded", job.error
    return project.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--snippets", type=int, default=30)
    parser.add_argument(
        "--relations", type=int, default=20, help="0: the same spans without relations"
    )
    parser.add_argument(
        "--opens", type=int, default=30, help="new browser contexts the page is opened in"
    )
    parser.add_argument(
        "--against",
        metavar="CHECKOUT",
        help="another checkout of the code: the page's first opening timed in both, in turn",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    env = django_on_scratch(DB_NAME, None)
    project_id = project_made(args.snippets, args.relations)
    serving = dict(workers=1, worker_class="sync", threads=1, keep_alive=2)
    servers = [start_server(env, **serving, port=PORT)]
    bases = {"": f"http://{HOST}:{PORT}"}
    if args.against:  # the same data served by the other checkout
        servers.append(start_server(env, **serving, port=PORT + 1, cwd=args.against))
        bases[f" ({args.against})"] = f"http://{HOST}:{PORT + 1}"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            base = f"http://{HOST}:{PORT}"
            page.goto(f"{base}/login/")
            page.fill("input[name=username]", "bench-annotator")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/login/" not in url)
            signed_in = page.context.storage_state()

            def opened(page, base: str) -> dict:
                """The workspace opened on ``page`` from ``base``, traced: its first
                drawing, the CPU time of its task, and how long the page took from the
                address to every arc."""
                page.goto(f"{base}/projects/{project_id}/")
                browser.start_tracing(
                    page=page,
                    categories=["disabled-by-default-devtools.timeline", "blink.user_timing"],
                )
                started = time.perf_counter()
                page.goto(f"{base}/projects/{project_id}/annotate/")
                page.locator("#span-list li").nth(29).wait_for()
                if args.relations:
                    page.locator("#arcs .arc").nth(args.relations - 1).wait_for()
                shown = time.perf_counter() - started
                cpu = drawing_cpu(browser.stop_tracing())
                return {**page.evaluate(FIRST_DRAW), "shown": shown, "cpu": cpu}

            # Each time in a new browser context, nothing cached, and from the project's
            # page, as an annotator comes to the workspace; then twice more in it, the
            # third time as the browser opens it for one who comes back (its compiled
            # code cached). With --against, the two checkouts in turn.
            firsts: dict[str, list[dict]] = {name: [] for name in bases}
            returns: dict[str, list[dict]] = {name: [] for name in bases}
            for _ in range(args.opens):
                for name, other in bases.items():
                    context = browser.new_context(
                        viewport={"width": 1366, "height": 768}, storage_state=signed_in
                    )
                    fresh = context.new_page()
                    firsts[name].append(opened(fresh, other))
                    opened(fresh, other)
                    returns[name].append(opened(fresh, other))
                    context.close()
            opened(page, base)  # the page the rest is timed on
            redrawn = page.evaluate(REDRAWS, 100) if args.relations else []
            page.keyboard.press("Escape")
            page.locator("#snippet .seg.in-span").first.click()
            page.keyboard.press("x")
            page.locator("#link-prompt").wait_for()
            timed = page.evaluate(PRESSES, args.presses)
            page.keyboard.press("Escape")
            following = page.evaluate(NEXT_SNIPPETS, args.snippets - 1)
            browser.close()
    finally:
        for server in servers:
            os.killpg(server.pid, 15)
            server.wait(30)
    handled, framed = timed["handled"], timed["framed"]

    def spread(values: list[float], *shares: float) -> str:
        return " / ".join(f"{percentile(values, share):.2f}" for share in shares) + " ms"

    rows = [("snippet: characters / spans / relations", f"256 / 30 / {args.relations}")]
    for name in bases:
        for visit, opens in (("first visit", firsts[name]), ("coming back", returns[name])):
            lists = [first["lists"] for first in opens if first["lists"] is not None]
            rows += [
                (
                    f"{visit}, {len(opens)}: page opened → every arc drawn p50{name}",
                    f"{percentile([first['shown'] for first in opens], 0.5) * 1000:.0f} ms",
                ),
                (
                    f"{visit}: snippet with its arcs p50 / p95 / max{name}",
                    spread([first["snippet"] for first in opens], 0.5, 0.95, 1),
                ),
                (
                    f"{visit}: CPU of its task, traced{name}",
                    spread([first["cpu"] for first in opens if first["cpu"]], 0.5, 0.95, 1),
                ),
                (
                    f"{visit}: its lists, the frame after{name}",
                    spread(lists, 0.5, 0.95, 1) if lists else "–",
                ),
            ]
    rows += [
        (
            "drawn again, a relation picked out: p50 / p95",
            spread(redrawn, 0.5, 0.95) if redrawn else "–",
        ),
        (f"Tab, {len(handled)} presses: handler p50 / p95 / max", spread(handled, 0.5, 0.95, 1)),
        ("Tab → next animation frame p50 / p95", spread(framed, 0.5, 0.95)),
        ("no key: one frame to the next p50 / p95", spread(timed["idle"], 0.5, 0.95)),
        (
            f"each next snippet drawn, {len(following['times'])}: p50 / p95 / max",
            spread(following["times"], 0.5, 0.95, 1) if following["times"] else "–",
        ),
        (
            "its lists, the frame after: p50 / p95 / max",
            spread(following["lists"], 0.5, 0.95, 1) if following["lists"] else "–",
        ),
    ]
    print_figures(rows)
    if not args.keep:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
