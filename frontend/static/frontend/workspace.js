//# allFunctionsCalledOnLoad
// The annotator's workspace: one snippet at a time, keyboard first, nothing lost. This is
// the view: it draws the model (workspace_model.js), turns keys and clicks into its
// actions, and hands every edit to the session (workspace_session.js), which saves it.
// Offsets are code points of the snippet text (offsets.js converts the DOM's UTF-16).
// The first line of this module, and of each it runs when the page opens, asks Chromium
// to compile their functions while the file streams in, not each on its first call: the
// first snippet is drawn about 2 ms sooner (bench/workspace_frame.py). To other browsers
// it is a comment.
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { slice, toCodePoint } from "./offsets.js";
import { showError as showIn } from "./pages.js";
import { eventWords, relationWords } from "./marked_text.js";
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
  for (const item of editor.suggestions()) {
    cuts.add(item.start);
    cuts.add(item.end);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.slice(0, -1).map((start, i) => [start, sorted[i + 1]]);
}

// The spans marked as part of the relation or event being made, or picked out.
function linkMarks() {
  const marks = new Map(); // span id → class
  const linking = editor.linking;
  if (linking) {
    for (const id of linking.candidates) marks.set(id, "link-candidate");
    marks.set(linking.kind === "event" ? linking.trigger : linking.from, "link-from");
    const offered = editor.offered();
    if (offered) marks.set(offered, "link-offered");
  }
  const picked = editor.chosenLink && editor.state[editor.chosenLink.kind][editor.chosenLink.index];
  if (picked) {
    const ends = picked.trigger ? [picked.trigger, ...picked.arguments.map((a) => a.span)] : [picked.from, picked.to];
    for (const id of ends) marks.set(id, "link-end");
  }
  return marks;
}

function drawWords() {
  const ends = new Set(editor.wordEnds());
  // The suggested segmentation, where it differs: a boundary it adds, one it removes.
  const differences = editor.wordDifferences();
  const added = new Set(differences.added);
  const removed = new Set(differences.removed);
  const { graphemes, text } = editor;
  const pieces = graphemes.slice(0, -1).map((start, i) => {
    const end = graphemes[i + 1];
    const piece = el("span", { class: "seg char", "data-start": String(start), "data-end": String(end) });
    piece.textContent = slice(text, start, end);
    if (ends.has(end) && end !== editor.length) piece.classList.add("word-break");
    if (added.has(end)) piece.classList.add("suggested-break");
    if (removed.has(end) && end !== editor.length) piece.classList.add("suggested-join");
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
  const marks = linkMarks();
  const bounds = editor.bounds();
  const wordEnds = new Set(bounds);
  const segments = segmentsOf(bounds);
  // What covers each piece: the spans (in their order) and the first suggestion. Every
  // start and end is a cut, so each marks the pieces from the one it starts.
  const first = new Map(segments.map(([start], at) => [start, at]));
  const covering = (items, mark) =>
    items.forEach((item, index) => {
      for (let at = first.get(item.start); at < segments.length && segments[at][1] <= item.end; at += 1) mark(at, index);
    });
  const spansOver = segments.map(() => []);
  covering(spans, (at, index) => spansOver[at].push(index));
  const suggestions = editor.suggestions();
  const suggestionOver = [];
  covering(suggestions, (at, index) => (suggestionOver[at] ??= suggestions[index]));
  const { chosen, picked, selection } = editor;
  const pieces = segments.map(([start, end], at) => {
    const classes = ["seg"];
    if (wordEnds.has(end)) classes.push("word-end");
    const lines = spansOver[at].map((index) => {
      const span = spans[index];
      if (index === chosen) classes.push("chosen");
      if (marks.has(span.id)) classes.push(marks.get(span.id));
      return `inset 0 -${3 + layout.lanes[index] * 4}px 0 ${colorOf.get(`spans:${span.label}`) ?? "#888888"}`;
    });
    if (selection && selection[0] <= start && end <= selection[1]) classes.push("selected");
    const suggested = suggestionOver[at];
    if (suggested) classes.push(suggested.key === picked ? "suggested picked" : "suggested");
    const attributes = { "data-start": String(start), "data-end": String(end) };
    if (lines.length) {
      classes.push("in-span");
      attributes.style = `box-shadow: ${lines.join(", ")}; padding-bottom: ${layout.count * 4}px`;
    }
    if (suggested) attributes.title = suggestionWords(suggested);
    return el("span", { class: classes.join(" "), ...attributes }, slice(editor.text, start, end));
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
  $("link-labels").hidden = !editor.linked;
  $("link-labels").replaceChildren(
    ...ofKind("relations").map((label) => button(label, false, () => act(editor.startRelation(label.name)))),
    ...ofKind("events").map((label) => button(label, false, () => act(editor.startEvent(label.name)))),
  );
}

// ---- relations and events: arcs over the text, a list beside it ----

const SVG = "http://www.w3.org/2000/svg";
const LEVEL = 15; // pixels between two arcs stacked over one line
const LABEL_HEIGHT = 14;

function svgNode(tag, attributes, text = "") {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text) node.textContent = text;
  return node;
}

// A label's width in pixels at the arcs' 12px: a CJK character is square, others narrower.
function labelWidth(text) {
  return [...text].reduce((width, char) => width + (char.codePointAt(0) > 0x2e7f ? 12 : 7), 8);
}

// Each span's place on screen, relative to the text's box: the middle and top of its
// part on the line where it starts.
function spanPlaces() {
  const origin = $("snippet").getBoundingClientRect();
  // Each piece in a span read once, in text order; a span's pieces are those within its
  // range.
  const pieces = [...$("snippet").querySelectorAll(".seg.in-span")].map((piece) => ({
    start: Number(piece.dataset.start),
    end: Number(piece.dataset.end),
    rect: piece.getClientRects()[0],
  }));
  const places = new Map();
  let first = 0;
  const spans = [...editor.state.spans].sort((a, b) => a.start - b.start);
  for (const span of spans) {
    while (first < pieces.length && pieces[first].end <= span.start) first += 1;
    let box = null;
    for (let at = first; at < pieces.length && pieces[at].start < span.end; at += 1) {
      const { rect } = pieces[at];
      if (!rect || pieces[at].end > span.end) continue;
      if (!box) box = { left: rect.left, right: rect.right, top: rect.top };
      else if (Math.abs(rect.top - box.top) < 2) box.right = Math.max(box.right, rect.right);
    }
    if (box) {
      places.set(span.id, { x: (box.left + box.right) / 2 - origin.left, top: box.top - origin.top });
    }
  }
  return places;
}

// The arcs to draw: a relation from subject to object, an event from its trigger to each
// argument, named by role.
function arcsToDraw() {
  const arcs = editor.state.relations.map((relation, index) => ({
    from: relation.from,
    to: relation.to,
    label: relation.type,
    directed: editor.types.get(relation.type)?.directed !== false,
    link: { kind: "relations", index },
  }));
  editor.state.events.forEach((event, index) => {
    for (const argument of event.arguments) {
      arcs.push({
        from: event.trigger,
        to: argument.span,
        label: `${event.type}·${argument.role}`,
        directed: true,
        event: true,
        link: { kind: "events", index },
      });
    }
  });
  return arcs;
}

// Stacks each arc's stretches over their lines, the shortest lowest, so that no two
// stretches (with their labels) at one height overlap.
function stack(arcs, places, width) {
  const taken = new Map(); // line top → [[left, right] per level]
  const level = (top, left, right) => {
    const levels = taken.get(top) ?? [];
    taken.set(top, levels);
    let at = levels.findIndex((spans) => spans.every(([a, b]) => right + 4 < a || b + 4 < left));
    if (at < 0) at = levels.push([]) - 1;
    levels[at].push([left, right]);
    return at;
  };
  const laid = [];
  for (const arc of arcs) {
    const a = places.get(arc.from);
    const b = places.get(arc.to);
    if (!a || !b) continue;
    const [first, second] = a.top < b.top - 2 || (Math.abs(a.top - b.top) <= 2 && a.x <= b.x) ? [a, b] : [b, a];
    const labelled = labelWidth(arc.label);
    if (Math.abs(first.top - second.top) <= 2) {
      const middle = (first.x + second.x) / 2;
      const left = Math.min(first.x, middle - labelled / 2);
      const right = Math.max(second.x, middle + labelled / 2);
      laid.push({ ...arc, a, b, same: true, width: right - left, left, right, middle });
    } else {
      const middle = (first.x + width) / 2;
      laid.push({ ...arc, a, b, same: false, first, second, width: width - first.x, middle });
    }
  }
  laid.sort((x, y) => x.width - y.width);
  for (const arc of laid) {
    const labelled = labelWidth(arc.label);
    if (arc.same) arc.level = level(arc.a.top, arc.left, arc.right);
    else {
      arc.level = level(arc.first.top, Math.min(arc.first.x, arc.middle - labelled / 2), width);
      arc.secondLevel = level(arc.second.top, 0, arc.second.x);
    }
  }
  const most = Math.max(0, ...[...taken.values()].map((levels) => levels.length));
  return { laid, most };
}

// What the arcs were last drawn from: the text's pieces are drawn again on every key, but
// the arcs (and the line height they need) only when what they show has changed.
let arcsDrawnFrom = "";

function drawArcs() {
  const svg = $("arcs");
  const text = $("snippet");
  const { spans, relations, events } = editor.state;
  const shown = [editor.text, spans, relations, events, editor.chosenLink, editor.segmenting];
  const from = JSON.stringify([...shown, window.innerWidth]);
  if (from === arcsDrawnFrom) return;
  arcsDrawnFrom = from;
  const arcs = editor.segmenting ? [] : arcsToDraw();
  if (!arcs.length) {
    text.style.lineHeight = "";
    text.style.removeProperty("--arc-room");
    svg.replaceChildren();
    return;
  }
  // Room over every line for the stacked arcs: the space between two lines holds the arcs
  // of the lower one and the underlines of the upper one; over the first line, its share
  // of that space and padding. Where the lines grow, the places are read again (the arcs'
  // stacking depends on their places along the lines only).
  const width = text.clientWidth;
  let { laid, most } = stack(arcs, spanPlaces(), width);
  const size = parseFloat(getComputedStyle(text).fontSize);
  const room = most * LEVEL + LABEL_HEIGHT;
  const between = Math.max(1.1 * size, room + 4 * lanes(spans).count + 2);
  const height = `${1.5 * size + between}px`;
  if (text.style.lineHeight !== height) {
    text.style.lineHeight = height;
    text.style.setProperty("--arc-room", `${Math.max(0, room - between / 2)}px`);
    ({ laid, most } = stack(arcs, spanPlaces(), width));
  }
  const arrow = svgNode("marker", { id: "arrow", viewBox: "0 0 8 8", refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: "auto" });
  arrow.append(svgNode("path", { d: "M0,0 L8,4 L0,8 z" }));
  const defs = svgNode("defs", {});
  defs.append(arrow);
  const nodes = [defs];
  const picked = editor.chosenLink;
  for (const arc of laid) {
    const group = svgNode("g", { class: "arc" });
    if (picked && picked.kind === arc.link.kind && picked.index === arc.link.index) group.classList.add("chosen");
    const height = (top, level) => top - 6 - level * LEVEL - LABEL_HEIGHT / 2;
    const marker = arc.directed ? { "marker-end": "url(#arrow)" } : {};
    const kind = arc.event ? { class: "event" } : {};
    let labelY;
    if (arc.same) {
      const y = height(arc.a.top, arc.level);
      group.append(svgNode("path", { d: `M${arc.a.x},${arc.a.top} V${y} H${arc.b.x} V${arc.b.top}`, ...marker, ...kind }));
      labelY = y;
    } else {
      const y1 = height(arc.first.top, arc.level);
      const y2 = height(arc.second.top, arc.secondLevel);
      const toFirst = arc.first === arc.b; // the object on the earlier line
      const one = `M${width},${y1} H${arc.first.x} V${arc.first.top}`;
      const two = `M0,${y2} H${arc.second.x} V${arc.second.top}`;
      group.append(svgNode("path", { d: one, ...(toFirst ? marker : {}), ...kind }));
      group.append(svgNode("path", { d: two, ...(toFirst ? {} : marker), ...kind }));
      labelY = y1;
    }
    const labelled = labelWidth(arc.label);
    const labelX = Math.max(labelled / 2, Math.min(width - labelled / 2, arc.middle));
    group.append(
      svgNode("rect", { x: labelX - labelled / 2, y: labelY - LABEL_HEIGHT / 2, width: labelled, height: LABEL_HEIGHT, rx: 3 }),
      svgNode("text", { x: labelX, y: labelY + 4, "text-anchor": "middle", class: "arc-label" }, arc.label),
    );
    nodes.push(group);
  }
  svg.replaceChildren(...nodes);
}

function spanText(id) {
  const span = editor.spanById(id);
  return span ? slice(editor.text, span.start, span.end) : "?";
}

function drawLinks() {
  $("relation-list").hidden = !editor.linked;
  if (!editor.linked) return;
  const item = (kind, index, words) => {
    const remove = el("button", { type: "button", title: gettext("Remove"), class: "link" }, "✕");
    remove.addEventListener("click", () => act(editor.removeLink(kind, index)));
    const picked = editor.chosenLink?.kind === kind && editor.chosenLink.index === index;
    const chip = el("li", { class: picked ? "chip chosen" : "chip", lang: "zh-Hans" }, words, remove);
    chip.addEventListener("click", (event) => {
      if (event.target !== remove) act(editor.chooseLink(kind, index));
    });
    return chip;
  };
  $("relation-list").replaceChildren(
    ...editor.state.relations.map((relation, index) => {
      const directed = editor.types.get(relation.type)?.directed !== false;
      return item("relations", index, relationWords(relation, spanText, directed));
    }),
    ...editor.state.events.map((event, index) => item("events", index, eventWords(event, spanText))),
  );
}

// ---- machine suggestions: listed beside the text, marked in it, never the annotator's
// work until taken ----

// "北京 · 地名 · dictionary, crf-spans · 0.90"
function suggestionWords(item) {
  return [slice(editor.text, item.start, item.end), item.label, item.engines.join(", "), scoreText(item.score)].join(" · ");
}

// A score as shown: two decimals, or a dash where the engine gives none.
function scoreText(score) {
  return score === null ? "–" : score.toFixed(2);
}

function drawSuggestions() {
  const open = editor.suggestions();
  const words = editor.suggestedWords();
  const suggestedClasses = editor.suggestedClasses();
  $("suggestions").hidden = !open.length && !words && !suggestedClasses.length;
  $("suggestion-list").replaceChildren(
    ...suggestedClasses.map((item) => suggestionChip(item, colorOf.get(`classes:${item.label}`), [item.label, item.engines.join(", "), scoreText(item.score)].join(" · "))),
    ...open.map((item) => suggestionChip(item, colorOf.get(`spans:${item.label}`), suggestionWords(item))),
  );
  $("suggested-words").hidden = !words;
  if (words) {
    $("suggested-words").textContent = interpolate(gettext("%s suggests other word boundaries (%s)."), [
      words.engine,
      scoreText(words.score),
    ]);
  }
}

// A suggestion in the list, with its buttons to take it and to drop it.
function suggestionChip(item, color, words) {
  const take = el("button", { type: "button", title: gettext("Take it"), class: "link" }, "✓");
  take.addEventListener("click", () => act(editor.acceptSuggestion(item.key)));
  const drop = el("button", { type: "button", title: gettext("Drop it"), class: "link" }, "✕");
  drop.addEventListener("click", () => act(editor.dismissSuggestion(item.key)));
  const chip = el("li", { class: item.key === editor.picked ? "chip suggestion picked" : "chip suggestion", lang: "zh-Hans" });
  chip.append(el("span", { class: "swatch", style: `background:${color ?? "#888888"}` }), words, take, drop);
  return chip;
}

// What the keys do while a relation or an event is being made.
function drawPrompt() {
  const linking = editor.linking;
  const picked = linking ? null : editor.pickedSuggestion();
  $("link-prompt").hidden = !linking && !picked;
  if (picked) {
    $("link-prompt").textContent = interpolate(
      gettext("Suggested: %s. Enter: take it, a label's key: take it with that label, Delete: drop it, Tab: the next one, Esc: leave it."),
      [suggestionWords(picked)],
    );
    return;
  }
  if (!linking) return;
  const offered = editor.offered();
  const where = offered ? spanText(offered) : "–";
  const count = `${linking.at + 1}/${linking.candidates.length}`;
  $("link-prompt").textContent =
    linking.kind === "event"
      ? interpolate(gettext("%s, role %s: %s (%s). Tab: another span, Enter: take it, Space: next role, Esc: cancel."), [
          linking.type,
          editor.role()?.name ?? "",
          where,
          count,
        ])
      : interpolate(gettext("%s → %s (%s). Tab: another span, Enter: link it, Esc: cancel."), [linking.type, where, count]);
}

// What each list was last drawn from: a list is drawn again only when that has changed
// (a key that only moves the selection leaves the lists, and the page's layout of them,
// alone).
const listsDrawnFrom = new Map();

function drawIfChanged(draw, ...from) {
  const key = JSON.stringify(from);
  if (listsDrawnFrom.get(draw) === key) return;
  listsDrawnFrom.set(draw, key);
  draw();
}

// The snippet: its text with the spans, the prompt and the arcs. The arcs read the text's
// layout, so it is drawn before the lists change.
function drawSnippet() {
  $("segment-toggle").classList.toggle("active", editor.segmenting);
  drawText();
  drawIfChanged(drawPalettes, editor.state.classes);
  drawPrompt();
  drawArcs();
}

// The lists beside the text: the spans, the relations and events, the suggestions.
function drawLists() {
  const { spans, classes, segmentation, relations, events } = editor.state;
  drawIfChanged(drawSpanList, editor.text, spans, editor.chosen);
  drawIfChanged(drawLinks, editor.text, spans, relations, events, editor.chosenLink);
  drawIfChanged(drawSuggestions, spans, classes, segmentation, editor.machine, [...editor.dismissed], editor.picked);
}

// A new snippet is drawn in two frames, each well within its 16 ms: the snippet first,
// then, once that frame is painted, the lists (emptied meanwhile, so that no button of
// the snippet before acts on this one). A hidden page paints no frame: it draws both.
let listsLater = 0; // counts the drawings of the lists: a pending one does nothing if passed

function draw() {
  listsLater += 1;
  drawSnippet();
  drawLists();
}

function drawNew() {
  const due = ++listsLater;
  drawSnippet();
  if (document.hidden) return drawLists();
  for (const list of [drawSpanList, drawLinks, drawSuggestions]) listsDrawnFrom.delete(list);
  for (const id of ["span-list", "relation-list", "suggestion-list"]) $(id).replaceChildren();
  $("suggestions").hidden = true;
  requestAnimationFrame(() =>
    setTimeout(() => {
      if (due !== listsLater) return;
      const drawing = performance.now();
      drawLists();
      void $("task").offsetHeight; // laid out now, as the frame would: the figure holds it
      performance.measure("workspace-lists-drawn", { start: drawing }); // bench/workspace_frame.py
    }),
  );
}

// Every action of the model ends here: a refusal is shown, an edit is saved, and the
// snippet is drawn again.
function act(result) {
  if (!result) return;
  if (result.error) showError(result.error);
  else if (result.notice) showError(result.notice);
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
  if (!piece) return;
  const point = Number(piece.dataset.start);
  if (editor.linking) {
    // A click while linking takes the span clicked, if it is one offered.
    const offered = editor.state.spans.find(
      (span) => span.start <= point && point < span.end && editor.linking.candidates.includes(span.id),
    );
    if (offered) return act(editor.pick(offered.id));
  }
  act(editor.chooseAt(point));
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
  if (editor.linking) {
    // Making a relation or an event: Tab offers another span, Enter takes it.
    if (key === "Tab") {
      handled();
      return act(editor.cycle(!event.shiftKey));
    }
    if (key === "Enter") {
      handled();
      return act(editor.confirm());
    }
    if (key === "Escape") return act(editor.cancelLink());
    if (key === " " && editor.linking.kind === "event") {
      handled();
      return act(editor.nextRole());
    }
  }
  if (!editor.segmenting) {
    // Machine suggestions: Tab picks one out, Enter takes it, Delete drops it; Shift+Enter
    // takes them all.
    if (key === "Tab" && editor.suggestions().length) {
      handled();
      return act(editor.nextSuggestion(!event.shiftKey));
    }
    if (key === "Enter" && event.shiftKey) {
      handled();
      return act(editor.acceptAllSuggestions());
    }
    if (editor.pickedSuggestion()) {
      if (key === "Enter") {
        handled();
        return act(editor.acceptSuggestion());
      }
      if (key === "Delete" || key === "Backspace") {
        handled();
        return act(editor.dismissSuggestion());
      }
    }
  } else if (key === "Enter" && event.shiftKey) {
    handled();
    return act(editor.acceptAllSuggestions()); // a suggested segmentation
  }
  if ((key === "Delete" || key === "Backspace") && editor.chosenLink) {
    handled();
    return act(editor.removeChosenLink());
  }
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

// The card while the first snippet is on its way: shown, and inert.
function busy(waiting) {
  $("task").inert = waiting;
  $("task").setAttribute("aria-busy", String(waiting));
}

// An assignment, or none: then ``stopped`` says why when it is not the end of the work
// (a submit's no_next_detail: paused, or no longer on the project).
function show(assignment, stopped = null) {
  const drawing = performance.now();
  $("task").hidden = !assignment;
  busy(false);
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
  if (!past) editor.suggest(assignment.snippet.machine_suggestions);
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
  $("snippet").focus(); // before the drawing, which would have to be laid out again for it
  drawNew();
  performance.measure("workspace-drawn", { start: drawing }); // bench/workspace_frame.py
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
  window.addEventListener("resize", () => drawArcs()); // the width is part of what they show
  document.addEventListener("keydown", onKey);
  $("submit").addEventListener("click", submit);
  $("accept-all").addEventListener("click", () => act(editor.acceptAllSuggestions()));
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
  // The card and its palettes, inert until the first snippet comes: laid out while it is
  // on its way, so that drawing it lays out the text alone.
  $("task").hidden = false;
  busy(true);
  drawIfChanged(drawPalettes, editor.state.classes);
  try {
    await session.begin();
  } catch (failure) {
    busy(false);
    $("task").hidden = false;
    showError(failure);
  }
}

start();
