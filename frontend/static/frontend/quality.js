// The quality dashboard's "run now": queue a quality run, follow it, then show its figures.
import { api, failureText } from "./api.js";
import { gettext, interpolate } from "./dom.js";

const POLL_MS = 1000;
const setup = JSON.parse(document.getElementById("quality-setup").textContent);
const $ = (id) => document.getElementById(id);

// Following stopped: say why, and let the button start another run.
function stopped(message) {
  $("run-state").textContent = message;
  $("run-now").disabled = false;
}

async function follow(run) {
  if (run.status === "succeeded") {
    window.location.reload();
    return;
  }
  if (run.status === "failed") {
    stopped(interpolate(gettext("The quality run failed: %s"), [run.error]));
    return;
  }
  $("run-state").textContent = interpolate(gettext("Quality run: %s"), [`${Math.round(run.progress * 100)}%`]);
  await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  await follow(await api.qualityRun(run.id));
}

function start(first) {
  $("run-now").disabled = true;
  first.then(follow).catch((failure) => stopped(failureText(failure)));
}

$("run-now").addEventListener("click", () => start(api.startQualityRun(setup.project)));
if (setup.running) start(api.qualityRun(setup.running)); // one is on its way already
