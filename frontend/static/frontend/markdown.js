// Project guidelines are Markdown written by managers. They are rendered here, safely by
// construction: parseMarkdown turns the source into plain block and inline nodes, and
// renderMarkdown builds DOM elements from a fixed list of tags with text set through text
// nodes; no markup from the source ever reaches innerHTML. Links keep only http(s),
// mailto and same-site addresses; anything else (javascript:, data:) stays plain text.
//
// The subset: ATX headings, paragraphs, - * + and 1. lists, > quotes, ``` code blocks,
// --- rules; **bold**, *italic* or _italic_, `code`, [text](address), backslash escapes.

// A same-site path starts with one slash, never two nor a slash and a backslash (browsers
// read a backslash as a slash, so that path opens another site); no backslash, space or
// control character anywhere, which browsers drop or read in ways the address hides.
const SAFE_LINK = /^(https?:\/\/|mailto:|\/(?![\/\\])|#)/i;
const UNSAFE_CHARACTER = /[\\\u0000-\u0020\u007f]/;

export function isSafeLink(href) {
  return SAFE_LINK.test(href) && !UNSAFE_CHARACTER.test(href);
}

export function parseInline(text) {
  const nodes = [];
  let plain = "";
  const flush = () => {
    if (plain) nodes.push({ type: "text", text: plain });
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const char = text[i];
    if (char === "\\" && i + 1 < text.length && /[\\`*_[\]()#>+\-.!]/.test(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    let match;
    if ((match = /^`([^`]+)`/.exec(rest))) {
      flush();
      nodes.push({ type: "code", text: match[1] });
    } else if ((match = /^\*\*(?=\S)([\s\S]*?\S)\*\*/.exec(rest))) {
      flush();
      nodes.push({ type: "strong", children: parseInline(match[1]) });
    } else if ((match = /^([*_])(?=\S)([\s\S]*?\S)\1/.exec(rest))) {
      flush();
      nodes.push({ type: "em", children: parseInline(match[2]) });
    } else if ((match = /^\[([^\]]+)\]\(([^)\s]+)\)/.exec(rest))) {
      flush();
      if (isSafeLink(match[2])) {
        nodes.push({ type: "link", href: match[2], children: parseInline(match[1]) });
      } else {
        nodes.push({ type: "text", text: match[0] });
      }
    } else {
      plain += char;
      i += 1;
      continue;
    }
    i += match[0].length;
  }
  flush();
  return nodes;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;
const FENCE = /^\s*```/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;

export function parseMarkdown(source) {
  const lines = String(source ?? "").replace(/\r\n?/g, "\n").split("\n");
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
    } else if (FENCE.test(line)) {
      const code = [];
      i += 1;
      while (i < lines.length && !FENCE.test(lines[i])) code.push(lines[i++]);
      i += 1; // the closing fence, if any
      blocks.push({ type: "pre", text: code.join("\n") });
    } else if (HEADING.test(line)) {
      const [, marks, text] = HEADING.exec(line);
      blocks.push({ type: `h${marks.length}`, children: parseInline(text) });
      i += 1;
    } else if (RULE.test(line)) {
      blocks.push({ type: "hr" });
      i += 1;
    } else if (QUOTE.test(line)) {
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(QUOTE.exec(lines[i++])[1]);
      blocks.push({ type: "blockquote", children: parseMarkdown(quoted.join("\n")) });
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      const pattern = BULLET.test(line) ? BULLET : NUMBERED;
      const items = [];
      while (i < lines.length && pattern.test(lines[i])) {
        items.push({ type: "li", children: parseInline(pattern.exec(lines[i++])[1]) });
      }
      blocks.push({ type: pattern === BULLET ? "ul" : "ol", children: items });
    } else {
      const text = [];
      while (
        i < lines.length &&
        lines[i].trim() &&
        ![FENCE, HEADING, RULE, QUOTE, BULLET, NUMBERED].some((p) => p.test(lines[i]))
      ) {
        text.push(lines[i++].trim());
      }
      blocks.push({ type: "p", children: parseInline(text.join("\n")) });
    }
  }
  return blocks;
}

const TAGS = new Set([
  "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "hr",
  "strong", "em", "code",
]);

function build(node, doc) {
  if (node.type === "text") return doc.createTextNode(node.text);
  if (node.type === "link") {
    const link = doc.createElement("a");
    link.setAttribute("href", node.href);
    link.setAttribute("rel", "noopener noreferrer");
    if (/^https?:/i.test(node.href)) link.setAttribute("target", "_blank");
    link.append(...node.children.map((child) => build(child, doc)));
    return link;
  }
  if (!TAGS.has(node.type)) return doc.createTextNode("");
  const element = doc.createElement(node.type);
  if (node.text !== undefined) element.textContent = node.text;
  for (const child of node.children ?? []) element.append(build(child, doc));
  return element;
}

// A DocumentFragment of the rendered source.
export function renderMarkdown(source, doc = globalThis.document) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseMarkdown(source)) fragment.append(build(block, doc));
  return fragment;
}
