import { api } from "./api.js";
import { setUpDataTable } from "./data_table.js";
import { el, gettext, interpolate } from "./dom.js";
import { onSubmit } from "./forms.js";
import { returnedNote } from "./labels.js";
import { setUpMembers } from "./members.js";
import { setUpTabs } from "./tabs.js";
import { jobStatus, poll, showError, unfinished } from "./pages.js";
import { setUpSettings, showGuidelines } from "./project_settings.js";
import { setUpSuggestions } from "./suggestions.js";

const root = document.getElementById("project");
const projectId = root.dataset.projectId;

function progressBar(value) {
  const bar = el("progress", { max: "1" });
  bar.value = value;
  return el("div", { class: "progress" }, bar, el("span", {}, `${Math.round(value * 100)}%`));
}

function errorList(errors) {
  return el(
    "ul",
    { class: "error-list" },
    ...errors.map((error) =>
      el(
        "li",
        {},
        error.line
          ? interpolate(gettext("Line %s: %s"), [error.line, error.reason])
          : error.reason,
      ),
    ),
  );
}

function importRow(job) {
  const status = el("td", {}, el("span", { class: `status ${job.status}` }, jobStatus(job.status)));
  const row = el(
    "tr",
    { "data-job": String(job.id) },
    el("td", {}, job.filename),
    status,
    el("td", {}, progressBar(job.progress)),
    el("td", {}, String(job.articles)),
    el("td", {}, String(job.snippets)),
    el("td", {}, String(job.duplicates)),
  );
  if (job.errors.length) status.append(errorList(job.errors));
  const remove = el("button", { type: "button", class: "link", "data-action": "delete" }, gettext("Delete"));
  remove.addEventListener("click", () => deleteImport(job));
  row.append(el("td", {}, unfinished(job) ? "" : remove));
  return row;
}

// An import with no work yet goes with all it made, after the manager saw what.
async function deleteImport(job) {
  const question = interpolate(gettext("Delete %s with its %s articles and %s snippets?"), [
    job.filename,
    job.articles,
    job.snippets,
  ]);
  if (!window.confirm(question)) return;
  const error = document.getElementById("imports-error");
  showError(error, null);
  try {
    await api.deleteImport(job.id);
    await loadImports();
  } catch (failure) {
    showError(error, failure);
  }
}

function showImports(page) {
  const tbody = document.querySelector("#imports tbody");
  tbody.replaceChildren(...page.results.map(importRow));
  document.getElementById("no-imports").hidden = page.results.length > 0;
}

// The imports, followed until every one has ended; then the snippets they made.
async function loadImports() {
  const settled = (page) => !page.results.some(unfinished);
  const first = await api.imports(projectId);
  showImports(first);
  if (!settled(first)) await poll(() => api.imports(projectId), { done: settled, onEach: showImports });
  dataTable?.reload();
}

function setUpImportForm() {
  const form = document.getElementById("import-form");
  if (!form) return;
  const input = document.getElementById("import-file");
  const zone = document.getElementById("dropzone");
  const label = zone.querySelector(".dropzone-text");
  input.addEventListener("change", () => {
    if (input.files.length) label.textContent = input.files[0].name;
  });
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change"));
  });
  onSubmit(form, async (button) => {
    try {
      await api.startImport(projectId, new FormData(form), (fraction) => {
        button.textContent = `${gettext("Uploading")} ${Math.round(fraction * 100)}%`;
      });
      form.reset();
      label.textContent = gettext("Drop a file here, or click to choose one");
      await loadImports();
    } finally {
      button.textContent = gettext("Upload");
    }
  });
}

const BATCH_LABELS = {
  annotating: gettext("Annotating"),
  reviewing: gettext("Reviewing"),
  accepted: gettext("Accepted"),
  returned: gettext("Returned"),
};

function cells(...values) {
  return values.map((value) => el("td", {}, value instanceof Node ? value : String(value ?? "—")));
}

// Who a batch is reserved for: names for reviewers; for managers, a field to change them
// (names separated by spaces or commas; empty opens the batch to every annotator).
function reservation(batch, assignees) {
  if (root.dataset.role !== "manager") return assignees.join(", ") || gettext("Everyone");
  const field = el("input", {
    value: assignees.join(", "),
    placeholder: gettext("Everyone"),
    "aria-label": gettext("Reserved for"),
  });
  const error = el("span", { class: "error small", role: "alert", hidden: "" });
  const form = el("form", { class: "reserve" }, field, el("button", { type: "submit" }, gettext("Reserve")), error);
  onSubmit(form, async () => {
    const usernames = field.value.split(/[\s,，、]+/).filter(Boolean);
    const saved = await api.reserveBatch(batch.id, usernames);
    field.value = saved.assignees.join(", ");
  });
  return form;
}

async function loadProgress() {
  const panel = document.getElementById("progress-panel");
  if (!panel) return;
  const [progress, batches] = await Promise.all([api.progress(projectId), api.batches(projectId)]);
  const assignees = new Map(batches.map((batch) => [batch.id, batch.assignees]));
  panel.querySelector("#batch-progress tbody").replaceChildren(
    ...progress.batches.map((batch) =>
      el(
        "tr",
        {},
        ...cells(
          batch.name,
          BATCH_LABELS[batch.status] ?? batch.status,
          progressBar(batch.slots ? batch.submitted / batch.slots : 0),
          `${batch.submitted} / ${batch.slots}`,
          batch.in_progress,
          batch.remaining,
          reservation(batch, assignees.get(batch.id) ?? []),
        ),
      ),
    ),
  );
  panel.querySelector("#annotator-progress tbody").replaceChildren(
    ...progress.annotators.map((person) =>
      el(
        "tr",
        {},
        ...cells(
          person.username,
          person.submitted,
          person.skipped,
          person.in_progress,
          person.items_per_hour,
          person.median_seconds,
        ),
      ),
    ),
  );
}

async function showReturned() {
  const counts = (await api.myReturned()).find((row) => String(row.project) === String(projectId));
  const note = returnedNote(counts);
  const banner = document.getElementById("returned-banner");
  banner.textContent = note;
  banner.hidden = !note;
}

async function loadSkips() {
  const table = document.getElementById("skips");
  if (!table) return;
  const { results } = await api.skips(projectId);
  table.tBodies[0].replaceChildren(
    ...results.map((skip) =>
      el(
        "tr",
        {},
        el("td", { lang: "zh-Hans" }, skip.snippet.text),
        el("td", {}, skip.batch ? skip.batch.name : "–"),
        el("td", {}, skip.annotator),
        el("td", {}, skip.reason || "–"),
        el("td", {}, skip.submitted),
      ),
    ),
  );
  document.getElementById("skips-empty").hidden = results.length > 0;
}

// Archive (or take out of the archive), or delete after saying what goes.
function setUpEnding() {
  const archive = document.getElementById("archive-project");
  if (!archive) return;
  const error = document.getElementById("ending-error");
  archive.addEventListener("click", async () => {
    showError(error, null);
    try {
      await api.updateProject(projectId, { archived: archive.dataset.archived !== "true" });
      window.location.reload();
    } catch (failure) {
      showError(error, failure);
    }
  });
  document.getElementById("delete-project").addEventListener("click", async () => {
    showError(error, null);
    try {
      const contents = await api.projectContents(projectId);
      if (!contents.deletable) {
        showError(error, contents.reason);
        return;
      }
      const question = interpolate(
        gettext("Delete this project with its %s imports, %s articles, %s snippets and %s batches? This cannot be undone."),
        [contents.imports, contents.articles, contents.snippets, contents.batches],
      );
      if (!window.confirm(question)) return;
      await api.deleteProject(projectId);
      window.location.assign("/");
    } catch (failure) {
      showError(error, failure);
    }
  });
}

showGuidelines(JSON.parse(document.getElementById("guidelines-source").textContent));
setUpSettings(projectId);
if (root.dataset.role === "manager") setUpSuggestions(projectId);
setUpImportForm();
setUpTabs(document.getElementById("tabs"));
setUpMembers(projectId);
setUpEnding();
const dataTable = setUpDataTable(projectId, root.dataset.role, {
  onAction: () => Promise.all([loadProgress(), loadSkips(), showReturned()]),
});
loadSkips();
showReturned();
loadProgress();
if (root.dataset.role === "manager") loadImports();
