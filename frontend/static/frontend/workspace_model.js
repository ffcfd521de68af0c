// The workspace's model: what the annotator has made of one snippet, and every edit of it
// (selection, spans, classes, segmentation, undo). No DOM and no network: the view draws
// it and the session saves it. Offsets are code points of the snippet text, end-exclusive.
import { gettext } from "./dom.js";
import { graphemeBoundaries, withTexts, widen } from "./offsets.js";
import { fromTokens, mergeWithNext, split } from "./segmentation.js";
import { nextBoundary, overlapsAny, previousBoundary, snapToTokens, tokenBoundaries } from "./spans.js";

// A draft or revision as the API gave it, with every part present.
export function normalise(draft) {
  return {
    spans: Array.isArray(draft?.spans) ? draft.spans : [],
    classes: Array.isArray(draft?.classes) ? draft.classes : [],
    segmentation: Array.isArray(draft?.segmentation) ? draft.segmentation : [],
  };
}

// An import's pre-annotations, as the start of a new task: spans carry offsets, classes
// only a label, a segmentation its word ends. Labels the project does not have are left
// out, and a segmentation where the project does not correct one.
export function fromSuggestions(suggestions, { labels, kinds }) {
  const names = (kind) => new Set(labels.filter((label) => label.kind === kind).map((label) => label.name));
  const spanNames = names("spans");
  const classNames = names("classes");
  const given = Array.isArray(suggestions) ? suggestions : [];
  return {
    spans: given
      .filter((item) => Number.isInteger(item.start) && spanNames.has(item.label))
      .map(({ start, end, label }) => ({ start, end, label })),
    classes: given.filter((item) => item.start === undefined && classNames.has(item.label)).map((item) => item.label),
    segmentation: kinds.includes("segmentation")
      ? (given.find((item) => Array.isArray(item.segmentation))?.segmentation ?? [])
      : [],
  };
}

// What an action did: ``edited`` when the annotation changed (the session saves it),
// ``error`` when it was refused (the view says why). Either way the view draws again.
const EDITED = Object.freeze({ edited: true, error: "" });
const MOVED = Object.freeze({ edited: false, error: "" });
const refused = (error) => ({ edited: false, error });

export class Editor {
  // ``rules``: the project's labels, allow_overlap, multi_label and snap_to_tokens.
  constructor(rules) {
    this.rules = rules;
    this.load("", [], normalise(null));
  }

  load(text, tokens, state) {
    this.text = text;
    this.tokens = tokens;
    this.graphemes = graphemeBoundaries(text);
    this.state = state;
    this.history = [];
    this.future = [];
    this.selection = null; // [start, end), or null
    this.chosen = null; // index of the span picked out
    this.segmenting = false;
    this.caret = 0;
    this.place = 0; // where the arrows go on from when nothing is selected
  }

  // Another version of the annotation in place of this one (a draft saved elsewhere).
  replace(state) {
    this.state = state;
    this.selection = null;
    this.chosen = null;
  }

  get length() {
    return this.graphemes[this.graphemes.length - 1] ?? 0;
  }

  // The words: jieba's until the annotator corrects the segmentation, then theirs.
  wordEnds() {
    const ends = this.state.segmentation;
    return ends.length ? ends : fromTokens(this.tokens, this.length);
  }

  bounds() {
    const ends = this.state.segmentation;
    return ends.length ? [0, ...ends] : tokenBoundaries(this.tokens, this.length);
  }

  // What a submit sends: spans with the text each covers, which the server checks.
  body() {
    return {
      spans: withTexts(this.text, this.state.spans),
      classes: this.state.classes,
      segmentation: this.state.segmentation,
    };
  }

  edit(change) {
    this.history.push(JSON.stringify(this.state));
    this.future = [];
    change(this.state);
    this.chosen = null;
    return EDITED;
  }

  undo() {
    return this.restore(this.history, this.future);
  }

  redo() {
    return this.restore(this.future, this.history);
  }

  restore(from, to) {
    if (!from.length) return MOVED;
    to.push(JSON.stringify(this.state));
    this.state = JSON.parse(from.pop());
    this.chosen = null;
    return EDITED;
  }

  // ---- spans and classes ----

  applyLabel(name) {
    if (!this.selection) return refused(gettext("Select some text first."));
    const [start, end] = this.selection;
    const index = this.chosen;
    if (index !== null) {
      return this.edit((state) => {
        state.spans[index] = { ...state.spans[index], label: name };
      });
    }
    if (!this.rules.allow_overlap && overlapsAny(start, end, this.state.spans)) {
      return refused(gettext("This project does not allow overlapping spans."));
    }
    this.selection = null;
    this.place = end; // the next word after the span is one arrow away
    return this.edit((state) => {
      state.spans.push({ start, end, label: name });
      state.spans.sort((a, b) => a.start - b.start || a.end - b.end);
    });
  }

  removeSpan(index) {
    this.selection = null;
    return this.edit((state) => state.spans.splice(index, 1));
  }

  removeChosen() {
    return this.chosen === null ? MOVED : this.removeSpan(this.chosen);
  }

  toggleClass(name) {
    return this.edit((state) => {
      const has = state.classes.includes(name);
      if (this.rules.multi_label) {
        state.classes = has ? state.classes.filter((item) => item !== name) : [...state.classes, name];
      } else {
        state.classes = has ? [] : [name];
      }
    });
  }

  // Applies the label behind a hotkey, if any: a span label to the selection, a class by toggling.
  // Keys match whatever the Shift or Caps Lock: "L" is "l".
  hotkey(key) {
    const pressed = key.toLowerCase();
    const label = this.rules.labels.find((item) => item.hotkey && item.hotkey.toLowerCase() === pressed);
    if (label?.kind === "spans") return this.applyLabel(label.name);
    if (label?.kind === "classes") return this.toggleClass(label.name);
    return null;
  }

  // ---- selection ----

  // [start, end) snapped to whole words, or with ``exact`` to whole characters (graphemes).
  select(start, end, exact = false) {
    const snapped =
      exact || !this.rules.snap_to_tokens
        ? widen(start, end, this.graphemes)
        : snapToTokens(start, end, this.bounds());
    this.selection = snapped[0] === snapped[1] ? null : snapped;
    const index = this.state.spans.findIndex(
      (span) => this.selection && span.start === this.selection[0] && span.end === this.selection[1],
    );
    this.chosen = index === -1 ? null : index;
    return MOVED;
  }

  choose(index) {
    this.chosen = index;
    return MOVED;
  }

  // A click on the span covering ``point`` picks it out and selects it.
  chooseAt(point) {
    const index = this.state.spans.findIndex((span) => span.start <= point && point < span.end);
    if (index === -1) return MOVED;
    this.chosen = index;
    this.selection = [this.state.spans[index].start, this.state.spans[index].end];
    return MOVED;
  }

  clearSelection() {
    if (this.selection) this.place = this.selection[1];
    this.selection = null;
    this.chosen = null;
    return MOVED;
  }

  // Arrow keys: the selection moves to the next or previous word, from the selection, or
  // from where the last span was labelled (the caret stays after it).
  step(forward) {
    const [start, end] = this.selection ?? [this.place, this.place];
    if (forward) {
      if (end >= this.length) return MOVED;
      return this.select(end, Math.min(nextBoundary(end, this.bounds()), this.length));
    }
    if (start <= 0) return MOVED;
    return this.select(previousBoundary(start, this.bounds()), start);
  }

  // Shift+arrow: the selection's end moves by a character, or with ``byWord``
  // (Ctrl+Shift+arrow) by a word; it never shrinks to nothing.
  extend(forward, byWord = false) {
    const [start, end] = this.selection ?? [this.place, this.place];
    const bounds = byWord ? this.bounds() : this.graphemes;
    const moved = Math.min(forward ? nextBoundary(end, bounds) : previousBoundary(end, bounds), this.length);
    if (moved > start) this.selection = [start, moved];
    this.chosen = null;
    return MOVED;
  }

  // ---- segmentation: a caret between characters, Space splits, M merges ----

  toggleSegmenting() {
    this.segmenting = !this.segmenting;
    return this.clearSelection();
  }

  moveCaret(forward) {
    this.caret = forward ? nextBoundary(this.caret, this.graphemes) : previousBoundary(this.caret, this.graphemes);
    return MOVED;
  }

  placeCaret(point) {
    this.caret = point;
    return MOVED;
  }

  splitAtCaret() {
    return this.edit((state) => {
      state.segmentation = split(this.wordEnds(), this.caret);
    });
  }

  mergeAtCaret() {
    return this.edit((state) => {
      state.segmentation = mergeWithNext(this.wordEnds(), this.caret);
    });
  }
}
