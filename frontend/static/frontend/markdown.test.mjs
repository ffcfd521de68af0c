import assert from "node:assert/strict";
import { test } from "node:test";

import { parseInline, parseMarkdown, renderMarkdown } from "./markdown.js";
import { fakeDocument, tags } from "./fake_dom.mjs";

test("headings, paragraphs, lists, quotes, code and rules", () => {
  const source = [
    "# 标注规范",
    "人名标到姓和名，",
    "不含称谓。",
    "",
    "- 人名",
    "- 地名",
    "",
    "1. 先读全文",
    "2. 再标注",
    "> 拿不准就跳过",
    "```",
    "<b>不是标签</b>",
    "```",
    "---",
  ].join("\n");

  const blocks = parseMarkdown(source);

  assert.deepEqual(
    blocks.map((block) => block.type),
    ["h1", "p", "ul", "ol", "blockquote", "pre", "hr"],
  );
  assert.deepEqual(blocks[1].children, [{ type: "text", text: "人名标到姓和名，\n不含称谓。" }]);
  assert.equal(blocks[2].children.length, 2);
  assert.equal(blocks[5].text, "<b>不是标签</b>");
});

test("inline marks, code and escapes", () => {
  assert.deepEqual(parseInline("**粗** *斜* _斜_ `代码` \\*不斜\\*"), [
    { type: "strong", children: [{ type: "text", text: "粗" }] },
    { type: "text", text: " " },
    { type: "em", children: [{ type: "text", text: "斜" }] },
    { type: "text", text: " " },
    { type: "em", children: [{ type: "text", text: "斜" }] },
    { type: "text", text: " " },
    { type: "code", text: "代码" },
    { type: "text", text: " *不斜*" },
  ]);
});

test("only safe link addresses become links", () => {
  const [safe] = parseInline("[规范](https://example.org/规范)");
  const [local] = parseInline("[页面](/projects/1/)");
  const unsafe = parseInline("[点我](javascript:alert(1))");
  const data = parseInline("[图](data:text/html;base64,AAAA)");

  assert.equal(safe.type, "link");
  assert.equal(local.type, "link");
  assert.ok(unsafe.every((node) => node.type === "text"));
  assert.ok(data.every((node) => node.type === "text"));
});

test("a path that a browser would take off-site is no link", () => {
  for (const href of ["//evil.example/", "/\\evil.example/", "/\\/evil.example", "https://a.example\\@evil.example"]) {
    assert.ok(
      parseInline(`[去](${href})`).every((node) => node.type === "text"),
      href,
    );
  }
  assert.equal(parseInline("[页面](/projects/1/#规范)")[0].type, "link");
});

test("markup in the source stays text in the built elements", () => {
  const fragment = renderMarkdown(
    '<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[外链](https://example.org)',
    fakeDocument,
  );

  assert.deepEqual(tags(fragment), ["p", "p", "p", "a"]);
  assert.equal(fragment.children[0].textContent, "<script>alert(1)</script>");
  const link = fragment.children[2].children[0];
  assert.deepEqual(link.attributes, {
    href: "https://example.org",
    rel: "noopener noreferrer",
    target: "_blank",
  });
});

test("characters beyond the BMP and full-width punctuation pass through whole", () => {
  const [paragraph] = parseMarkdown("𠮷野家👩‍👩‍👧：**北京**。");

  assert.deepEqual(paragraph.children, [
    { type: "text", text: "𠮷野家👩‍👩‍👧：" },
    { type: "strong", children: [{ type: "text", text: "北京" }] },
    { type: "text", text: "。" },
  ]);
});
