import assert from "node:assert/strict";
import { test } from "node:test";

import { Editor, fromSuggestions, normalise } from "./workspace_model.js";

// 𠮷 and an emoji first: offsets are code points. "𠮷😀张三任职于北京大学，李四在上海。"
const TEXT = "𠮷😀张三任职于北京大学，李四在上海。";
const TOKENS = [[0, 1], [1, 2], [2, 4], [4, 6], [6, 7], [7, 11], [11, 12], [12, 14], [14, 15], [15, 17], [17, 18]];
const LABELS = [
  { kind: "spans", name: "人名", hotkey: "p" },
  { kind: "spans", name: "机构", hotkey: "o" },
  { kind: "spans", name: "地名", hotkey: "l" },
  { kind: "spans", name: "触发词", hotkey: "t" },
  { kind: "relations", name: "任职于", hotkey: "r", directed: true, subject_labels: ["人名"], object_labels: ["机构"] },
  { kind: "relations", name: "相识", hotkey: "x", directed: false, subject_labels: [], object_labels: [] },
  {
    kind: "events",
    name: "任职",
    hotkey: "e",
    trigger_label: "触发词",
    roles: [
      { name: "任职者", labels: ["人名"], min: 1, max: 1 },
      { name: "机构", labels: ["机构"], min: 0, max: 1 },
    ],
  },
];

function editor() {
  const made = new Editor({ labels: LABELS, allow_overlap: false, multi_label: false, snap_to_tokens: true });
  made.load(TEXT, TOKENS, normalise(null));
  for (const [start, end, key] of [[2, 4, "p"], [4, 6, "t"], [7, 11, "o"], [12, 14, "p"], [15, 17, "l"]]) {
    made.select(start, end);
    made.hotkey(key);
  }
  return made;
}

const idAt = (model, start) => model.state.spans.find((span) => span.start === start).id;

test("spans get ids, and a stored revision's spans are named as the server names them", () => {
  const model = editor();
  assert.deepEqual(
    model.state.spans.map((span) => span.id),
    ["s1", "s2", "s3", "s4", "s5"],
  );
  const stored = normalise({ spans: [{ start: 2, end: 4, label: "人名" }, { start: 7, end: 11, label: "机构" }], relations: [{ id: "R1", from: "T1", to: "T2", type: "任职于" }] });
  model.load(TEXT, TOKENS, stored);
  assert.deepEqual(model.state.spans.map((span) => span.id), ["T1", "T2"]);
});

test("a relation by keyboard: the subject, its key, Tab through what it may link to, Enter", () => {
  const model = editor();
  model.select(2, 4); // 张三, a span: chosen
  assert.equal(model.hotkey("r").error, "");
  // 任职于 links a 人名 to a 机构: 北京大学 is the only one offered.
  assert.deepEqual(model.linking.candidates, [idAt(model, 7)]);
  model.cycle(true);
  assert.equal(model.offered(), idAt(model, 7));
  assert.equal(model.confirm().edited, true);
  assert.deepEqual(model.state.relations, [{ from: idAt(model, 2), to: idAt(model, 7), type: "任职于" }]);
  assert.deepEqual(model.body().relations, model.state.relations);
  assert.equal(model.linking, null);
});

test("a relation the schema forbids from a span is refused, naming why", () => {
  const model = editor();
  model.select(7, 11); // 北京大学, a 机构
  assert.equal(model.hotkey("r").error, "任职于 does not start from a span labelled 机构.");
  model.clearSelection();
  assert.match(model.hotkey("r").error, /Pick the span/);
});

test("an undirected relation keeps its ends in span order, and is not made twice", () => {
  const model = editor();
  model.select(12, 14); // 李四
  model.hotkey("x");
  model.pick(idAt(model, 2)); // 张三, by a click
  assert.deepEqual(model.state.relations, [{ from: idAt(model, 2), to: idAt(model, 12), type: "相识" }]);
  model.select(2, 4);
  model.hotkey("x");
  model.pick(idAt(model, 12));
  assert.equal(model.state.relations.length, 1);
});

test("an event: the trigger, its key, then each role from the spans it may take", () => {
  const model = editor();
  model.select(4, 6); // 任职, the trigger
  model.hotkey("e");
  assert.equal(model.role().name, "任职者");
  assert.deepEqual(model.linking.candidates, [idAt(model, 2), idAt(model, 12)]);
  model.cycle(true); // 李四
  model.cycle(false); // back to 张三
  model.confirm(); // 任职者 takes one: on to 机构
  assert.equal(model.role().name, "机构");
  assert.equal(model.confirm().edited, true); // 北京大学; the last role: the event is made
  assert.deepEqual(model.state.events, [
    {
      trigger: idAt(model, 4),
      type: "任职",
      arguments: [
        { role: "任职者", span: idAt(model, 2) },
        { role: "机构", span: idAt(model, 7) },
      ],
    },
  ]);
});

test("an event short of a role's arguments is not made, and says which role", () => {
  const model = editor();
  model.select(4, 6);
  model.hotkey("e");
  const result = model.nextRole(); // 任职者 skipped, 机构 offered
  assert.equal(model.role().name, "机构");
  assert.equal(result.error, "");
  assert.match(model.nextRole().error, /任职者 needs at least 1/);
  assert.deepEqual(model.state.events, []);
});

test("a span deleted takes its relations and arguments, says so, and undo brings all back", () => {
  const model = editor();
  model.select(2, 4);
  model.hotkey("r");
  model.confirm();
  model.select(4, 6);
  model.hotkey("e");
  model.confirm();
  model.confirm();
  assert.equal(model.state.events.length, 1);

  model.select(7, 11);
  const result = model.removeChosen(); // 北京大学: the relation and the 机构 argument need it
  assert.equal(result.notice, "Relations and event parts that needed the span went with it: 2.");
  assert.deepEqual(model.state.relations, []);
  assert.deepEqual(model.state.events[0].arguments, [{ role: "任职者", span: idAt(model, 2) }]);

  model.undo();
  assert.equal(model.state.relations.length, 1);
  assert.equal(model.state.events[0].arguments.length, 2);
  model.redo();
  assert.equal(model.state.relations.length, 0);
});

test("a relation picked out is removed on its own", () => {
  const model = editor();
  model.select(2, 4);
  model.hotkey("r");
  model.confirm();
  model.chooseLink("relations", 0);
  model.removeChosenLink();
  assert.deepEqual(model.state.relations, []);
  assert.equal(model.state.spans.length, 5);
});

test("an import's relations and events start the task, named by the spans kept", () => {
  const zhang = [2, 4, "人名"];
  const pku = [7, 11, "机构"];
  const state = fromSuggestions(
    [
      { start: 7, end: 11, label: "机构" },
      { start: 2, end: 4, label: "人名" },
      { start: 4, end: 6, label: "触发词" },
      { start: 15, end: 17, label: "国家" }, // not a label of this project
      { relation: "任职于", from: zhang, to: pku },
      { relation: "位于", from: pku, to: zhang }, // not a type of this project
      { relation: "相识", from: zhang, to: [15, 17, "国家"] }, // an end left out
      { event: "任职", trigger: [4, 6, "触发词"], arguments: [{ role: "任职者", span: zhang }] },
    ],
    { labels: LABELS, kinds: ["spans", "relations", "events"] },
  );
  assert.deepEqual(state.spans.map((span) => span.start), [2, 4, 7]); // T1 T2 T3
  assert.deepEqual(state.relations, [{ from: "T1", to: "T3", type: "任职于" }]);
  assert.deepEqual(state.events, [{ trigger: "T2", type: "任职", arguments: [{ role: "任职者", span: "T1" }] }]);
  const model = editor();
  model.load(TEXT, TOKENS, state);
  assert.deepEqual(model.body().relations, [{ from: "T1", to: "T3", type: "任职于" }]);
  assert.equal(model.body().spans[0].id, "T1");
});
