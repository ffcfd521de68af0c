//# allFunctionsCalledOnLoad
// The workspace's session with the server: the task on screen, its autosave queue, the
// answer to a draft saved elsewhere (409), retries while offline, the idempotent submit,
// and moving between tasks. It takes the API and the timers it runs on, so that it can be
// tested without a browser; it tells the view what happened through ``on``.
import { ApiError, failureText, isRetryable } from "./api.js";
import { gettext } from "./dom.js";

const SAVE_DELAY_MS = 800;
const RETRY_MS = [1000, 2000, 5000, 10000];

export class Session {
  // ``on``: show(assignment, stopped) a task or none (``stopped`` says why, when it is not
  // the end of the work); saveState(kind) with kind unsaved, saving, saved or offline;
  // conflict(newer) a draft saved elsewhere; error(message) ("" clears it).
  constructor({ api, project, on, timers = globalThis, newKey = () => crypto.randomUUID() }) {
    this.api = api;
    this.project = project;
    this.on = on;
    this.timers = timers;
    this.newKey = newKey;
    this.task = null; // the assignment as the API gave it
    this.trail = []; // ids of the assignments "previous" stepped back from, the newest first
    this.version = 0;
    this.draft = null; // the annotation the next autosave sends
    this.dirty = false;
    this.saveTimer = null;
    this.saving = Promise.resolve();
    this.submitKey = null;
  }

  wait(ms) {
    return new Promise((resolve) => this.timers.setTimeout(resolve, ms));
  }

  // Submitted earlier and not returned: corrected by a new submit, never autosaved.
  isPast() {
    return !["active", "returned"].includes(this.task?.status);
  }

  show(assignment, stopped = null) {
    this.timers.clearTimeout(this.saveTimer);
    this.task = assignment;
    this.version = assignment?.version ?? 0;
    this.dirty = false;
    this.draft = null;
    this.submitKey = null;
    this.on.show(assignment, stopped);
  }

  async begin() {
    this.show(await this.api.nextTask(this.project));
  }

  // ---- autosave ----

  // The annotation changed to ``draft``: saved after a pause in the editing.
  edited(draft) {
    this.dirty = true;
    this.draft = draft;
    this.on.saveState("unsaved");
    if (this.isPast()) return; // a correction is kept by submitting it, not as a draft
    this.timers.clearTimeout(this.saveTimer);
    this.saveTimer = this.timers.setTimeout(() => this.queueSave(), SAVE_DELAY_MS);
  }

  queueSave() {
    this.saveTimer = null;
    this.saving = this.saving.then(() => this.saveDraft());
    return this.saving;
  }

  async saveDraft(attempt = 0) {
    const task = this.task;
    if (!task || !this.dirty || this.isPast()) return;
    this.dirty = false;
    this.on.saveState("saving");
    try {
      const saved = await this.api.saveDraft(task.id, this.version, this.draft);
      if (task !== this.task) return; // the annotator moved on meanwhile
      this.version = saved.version;
      this.on.saveState(this.dirty ? "unsaved" : "saved");
    } catch (failure) {
      if (task !== this.task) return;
      this.dirty = true;
      if (failure instanceof ApiError && failure.status === 409) {
        this.on.saveState("unsaved");
        return this.on.conflict(failure.body);
      }
      if (isRetryable(failure)) {
        this.on.saveState("offline");
        await this.wait(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
        return this.saveDraft(attempt + 1);
      }
      this.on.saveState("unsaved");
      this.on.error(failureText(failure));
    }
  }

  // A pending autosave, sent now and waited for.
  async flush() {
    if (this.saveTimer !== null && this.dirty && !this.isPast()) {
      this.timers.clearTimeout(this.saveTimer);
      this.queueSave();
    }
    await this.saving;
  }

  // The draft saved elsewhere (``newer``) replaces this one: the caller shows its annotation.
  useNewer(newer) {
    this.version = newer.version;
    this.dirty = false;
    this.on.saveState("saved");
  }

  // This draft replaces the one saved elsewhere.
  keepMine(newer) {
    this.version = newer.version;
    this.edited(this.draft);
  }

  // ---- submit ----

  // Sends the annotation as a revision. One key for every retry, so the server stores it
  // once however often the answer is lost; a second call while one is on its way does nothing.
  async submit(body) {
    if (!this.task || this.submitKey) return;
    this.timers.clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.submitKey = this.newKey();
    const task = this.task;
    const past = this.isPast();
    for (let attempt = 0; ; attempt += 1) {
      try {
        const answer = await this.api.submit(task.id, body, this.submitKey, !past);
        this.dirty = false;
        if (!past) return this.show(answer.next, answer.no_next_detail);
        this.submitKey = null;
        return this.forward();
      } catch (failure) {
        if (isRetryable(failure)) {
          this.on.saveState("offline");
          await this.wait(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
          continue;
        }
        this.submitKey = null;
        return this.on.error(failureText(failure));
      }
    }
  }

  async skip(reason) {
    this.timers.clearTimeout(this.saveTimer);
    this.dirty = false;
    try {
      await this.api.skip(this.task.id, reason);
      this.show(await this.api.nextTask(this.project));
    } catch (failure) {
      this.on.error(failureText(failure));
    }
  }

  // ---- moving between tasks ----

  // Leaving earlier work with an unsent correction would lose it: say so instead.
  correctionUnsent() {
    if (!this.isPast() || !this.dirty) return false;
    this.on.error(gettext("Submit the correction (Enter) or undo it (Ctrl+Z) first."));
    return true;
  }

  // Back to the work submitted before the one on screen; the current task stays held.
  async previous() {
    if (!this.task || this.correctionUnsent()) return;
    try {
      await this.flush();
      const before = await this.api.previousAssignment(this.task.id);
      if (!before) return this.on.error(gettext("Nothing before this one."));
      this.trail.push(this.task.id);
      this.show(before);
    } catch (failure) {
      this.on.error(failureText(failure));
    }
  }

  // Forward along the trail "previous" left, read fresh; at its end, the task held (or, if
  // its lease ran out meanwhile, the next one).
  async forward() {
    if (!this.trail.length || this.correctionUnsent()) return;
    try {
      const last = this.trail.length === 1;
      const following = last
        ? await this.api.nextTask(this.project)
        : await this.api.assignment(this.trail.at(-1));
      this.trail.pop();
      this.show(following);
    } catch (failure) {
      this.on.error(failureText(failure));
    }
  }
}
