import assert from "node:assert/strict";
import { test } from "node:test";

import { Editor, normalise } from "./workspace_model.js";

const LABELS = [
  { kind: "spans", name: "地名", hotkey: "l" },
  { kind: "spans", name: "机构", hotkey: "o" },
];
// 𠮷 is one code point (two UTF-16 units); the family emoji five code points, one grapheme.
const TEXT = "𠮷野家在北京开了新店👨‍👩‍👧！";
const TOKENS = [[0, 3], [3, 4], [4, 6], [6, 7], [7, 8], [8, 10], [10, 15], [15, 16]];
const MACHINE = [
  {
    engine: "dictionary",
    model_version: "12",
    items: [
      { start: 4, end: 6, label: "地名", score: 1.0 },
      { start: 0, end: 3, label: "机构", score: 0.75 },
      { start: 0, end: 2, label: "不存在", score: 1.0 }, // a label the project lacks
    ],
  },
  { engine: "crf-spans", model_version: "v3", items: [{ start: 4, end: 6, label: "地名", score: 0.9 }] },
  { engine: "crf-words", model_version: "v3", items: [{ segmentation: [1, 3, 4, 6, 8, 10, 15, 16], score: 0.8 }] },
];

function editor(rules = {}) {
  const made = new Editor({
    labels: LABELS,
    kinds: ["spans", "segmentation"],
    allow_overlap: false,
    multi_label: false,
    snap_to_tokens: true,
    ...rules,
  });
  made.load(TEXT, TOKENS, normalise(null));
  made.suggest(MACHINE);
  return made;
}

test("suggestions are listed apart from the annotation, one span once whatever its engines", () => {
  const model = editor();
  assert.deepEqual(model.state.spans, []);
  assert.deepEqual(
    model.suggestions().map(({ start, end, label, score, engines }) => [start, end, label, score, engines]),
    [
      [0, 3, "机构", 0.75, ["dictionary"]],
      [4, 6, "地名", 1.0, ["dictionary", "crf-spans"]],
    ],
  );
  assert.deepEqual(model.suggestedWords().ends, [1, 3, 4, 6, 8, 10, 15, 16]);
});

test("Tab picks a suggestion out and selects its text; Enter's action takes it", () => {
  const model = editor();
  model.nextSuggestion(true);
  assert.deepEqual(model.selection, [0, 3]);
  model.nextSuggestion(true);
  assert.equal(model.pickedSuggestion().label, "地名");
  assert.equal(model.acceptSuggestion().edited, true);
  assert.deepEqual(model.state.spans, [{ start: 4, end: 6, label: "地名" }]);
  assert.equal(model.suggestions().length, 1); // taken: no longer offered
  model.undo();
  assert.equal(model.suggestions().length, 2); // undone: offered again
});

test("a suggestion picked out takes another label from that label's key", () => {
  const model = editor();
  model.nextSuggestion(false); // Shift+Tab from nothing: the last
  model.hotkey("o");
  assert.deepEqual(model.state.spans, [{ start: 4, end: 6, label: "机构" }]);
});

test("a dropped suggestion is offered no more", () => {
  const model = editor();
  model.nextSuggestion(true);
  model.dismissSuggestion();
  assert.deepEqual(
    model.suggestions().map((item) => item.key),
    ["4:6:地名"],
  );
  assert.equal(model.selection, null);
});

test("Shift+Enter takes every suggestion in one edit, one undo takes them back", () => {
  const model = editor();
  model.select(0, 1, true);
  model.applyLabel("地名"); // 𠮷: the 机构 suggestion over it now overlaps
  const result = model.acceptAllSuggestions();
  assert.equal(result.edited, true);
  assert.match(result.notice, /1/);
  assert.deepEqual(model.state.spans, [
    { start: 0, end: 1, label: "地名" },
    { start: 4, end: 6, label: "地名" },
  ]);
  assert.deepEqual(model.state.segmentation, [1, 3, 4, 6, 8, 10, 15, 16]);
  assert.equal(model.suggestedWords(), null);
  model.undo();
  assert.deepEqual(model.state.spans, [{ start: 0, end: 1, label: "地名" }]);
  assert.deepEqual(model.state.segmentation, []);
  assert.equal(editor().acceptAllSuggestions().edited, true);
});

test("with nothing left, the keys say so", () => {
  const model = editor();
  model.acceptAllSuggestions();
  assert.deepEqual(model.nextSuggestion(true), { edited: false, error: "No suggestions left." });
  assert.equal(model.acceptAllSuggestions().error, "No suggestions left.");
});

test("spans taken in a project with relations get ids", () => {
  const model = editor({ labels: [...LABELS, { kind: "relations", name: "位于" }] });
  model.acceptAllSuggestions();
  assert.ok(model.state.spans.every((span) => span.id));
});

test("suggestions past the text or of a project without segmentation are left out", () => {
  const model = editor({ kinds: ["spans"] });
  model.suggest([{ engine: "crf-words", items: [{ segmentation: [16], score: 1 }, { start: 10, end: 99, label: "地名", score: 1 }] }]);
  assert.deepEqual(model.suggestions(), []);
  assert.equal(model.suggestedWords(), null);
});

test("suggested classes are taken one by one, or the surest with the rest", () => {
  const rules = { labels: [...LABELS, { kind: "classes", name: "体育" }, { kind: "classes", name: "经济" }] };
  const machine = [
    { engine: "linear-classes", engine_name: "项目模型：类别", items: [{ label: "经济", score: 0.7 }, { label: "体育", score: 0.2 }] },
  ];
  const single = editor(rules);
  single.suggest(machine);
  assert.deepEqual(single.suggestedClasses().map((item) => [item.label, item.engines[0]]), [
    ["经济", "项目模型：类别"],
    ["体育", "项目模型：类别"],
  ]);
  single.acceptAllSuggestions();
  assert.deepEqual(single.state.classes, ["经济"]); // one class a snippet: the surest
  single.acceptSuggestion("class:体育");
  assert.deepEqual(single.state.classes, ["体育"]);

  const multi = editor({ ...rules, multi_label: true });
  multi.suggest(machine);
  multi.acceptAllSuggestions();
  assert.deepEqual(multi.state.classes, ["经济", "体育"]);
  multi.undo();
  multi.dismissSuggestion("class:经济");
  assert.deepEqual(multi.suggestedClasses().map((item) => item.label), ["体育"]);
});

test("a language model's suggestions have no score, and come after scored ones", () => {
  const model = editor();
  model.suggest([
    { engine: "llm", engine_name: "大模型", items: [{ start: 4, end: 6, label: "地名", score: null }, { start: 0, end: 3, label: "机构", score: null }] },
    { engine: "dictionary", items: [{ start: 4, end: 6, label: "地名", score: 0.5 }] },
  ]);
  const [first, second] = model.suggestions();
  assert.deepEqual([first.score, first.engines], [null, ["大模型"]]);
  assert.deepEqual([second.score, second.engines], [0.5, ["大模型", "dictionary"]]);
  model.acceptAllSuggestions();
  assert.equal(model.state.spans.length, 2);
});

test("where the suggested words differ from the words there are, both ways", () => {
  const model = editor();
  // jieba: 𠮷野家|在|北京|开|了|新店|👨‍👩‍👧|！  suggested: 𠮷|野家|在|北京|开|了|新店|👨‍👩‍👧|！ (no 开|了 split)
  model.suggest([{ engine: "crf-words", items: [{ segmentation: [1, 3, 4, 6, 8, 10, 15, 16], score: 0.9 }] }]);
  assert.deepEqual(model.wordDifferences(), { added: [1], removed: [7] });
  model.acceptAllSuggestions();
  assert.deepEqual(model.wordDifferences(), { added: [], removed: [] });
});
