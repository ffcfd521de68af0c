// Test helper (not a test file): just enough of a DOM to build elements in Node and read back what was built.

class Node {
  constructor(tag) {
    this.tag = tag;
    this.attributes = {};
    this.children = [];
    this.text = "";
    this.style = {}; // cssText and the rest, as assigned
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  append(...nodes) {
    this.children.push(...nodes);
  }
  set textContent(value) {
    this.children = [];
    this.text = String(value);
  }
  get textContent() {
    return this.text + this.children.map((child) => child.textContent).join("");
  }
  set innerHTML(value) {
    throw new Error("innerHTML must never be used");
  }
}

class Text extends Node {
  constructor(text) {
    super("#text");
    this.text = text;
  }
}

export const fakeDocument = {
  createElement: (tag) => new Node(tag),
  createTextNode: (text) => new Text(text),
  createDocumentFragment: () => new Node("#fragment"),
};

// The tags of every element under ``node``, depth first.
export function tags(node) {
  return [node.tag, ...node.children.flatMap(tags)].filter((tag) => !tag.startsWith("#"));
}
