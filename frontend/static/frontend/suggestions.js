// The manager's view of the suggestion engines: how each project model did on the finals
// it held out, beside its baseline; training again; the gazetteer.
import { api, ApiError } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { onSubmit } from "./forms.js";
import { jobStatus, poll, showError, unfinished } from "./pages.js";

const $ = (id) => document.getElementById(id);

async function load(projectId) {
  const overview = await api.suggestions(projectId);
  const rows = overview.models.map((model) =>
    el(
      "tr",
      {},
      el("td", {}, model.engine_name),
      el("td", {}, `v${model.version}`),
      el("td", {}, `${model.trained_on} / ${model.held_out}`),
      el("td", {}, model.f1.toFixed(3)),
      el("td", {}, model.baseline_f1.toFixed(3)),
      el("td", {}, model.shown ? gettext("Yes") : gettext("No")),
      el("td", {}, new Date(model.created_at).toLocaleString()),
    ),
  );
  $("project-models").querySelector("tbody").replaceChildren(...rows);
  $("project-models-none").hidden = rows.length > 0;
  const counts = Object.entries(overview.suggested).map(
    ([engine, count]) => `${overview.engine_names[engine] ?? engine}: ${count}`,
  );
  $("suggested-counts").textContent = counts.length
    ? interpolate(gettext("Open snippets with suggestions, by engine: %s"), [counts.join(", ")])
    : gettext("No open snippet has suggestions.");
  $("gazetteer-count").textContent = interpolate(gettext("%s entries"), [overview.gazetteer]);
  $("endpoints").hidden = !overview.endpoints.length;
  const names = overview.endpoints.map((endpoint) => el("option", { value: endpoint.name }, endpoint.model ? `${endpoint.name} (${endpoint.model})` : endpoint.name));
  if ($("endpoint-name").options.length !== names.length) $("endpoint-name").replaceChildren(...names);
  $("endpoint-runs").querySelector("tbody").replaceChildren(
    ...overview.runs.map((run) =>
      el(
        "tr",
        {},
        el("td", {}, run.endpoint),
        el("td", {}, el("span", { class: `status ${run.status}` }, jobStatus(run.status))),
        el("td", {}, String(run.snippets)),
        el("td", {}, `${run.calls} / ${run.cached}`),
        el("td", {}, String(run.dropped)),
        el("td", {}, run.error),
      ),
    ),
  );
  return overview;
}

export async function setUpSuggestions(projectId) {
  const form = $("gazetteer-form");
  if (!form) return;
  const project = await api.project(projectId);
  $("gazetteer-label").append(
    ...project.labels.filter((label) => label.kind === "spans").map((label) => el("option", { value: label.name }, label.name)),
  );
  onSubmit(form, async () => {
    try {
      const answer = await api.uploadGazetteer(projectId, new FormData(form));
      form.reset();
      $("gazetteer-count").textContent = interpolate(gettext("%s entries"), [answer.entries]);
    } catch (failure) {
      // A refused line: the file, the line and why.
      if (!(failure instanceof ApiError) || !failure.body?.line) throw failure;
      const { file, line, reason } = failure.body;
      showError(form.querySelector(".error"), interpolate(gettext("%s, line %s: %s"), [file, line, reason]));
    }
  });
  $("gazetteer-empty").addEventListener("click", async () => {
    if (!window.confirm(gettext("Empty the gazetteer?"))) return;
    await api.emptyGazetteer(projectId);
    await load(projectId);
  });
  $("retrain").addEventListener("click", async () => {
    $("retrain").disabled = true;
    try {
      await api.retrain(projectId);
      $("retrain-state").textContent = gettext("Training: the table shows it when it is done.");
    } finally {
      $("retrain").disabled = false;
    }
  });
  $("endpoint-run").addEventListener("click", async () => {
    $("endpoint-run").disabled = true;
    showError($("endpoint-error"), null);
    try {
      await api.runEndpoint(projectId, $("endpoint-name").value);
      await poll(() => load(projectId), { done: (overview) => !overview.runs.some(unfinished) });
    } catch (failure) {
      showError($("endpoint-error"), failure);
    } finally {
      $("endpoint-run").disabled = false;
    }
  });
  await load(projectId);
}
