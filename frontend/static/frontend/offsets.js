//# allFunctionsCalledOnLoad
// Offsets between the browser and the API. The DOM counts UTF-16 code units; the API
// counts code points of the snippet text (end-exclusive). 𠮷 is one code point and two
// units; a family emoji joined by ZWJ is five code points and eight units. These are the
// only conversions the workspace uses.

// The code point index of UTF-16 index ``unit`` in ``text``. A unit inside a surrogate
// pair counts as the pair's start, so a selection never splits a character.
export function toCodePoint(text, unit) {
  let units = 0;
  let points = 0;
  for (const char of text) {
    if (units + char.length > unit) return points;
    units += char.length;
    points += 1;
  }
  return points;
}

// The UTF-16 index of code point ``point`` in ``text`` (the text's length past the end).
export function toUnit(text, point) {
  let units = 0;
  let points = 0;
  for (const char of text) {
    if (points === point) return units;
    units += char.length;
    points += 1;
  }
  return units;
}

// The text from code point ``start`` to ``end``, as the API compares it. The code points
// of the text sliced last are kept: drawing a snippet slices its text a few hundred times.
let sliced = { text: "", points: [] };

export function slice(text, start, end) {
  if (sliced.text !== text) sliced = { text, points: Array.from(text) };
  return sliced.points.slice(start, end).join("");
}

// Spans as the API takes them: each with the text it covers, which the server checks.
export function withTexts(text, spans) {
  return spans.map((span) => ({ ...span, text: slice(text, span.start, span.end) }));
}

// Code point indices where a user-perceived character (grapheme) starts, and the end: a
// selection of "exact characters" snaps to these, so that it never cuts an emoji sequence
// or a letter from its combining marks.
export function graphemeBoundaries(text) {
  const bounds = [];
  let point = 0;
  for (const { segment } of new Intl.Segmenter("zh", { granularity: "grapheme" }).segment(text)) {
    bounds.push(point);
    point += Array.from(segment).length;
  }
  bounds.push(point);
  return bounds;
}

// [start, end) widened outward to the nearest boundaries of a sorted list that holds 0
// and the text's length.
export function widen(start, end, bounds) {
  let low = 0;
  let high = bounds[bounds.length - 1];
  for (const bound of bounds) {
    if (bound <= start) low = bound;
    if (bound >= end) {
      high = bound;
      break;
    }
  }
  return [low, Math.max(high, low)];
}
