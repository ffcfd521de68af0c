import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "./api.js";
import { poll, showError, unfinished } from "./pages.js";

const now = () => Promise.resolve();

test("poll asks again until the job has ended, and hands on every answer", async () => {
  const answers = [{ status: "pending" }, { status: "running", progress: 0.5 }, { status: "succeeded" }];
  const seen = [];
  const waits = [];
  const last = await poll(async () => answers.shift(), {
    onEach: (job) => seen.push(job.status),
    wait: (ms) => waits.push(ms) && now(),
  });
  assert.deepEqual(seen, ["pending", "running", "succeeded"]);
  assert.deepEqual(last, { status: "succeeded" });
  assert.deepEqual(waits, [1000, 1000, 1000]);
  assert.equal(unfinished({ status: "failed" }), false);
});

test("poll stops where the caller says, and a failed read stops it", async () => {
  let reads = 0;
  const page = await poll(async () => ({ results: [{ status: reads++ < 1 ? "running" : "failed" }] }), {
    done: (answer) => !answer.results.some(unfinished),
    wait: now,
  });
  assert.equal(page.results[0].status, "failed");
  await assert.rejects(
    poll(async () => Promise.reject(new ApiError(0, null)), { wait: now }),
    (error) => error.status === 0,
  );
});

test("showError shows a failure's reasons, a message, or hides itself", () => {
  const node = { textContent: "", hidden: true };
  showError(node, new ApiError(400, { name: ["名称已存在"] }));
  assert.deepEqual(node, { textContent: "名称已存在", hidden: false });
  showError(node, "先选中文本");
  assert.deepEqual(node, { textContent: "先选中文本", hidden: false });
  showError(node, null);
  assert.deepEqual(node, { textContent: "", hidden: true });
});
