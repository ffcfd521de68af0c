// The downloads page: ask for an export, follow it to the end, download it and its card;
// show the API token that scripts download with.
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { poll, showError, unfinished } from "./pages.js";

const setup = JSON.parse(document.getElementById("downloads-setup").textContent);
const apiRoot = JSON.parse(document.getElementById("api-root").textContent);
const $ = (id) => document.getElementById(id);
const following = new Set();

function megabytes(bytes) {
  return bytes < 1e6 ? `${Math.ceil(bytes / 1e3)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function statusText(job) {
  if (job.status === "succeeded") return gettext("Ready");
  if (job.status === "failed") return interpolate(gettext("Failed: %s"), [job.error]);
  if (job.status === "running") return interpolate(gettext("Writing: %s"), [`${Math.round(job.progress * 100)}%`]);
  return gettext("Waiting");
}

function links(job) {
  if (job.status !== "succeeded") return "";
  const cell = el("span", { class: "links" });
  cell.append(
    el("a", { href: `/api/v1/exports/${job.id}/download/`, download: "" }, gettext("Download")),
    " ",
    el("a", { href: `/api/v1/exports/${job.id}/card/`, download: "README.md" }, gettext("Dataset card")),
  );
  return cell;
}

function row(job) {
  const left = Object.entries(job.dropped).map(([reason, count]) => `${reason}: ${count}`);
  return el(
    "tr",
    { id: `export-${job.id}`, "data-status": job.status },
    el("td", {}, job.id),
    el("td", {}, job.format),
    el("td", {}, new Date(job.created_at).toLocaleString()),
    el("td", { class: "state" }, statusText(job)),
    el("td", {}, job.status === "succeeded" ? job.items : ""),
    el("td", {}, job.status === "succeeded" ? megabytes(job.size) : ""),
    el("td", {}, left.join("; ")),
    el("td", {}, links(job)),
  );
}

function show(job) {
  const body = $("exports").tBodies[0];
  const fresh = row(job);
  const old = $(`export-${job.id}`);
  if (old) old.replaceWith(fresh);
  else body.prepend(fresh);
  $("exports-empty").hidden = body.rows.length > 0;
  if (unfinished(job) && !following.has(job.id)) follow(job.id);
}

async function follow(id) {
  following.add(id);
  try {
    await poll(() => api.exportJob(id), { onEach: show });
  } catch (failure) {
    showError($("export-error"), failure);
  } finally {
    following.delete(id);
  }
}

$("export-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const button = form.querySelector("button[type=submit]");
  const body = {
    format: form.elements.format.value,
    offsets: form.elements.offsets.value,
    batches: [...form.querySelectorAll("input[name=batches]:checked")].map((box) => Number(box.value)),
  };
  if (!setup.client) {
    body.status = form.elements.status.value;
    body.version = form.elements.version.value;
  }
  showError($("export-error"), null);
  button.disabled = true;
  try {
    show(await api.startExport(setup.project, body));
  } catch (failure) {
    showError($("export-error"), failure);
  } finally {
    button.disabled = false;
  }
});

function showToken(token) {
  $("token").textContent = token;
  $("token").hidden = false;
  $("token-example").textContent = [
    `curl -H "Authorization: Token ${token}" ${apiRoot}projects/${setup.project}/exports/`,
    `curl -H "Authorization: Token ${token}" --compressed -OJ ${apiRoot}exports/<id>/download/`,
  ].join("\n");
  $("token-example").hidden = false;
  showError($("token-error"), null);
}

const tokenFailed = (failure) => showError($("token-error"), failure);

$("token-show").addEventListener("click", () => api.myToken().then((answer) => showToken(answer.token), tokenFailed));
$("token-replace").addEventListener("click", () => {
  if (!window.confirm(gettext("Replace your token? Scripts using the old one will stop working."))) return;
  api.replaceMyToken().then((answer) => showToken(answer.token), tokenFailed);
});

api.exports(setup.project).then(
  (jobs) => {
    for (const job of jobs.reverse()) show(job);
    $("exports-empty").hidden = jobs.length > 0;
  },
  (failure) => showError($("export-error"), failure),
);
