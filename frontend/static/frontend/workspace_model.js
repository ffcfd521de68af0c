//# allFunctionsCalledOnLoad
// The workspace's model: what the annotator has made of one snippet, and every edit of it
// (selection, spans, classes, segmentation, relations and events, undo). No DOM and no
// network: the view draws it and the session saves it. Offsets are code points of the
// snippet text, end-exclusive.
import { gettext, interpolate } from "./dom.js";
import { graphemeBoundaries, withTexts, widen } from "./offsets.js";
import { fromTokens, mergeWithNext, split } from "./segmentation.js";
import { nextBoundary, overlapsAny, previousBoundary, snapToTokens, tokenBoundaries } from "./spans.js";

// A draft or revision as the API gave it, with every part present.
export function normalise(draft) {
  const list = (value) => (Array.isArray(value) ? value : []);
  return {
    spans: list(draft?.spans),
    classes: list(draft?.classes),
    segmentation: list(draft?.segmentation),
    relations: list(draft?.relations),
    events: list(draft?.events),
  };
}

// Spans named, for relations and events to name them: one without an id gets ``Tn`` by
// its place, as the server names stored spans (so a stored revision's relations find
// their ends).
export function withSpanIds(state) {
  return { ...state, spans: state.spans.map((span, index) => (span.id ? span : { ...span, id: `T${index + 1}` })) };
}

const LINK_KINDS = new Set(["relations", "events"]);

// A suggested span's key: its place and label.
const suggestionKey = (span) => `${span.start}:${span.end}:${span.label}`;

// A suggestion's score, or null where its engine gives none (a language model).
const scoreOf = (item) => (typeof item.score === "number" ? item.score : null);
const higher = (a, b) => (typeof b === "number" && (a === null || b > a) ? b : a);

// An import's pre-annotations, as the start of a new task: spans carry offsets, classes
// only a label, a segmentation its word ends, relations and events their spans as
// [start, end, label]. Labels and types the project does not have are left out (and what
// links a span left out), and a segmentation where the project does not correct one.
export function fromSuggestions(suggestions, { labels, kinds }) {
  const names = (kind) => new Set(labels.filter((label) => label.kind === kind).map((label) => label.name));
  const spanNames = names("spans");
  const classNames = names("classes");
  const given = Array.isArray(suggestions) ? suggestions : [];
  const spans = given
    .filter((item) => Number.isInteger(item.start) && spanNames.has(item.label))
    .map(({ start, end, label }) => ({ start, end, label }))
    .sort((a, b) => a.start - b.start || a.end - b.end || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const idOf = (key) => {
    const index = Array.isArray(key) ? spans.findIndex((s) => s.start === key[0] && s.end === key[1] && s.label === key[2]) : -1;
    return index < 0 ? null : `T${index + 1}`;
  };
  const relationNames = names("relations");
  const eventNames = names("events");
  const relations = given
    .filter((item) => relationNames.has(item.relation))
    .map((item) => ({ from: idOf(item.from), to: idOf(item.to), type: item.relation }))
    .filter((relation) => relation.from && relation.to);
  const events = given
    .filter((item) => eventNames.has(item.event) && Array.isArray(item.arguments))
    .map((item) => ({
      trigger: idOf(item.trigger),
      type: item.event,
      arguments: item.arguments.map((argument) => ({ role: argument.role, span: idOf(argument.span) })),
    }))
    .filter((event) => event.trigger && event.arguments.every((argument) => argument.span));
  return {
    spans,
    classes: given.filter((item) => item.start === undefined && classNames.has(item.label)).map((item) => item.label),
    segmentation: kinds.includes("segmentation")
      ? (given.find((item) => Array.isArray(item.segmentation))?.segmentation ?? [])
      : [],
    relations,
    events,
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
    // Relation and event types by name; with any, spans carry ids.
    this.types = new Map(rules.labels.filter((label) => LINK_KINDS.has(label.kind)).map((label) => [label.name, label]));
    this.load("", [], normalise(null));
  }

  get linked() {
    return this.types.size > 0;
  }

  load(text, tokens, state) {
    this.text = text;
    this.tokens = tokens;
    this.graphemes = graphemeBoundaries(text);
    this.state = this.linked ? withSpanIds(state) : state;
    this.linking = null; // a relation or an event being made: see startRelation
    this.chosenLink = null; // {kind: "relations" | "events", index}, picked out
    this.history = [];
    this.future = [];
    this.selection = null; // [start, end), or null
    this.chosen = null; // index of the span picked out
    this.segmenting = false;
    this.caret = 0;
    this.place = 0; // where the arrows go on from when nothing is selected
    this.machine = { spans: [], classes: [], segmentation: null }; // see suggest
    this.dismissed = new Set(); // suggestions the annotator dropped, by key
    this.picked = null; // the key of the suggestion picked out
  }

  // Another version of the annotation in place of this one (a draft saved elsewhere).
  replace(state) {
    this.state = this.linked ? withSpanIds(state) : state;
    this.selection = null;
    this.chosen = null;
    this.linking = null;
    this.chosenLink = null;
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
    const body = {
      spans: withTexts(this.text, this.state.spans),
      classes: this.state.classes,
      segmentation: this.state.segmentation,
    };
    if (this.linked) Object.assign(body, { relations: this.state.relations, events: this.state.events });
    return body;
  }

  edit(change) {
    this.history.push(JSON.stringify(this.state));
    this.future = [];
    change(this.state);
    this.chosen = null;
    this.chosenLink = null;
    this.linking = null;
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
    this.chosenLink = null;
    this.linking = null;
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
    return this.edit((state) => this.addSpan(state, start, end, name));
  }

  // Inside an edit: the span added to ``state``, in the stored order, with an id where
  // spans carry them.
  addSpan(state, start, end, label) {
    state.spans.push(this.linked ? { id: this.newId(), start, end, label } : { start, end, label });
    state.spans.sort((a, b) => a.start - b.start || a.end - b.end);
  }

  // An id no span of the annotation has.
  newId() {
    const taken = new Set(this.state.spans.map((span) => span.id));
    let number = this.state.spans.length + 1;
    while (taken.has(`s${number}`)) number += 1;
    return `s${number}`;
  }

  // A span goes with the relations and events that need it (an argument goes from its
  // event); the result says how many went, for the annotator to see.
  removeSpan(index) {
    this.selection = null;
    const id = this.state.spans[index]?.id;
    let gone = 0;
    const result = this.edit((state) => {
      state.spans.splice(index, 1);
      if (!id) return;
      const before = state.relations.length + state.events.length;
      state.relations = state.relations.filter((relation) => relation.from !== id && relation.to !== id);
      state.events = state.events
        .filter((event) => event.trigger !== id)
        .map((event) => {
          const kept = event.arguments.filter((argument) => argument.span !== id);
          gone += event.arguments.length - kept.length;
          return { ...event, arguments: kept };
        });
      gone += before - state.relations.length - state.events.length;
    });
    if (!gone) return result;
    return { ...result, notice: interpolate(gettext("Relations and event parts that needed the span went with it: %s."), [gone]) };
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
    if (label?.kind === "relations") return this.startRelation(label.name);
    if (label?.kind === "events") return this.startEvent(label.name);
    return null;
  }

  // ---- relations and events: the chosen span, a type's key, then its other ends ----

  spanById(id) {
    return this.state.spans.find((span) => span.id === id) ?? null;
  }

  // The ids of the spans with one of ``labels`` (any, when none are listed), but ``except``.
  candidates(labels, except) {
    return this.state.spans
      .filter((span) => !except.includes(span.id) && (!labels?.length || labels.includes(span.label)))
      .map((span) => span.id);
  }

  // The span chosen (clicked, or selected exactly), to start a relation or an event from.
  chosenSpan() {
    return this.chosen === null ? null : (this.state.spans[this.chosen] ?? null);
  }

  // A relation of ``type`` from the chosen span: the spans it may link to are offered one
  // by one (cycle, Tab), confirm links the one offered.
  startRelation(type) {
    const rule = this.types.get(type);
    const subject = this.chosenSpan();
    if (!subject) return refused(gettext("Pick the span the relation starts from first: click it, or select its text."));
    if (rule.subject_labels?.length && !rule.subject_labels.includes(subject.label)) {
      return refused(interpolate(gettext("%s does not start from a span labelled %s."), [type, subject.label]));
    }
    const candidates = this.candidates(rule.object_labels, [subject.id]);
    if (!candidates.length) return refused(interpolate(gettext("No span here can be the other end of %s."), [type]));
    this.linking = { kind: "relation", type, from: subject.id, candidates, at: 0 };
    return MOVED;
  }

  // An event of ``type`` with the chosen span as its trigger: each role in turn offers the
  // spans it may take (cycle); confirm takes the one offered, nextRole goes on.
  startEvent(type) {
    const rule = this.types.get(type);
    const trigger = this.chosenSpan();
    if (!trigger) return refused(gettext("Pick the trigger span first: click it, or select its text."));
    if (trigger.label !== rule.trigger_label) {
      return refused(interpolate(gettext("The trigger of %s is a span labelled %s."), [type, rule.trigger_label]));
    }
    this.linking = { kind: "event", type, trigger: trigger.id, role: -1, arguments: [], candidates: [], at: 0 };
    return this.nextRole();
  }

  // The span offered now, or null.
  offered() {
    return this.linking?.candidates[this.linking.at] ?? null;
  }

  // The role being filled, or null.
  role() {
    if (this.linking?.kind !== "event") return null;
    return this.types.get(this.linking.type).roles[this.linking.role] ?? null;
  }

  cycle(forward) {
    const linking = this.linking;
    if (!linking?.candidates.length) return MOVED;
    const count = linking.candidates.length;
    linking.at = (linking.at + (forward ? 1 : count - 1)) % count;
    return MOVED;
  }

  // A click while linking: the span clicked, if it is offered, is taken.
  pick(id) {
    const at = this.linking?.candidates.indexOf(id) ?? -1;
    if (at < 0) return MOVED;
    this.linking.at = at;
    return this.confirm();
  }

  cancelLink() {
    this.linking = null;
    return MOVED;
  }

  confirm() {
    const linking = this.linking;
    const offered = this.offered();
    if (!linking || offered === null) return MOVED;
    if (linking.kind === "event") {
      linking.arguments.push({ role: this.role().name, span: offered });
      const taken = linking.arguments.filter((argument) => argument.role === this.role().name).length;
      if (taken >= (this.role().max ?? 1)) return this.nextRole();
      return this.offerFor(linking.role) ?? this.nextRole();
    }
    let [from, to] = [linking.from, offered];
    if (this.types.get(linking.type).directed === false) {
      const place = (id) => this.state.spans.findIndex((span) => span.id === id);
      if (place(to) < place(from)) [from, to] = [to, from]; // A–B and B–A are one relation
    }
    const same = (relation) => relation.from === from && relation.to === to && relation.type === linking.type;
    if (this.state.relations.some(same)) {
      this.linking = null;
      return refused(gettext("That relation is there already."));
    }
    return this.edit((state) => state.relations.push({ from, to, type: linking.type }));
  }

  // Offers the spans role ``index`` of the event may take; false when there are none.
  offerFor(index) {
    const linking = this.linking;
    const role = this.types.get(linking.type).roles[index];
    const taken = linking.arguments.filter((argument) => argument.role === role.name).map((argument) => argument.span);
    linking.role = index;
    linking.candidates = this.candidates(role.labels, [linking.trigger, ...taken]);
    linking.at = 0;
    return linking.candidates.length ? MOVED : null;
  }

  // On to the event's next role that has spans to offer; past the last one, the event is
  // made, if every role has the arguments it needs.
  nextRole() {
    const linking = this.linking;
    if (linking?.kind !== "event") return MOVED;
    const roles = this.types.get(linking.type).roles;
    for (let index = linking.role + 1; index < roles.length; index += 1) {
      const offered = this.offerFor(index);
      if (offered) return offered;
    }
    for (const role of roles) {
      const count = linking.arguments.filter((argument) => argument.role === role.name).length;
      if (count < (role.min ?? 0)) {
        this.linking = null;
        return refused(interpolate(gettext("The role %s needs at least %s argument(s): the event was not made."), [role.name, role.min]));
      }
    }
    const event = { trigger: linking.trigger, type: linking.type, arguments: linking.arguments };
    return this.edit((state) => state.events.push(event));
  }

  chooseLink(kind, index) {
    this.chosenLink = { kind, index };
    this.chosen = null;
    this.selection = null;
    return MOVED;
  }

  removeLink(kind, index) {
    return this.edit((state) => state[kind].splice(index, 1));
  }

  removeChosenLink() {
    return this.chosenLink === null ? MOVED : this.removeLink(this.chosenLink.kind, this.chosenLink.index);
  }

  // ---- selection ----

  // [start, end) snapped to whole words, or with ``exact`` to whole characters (graphemes).
  select(start, end, exact = false) {
    const snapped =
      exact || !this.rules.snap_to_tokens
        ? widen(start, end, this.graphemes)
        : snapToTokens(start, end, this.bounds());
    this.selection = snapped[0] === snapped[1] ? null : snapped;
    this.chooseSelected();
    return MOVED;
  }

  // The span the selection covers exactly, if any, is the one picked out.
  chooseSelected() {
    const index = this.state.spans.findIndex(
      (span) => this.selection && span.start === this.selection[0] && span.end === this.selection[1],
    );
    this.chosen = index === -1 ? null : index;
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
    this.picked = null;
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
    this.chooseSelected();
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

  // ---- machine suggestions: shown apart, the annotator's own only once taken ----

  // The engines' suggestions for this snippet (the task's machine_suggestions): spans of
  // the project's labels (one span two engines suggest is listed once, with both and the
  // higher score), and a segmentation where the project corrects one.
  suggest(machine) {
    const labels = new Set(this.rules.labels.filter((label) => label.kind === "spans").map((label) => label.name));
    const classNames = new Set(this.rules.labels.filter((label) => label.kind === "classes").map((label) => label.name));
    const spans = new Map();
    const classes = new Map();
    let segmentation = null;
    for (const { engine_name: name, engine, items } of Array.isArray(machine) ? machine : []) {
      const from = name ?? engine;
      for (const item of Array.isArray(items) ? items : []) {
        if (item.start === undefined && classNames.has(item.label)) {
          const known = classes.get(item.label);
          if (known) known.score = higher(known.score, item.score);
          else classes.set(item.label, { key: `class:${item.label}`, label: item.label, score: scoreOf(item), engines: [from] });
        } else if (Array.isArray(item.segmentation) && (this.rules.kinds ?? []).includes("segmentation")) {
          segmentation = { ends: item.segmentation, engine: from, score: scoreOf(item) };
        } else if (Number.isInteger(item.start) && labels.has(item.label) && item.start < item.end && item.end <= this.length) {
          const key = suggestionKey(item);
          const known = spans.get(key);
          if (known) {
            known.engines.push(from);
            known.score = higher(known.score, item.score);
          } else {
            spans.set(key, { key, start: item.start, end: item.end, label: item.label, score: scoreOf(item), engines: [from] });
          }
        }
      }
    }
    this.machine = {
      spans: [...spans.values()].sort((a, b) => a.start - b.start || a.end - b.end),
      classes: [...classes.values()].sort((a, b) => (b.score ?? 0) - (a.score ?? 0)),
      segmentation,
    };
  }

  // The suggested classes the annotation lacks and the annotator did not drop, surest first.
  suggestedClasses() {
    return (this.machine.classes ?? []).filter(
      (item) => !this.state.classes.includes(item.label) && !this.dismissed.has(item.key),
    );
  }

  // Inside an edit: ``label`` among the classes (in place of the one there is, where a
  // snippet has one).
  addClass(state, label) {
    state.classes = this.rules.multi_label ? [...state.classes, label] : [label];
  }

  // The suggested spans still open: neither taken (a span of the same place and label)
  // nor dropped.
  suggestions() {
    const taken = new Set(this.state.spans.map(suggestionKey));
    return this.machine.spans.filter((item) => !taken.has(item.key) && !this.dismissed.has(item.key));
  }

  // The suggested segmentation, while it differs from the annotator's words.
  suggestedWords() {
    const given = this.machine.segmentation;
    if (!given || given.ends.join() === this.wordEnds().join()) return null;
    return given;
  }

  // Where the suggested segmentation differs from the words as they are: the boundaries
  // it would add and those it would remove (none while it suggests nothing new).
  wordDifferences() {
    const given = this.suggestedWords();
    if (!given) return { added: [], removed: [] };
    const now = new Set(this.wordEnds());
    const suggested = new Set(given.ends);
    return {
      added: given.ends.filter((end) => !now.has(end)),
      removed: [...now].filter((end) => !suggested.has(end)),
    };
  }

  pickedSuggestion() {
    return this.suggestions().find((item) => item.key === this.picked) ?? null;
  }

  // Tab: the next suggestion (Shift+Tab the one before) is picked out and its text selected,
  // so that a label's key gives it another label.
  nextSuggestion(forward) {
    const open = this.suggestions();
    if (!open.length) return refused(gettext("No suggestions left."));
    const at = open.findIndex((item) => item.key === this.picked);
    const next = at === -1 ? (forward ? 0 : open.length - 1) : (at + (forward ? 1 : open.length - 1)) % open.length;
    this.picked = open[next].key;
    this.selection = [open[next].start, open[next].end];
    this.chooseSelected();
    return MOVED;
  }

  // The picked suggestion (or the one of ``key``) becomes a span of the annotation.
  acceptSuggestion(key = this.picked) {
    const suggestedClass = this.suggestedClasses().find((open) => open.key === key);
    if (suggestedClass) return this.edit((state) => this.addClass(state, suggestedClass.label));
    const item = this.suggestions().find((open) => open.key === key);
    if (!item) return MOVED;
    if (!this.rules.allow_overlap && overlapsAny(item.start, item.end, this.state.spans)) {
      return refused(gettext("This project does not allow overlapping spans."));
    }
    this.picked = null;
    this.selection = null;
    this.place = item.end;
    return this.edit((state) => this.addSpan(state, item.start, item.end, item.label));
  }

  dismissSuggestion(key = this.picked) {
    if (key === null) return MOVED;
    this.dismissed.add(key);
    this.picked = null;
    this.selection = null;
    return MOVED;
  }

  // Shift+Enter: every open suggestion taken in one edit (one undo takes them back), the
  // surer first; one that would overlap a span where the project allows none is left.
  acceptAllSuggestions() {
    const open = [...this.suggestions()].sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
    const words = this.suggestedWords();
    const suggestedClasses = this.suggestedClasses();
    // With one class a snippet, the surest is taken, and only where there is none yet.
    const taken = this.rules.multi_label ? suggestedClasses : this.state.classes.length ? [] : suggestedClasses.slice(0, 1);
    if (!open.length && !words && !taken.length) return refused(gettext("No suggestions left."));
    let left = 0;
    this.picked = null;
    this.selection = null;
    const result = this.edit((state) => {
      for (const item of open) {
        if (!this.rules.allow_overlap && overlapsAny(item.start, item.end, state.spans)) left += 1;
        else this.addSpan(state, item.start, item.end, item.label);
      }
      if (words) state.segmentation = [...words.ends];
      for (const item of taken) this.addClass(state, item.label);
    });
    if (!left) return result;
    return { ...result, notice: interpolate(gettext("%s suggestions overlapped spans and were left."), [left]) };
  }
}
