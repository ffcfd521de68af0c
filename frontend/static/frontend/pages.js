// What every page shares: following a background job (an import, an export, a quality
// run) until it ends, and showing what failed.
import { failureText } from "./api.js";
import { gettext } from "./dom.js";

const POLL_MS = 1000;

const STATUS_LABELS = {
  pending: gettext("Waiting"),
  running: gettext("Running"),
  succeeded: gettext("Done"),
  failed: gettext("Failed"),
};

// A job's status in words.
export const jobStatus = (status) => STATUS_LABELS[status] ?? status;

// Still to run or running: worth asking about again.
export const unfinished = (job) => job.status === "pending" || job.status === "running";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Asks ``read()`` again every ``intervalMs`` until ``done`` holds for its answer; each
// answer goes to ``onEach``. Returns the last answer; a failed read rejects.
export async function poll(read, { done = (job) => !unfinished(job), onEach = () => {}, intervalMs = POLL_MS, wait = sleep } = {}) {
  for (;;) {
    await wait(intervalMs);
    const answer = await read();
    onEach(answer);
    if (done(answer)) return answer;
  }
}

// Shows in ``node`` a failure (an ApiError or any other error) or a message; nothing
// (null, "") hides the node.
export function showError(node, failure) {
  const message = !failure ? "" : typeof failure === "string" ? failure : failureText(failure);
  node.textContent = message;
  node.hidden = !message;
}
