// A snippet drawn as pieces between span boundaries, for the pages that show finished work
// (review, acceptance, adjudication). A piece inside spans is underlined in their labels'
// colours, one lane each. Offsets are code points (offsets.js).
import { el } from "./dom.js";
import { slice } from "./offsets.js";

export const UNKNOWN_COLOR = "#888888";

export function colorsOf(labels) {
  return new Map(labels.map((label) => [label.name, label.color]));
}

export function markedPieces(text, spans, colorOf) {
  const length = Array.from(text).length;
  const cuts = [...new Set([0, length, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  return cuts.slice(0, -1).map((start, i) => {
    const end = cuts[i + 1];
    const piece = el("span", {}, slice(text, start, end));
    const covering = spans.filter((span) => span.start <= start && end <= span.end);
    if (covering.length) {
      piece.className = "in-span";
      piece.title = covering.map((span) => span.label).join(" · ");
      piece.style.boxShadow = covering
        .map((span, lane) => `inset 0 -${3 + lane * 4}px 0 ${colorOf.get(span.label) ?? UNKNOWN_COLOR}`)
        .join(", ");
    }
    return piece;
  });
}

// A span as a chip: its colour, the text it covers and its label.
export function spanChip(text, span, colorOf, ...extra) {
  return el(
    "span",
    { class: "chip" },
    el("span", { class: "swatch", style: `background:${colorOf.get(span.label) ?? UNKNOWN_COLOR}` }),
    el("span", { lang: "zh-Hans" }, slice(text, span.start, span.end)),
    el("span", { class: "muted" }, span.label),
    ...extra,
  );
}
