// The annotator's workspace: one snippet at a time, keyboard first, nothing lost. This is
// the view: it draws the model (workspace_model.js), turns keys and clicks into its
// actions, and hands every edit to the session (workspace_session.js), which saves it.
// Offsets are code points of the snippet text (offsets.js converts the DOM's UTF-16).
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { slice, toCodePoint } from "./offsets.js";
import { showError as showIn } from "./pages.js";
import { lanes } from "./spans.js";
import { Editor, fromSuggestions, normalise } from "./workspace_model.js";
import { Session } from "./workspace_session.js";

const setup = JSON.parse(document.getElementById("workspace-setup").textContent);
const $ = (id) => document.getElementById(id);

const colorOf = new Map(setup.labels.map((label) => [`${label.kind}:${label.name}`, label.color]));
const editor = new Editor(setup);
const session = new Session({
  api,
  project: setup.project,
  on: { show, saveState: setSaveState, conflict: showConflict, error: showError },
});
let spentMs = 0; // time on this snippet while the page was visible
let visibleSince = 0;

// ---- drawing ----

function segmentsOf(bounds) {
  // Pieces of text between every token and span boundary, so that each piece is one
  // element that knows its code point range.
  const cuts = new Set([0, editor.length, ...bounds]);
  for (const span of editor.state.spans) {
    cuts.add(span.start);
    cuts.add(span.end);
  }
  if (editor.selection) {
    cuts.add(editor.selection[0]);
    cuts.add(editor.selection[1]);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.slice(0, -1).map((start, i) => [start, sorted[i + 1]]);
}

function drawWords() {
  const ends = new Set(editor.wordEnds());
  const { graphemes, text } = editor;
  const pieces = graphemes.slice(0, -1).map((start, i) => {
    const end = graphemes[i + 1];
    const piece = el("span", { class: "seg char", "data-start": String(start), "data-end": String(end) });
    piece.textContent = slice(text, start, end);
    if (ends.has(end) && end !== editor.length) piece.classList.add("word-break");
    if (start === editor.caret) piece.classList.add("caret");
    piece.addEventListener("click", () => act(editor.placeCaret(start)));
    return piece;
  });
  $("snippet").replaceChildren(...pieces);
  $("snippet").classList.add("segmenting");
}

function drawText() {
  if (editor.segmenting) return drawWords();
  $("snippet").classList.remove("segmenting");
  const { spans } = editor.state;
  const layout = lanes(spans);
  const bounds = editor.bounds();
  const wordEnds = new Set(bounds);
  const pieces = segmentsOf(bounds).map(([start, end]) => {
    const piece = el("span", { class: "seg", "data-start": String(start), "data-end": String(end) });
    piece.textContent = slice(editor.text, start, end);
    if (wordEnds.has(end)) piece.classList.add("word-end");
    const lines = [];
    spans.forEach((span, index) => {
      if (span.start <= start && end <= span.end) {
        const color = colorOf.get(`spans:${span.label}`) ?? "#888888";
        lines.push(`inset 0 -${3 + layout.lanes[index] * 4}px 0 ${color}`);
        if (index === editor.chosen) piece.classList.add("chosen");
      }
    });
    if (lines.length) {
      piece.classList.add("in-span");
      piece.style.boxShadow = lines.join(", ");
      piece.style.paddingBottom = `${layout.count * 4}px`;
    }
    const selection = editor.selection;
    if (selection && selection[0] <= start && end <= selection[1]) piece.classList.add("selected");
    return piece;
  });
  $("snippet").replaceChildren(...pieces);
}

function drawSpanList() {
  $("span-list").replaceChildren(
    ...editor.state.spans.map((span, index) => {
      const remove = el("button", { type: "button", title: gettext("Remove"), class: "link" }, "✕");
      remove.addEventListener("click", () => act(editor.removeSpan(index)));
      const chip = el(
        "li",
        { class: index === editor.chosen ? "chip chosen" : "chip" },
        el("span", { class: "swatch", style: `background:${colorOf.get(`spans:${span.label}`)}` }),
        el("span", { lang: "zh-Hans" }, slice(editor.text, span.start, span.end)),
        el("span", { class: "muted" }, span.label),
        remove,
      );
      chip.addEventListener("click", (event) => {
        if (event.target !== remove) act(editor.choose(index));
      });
      return chip;
    }),
  );
}

function drawPalettes() {
  const button = (label, active, action) => {
    const node = el(
      "button",
      { type: "button", class: active ? "label active" : "label", "data-label": label.name },
      el("span", { class: "swatch", style: `background:${label.color}` }),
      label.name,
      label.hotkey ? el("kbd", {}, label.hotkey.toUpperCase()) : "",
    );
    if (label.description) node.title = label.description;
    node.addEventListener("click", action);
    return node;
  };
  const ofKind = (kind) => setup.labels.filter((label) => label.kind === kind);
  $("span-labels").hidden = !setup.kinds.includes("spans");
  $("span-labels").replaceChildren(
    ...ofKind("spans").map((label) => button(label, false, () => act(editor.applyLabel(label.name)))),
  );
  $("class-labels").hidden = !setup.kinds.includes("classes");
  $("class-labels").replaceChildren(
    ...ofKind("classes").map((label) =>
      button(label, editor.state.classes.includes(label.name), () => act(editor.toggleClass(label.name))),
    ),
  );
}

function draw() {
  $("segment-toggle").classList.toggle("active", editor.segmenting);
  drawText();
  drawSpanList();
  drawPalettes();
}

// Every action of the model ends here: a refusal is shown, an edit is saved, and the
// snippet is drawn again.
function act(result) {
  if (!result) return;
  if (result.error) showError(result.error);
  else if (result.edited) showError("");
  if (result.edited) session.edited(editor.state);
  draw();
}

// ---- mouse and keyboard ----

// The code point offset of a DOM position inside the snippet.
function pointOf(node, offset) {
  const piece = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).closest(".seg");
  if (!piece) return offset === 0 ? 0 : editor.length;
  const start = Number(piece.dataset.start);
  return node.nodeType === Node.TEXT_NODE ? start + toCodePoint(node.textContent, offset) : start;
}

function onMouseUp(event) {
  const chosenSelection = window.getSelection();
  if (!chosenSelection.rangeCount) return;
  const range = chosenSelection.getRangeAt(0);
  if (!$("snippet").contains(range.commonAncestorContainer)) return;
  const start = pointOf(range.startContainer, range.startOffset);
  const end = pointOf(range.endContainer, range.endOffset);
  chosenSelection.removeAllRanges();
  if (start !== end) return act(editor.select(Math.min(start, end), Math.max(start, end), event.altKey));
  const piece = event.target.closest?.(".seg.in-span");
  if (piece) act(editor.chooseAt(Number(piece.dataset.start)));
}

function onKey(event) {
  if (!session.task || event.target.closest("input, textarea, select, dialog")) return;
  const key = event.key;
  const handled = () => event.preventDefault();
  if (key === "PageUp" || key === "PageDown") {
    handled();
    return key === "PageUp" ? session.previous() : session.forward();
  }
  if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "z") {
    handled();
    return act(event.shiftKey ? editor.redo() : editor.undo());
  }
  if ((event.ctrlKey || event.metaKey) && event.shiftKey && (key === "ArrowRight" || key === "ArrowLeft")) {
    handled();
    return act(editor.extend(key === "ArrowRight", true)); // by a jieba word
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (key === "Enter") {
    handled();
    return submit();
  }
  if (key === "Escape") return act(editor.clearSelection());
  if (key === "?") return showKeys();
  if (key.toLowerCase() === "w" && setup.kinds.includes("segmentation")) return act(editor.toggleSegmenting());
  const arrow = key === "ArrowRight" || key === "ArrowLeft";
  const forward = key === "ArrowRight";
  if (editor.segmenting) {
    // Arrows move the caret by a character, Space splits the word there, M merges it
    // with the next one.
    if (arrow) {
      handled();
      return act(editor.moveCaret(forward));
    }
    if (key === " ") {
      handled();
      return act(editor.splitAtCaret());
    }
    if (key.toLowerCase() === "m") return act(editor.mergeAtCaret());
    return;
  }
  if ((key === "Delete" || key === "Backspace") && editor.chosen !== null) {
    handled();
    return act(editor.removeChosen());
  }
  if (arrow) {
    handled();
    return act(event.shiftKey ? editor.extend(forward) : editor.step(forward));
  }
  act(editor.hotkey(key));
}

// ---- saving and submitting ----

const SAVE_STATES = {
  unsaved: () => [gettext("Unsaved"), "unsaved"],
  saving: () => [gettext("Saving…"), ""],
  saved: () => [gettext("Saved"), "saved"],
  offline: () => [gettext("Unsaved — offline, retrying"), "unsaved"],
};

function setSaveState(state, message = null) {
  const [text, kind] = message === null ? SAVE_STATES[state]() : [message, ""];
  const node = $("save-state");
  node.textContent = text;
  node.className = `save-state ${kind}`;
}

function showConflict(newer) {
  $("conflict").hidden = false;
  $("use-newer").onclick = () => {
    $("conflict").hidden = true;
    editor.replace(normalise(newer.draft));
    session.useNewer(newer);
    draw();
  };
  $("keep-mine").onclick = () => {
    $("conflict").hidden = true;
    session.keepMine(newer);
  };
}

function timeSpent() {
  const now = performance.now();
  return Math.round(spentMs + (document.hidden ? 0 : now - visibleSince));
}

// Enter on a snippet with nothing done asks once: a second Enter submits it as it is.
let emptyAsked = false;

function submit() {
  const body = editor.body();
  const empty = !body.spans.length && !body.classes.length && !body.segmentation.length;
  if (empty && !emptyAsked && !session.isPast()) {
    emptyAsked = true;
    return showError(gettext("Nothing is labelled. Press Enter again to submit it as it is."));
  }
  emptyAsked = false;
  return session.submit({ ...body, time_spent_ms: timeSpent() });
}

// ---- the task on screen ----

// An assignment, or none: then ``stopped`` says why when it is not the end of the work
// (a submit's no_next_detail: paused, or no longer on the project).
function show(assignment, stopped = null) {
  $("task").hidden = !assignment;
  $("done").hidden = Boolean(assignment);
  $("nothing-left").hidden = Boolean(stopped);
  $("stopped").hidden = !stopped;
  $("stopped").textContent = stopped ?? "";
  if (!assignment) return;
  const past = session.isPast();
  const suggested = !past && assignment.version === 0 && assignment.snippet.suggestions?.length;
  const state = suggested
    ? fromSuggestions(assignment.snippet.suggestions, setup)
    : normalise(past ? assignment.latest : assignment.draft);
  editor.load(assignment.snippet.text, assignment.snippet.tokens ?? [], state);
  emptyAsked = false;
  $("past-note").hidden = !past;
  $("returned-note").hidden = assignment.status !== "returned";
  $("returned-reason").textContent = assignment.return_reason;
  $("skip").hidden = assignment.status !== "active";
  $("forward").hidden = !session.trail.length;
  spentMs = 0;
  visibleSince = performance.now();
  showError("");
  const restored = assignment.version && !past ? gettext("Draft restored") : "";
  setSaveState(null, suggested ? gettext("Pre-annotated: check and correct") : restored);
  draw();
  $("snippet").focus();
  showProgress(assignment.snippet.batch);
}

// Done today and what is left of the batch: read after the snippet is on screen, never
// in its way; a failure leaves the last figures.
async function showProgress(batchId) {
  try {
    const progress = await api.myProgress(setup.project, batchId);
    const parts = [interpolate(gettext("Done today: %s"), [progress.done_today])];
    if (progress.batch) parts.push(interpolate(gettext("Left in this batch: %s"), [progress.batch.remaining]));
    $("my-progress").textContent = parts.join(" · ");
  } catch {
    // the figures are a courtesy; the work goes on without them
  }
}

function openSkip() {
  if (session.task?.status !== "active") return;
  const dialog = $("skip-dialog");
  dialog.querySelector("form").reset();
  dialog.returnValue = "";
  dialog.showModal();
  dialog.querySelector("input[name=reason]").focus();
}

function onSkipClosed() {
  const dialog = $("skip-dialog");
  if (dialog.returnValue !== "skip") return;
  const form = dialog.querySelector("form");
  const picked = form.querySelector("input[name=reason]:checked")?.value ?? "";
  const other = form.elements.other.value.trim();
  session.skip(picked === "other" ? other : [picked, other].filter(Boolean).join(" — "));
}

// A refusal, a failure or "" (nothing to say), under the snippet.
function showError(failure) {
  showIn(document.querySelector("#task .error"), failure);
}

function toggleGuidelines() {
  const panel = $("guidelines");
  panel.hidden = !panel.hidden;
}

// ``?``: every key of the workspace and of this project's labels, in a dialog.
function showKeys() {
  const dialog = $("keys");
  const rows = setup.labels
    .filter((label) => label.hotkey)
    .map((label) => [label.hotkey.toUpperCase(), label.name]);
  $("label-keys").replaceChildren(
    ...rows.map(([key, name]) => el("tr", {}, el("td", {}, el("kbd", {}, key)), el("td", {}, name))),
  );
  $("label-keys-none").hidden = rows.length > 0;
  if (!dialog.open) dialog.showModal();
}

async function start() {
  const source = JSON.parse($("guidelines-source").textContent);
  $("guidelines").replaceChildren(renderMarkdown(source));
  $("guidelines-toggle").addEventListener("click", toggleGuidelines);
  $("keys-toggle").addEventListener("click", showKeys);
  $("keys-close").addEventListener("click", () => $("keys").close());
  $("snippet").addEventListener("mouseup", onMouseUp);
  document.addEventListener("keydown", onKey);
  $("submit").addEventListener("click", submit);
  $("segment-toggle").hidden = !setup.kinds.includes("segmentation");
  $("segment-toggle").addEventListener("click", () => act(editor.toggleSegmenting()));
  $("skip").addEventListener("click", openSkip);
  $("skip-dialog").addEventListener("close", onSkipClosed);
  $("skip-cancel").addEventListener("click", () => $("skip-dialog").close());
  $("previous").addEventListener("click", () => session.previous());
  $("forward").addEventListener("click", () => session.forward());
  document.addEventListener("visibilitychange", () => {
    const now = performance.now();
    if (document.hidden) spentMs += now - visibleSince;
    visibleSince = now;
  });
  $("show-words").addEventListener("change", (event) => {
    $("snippet").classList.toggle("plain", !event.target.checked);
  });
  window.addEventListener("beforeunload", (event) => {
    if (session.dirty) event.preventDefault();
  });
  try {
    await session.begin();
  } catch (failure) {
    $("task").hidden = false;
    showError(failure);
  }
}

start();
