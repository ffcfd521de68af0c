import assert from "node:assert/strict";
import { test } from "node:test";

import {
  lanes,
  nextBoundary,
  overlapsAny,
  previousBoundary,
  snapToTokens,
  tokenBoundaries,
} from "./spans.js";

// "𠮷野家在北京开了新店" with jieba's words 𠮷野家 / 在 / 北京 / 开 / 了 / 新店 (code points).
const TOKENS = [[0, 3], [3, 4], [4, 6], [6, 7], [7, 8], [8, 10]];
const BOUNDS = tokenBoundaries(TOKENS, 10);

test("selections snap outward to whole words", () => {
  assert.deepEqual(BOUNDS, [0, 3, 4, 6, 7, 8, 10]);
  assert.deepEqual(snapToTokens(5, 6, BOUNDS), [4, 6]); // 京 → 北京
  assert.deepEqual(snapToTokens(1, 5, BOUNDS), [0, 6]); // 野家在北 → 𠮷野家在北京
  assert.deepEqual(snapToTokens(4, 6, BOUNDS), [4, 6]); // already whole
  assert.deepEqual(snapToTokens(5, 5, BOUNDS), [5, 5]); // nothing selected
});

test("the keyboard moves word by word", () => {
  assert.equal(nextBoundary(0, BOUNDS), 3);
  assert.equal(nextBoundary(5, BOUNDS), 6);
  assert.equal(nextBoundary(10, BOUNDS), 10);
  assert.equal(previousBoundary(6, BOUNDS), 4);
  assert.equal(previousBoundary(0, BOUNDS), 0);
});

test("overlapping spans get separate lanes, disjoint ones share", () => {
  const spans = [
    { start: 4, end: 6, label: "地名" },
    { start: 0, end: 6, label: "机构" },
    { start: 7, end: 10, label: "事件" },
    { start: 5, end: 8, label: "其他" },
  ];

  const layout = lanes(spans);

  assert.equal(layout.count, 3);
  assert.deepEqual(layout.lanes, [1, 0, 0, 2]);
  assert.ok(overlapsAny(5, 6, spans));
  assert.ok(!overlapsAny(6, 7, spans.slice(0, 3)));
  assert.ok(!overlapsAny(4, 6, [spans[0]], spans[0]));
});
