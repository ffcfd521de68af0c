// The quality dashboard's "run now": queue a quality run, follow it, then show its figures.
import { api, failureText } from "./api.js";
import { gettext, interpolate } from "./dom.js";

const POLL_MS = 1000;
const setup = JSON.parse(document.getElementById("quality-setup").textContent);
const $ = (id) => document.getElementById(id);

async function follow(run) {
  $("run-state").textContent = interpolate(gettext("Quality run: %s"), [`${Math.round(run.progress * 100)}%`]);
  if (run.status === "succeeded") {
    window.location.reload();
    return;
  }
  if (run.status === "failed") {
    $("run-state").textContent = interpolate(gettext("The quality run failed: %s"), [run.error]);
    $("run-now").disabled = false;
    return;
  }
  setTimeout(async () => {
    try {
      await follow(await api.qualityRun(run.id));
    } catch (failure) {
      $("run-state").textContent = failureText(failure);
      $("run-now").disabled = false;
    }
  }, POLL_MS);
}

$("run-now").addEventListener("click", async () => {
  $("run-now").disabled = true;
  try {
    await follow(await api.startQualityRun(setup.project));
  } catch (failure) {
    $("run-state").textContent = failureText(failure);
    $("run-now").disabled = false;
  }
});
if (setup.running) {
  $("run-now").disabled = true; // one is on its way already: follow it
  api
    .qualityRun(setup.running)
    .then(follow)
    .catch((failure) => {
      $("run-state").textContent = failureText(failure);
    });
}
