import assert from "node:assert/strict";
import { test } from "node:test";

import { graphemeBoundaries, slice, toCodePoint, toUnit, widen, withTexts } from "./offsets.js";

const TEXT = "𠮷野家👩‍👩‍👧在北京开了新店，张三去了。";

test("UTF-16 units and code points map both ways", () => {
  const start = TEXT.indexOf("北京"); // a UTF-16 index
  const point = toCodePoint(TEXT, start);

  // 𠮷 is 2 units and 1 point; the family emoji 8 units and 5 points.
  assert.equal(start, 13);
  assert.equal(point, 9);
  assert.equal(toUnit(TEXT, point), start);
  assert.equal(slice(TEXT, point, point + 2), "北京");
  for (let p = 0; p <= Array.from(TEXT).length; p += 1) {
    assert.equal(toCodePoint(TEXT, toUnit(TEXT, p)), p);
  }
});

test("a unit inside a surrogate pair counts as the pair's start", () => {
  assert.equal(toCodePoint(TEXT, 1), 0); // the second half of 𠮷
  assert.equal(toCodePoint(TEXT, 2), 1);
  assert.equal(toCodePoint(TEXT, TEXT.length), Array.from(TEXT).length);
});

test("exact selections widen to whole graphemes: ZWJ emoji and combining marks", () => {
  const bounds = graphemeBoundaries(TEXT);
  assert.deepEqual(bounds.slice(0, 5), [0, 1, 2, 3, 8]); // 𠮷 野 家 then the family, 5 points
  assert.deepEqual(widen(4, 6, bounds), [3, 8]); // inside the family: the whole family

  const marked = "e\u0301te\u0301"; // é written as e + combining acute, twice
  const markBounds = graphemeBoundaries(marked);
  assert.deepEqual(markBounds, [0, 2, 3, 5]);
  assert.deepEqual(widen(0, 1, markBounds), [0, 2]); // never the e without its accent
  assert.deepEqual(widen(3, 4, markBounds), [3, 5]); // a mark inside a span
});

test("spans sent to the API carry the text they cover, in code points", () => {
  const spans = [{ start: 9, end: 11, label: "地名" }, { start: 0, end: 3, label: "机构" }];

  assert.deepEqual(
    withTexts(TEXT, spans).map((span) => span.text),
    ["北京", "𠮷野家"],
  );
  assert.equal(withTexts(TEXT, spans)[0].label, "地名");
});

test("slicing one text, then another, then the first again, cuts each by its own code points", () => {
  const other = "😀张三在北京";

  assert.equal(slice(TEXT, 0, 3), "𠮷野家");
  assert.equal(slice(other, 0, 3), "😀张三");
  assert.equal(slice(TEXT, 0, 3), "𠮷野家");
  assert.equal(slice(other, 4, 6), "北京");
  assert.equal(slice(TEXT, 3, 8), "👩‍👩‍👧"); // five code points, eight units
  assert.equal(slice(other, 5, 99), "京"); // past the end: to the end
  assert.equal(slice(other, 4, 2), "");
});
