import assert from "node:assert/strict";
import { test } from "node:test";

import { Editor, fromSuggestions, normalise } from "./workspace_model.js";

const LABELS = [
  { kind: "spans", name: "地名", hotkey: "l" },
  { kind: "spans", name: "机构", hotkey: "o" },
  { kind: "classes", name: "体育", hotkey: "1" },
  { kind: "classes", name: "经济", hotkey: "2" },
];
// "𠮷野家在北京开了新店👨‍👩‍👧！" — 𠮷 is two UTF-16 units and one code point; the family
// emoji is five code points and one grapheme. jieba's words, in code points:
const TEXT = "𠮷野家在北京开了新店👨‍👩‍👧！";
const TOKENS = [[0, 3], [3, 4], [4, 6], [6, 7], [7, 8], [8, 10], [10, 15], [15, 16]];

function editor(rules = {}) {
  const made = new Editor({ labels: LABELS, allow_overlap: false, multi_label: false, snap_to_tokens: true, ...rules });
  made.load(TEXT, TOKENS, normalise(null));
  return made;
}

test("a label needs a selection, and a selection snaps to whole words", () => {
  const model = editor();
  assert.deepEqual(model.applyLabel("地名"), { edited: false, error: "Select some text first." });
  model.select(5, 6); // 京 → 北京
  assert.deepEqual(model.selection, [4, 6]);
  assert.equal(model.hotkey("l").edited, true);
  assert.deepEqual(model.state.spans, [{ start: 4, end: 6, label: "地名" }]);
  assert.equal(model.selection, null);
  assert.equal(model.hotkey("x"), null); // no label behind the key
});

test("an exact selection takes whole characters, never half an emoji or a surrogate", () => {
  const model = editor();
  model.select(1, 2, true);
  assert.deepEqual(model.selection, [1, 2]);
  model.select(11, 12, true); // inside the family emoji
  assert.deepEqual(model.selection, [10, 15]);
  model.applyLabel("机构");
  assert.deepEqual(model.body().spans, [{ start: 10, end: 15, label: "机构", text: "👨‍👩‍👧" }]);
});

test("the submitted body counts code points and carries the text of each span", () => {
  const model = editor();
  model.select(0, 3);
  model.applyLabel("机构");
  model.select(15, 16, true);
  model.applyLabel("地名");
  assert.deepEqual(model.body(), {
    spans: [
      { start: 0, end: 3, label: "机构", text: "𠮷野家" },
      { start: 15, end: 16, label: "地名", text: "！" },
    ],
    classes: [],
    segmentation: [],
  });
});

test("overlapping spans are refused unless the project allows them", () => {
  const strict = editor();
  strict.select(0, 6);
  strict.applyLabel("机构");
  strict.select(4, 6);
  // the selection matches no span exactly, so this is a new span that overlaps
  assert.match(strict.applyLabel("地名").error, /overlapping/);
  assert.equal(strict.state.spans.length, 1);

  const nested = editor({ allow_overlap: true });
  nested.select(0, 6);
  nested.applyLabel("机构");
  nested.select(4, 6);
  assert.equal(nested.applyLabel("地名").edited, true);
  assert.deepEqual(
    nested.state.spans.map((span) => [span.start, span.end, span.label]),
    [[0, 6, "机构"], [4, 6, "地名"]],
  );
});

test("selecting a span exactly picks it out: a label renames it, Delete removes it", () => {
  const model = editor();
  model.select(4, 6);
  model.applyLabel("地名");
  model.select(4, 6);
  assert.equal(model.chosen, 0);
  model.applyLabel("机构");
  assert.deepEqual(model.state.spans, [{ start: 4, end: 6, label: "机构" }]);
  model.chooseAt(5); // a click inside it
  assert.deepEqual(model.selection, [4, 6]);
  assert.equal(model.removeChosen().edited, true);
  assert.deepEqual(model.state.spans, []);
  assert.equal(model.removeChosen().edited, false); // nothing picked out any more
});

test("classes: one at a time, or several where the project allows it", () => {
  const single = editor();
  single.toggleClass("体育");
  single.toggleClass("经济");
  assert.deepEqual(single.state.classes, ["经济"]);
  single.toggleClass("经济");
  assert.deepEqual(single.state.classes, []);

  const multi = editor({ multi_label: true });
  multi.hotkey("1");
  multi.hotkey("2");
  assert.deepEqual(multi.state.classes, ["体育", "经济"]);
  multi.hotkey("1");
  assert.deepEqual(multi.state.classes, ["经济"]);
});

test("undo and redo walk every edit back and forth; a new edit clears redo", () => {
  const model = editor();
  model.select(4, 6);
  model.applyLabel("地名");
  model.toggleClass("体育");
  model.undo();
  assert.deepEqual(model.state.classes, []);
  model.undo();
  assert.deepEqual(model.state.spans, []);
  assert.equal(model.undo().edited, false); // nothing left to undo
  model.redo();
  assert.equal(model.state.spans.length, 1);
  model.toggleClass("经济");
  assert.equal(model.redo().edited, false);
  assert.deepEqual(model.state.classes, ["经济"]);
});

test("the arrows move the selection by word; Shift moves its end by a character", () => {
  const model = editor();
  model.step(true);
  assert.deepEqual(model.selection, [0, 3]);
  model.step(true);
  assert.deepEqual(model.selection, [3, 4]);
  model.extend(true);
  assert.deepEqual(model.selection, [3, 5]);
  model.extend(false);
  model.extend(false); // never shrinks to nothing
  assert.deepEqual(model.selection, [3, 4]);
  model.step(false);
  assert.deepEqual(model.selection, [0, 3]);
});

test("segmentation: Space splits at the caret, M merges, and the words become the bounds", () => {
  const model = editor();
  model.toggleSegmenting();
  assert.equal(model.segmenting, true);
  assert.deepEqual(model.wordEnds(), [3, 4, 6, 7, 8, 10, 15, 16]);
  model.moveCaret(true); // after 𠮷: one code point, whatever its UTF-16 length
  assert.equal(model.caret, 1);
  model.splitAtCaret();
  assert.deepEqual(model.state.segmentation, [1, 3, 4, 6, 7, 8, 10, 15, 16]);
  model.placeCaret(4);
  model.mergeAtCaret(); // 北京 + 开
  assert.deepEqual(model.state.segmentation, [1, 3, 4, 7, 8, 10, 15, 16]);
  assert.deepEqual(model.bounds(), [0, 1, 3, 4, 7, 8, 10, 15, 16]);
  model.placeCaret(10);
  model.moveCaret(true); // over the whole emoji
  assert.equal(model.caret, 15);
  model.undo();
  model.undo();
  assert.deepEqual(model.state.segmentation, []);
});

test("suggestions start a task with the project's labels only", () => {
  const state = fromSuggestions(
    [
      { start: 4, end: 6, label: "地名" },
      { start: 0, end: 3, label: "人名" }, // not a label of this project
      { label: "体育" },
      { label: "天气" },
      { segmentation: [3, 4, 6, 16] },
    ],
    { labels: LABELS, kinds: ["spans", "classes", "segmentation"] },
  );
  assert.deepEqual(state, {
    spans: [{ start: 4, end: 6, label: "地名" }],
    classes: ["体育"],
    segmentation: [3, 4, 6, 16],
    relations: [],
    events: [],
  });
  const without = fromSuggestions([{ segmentation: [3, 16] }], { labels: LABELS, kinds: ["spans"] });
  assert.deepEqual(without.segmentation, []); // the project does not correct words
  assert.deepEqual(normalise({ spans: "nonsense" }), {
    spans: [],
    classes: [],
    segmentation: [],
    relations: [],
    events: [],
  });
});

test("after a label the arrows go on from the span, not from the start", () => {
  const model = editor();
  model.step(true); // 𠮷野家
  model.step(true); // 在
  model.step(true); // 北京
  model.hotkey("l");
  assert.deepEqual(model.state.spans, [{ start: 4, end: 6, label: "地名" }]);
  assert.equal(model.selection, null);
  model.step(true); // the word after the span, one key away
  assert.deepEqual(model.selection, [6, 7]);
  model.clearSelection(); // Escape: the caret stays after 开
  model.step(false);
  assert.deepEqual(model.selection, [6, 7]);
  model.step(false);
  assert.deepEqual(model.selection, [4, 6]);
});

test("keys match whatever the case: L is l", () => {
  const model = editor();
  model.step(true);
  model.hotkey("L");
  assert.deepEqual(model.state.spans, [{ start: 0, end: 3, label: "地名" }]);
  const upper = editor({ labels: [{ kind: "classes", name: "体育", hotkey: "Q" }] });
  upper.hotkey("q");
  assert.deepEqual(upper.state.classes, ["体育"]);
});

test("Ctrl+Shift+arrow extends the selection by a word", () => {
  const model = editor();
  model.step(true); // 𠮷野家
  model.extend(true, true);
  assert.deepEqual(model.selection, [0, 4]);
  model.extend(true, true);
  assert.deepEqual(model.selection, [0, 6]);
  model.extend(false, true);
  assert.deepEqual(model.selection, [0, 4]);
});
