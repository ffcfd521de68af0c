//# allFunctionsCalledOnLoad
// Spans in code points: snapping a selection to jieba's words, and laying overlapping
// spans out in lanes so that each stays readable.
import { widen } from "./offsets.js";

// Token boundaries from the API's tokens [[start, end], ...]: 0, every end, sorted.
export function tokenBoundaries(tokens, length) {
  const bounds = new Set([0, length]);
  for (const [start, end] of tokens) {
    bounds.add(start);
    bounds.add(end);
  }
  return [...bounds].sort((a, b) => a - b);
}

// The selection [start, end) snapped outward to whole tokens: a word is never cut.
// An empty selection stays empty.
export function snapToTokens(start, end, bounds) {
  return end <= start ? [start, start] : widen(start, end, bounds);
}

// The boundary after or before ``point`` (keyboard movement by word).
export function nextBoundary(point, bounds) {
  return bounds.find((bound) => bound > point) ?? bounds[bounds.length - 1];
}

export function previousBoundary(point, bounds) {
  return [...bounds].reverse().find((bound) => bound < point) ?? 0;
}

// Lanes for overlapping spans: each span gets the lowest lane free at its start, so that
// spans sharing characters are drawn one under the other. Returns lane numbers in the
// spans' order, and how many lanes there are.
export function lanes(spans) {
  const order = spans
    .map((span, index) => ({ ...span, index }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const laneEnds = [];
  const result = new Array(spans.length);
  for (const span of order) {
    let lane = laneEnds.findIndex((end) => end <= span.start);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = span.end;
    result[span.index] = lane;
  }
  return { lanes: result, count: laneEnds.length };
}

// Whether [start, end) overlaps any of the spans (other than ``except``).
export function overlapsAny(start, end, spans, except = null) {
  return spans.some((span) => span !== except && span.start < end && start < span.end);
}
