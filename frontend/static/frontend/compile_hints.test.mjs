import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

// The modules the workspace runs when it opens: Chromium reads the hint on a first line
// only, so a line put above it would quietly undo it.
const OPENING = ["workspace", "workspace_model", "workspace_session", "api", "dom", "offsets", "spans", "marked_text"];

test("each module the workspace runs when it opens starts with the compile hint", () => {
  for (const name of OPENING) {
    const first = readFileSync(new URL(`./${name}.js`, import.meta.url), "utf8").split("\n")[0];
    assert.equal(first, "//# allFunctionsCalledOnLoad", `${name}.js`);
  }
});
