import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "./api.js";
import { Session } from "./workspace_session.js";

// Timers that run only when the test says so.
class Clock {
  constructor() {
    this.pending = new Map();
    this.last = 0;
    this.waits = []; // every delay asked for, in order
  }
  setTimeout(callback, ms) {
    this.last += 1;
    this.pending.set(this.last, callback);
    this.waits.push(ms);
    return this.last;
  }
  clearTimeout(id) {
    this.pending.delete(id);
  }
  // Runs what is due, and what that schedules, until nothing is left (bounded).
  async run() {
    for (let round = 0; round < 50 && this.pending.size; round += 1) {
      const due = [...this.pending.values()];
      this.pending.clear();
      for (const callback of due) callback();
      await settle();
    }
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const offline = () => new ApiError(0, null);
const task = (id, fields = {}) => ({ id, status: "active", version: 0, draft: {}, ...fields });

// An API that answers from the test's script: each method takes its answers in turn
// (a value, or an error to throw) and records its calls.
function scriptedApi(script) {
  const calls = [];
  const api = {};
  for (const [name, answers] of Object.entries(script)) {
    api[name] = async (...args) => {
      calls.push([name, ...args]);
      const answer = typeof answers === "function" ? answers(...args) : answers.shift();
      if (answer instanceof Error) throw answer;
      return answer;
    };
  }
  return { api, calls };
}

function session(script) {
  const clock = new Clock();
  const { api, calls } = scriptedApi(script);
  const seen = { shown: [], states: [], conflicts: [], errors: [] };
  const on = {
    show: (assignment, stopped) => seen.shown.push([assignment?.id ?? null, stopped]),
    saveState: (kind) => seen.states.push(kind),
    conflict: (newer) => seen.conflicts.push(newer),
    error: (message) => seen.errors.push(message),
  };
  let keys = 0;
  const made = new Session({ api, project: 7, on, timers: clock, newKey: () => `key-${(keys += 1)}` });
  return { session: made, clock, calls, seen };
}

test("edits made close together are saved once, with the latest annotation and version", async () => {
  const { session: work, clock, calls, seen } = session({
    nextTask: [task(1, { version: 3 })],
    saveDraft: [{ version: 4 }, { version: 5 }],
  });
  await work.begin();
  work.edited({ spans: [{ start: 0, end: 1, label: "地名" }] });
  work.edited({ spans: [{ start: 0, end: 2, label: "地名" }] });
  await clock.run();
  await work.saving;
  assert.deepEqual(calls.slice(1), [["saveDraft", 1, 3, { spans: [{ start: 0, end: 2, label: "地名" }] }]]);
  work.edited({ spans: [] });
  await clock.run();
  await work.saving;
  assert.deepEqual(calls.at(-1), ["saveDraft", 1, 4, { spans: [] }]);
  assert.deepEqual(seen.states, ["unsaved", "unsaved", "saving", "saved", "unsaved", "saving", "saved"]);
  assert.equal(work.dirty, false);
});

test("offline, then back: the draft waits, retries with growing pauses, and is saved", async () => {
  const { session: work, clock, calls, seen } = session({
    nextTask: [task(1)],
    saveDraft: [offline(), offline(), new ApiError(503, { detail: "数据库暂时不可用" }), { version: 1 }],
  });
  await work.begin();
  work.edited({ classes: ["体育"] });
  await clock.run();
  await work.saving;
  assert.equal(calls.filter(([name]) => name === "saveDraft").length, 4);
  assert.deepEqual(clock.waits, [800, 1000, 2000, 5000]);
  assert.deepEqual(seen.states, ["unsaved", "saving", "offline", "saving", "offline", "saving", "offline", "saving", "saved"]);
  assert.equal(work.version, 1);
  assert.deepEqual(seen.errors, []);
});

test("a draft saved elsewhere is a conflict the annotator decides: keep mine resends", async () => {
  const newer = { version: 9, draft: { spans: [] } };
  const { session: work, clock, calls, seen } = session({
    nextTask: [task(1, { version: 2 })],
    saveDraft: [new ApiError(409, newer), { version: 10 }],
  });
  await work.begin();
  work.edited({ classes: ["体育"] });
  await clock.run();
  await work.saving;
  assert.deepEqual(seen.conflicts, [newer]);
  assert.equal(work.dirty, true); // nothing was saved, nothing is lost

  work.keepMine(newer);
  await clock.run();
  await work.saving;
  assert.deepEqual(calls.at(-1), ["saveDraft", 1, 9, { classes: ["体育"] }]);
  assert.equal(work.version, 10);
  assert.equal(seen.states.at(-1), "saved");
});

test("a conflict settled for the newer draft sends nothing and takes its version", async () => {
  const newer = { version: 9, draft: { spans: [] } };
  const { session: work, clock, calls } = session({
    nextTask: [task(1, { version: 2 })],
    saveDraft: [new ApiError(409, newer)],
  });
  await work.begin();
  work.edited({ classes: ["体育"] });
  await clock.run();
  await work.saving;
  work.useNewer(newer);
  await clock.run();
  assert.equal(work.version, 9);
  assert.equal(work.dirty, false);
  assert.equal(calls.filter(([name]) => name === "saveDraft").length, 1);
});

test("a double Enter submits once; a lost answer is retried with the same key", async () => {
  const { session: work, clock, calls, seen } = session({
    nextTask: [task(1)],
    submit: [offline(), { next: task(2), no_next: null, no_next_detail: null }],
  });
  await work.begin();
  work.edited({ classes: ["体育"] }); // a pending autosave: the submit replaces it
  const first = work.submit({ classes: ["体育"] });
  const second = work.submit({ classes: ["体育"] });
  await settle();
  await clock.run();
  await Promise.all([first, second]);
  const submits = calls.filter(([name]) => name === "submit");
  assert.deepEqual(submits, [
    ["submit", 1, { classes: ["体育"] }, "key-1", true],
    ["submit", 1, { classes: ["体育"] }, "key-1", true],
  ]);
  assert.equal(calls.filter(([name]) => name === "saveDraft").length, 0);
  assert.deepEqual(seen.shown, [[1, null], [2, null]]);
  assert.equal(work.submitKey, null); // the next task gets a key of its own
});

test("a submit stored with no next task shows why, and a refusal lets Enter try again", async () => {
  const refusal = new ApiError(400, { spans: ["这一段与文本不符"] });
  const { session: work, seen } = session({
    nextTask: [task(1)],
    submit: [refusal, { next: null, no_next: "paused", no_next_detail: "金标准正确率过低，已暂停" }],
  });
  await work.begin();
  await work.submit({ spans: [] });
  assert.deepEqual(seen.errors, ["这一段与文本不符"]);
  assert.equal(work.submitKey, null);
  await work.submit({ spans: [] });
  assert.deepEqual(seen.shown.at(-1), [null, "金标准正确率过低，已暂停"]);
});

test("earlier work: no autosave, a correction must be sent before leaving, then forward", async () => {
  const { session: work, clock, calls, seen } = session({
    nextTask: [task(2), task(2, { version: 1 })],
    previousAssignment: [task(1, { status: "submitted", latest: { classes: ["体育"] } })],
    submit: [{ id: 30 }],
  });
  await work.begin();
  await work.previous();
  assert.deepEqual(work.trail, [2]);
  assert.equal(work.isPast(), true);
  work.edited({ classes: ["经济"] });
  await clock.run();
  assert.equal(calls.filter(([name]) => name === "saveDraft").length, 0);
  await work.forward();
  assert.match(seen.errors.at(-1), /Submit the correction/);
  await work.submit({ classes: ["经济"] });
  assert.deepEqual(calls.filter(([name]) => name === "submit")[0].slice(1), [1, { classes: ["经济"] }, "key-1", false]);
  assert.deepEqual(seen.shown.map(([id]) => id), [2, 1, 2]); // back where the annotator was
  assert.deepEqual(work.trail, []);
});

test("an answer for a task left behind does not touch the one on screen", async () => {
  let release;
  const { session: work, clock } = session({
    nextTask: [task(1), task(2, { version: 5 })],
    saveDraft: () => new Promise((resolve) => (release = () => resolve({ version: 99 }))),
    skip: [{}],
  });
  await work.begin();
  work.edited({ classes: ["体育"] });
  await clock.run();
  await work.skip("看不清");
  release();
  await work.saving;
  assert.equal(work.task.id, 2);
  assert.equal(work.version, 5);
});
