import assert from "node:assert/strict";
import { test } from "node:test";

import { fromTokens, mergeWithNext, split, valid, words } from "./segmentation.js";

// "𠮷野家在北京开了" — jieba: 𠮷野家 / 在 / 北京开 / 了 (a wrong word to correct).
const TOKENS = [[0, 3], [3, 4], [4, 7], [7, 8]];

test("jieba's words become the ends the API stores", () => {
  const ends = fromTokens(TOKENS, 8);
  assert.deepEqual(ends, [3, 4, 7, 8]);
  assert.deepEqual(words(ends), [[0, 3], [3, 4], [4, 7], [7, 8]]);
  assert.deepEqual(fromTokens([], 5), [5]); // untokenized: one word
});

test("split at the caret and merge with the next word", () => {
  const ends = fromTokens(TOKENS, 8);

  const fixed = split(ends, 6); // 北京开 → 北京 / 开
  assert.deepEqual(fixed, [3, 4, 6, 7, 8]);
  assert.deepEqual(split(fixed, 6), fixed); // already a boundary
  assert.deepEqual(split(fixed, 0), fixed); // the edges are not inside a word
  assert.deepEqual(mergeWithNext(fixed, 6), [3, 4, 6, 8]); // 开 + 了 → 开了
  assert.deepEqual(mergeWithNext(fixed, 7), fixed); // the last word has no next
  assert.ok(valid(fixed, 8));
});

test("only rising ends that finish at the length are valid", () => {
  assert.ok(!valid([], 8));
  assert.ok(!valid([3, 3, 8], 8));
  assert.ok(!valid([3, 7], 8));
  assert.ok(!valid([0, 8], 8));
});
