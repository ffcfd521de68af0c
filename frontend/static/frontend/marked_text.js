//# allFunctionsCalledOnLoad
// A snippet drawn as pieces between span boundaries, for the pages that show finished work
// (review, acceptance, adjudication). A piece inside spans is underlined in their labels'
// colours, one lane each. Offsets are code points (offsets.js).
import { el } from "./dom.js";
import { slice, toCodePoint } from "./offsets.js";

export const UNKNOWN_COLOR = "#888888";

export function colorsOf(labels) {
  return new Map(labels.map((label) => [label.name, label.color]));
}

export function markedPieces(text, spans, colorOf) {
  const length = Array.from(text).length;
  const cuts = [...new Set([0, length, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  return cuts.slice(0, -1).map((start, i) => {
    const end = cuts[i + 1];
    const piece = el("span", { "data-start": String(start) }, slice(text, start, end));
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

// The code point offset of a DOM position (a selection's end) inside text drawn by
// markedPieces, or null when the position lies outside ``container``.
export function pointIn(container, node, offset) {
  const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  if (!container.contains(element)) return null;
  const piece = element.closest("[data-start]");
  if (!piece || !container.contains(piece)) return offset === 0 ? 0 : null;
  const start = Number(piece.dataset.start);
  return node.nodeType === Node.TEXT_NODE ? start + toCodePoint(node.textContent, offset) : start;
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

// A relation in words, "张三 —任职于→ 北京大学" ("—相识—" when undirected); ``textOf`` gives
// the words of a span by its id.
export function relationWords(relation, textOf, directed = true) {
  const arrow = directed ? `—${relation.type}→` : `—${relation.type}—`;
  return `${textOf(relation.from)} ${arrow} ${textOf(relation.to)}`;
}

// An event in words: its type, its trigger, each role's argument.
export function eventWords(event, textOf) {
  const roles = event.arguments.map((argument) => `${argument.role}: ${textOf(argument.span)}`).join(" · ");
  return `${event.type}〔${textOf(event.trigger)}〕 ${roles}`;
}

// A stored annotation's span by its id: Tn is its n-th span (annotation/core/links.py).
export function storedSpan(spans, id) {
  return spans[Number(String(id).slice(1)) - 1];
}

// The words of a stored annotation's span by its id.
export function storedSpanText(text, spans) {
  return (id) => {
    const span = storedSpan(spans, id);
    return span ? slice(text, span.start, span.end) : "?";
  };
}
