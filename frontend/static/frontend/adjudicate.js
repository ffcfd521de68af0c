// Adjudication (裁决): the snippets whose annotators disagree, each side by side. What all
// agree on is kept; every disputed part can be kept or dropped (what most annotators gave
// is kept at first, or what was settled before); the final annotation is then settled.
// Keyboard first: J / K move through the list, 1–9 keep or drop a part, A takes the
// suggestions for every part not decided, Enter settles. The final annotation is the
// reviewer's to edit too: text selected in it becomes a new span, and each span can be
// given another label or moved, edge by edge.
// ?snippet=id opens that snippet (the dashboard's fix-list links so), listed or not.
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import {
  colorsOf,
  eventWords,
  markedPieces,
  pointIn,
  relationWords,
  spanChip,
  storedSpan,
} from "./marked_text.js";
import { slice, withTexts } from "./offsets.js";
import { showError as showIn } from "./pages.js";

const setup = JSON.parse(document.getElementById("adjudicate-setup").textContent);
const $ = (id) => document.getElementById(id);
const colorOf = colorsOf(setup.labels);

let items = []; // the disagreements listed so far
let nextAfter = null;
let index = -1;
let side = null; // the open snippet, side by side
let parts = []; // [{kind: "span" | "class", value, by, keep}]
let segmentations = []; // [{ends, by}] to choose one of
let chosenSegmentation = 0;
let busy = false;
let walking = true; // walking the list (settling moves on), not one snippet asked for

const spanKey = (span) => `${span.start}:${span.end}:${span.label}`;
// A relation or an event by what it links (its ends as spans), as the page compares them.
const relationKey = (relation) => `${spanKey(relation.from)}|${relation.type}|${spanKey(relation.to)}`;
const eventKey = (event) =>
  `${spanKey(event.trigger)}|${event.type}|${event.arguments.map((a) => `${a.role}=${spanKey(a.span)}`).join(",")}`;
const PART_ORDER = ["span", "class", "relation", "event"];
const directed = (type) => setup.labels.find((label) => label.name === type)?.directed !== false;

// A stored annotation's relations and events with their ends written out as spans (Tn is
// its n-th span), as the adjudication view gives the annotators'.
function linksShown(stored) {
  const spanOf = (id) => storedSpan(stored.spans, id);
  return {
    relations: (stored.relations ?? []).map((r) => ({ from: spanOf(r.from), type: r.type, to: spanOf(r.to) })),
    events: (stored.events ?? []).map((e) => ({
      trigger: spanOf(e.trigger),
      type: e.type,
      arguments: e.arguments.map((a) => ({ role: a.role, span: spanOf(a.span) })),
    })),
  };
}

const showError = (failure) => showIn($("adj-error"), failure);

function drawList() {
  $("adj-list").replaceChildren(
    ...items.map((item, i) => {
      const button = el(
        "button",
        { type: "button", class: `adj-item${i === index ? " current" : ""}` },
        el("span", { lang: "zh-Hans", class: "adj-preview" }, slice(item.snippet.text, 0, 40)),
        el("span", { class: "muted small" }, item.annotators.join("、")),
        item.settled ? el("span", { class: "settled" }, gettext("Settled")) : "",
      );
      button.addEventListener("click", () => open(i));
      return el("li", { "data-snippet": String(item.snippet.id) }, button);
    }),
  );
  $("adj-empty").hidden = items.length > 0;
  $("adj-more").hidden = nextAfter === null;
}

async function loadPage(after = 0) {
  const page = await api.disagreements(setup.project, $("adj-batch").value, after);
  items = after ? [...items, ...page.results] : page.results;
  nextAfter = page.next_after;
  drawList();
}

// The parts to decide on, each kept at first when the snippet's final annotation holds it
// (the server's: the latest settlement, else the annotators' majority). What everyone
// agrees on is decided; a disputed part waits for an explicit choice (its key, or A for
// every suggestion), unless the snippet was settled before.
function partsOf(current) {
  if (!current.agreed) return []; // nobody has submitted it yet
  const delivered = current.delivered ?? { spans: [], classes: [] };
  const keptSpan = (span) => delivered.spans.some((kept) => spanKey(kept) === spanKey(span));
  const keptClass = (name) => delivered.classes.includes(name);
  const shown = linksShown(delivered);
  const keptRelation = (relation) => shown.relations.some((kept) => relationKey(kept) === relationKey(relation));
  const keptEvent = (event) => shown.events.some((kept) => eventKey(kept) === eventKey(event));
  const all = current.versions.map((version) => version.annotator);
  const settledBefore = Boolean(current.final);
  const agreed = (kind, value, keep) => ({ kind, value, by: all, keep, agreed: true, decided: true });
  const disputed = (kind, value, by, keep) => ({ kind, value, by, keep, agreed: false, decided: settledBefore });
  return [
    ...current.agreed.spans.map((span) => agreed("span", span, keptSpan(span))),
    ...current.disputed.spans.map(({ by, ...span }) => disputed("span", span, by, keptSpan(span))),
    ...current.agreed.classes.map((name) => agreed("class", name, keptClass(name))),
    ...current.disputed.classes.map(({ name, by }) => disputed("class", name, by, keptClass(name))),
    ...(current.agreed.relations ?? []).map((relation) => agreed("relation", relation, keptRelation(relation))),
    ...(current.disputed.relations ?? []).map(({ by, ...relation }) =>
      disputed("relation", relation, by, keptRelation(relation)),
    ),
    ...(current.agreed.events ?? []).map((event) => agreed("event", event, keptEvent(event))),
    ...(current.disputed.events ?? []).map(({ by, ...event }) => disputed("event", event, by, keptEvent(event))),
  ].sort((a, b) => PART_ORDER.indexOf(a.kind) - PART_ORDER.indexOf(b.kind));
}

function chosen() {
  const spans = parts
    .filter((part) => part.kind === "span" && part.keep)
    .map((part) => part.value)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const classes = parts.filter((part) => part.kind === "class" && part.keep).map((part) => part.value);
  const segmentation = segmentations.length
    ? segmentations[chosenSegmentation].ends
    : (side.agreed?.segmentation ?? []);
  return { spans, classes, segmentation };
}

const spanLabels = setup.labels.filter((label) => label.kind === "spans").map((label) => label.name);

// A span part changed by the reviewer: kept, decided, and marked as edited (an edited
// part everyone agreed on counts as one the settlement drops).
function edit(i, change) {
  const part = parts[i];
  const length = Array.from(side.snippet.text).length;
  const value = { ...part.value, ...change(part.value) };
  if (value.start < 0 || value.end > length || value.start >= value.end) return;
  parts[i] = { ...part, value, keep: true, decided: true, edited: true };
  drawFinal();
}

// Buttons that move a span's start or end by one character, and its label as a choice.
function spanEditors(i, part) {
  const label = el("select", { "aria-label": gettext("Label") });
  const names = spanLabels.includes(part.value.label) ? spanLabels : [part.value.label, ...spanLabels];
  label.append(...names.map((name) => el("option", { value: name }, name)));
  label.value = part.value.label;
  label.addEventListener("change", () => edit(i, () => ({ label: label.value })));
  const nudge = (text, title, change) => {
    const button = el("button", { type: "button", class: "nudge", title, "aria-label": title }, text);
    button.addEventListener("click", () => edit(i, change));
    return button;
  };
  return el(
    "span",
    { class: "span-editors" },
    label,
    nudge("⇤", gettext("Start one character earlier"), (v) => ({ start: v.start - 1 })),
    nudge("⇥", gettext("Start one character later"), (v) => ({ start: v.start + 1 })),
    nudge("⇠", gettext("End one character earlier"), (v) => ({ end: v.end - 1 })),
    nudge("⇢", gettext("End one character later"), (v) => ({ end: v.end + 1 })),
  );
}

// The text selected in the final annotation becomes a span of the chosen label.
function addSelected() {
  if (!side) return;
  const selection = window.getSelection();
  const final = $("adj-final");
  if (!selection.rangeCount) return showError(gettext("Select the text of the new span first."));
  const range = selection.getRangeAt(0);
  const start = pointIn(final, range.startContainer, range.startOffset);
  const end = pointIn(final, range.endContainer, range.endOffset);
  if (start === null || end === null || start === end) {
    return showError(gettext("Select the text of the new span first."));
  }
  selection.removeAllRanges();
  const value = { start: Math.min(start, end), end: Math.max(start, end), label: $("adj-label").value };
  parts.push({ kind: "span", value, by: [gettext("you")], keep: true, agreed: false, decided: true, edited: true });
  showError("");
  drawFinal();
}

function drawFinal() {
  $("adj-final").replaceChildren(...markedPieces(side.snippet.text, chosen().spans, colorOf));
  $("adj-choices").replaceChildren(
    ...parts.map((part, i) => {
      const box = el("input", { type: "checkbox" });
      box.checked = part.keep;
      box.addEventListener("change", () => toggle(i));
      const textOf = (span) => slice(side.snippet.text, span.start, span.end);
      const what =
        part.kind === "span"
          ? el("span", {}, spanChip(side.snippet.text, part.value, colorOf), spanEditors(i, part))
          : part.kind === "relation"
            ? el("span", { class: "chip", lang: "zh-Hans" }, relationWords(part.value, textOf, directed(part.value.type)))
            : part.kind === "event"
              ? el("span", { class: "chip", lang: "zh-Hans" }, eventWords(part.value, textOf))
              : el("span", { class: "chip" }, interpolate(gettext("Class %s"), [part.value]));
      const who =
        part.by.length === side.versions.length ? gettext("everyone") : part.by.join("、");
      const state = part.decided ? "" : interpolate(gettext("undecided: suggested %s"), [
        part.keep ? gettext("keep") : gettext("drop"),
      ]);
      return el(
        "li",
        { class: `${part.keep ? "kept" : "dropped"}${part.decided ? "" : " undecided"}` },
        el(
          "label",
          {},
          el("kbd", {}, String(i + 1)),
          box,
          what,
          el("span", { class: "muted small" }, who),
          state ? el("span", { class: "undecided-note small" }, state) : "",
        ),
      );
    }),
  );
}

function words(text, ends) {
  return ends.map((end, i) => slice(text, i ? ends[i - 1] : 0, end)).join(" / ");
}

function drawSegmentation() {
  $("adj-segmentation").replaceChildren(
    ...segmentations.map((option, i) => {
      const radio = el("input", { type: "radio", name: "adj-seg" });
      radio.checked = i === chosenSegmentation;
      radio.addEventListener("change", () => {
        chosenSegmentation = i;
      });
      return el(
        "label",
        { class: "adj-seg" },
        radio,
        el("span", { lang: "zh-Hans" }, words(side.snippet.text, option.ends)),
        el("span", { class: "muted small" }, option.by.join("、")),
      );
    }),
  );
}

function draw(current) {
  side = current;
  $("adj-card").hidden = false;
  showError("");
  parts = partsOf(current);
  segmentations = current.disputed?.segmentation ?? [];
  const settledEnds = current.delivered?.segmentation.join(",");
  const most = segmentations.reduce((best, option, i) => (option.by.length > segmentations[best].by.length ? i : best), 0);
  const before = segmentations.findIndex((option) => option.ends.join(",") === settledEnds);
  chosenSegmentation = before >= 0 ? before : most;
  $("adj-versions").replaceChildren(
    ...current.versions.map((version) =>
      el(
        "div",
        { class: "adj-version" },
        el("p", { class: "muted small" }, version.annotator),
        el("div", { class: "snippet-text", lang: "zh-Hans" }, ...markedPieces(current.snippet.text, version.spans, colorOf)),
        version.classes.length ? el("p", { class: "small" }, version.classes.join("、")) : "",
      ),
    ),
  );
  $("adj-settled").textContent = current.final
    ? interpolate(gettext("Settled by %s; settling again replaces it, the earlier one is kept in the history."), [
        current.final.adjudicator ?? "–",
      ])
    : "";
  drawFinal();
  drawSegmentation();
}

// A snippet from the list, or any other (the dashboard's fix-list links here with ?snippet=).
async function openSnippet(snippetId, walk = true) {
  walking = walk;
  index = items.findIndex((item) => item.snippet.id === snippetId);
  side = null; // nothing to settle until this one is drawn
  drawList();
  try {
    draw(await api.adjudication(setup.project, snippetId));
  } catch (failure) {
    showError(failure);
  }
}

async function open(i) {
  if (i >= 0 && i < items.length) await openSnippet(items[i].snippet.id);
}

function toggle(i) {
  if (!parts[i]) return;
  parts[i].keep = !parts[i].keep;
  parts[i].decided = true;
  drawFinal();
}

// A: every undecided part as suggested (the settlement before, else the majority).
function takeSuggestions() {
  for (const part of parts) part.decided = true;
  drawFinal();
}

// The relations and events kept go with the settlement where all their spans stay in it,
// named by the spans' ids.
function linksKept(spans) {
  const idOf = (span) => {
    const index = spans.findIndex((kept) => spanKey(kept) === spanKey(span));
    return index < 0 ? null : `k${index}`;
  };
  const kept = (kind) => parts.filter((part) => part.kind === kind && part.keep).map((part) => part.value);
  const relations = kept("relation")
    .map((relation) => ({ from: idOf(relation.from), to: idOf(relation.to), type: relation.type }))
    .filter((relation) => relation.from && relation.to);
  const events = kept("event")
    .map((event) => ({
      trigger: idOf(event.trigger),
      type: event.type,
      arguments: event.arguments.map((argument) => ({ role: argument.role, span: idOf(argument.span) })),
    }))
    .filter((event) => event.trigger && event.arguments.every((argument) => argument.span));
  return { ids: spans.map((_, index) => `k${index}`), relations, events };
}

async function settle() {
  if (!side || busy) return;
  const undecided = parts.filter((part) => !part.decided).length;
  if (undecided) {
    const reason = gettext("Decide every disputed part first (%s left): its number keeps or drops it, A takes the suggestions.");
    return showError(interpolate(reason, [undecided]));
  }
  const lost = parts.filter((part) => part.agreed && (!part.keep || part.edited)).length;
  if (lost && !window.confirm(interpolate(gettext("This drops %s part(s) every annotator agreed on. Settle anyway?"), [lost]))) {
    return;
  }
  busy = true;
  const { spans, classes, segmentation } = chosen();
  const { ids, relations, events } = linksKept(spans);
  const withIds = withTexts(side.snippet.text, spans).map((span, index) => ({ ...span, id: ids[index] }));
  const body = { spans: withIds, classes, segmentation, relations, events };
  try {
    const settled = await api.settle(setup.project, side.snippet.id, body);
    // The list read again: what other reviewers settled meanwhile shows as settled.
    const done = side.snippet.id;
    await loadPage();
    index = items.findIndex((item) => item.snippet.id === done);
    if (items[index]) items[index].settled = true;
    const next = items.findIndex((item, i) => i > index && !item.settled);
    if (walking && next >= 0) await open(next); // on to the next unsettled
    else {
      draw(settled); // the answer is the snippet side by side, its settlement now final
      drawList();
    }
  } catch (failure) {
    showError(failure);
  } finally {
    busy = false;
  }
}

function onKey(event) {
  if (event.target.closest("input[type=text], textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "j") open(index + 1);
  else if (event.key === "k") open(index - 1);
  else if (/^[1-9]$/.test(event.key)) toggle(Number(event.key) - 1);
  else if (event.key.toLowerCase() === "a") takeSuggestions();
  else if (event.key === "Enter" && !event.target.closest("button")) {
    event.preventDefault();
    settle();
  }
}

$("adj-settle").addEventListener("click", settle);
$("adj-label").append(...spanLabels.map((name) => el("option", { value: name }, name)));
$("adj-add").addEventListener("click", addSelected);
$("adj-more").addEventListener("click", () => loadPage(nextAfter).catch((failure) => showError(failure)));
$("adj-batch").addEventListener("change", () => {
  index = -1;
  $("adj-card").hidden = true;
  loadPage().then(() => open(0)).catch((failure) => showError(failure));
});
document.addEventListener("keydown", onKey);
const asked = Number(new URLSearchParams(window.location.search).get("snippet"));
loadPage()
  .then(() => (asked ? openSnippet(asked, false) : open(0)))
  .catch((failure) => showError(failure));
