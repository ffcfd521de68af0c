// The annotator's workspace: one snippet at a time, keyboard first, nothing lost.
// Offsets are code points of the snippet text (offsets.js converts the DOM's UTF-16).
import { ApiError, api, failureText, isRetryable } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { fromTokens, mergeWithNext, split } from "./segmentation.js";
import { graphemeBoundaries, slice, toCodePoint, widen, withTexts } from "./offsets.js";
import {
  lanes,
  nextBoundary,
  overlapsAny,
  previousBoundary,
  snapToTokens,
  tokenBoundaries,
} from "./spans.js";

const setup = JSON.parse(document.getElementById("workspace-setup").textContent);
const $ = (id) => document.getElementById(id);
const SAVE_DELAY_MS = 800;
const RETRY_MS = [1000, 2000, 5000, 10000];

const spanLabels = setup.labels.filter((label) => label.kind === "spans");
const classLabels = setup.labels.filter((label) => label.kind === "classes");
const colorOf = new Map(setup.labels.map((label) => [`${label.kind}:${label.name}`, label.color]));

let task = null; // the assignment as the API gave it
let trail = []; // ids of the assignments "previous" stepped back from, the newest first
let text = "";
let bounds = []; // token boundaries, code points
let graphemes = [];
// What the annotator has made of the snippet; segmentation is [] until they correct it.
let state = { spans: [], classes: [], segmentation: [] };
let segmenting = false; // the segmentation mode: words shown, a caret between characters
let caret = 0;
let history = [];
let future = [];
let selection = null; // [start, end) code points, or null
let chosen = null; // index of the span clicked on
let version = 0;
let saveTimer = null;
let saving = Promise.resolve();
let dirty = false;
let submitKey = null;
let spentMs = 0; // time on this snippet while the page was visible
let visibleSince = 0;

// ---- drawing ----

function segmentsOf() {
  // Pieces of text between every token and span boundary, so that each piece is one
  // element that knows its code point range.
  const cuts = new Set([0, Array.from(text).length, ...bounds]);
  for (const span of state.spans) {
    cuts.add(span.start);
    cuts.add(span.end);
  }
  if (selection) {
    cuts.add(selection[0]);
    cuts.add(selection[1]);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.slice(0, -1).map((start, i) => [start, sorted[i + 1]]);
}

function wordEnds() {
  return state.segmentation.length ? state.segmentation : fromTokens(taskTokens(), textLength());
}

function drawWords() {
  const ends = new Set(wordEnds());
  const pieces = graphemes.slice(0, -1).map((start, i) => {
    const end = graphemes[i + 1];
    const piece = el("span", { class: "seg char", "data-start": String(start), "data-end": String(end) });
    piece.textContent = slice(text, start, end);
    if (ends.has(end) && end !== textLength()) piece.classList.add("word-break");
    if (start === caret) piece.classList.add("caret");
    piece.addEventListener("click", () => {
      caret = start;
      drawWords();
    });
    return piece;
  });
  $("snippet").replaceChildren(...pieces);
  $("snippet").classList.add("segmenting");
}

function drawText() {
  if (segmenting) return drawWords();
  $("snippet").classList.remove("segmenting");
  const layout = lanes(state.spans);
  const wordEnds = new Set(bounds);
  const pieces = segmentsOf().map(([start, end]) => {
    const piece = el("span", { class: "seg", "data-start": String(start), "data-end": String(end) });
    piece.textContent = slice(text, start, end);
    if (wordEnds.has(end)) piece.classList.add("word-end");
    const lines = [];
    state.spans.forEach((span, index) => {
      if (span.start <= start && end <= span.end) {
        const color = colorOf.get(`spans:${span.label}`) ?? "#888888";
        lines.push(`inset 0 -${3 + layout.lanes[index] * 4}px 0 ${color}`);
        if (index === chosen) piece.classList.add("chosen");
      }
    });
    if (lines.length) {
      piece.classList.add("in-span");
      piece.style.boxShadow = lines.join(", ");
      piece.style.paddingBottom = `${layout.count * 4}px`;
    }
    if (selection && selection[0] <= start && end <= selection[1]) piece.classList.add("selected");
    return piece;
  });
  $("snippet").replaceChildren(...pieces);
}

function drawSpanList() {
  $("span-list").replaceChildren(
    ...state.spans.map((span, index) => {
      const remove = el("button", { type: "button", title: gettext("Remove"), class: "link" }, "✕");
      remove.addEventListener("click", () => change(() => state.spans.splice(index, 1)));
      const chip = el(
        "li",
        { class: index === chosen ? "chip chosen" : "chip" },
        el("span", { class: "swatch", style: `background:${colorOf.get(`spans:${span.label}`)}` }),
        el("span", { lang: "zh-Hans" }, slice(text, span.start, span.end)),
        el("span", { class: "muted" }, span.label),
        remove,
      );
      chip.addEventListener("click", (event) => {
        if (event.target === remove) return;
        chosen = index;
        draw();
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
      label.hotkey ? el("kbd", {}, label.hotkey) : "",
    );
    if (label.description) node.title = label.description;
    node.addEventListener("click", action);
    return node;
  };
  $("span-labels").hidden = !setup.kinds.includes("spans");
  $("span-labels").replaceChildren(
    ...spanLabels.map((label) => button(label, false, () => applyLabel(label.name))),
  );
  $("class-labels").hidden = !setup.kinds.includes("classes");
  $("class-labels").replaceChildren(
    ...classLabels.map((label) =>
      button(label, state.classes.includes(label.name), () => toggleClass(label.name)),
    ),
  );
}

function draw() {
  // Words are jieba's until the annotator corrects the segmentation, then theirs.
  bounds = state.segmentation.length
    ? [0, ...state.segmentation]
    : tokenBoundaries(taskTokens(), textLength());
  drawText();
  drawSpanList();
  drawPalettes();
}

// ---- editing ----

function change(edit) {
  history.push(JSON.stringify(state));
  future = [];
  edit();
  chosen = null;
  draw();
  scheduleSave();
}

function undo(stack, other) {
  if (!stack.length) return;
  other.push(JSON.stringify(state));
  state = JSON.parse(stack.pop());
  chosen = null;
  draw();
  scheduleSave();
}

function applyLabel(name) {
  if (!selection || selection[0] === selection[1]) return showError(gettext("Select some text first."));
  const [start, end] = selection;
  if (chosen !== null) {
    const index = chosen;
    return change(() => {
      state.spans[index] = { ...state.spans[index], label: name };
    });
  }
  if (!setup.allow_overlap && overlapsAny(start, end, state.spans)) {
    return showError(gettext("This project does not allow overlapping spans."));
  }
  showError("");
  change(() => {
    state.spans.push({ start, end, label: name });
    state.spans.sort((a, b) => a.start - b.start || a.end - b.end);
  });
  selection = null;
  draw();
}

function toggleClass(name) {
  change(() => {
    const has = state.classes.includes(name);
    if (setup.multi_label) {
      state.classes = has ? state.classes.filter((c) => c !== name) : [...state.classes, name];
    } else {
      state.classes = has ? [] : [name];
    }
  });
}

function select(start, end, exact) {
  const snapped = exact || !setup.snap_to_tokens ? widen(start, end, graphemes) : snapToTokens(start, end, bounds);
  selection = snapped[0] === snapped[1] ? null : snapped;
  chosen = state.spans.findIndex((span) => selection && span.start === selection[0] && span.end === selection[1]);
  if (chosen === -1) chosen = null;
  draw();
}

// The code point offset of a DOM position inside the snippet.
function pointOf(node, offset) {
  const piece = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).closest(".seg");
  if (!piece) return offset === 0 ? 0 : Array.from(text).length;
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
  if (start === end) {
    const piece = event.target.closest?.(".seg.in-span");
    if (piece) {
      const at = Number(piece.dataset.start);
      chosen = state.spans.findIndex((span) => span.start <= at && at < span.end);
      selection = [state.spans[chosen].start, state.spans[chosen].end];
      draw();
    }
    return;
  }
  select(Math.min(start, end), Math.max(start, end), event.altKey);
}

function onKey(event) {
  if (!task || event.target.closest("input, textarea, select, dialog")) return;
  const key = event.key;
  if (key === "PageUp" || key === "PageDown") {
    event.preventDefault();
    return key === "PageUp" ? previous() : forward();
  }
  if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "z") {
    event.preventDefault();
    return event.shiftKey ? undo(future, history) : undo(history, future);
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const length = textLength();
  if (key === "Enter") {
    event.preventDefault();
    return submit();
  }
  if (key === "Escape") {
    selection = null;
    chosen = null;
    return draw();
  }
  if ((key === "Delete" || key === "Backspace") && chosen !== null) {
    event.preventDefault();
    const index = chosen;
    selection = null;
    return change(() => state.spans.splice(index, 1));
  }
  if ((key === "ArrowRight" || key === "ArrowLeft") && !segmenting) {
    event.preventDefault();
    const [start, end] = selection ?? [0, 0];
    if (event.shiftKey) {
      const moved = key === "ArrowRight" ? nextBoundary(end, graphemes) : previousBoundary(end, graphemes);
      selection = moved > start ? [start, moved] : selection;
      chosen = null;
      return draw();
    }
    const from = key === "ArrowRight" ? (selection ? end : 0) : start;
    const to = key === "ArrowRight" ? nextBoundary(from, bounds) : previousBoundary(from, bounds);
    return key === "ArrowRight" ? select(from, Math.min(to, length), false) : select(to, from, false);
  }
  if (key === "?") return toggleGuidelines();
  if (key === "w" && setup.kinds.includes("segmentation")) return toggleSegmenting();
  if (segmenting) return segmentKey(event);
  const label = setup.labels.find((item) => item.hotkey && item.hotkey === key);
  if (label?.kind === "spans") return applyLabel(label.name);
  if (label?.kind === "classes") return toggleClass(label.name);
}

function toggleSegmenting() {
  segmenting = !segmenting;
  $("segment-toggle").classList.toggle("active", segmenting);
  selection = null;
  chosen = null;
  draw();
}

// Segmentation keys: arrows move the caret by a character, Space splits the word at the
// caret, M merges the word at the caret with the next one.
function segmentKey(event) {
  const key = event.key;
  if (key === "ArrowRight" || key === "ArrowLeft") {
    event.preventDefault();
    caret = key === "ArrowRight" ? nextBoundary(caret, graphemes) : previousBoundary(caret, graphemes);
    return drawWords();
  }
  if (key === " ") {
    event.preventDefault();
    return change(() => {
      state.segmentation = split(wordEnds(), caret);
    });
  }
  if (key === "m") {
    return change(() => {
      state.segmentation = mergeWithNext(wordEnds(), caret);
    });
  }
}

// ---- saving ----

function setSaveState(text, kind = "") {
  const node = $("save-state");
  node.textContent = text;
  node.className = `save-state ${kind}`;
}

// Submitted earlier and not returned: corrected by a new submit, never autosaved.
const isPast = () => !["active", "returned"].includes(task?.status);

function scheduleSave() {
  dirty = true;
  setSaveState(gettext("Unsaved"), "unsaved");
  if (isPast()) return; // a correction is kept by submitting it, not as a draft
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    saving = saving.then(saveDraft);
  }, SAVE_DELAY_MS);
}

async function saveDraft(attempt = 0) {
  if (!task || !dirty) return;
  dirty = false;
  setSaveState(gettext("Saving…"));
  try {
    const saved = await api.saveDraft(task.id, version, state);
    version = saved.version;
    setSaveState(dirty ? gettext("Unsaved") : gettext("Saved"), dirty ? "unsaved" : "saved");
  } catch (failure) {
    dirty = true;
    if (failure instanceof ApiError && failure.status === 409) return showConflict(failure.body);
    if (isRetryable(failure)) {
      const wait = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
      setSaveState(gettext("Unsaved — offline, retrying"), "unsaved");
      await new Promise((resolve) => setTimeout(resolve, wait));
      return saveDraft(attempt + 1);
    }
    setSaveState(gettext("Unsaved"), "unsaved");
    showError(failureText(failure));
  }
}

function showConflict(newer) {
  $("conflict").hidden = false;
  setSaveState(gettext("Unsaved"), "unsaved");
  $("use-newer").onclick = () => {
    $("conflict").hidden = true;
    version = newer.version;
    state = normalise(newer.draft);
    dirty = false;
    draw();
    setSaveState(gettext("Saved"), "saved");
  };
  $("keep-mine").onclick = () => {
    $("conflict").hidden = true;
    version = newer.version;
    scheduleSave();
  };
}

// ---- tasks ----

const textLength = () => graphemes[graphemes.length - 1] ?? 0;
const taskTokens = () => task?.snippet.tokens ?? [];

function normalise(draft) {
  return {
    spans: Array.isArray(draft?.spans) ? draft.spans : [],
    classes: Array.isArray(draft?.classes) ? draft.classes : [],
    segmentation: Array.isArray(draft?.segmentation) ? draft.segmentation : [],
  };
}

// An import's pre-annotations, as the start of a new task: spans carry offsets, classes
// only a label. Labels the project does not have are left out.
function fromSuggestions(suggestions) {
  const spanNames = new Set(spanLabels.map((label) => label.name));
  const classNames = new Set(classLabels.map((label) => label.name));
  const given = Array.isArray(suggestions) ? suggestions : [];
  return {
    spans: given
      .filter((item) => Number.isInteger(item.start) && spanNames.has(item.label))
      .map(({ start, end, label }) => ({ start, end, label })),
    classes: given.filter((item) => item.start === undefined && classNames.has(item.label)).map((item) => item.label),
    segmentation: [],
  };
}

// An assignment, or none: then ``stopped`` says why when it is not the end of the work
// (a submit's no_next_detail: paused, or no longer on the project).
function show(assignment, stopped = null) {
  task = assignment;
  $("task").hidden = !assignment;
  $("done").hidden = Boolean(assignment);
  $("nothing-left").hidden = Boolean(stopped);
  $("stopped").hidden = !stopped;
  $("stopped").textContent = stopped ?? "";
  if (!assignment) return;
  text = assignment.snippet.text;
  graphemes = graphemeBoundaries(text);
  const suggested = !isPast() && assignment.version === 0 && assignment.snippet.suggestions?.length;
  state = suggested
    ? fromSuggestions(assignment.snippet.suggestions)
    : normalise(isPast() ? assignment.latest : assignment.draft);
  $("past-note").hidden = !isPast();
  $("returned-note").hidden = assignment.status !== "returned";
  $("returned-reason").textContent = assignment.return_reason;
  $("skip").hidden = assignment.status !== "active";
  $("forward").hidden = !trail.length;
  spentMs = 0;
  visibleSince = performance.now();
  version = assignment.version;
  history = [];
  future = [];
  selection = null;
  chosen = null;
  caret = 0;
  dirty = false;
  submitKey = null;
  showError("");
  setSaveState(
    suggested
      ? gettext("Pre-annotated: check and correct")
      : assignment.version && !isPast()
        ? gettext("Draft restored")
        : "",
  );
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

function timeSpent() {
  const now = performance.now();
  return Math.round(spentMs + (document.hidden ? 0 : now - visibleSince));
}

async function submit() {
  if (!task || submitKey) return; // a second Enter while the first is on its way
  clearTimeout(saveTimer);
  submitKey = crypto.randomUUID(); // kept across retries: the server stores one revision
  const body = {
    spans: withTexts(text, state.spans),
    classes: state.classes,
    segmentation: state.segmentation,
    time_spent_ms: timeSpent(),
  };
  const past = isPast();
  for (let attempt = 0; ; attempt += 1) {
    try {
      const answer = await api.submit(task.id, body, submitKey, !past);
      dirty = false;
      if (!past) return show(answer.next, answer.no_next_detail);
      submitKey = null;
      return forward();
    } catch (failure) {
      if (isRetryable(failure)) {
        setSaveState(gettext("Unsaved — offline, retrying"), "unsaved");
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt, 3)]));
        continue;
      }
      submitKey = null;
      return showError(failureText(failure));
    }
  }
}

// ---- moving between snippets ----

// Leaving earlier work with an unsent correction would lose it: say so instead.
function correctionUnsent() {
  if (!isPast() || !dirty) return false;
  showError(gettext("Submit the correction (Enter) or undo it (Ctrl+Z) first."));
  return true;
}

// Back to the work submitted before the one on screen; the current task stays held.
async function previous() {
  if (!task) return;
  if (correctionUnsent()) return;
  try {
    await flushDraft();
    const before = await api.previousAssignment(task.id);
    if (!before) return showError(gettext("Nothing before this one."));
    trail.push(task.id);
    show(before);
  } catch (failure) {
    showError(failureText(failure));
  }
}

// Forward along the trail "previous" left, read fresh; at its end, the task held (or, if
// its lease ran out meanwhile, the next one).
async function forward() {
  if (!trail.length) return;
  if (correctionUnsent()) return;
  try {
    const last = trail.length === 1;
    const following = last ? await api.nextTask(setup.project) : await api.assignment(trail.at(-1));
    trail.pop();
    show(following);
  } catch (failure) {
    showError(failureText(failure));
  }
}

// A pending autosave, sent now and waited for.
async function flushDraft() {
  if (saveTimer && dirty && !isPast()) {
    clearTimeout(saveTimer);
    saving = saving.then(saveDraft);
  }
  await saving;
}

function openSkip() {
  if (task?.status !== "active") return;
  const dialog = $("skip-dialog");
  dialog.querySelector("form").reset();
  dialog.returnValue = "";
  dialog.showModal();
  dialog.querySelector("input[name=reason]").focus();
}

async function onSkipClosed() {
  const dialog = $("skip-dialog");
  if (dialog.returnValue !== "skip") return;
  const form = dialog.querySelector("form");
  const picked = form.querySelector("input[name=reason]:checked")?.value ?? "";
  const other = form.elements.other.value.trim();
  const reason = picked === "other" ? other : [picked, other].filter(Boolean).join(" — ");
  try {
    clearTimeout(saveTimer);
    dirty = false;
    await api.skip(task.id, reason);
    show(await api.nextTask(setup.project));
  } catch (failure) {
    showError(failureText(failure));
  }
}

function showError(message) {
  const error = document.querySelector("#task .error");
  error.hidden = !message;
  error.textContent = message;
}

function toggleGuidelines() {
  const panel = $("guidelines");
  panel.hidden = !panel.hidden;
}

async function start() {
  const source = JSON.parse($("guidelines-source").textContent);
  $("guidelines").replaceChildren(renderMarkdown(source));
  $("guidelines-toggle").addEventListener("click", toggleGuidelines);
  $("snippet").addEventListener("mouseup", onMouseUp);
  document.addEventListener("keydown", onKey);
  $("submit").addEventListener("click", submit);
  $("segment-toggle").hidden = !setup.kinds.includes("segmentation");
  $("segment-toggle").addEventListener("click", toggleSegmenting);
  $("skip").addEventListener("click", openSkip);
  $("skip-dialog").addEventListener("close", onSkipClosed);
  $("skip-cancel").addEventListener("click", () => $("skip-dialog").close());
  $("previous").addEventListener("click", previous);
  $("forward").addEventListener("click", forward);
  document.addEventListener("visibilitychange", () => {
    const now = performance.now();
    if (document.hidden) spentMs += now - visibleSince;
    visibleSince = now;
  });
  $("show-words").addEventListener("change", (event) => {
    $("snippet").classList.toggle("plain", !event.target.checked);
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });
  try {
    show(await api.nextTask(setup.project));
  } catch (failure) {
    $("task").hidden = false;
    showError(failureText(failure));
  }
}

start();
