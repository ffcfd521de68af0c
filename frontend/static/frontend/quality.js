// The quality dashboard's "run now": queue a quality run, follow it, then show its figures.
import { api } from "./api.js";
import { gettext, interpolate } from "./dom.js";
import { poll, showError, unfinished } from "./pages.js";
const setup = JSON.parse(document.getElementById("quality-setup").textContent);
const $ = (id) => document.getElementById(id);

// Following stopped: say why, and let the button start another run.
function stopped(failure) {
  showError($("run-state"), failure);
  $("run-now").disabled = false;
}

function showRun(run) {
  $("run-state").textContent = interpolate(gettext("Quality run: %s"), [`${Math.round(run.progress * 100)}%`]);
}

async function follow(first) {
  const started = await first;
  showRun(started);
  const run = unfinished(started) ? await poll(() => api.qualityRun(started.id), { onEach: showRun }) : started;
  if (run.status === "succeeded") window.location.reload();
  else stopped(interpolate(gettext("The quality run failed: %s"), [run.error]));
}

function start(first) {
  $("run-now").disabled = true;
  follow(first).catch(stopped);
}

$("run-now").addEventListener("click", () => start(api.startQualityRun(setup.project)));
if (setup.running) start(api.qualityRun(setup.running)); // one is on its way already
