// The manager's set-up of a project: settings, guidelines and the label set, saved in one
// PATCH. The guidelines are shown to every member, rendered by markdown.js.
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { onSubmit } from "./forms.js";
import { renderMarkdown } from "./markdown.js";

const KIND_LABELS = {
  spans: gettext("Entity (span)"),
  classes: gettext("Class"),
  relations: gettext("Relation"),
  events: gettext("Event"),
};

// Entity label names as typed: separated by commas (either width), 、 or spaces.
export function parseNames(text) {
  return text.split(/[,，、\s]+/).filter(Boolean);
}

// An event type's roles as one line: "任职者: 人名 (1-1); 机构: 机构|组织 (0-2)".
export function formatRoles(roles) {
  return roles.map((role) => `${role.name}: ${role.labels.join("|")} (${role.min}-${role.max})`).join("; ");
}

export function parseRoles(text) {
  return text
    .split(/[;；]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const found = part.match(/^(.+?)\s*[:：]\s*(.*?)\s*(?:[(（]\s*(\d+)\s*[-–~]\s*(\d+)\s*[)）])?$/);
      if (!found) return { name: part, labels: [], min: 0, max: 1 };
      const [, name, labels, min, max] = found;
      return {
        name,
        labels: labels.split(/[|,，、\s]+/).filter(Boolean),
        min: min === undefined ? 0 : Number(min),
        max: max === undefined ? 1 : Number(max),
      };
    });
}
const FLAGS = [
  "multi_label",
  "allow_overlap",
  "snap_to_tokens",
  "gold_pause",
  "settle_disagreements",
  "clean_reflow",
  "clean_cjk_spaces",
  "clean_punctuation",
  "active_learning",
];
const NUMBERS = [
  "overlap",
  "lease_minutes",
  "batch_size",
  "review_percent",
  "gold_percent",
  "max_snippet_chars",
  "suggest_every",
  "active_random_percent",
];
const DECIMALS = ["acceptance_threshold", "gold_min_accuracy", "suggest_margin"];
const TEXTS = ["name", "description", "guidelines"];

export function showGuidelines(source) {
  const panel = document.getElementById("guidelines-panel");
  if (!panel) return;
  panel.hidden = !source.trim();
  panel.querySelector("#guidelines").replaceChildren(renderMarkdown(source));
}

function labelRow(label = { name: "", kind: "spans", color: "#4c6ef5", hotkey: "", description: "" }) {
  const kind = el(
    "select",
    { "data-field": "kind", "aria-label": gettext("Kind") },
    ...Object.entries(KIND_LABELS).map(([value, text]) => el("option", { value }, text)),
  );
  kind.value = label.kind;
  const input = (name, value, attrs = {}) => {
    // Fields are named by data-field: the form's own name and description fields keep
    // form.elements[...] to themselves.
    const field = el("input", { "data-field": name, "aria-label": attrs.label, ...attrs.extra });
    field.value = value ?? "";
    return field;
  };
  // What a relation or an event type links: the entity labels at its ends, or its
  // trigger's label and its roles; shown for those kinds only.
  const directed = el("input", { type: "checkbox", "data-field": "directed" });
  directed.checked = label.directed ?? true;
  const relation = el(
    "span",
    { class: "links", "data-for": "relations" },
    input("subject_labels", (label.subject_labels ?? []).join(", "), {
      label: gettext("Subject labels"),
      extra: { placeholder: gettext("subject: entity labels (none: any)") },
    }),
    input("object_labels", (label.object_labels ?? []).join(", "), {
      label: gettext("Object labels"),
      extra: { placeholder: gettext("object: entity labels (none: any)") },
    }),
    el("label", { class: "inline small" }, directed, " ", gettext("directed")),
  );
  const event = el(
    "span",
    { class: "links", "data-for": "events" },
    input("trigger_label", label.trigger_label ?? "", {
      label: gettext("Trigger label"),
      extra: { placeholder: gettext("trigger: an entity label") },
    }),
    input("roles", formatRoles(label.roles ?? []), {
      label: gettext("Roles"),
      extra: { placeholder: gettext("role: label|label (min-max); …") },
    }),
  );
  const showLinks = () => {
    relation.hidden = kind.value !== "relations";
    event.hidden = kind.value !== "events";
  };
  kind.addEventListener("change", showLinks);
  showLinks();
  // A label's id keeps it the same label under a new name (renamed in every annotation).
  const row = el(
    "tr",
    { class: "label-row", ...(label.id ? { "data-id": label.id } : {}) },
    el("td", {}, input("name", label.name, { label: gettext("Name"), extra: { required: "", maxlength: "100" } })),
    el("td", {}, kind),
    el("td", {}, input("color", label.color, { label: gettext("Colour"), extra: { type: "color" } })),
    el("td", {}, input("hotkey", label.hotkey, { label: gettext("Hotkey"), extra: { maxlength: "1", size: "2" } })),
    el("td", {}, input("description", label.description, { label: gettext("Description") })),
    el("td", {}, relation, event),
  );
  const up = el("button", { type: "button", title: gettext("Move up") }, "↑");
  const remove = el("button", { type: "button", title: gettext("Remove") }, "✕");
  up.addEventListener("click", () => row.previousElementSibling?.before(row));
  remove.addEventListener("click", () => row.remove());
  row.append(el("td", { class: "row-actions" }, up, remove));
  return row;
}

function fill(form, project) {
  for (const name of TEXTS) form.elements[name].value = project[name] ?? "";
  for (const name of FLAGS) form.elements[name].checked = Boolean(project[name]);
  for (const name of [...NUMBERS, ...DECIMALS]) form.elements[name].value = project[name];
  for (const box of form.querySelectorAll("input[name=kinds]")) {
    box.checked = project.kinds.includes(box.value);
  }
  form.querySelector("#label-rows").replaceChildren(...project.labels.map(labelRow));
}

function read(form) {
  const body = {};
  for (const name of TEXTS) body[name] = form.elements[name].value;
  for (const name of FLAGS) body[name] = form.elements[name].checked;
  for (const name of NUMBERS) body[name] = Number.parseInt(form.elements[name].value, 10);
  for (const name of DECIMALS) body[name] = Number.parseFloat(form.elements[name].value);
  body.kinds = [...form.querySelectorAll("input[name=kinds]:checked")].map((box) => box.value);
  body.labels = [...form.querySelectorAll(".label-row")].map((row) => {
    const value = (name) => row.querySelector(`[data-field=${name}]`).value.trim();
    return {
      ...(row.dataset.id ? { id: Number(row.dataset.id) } : {}),
      name: value("name"),
      kind: value("kind"),
      color: value("color"),
      hotkey: value("hotkey"),
      description: value("description"),
      directed: row.querySelector("[data-field=directed]").checked,
      subject_labels: parseNames(value("subject_labels")),
      object_labels: parseNames(value("object_labels")),
      trigger_label: value("trigger_label"),
      roles: parseRoles(value("roles")),
    };
  });
  return body;
}

export async function setUpSettings(projectId) {
  const form = document.getElementById("settings-form");
  if (!form) return;
  const saved = form.querySelector(".saved");
  const loaded = await api.project(projectId);
  fill(form, loaded);
  form.querySelector("#settings-fields").disabled = false;
  form.querySelector("#add-label").addEventListener("click", () => {
    const row = labelRow();
    form.querySelector("#label-rows").append(row);
    row.querySelector("[data-field=name]").focus();
  });
  form.addEventListener("input", () => {
    saved.hidden = true;
  });
  setUpLabelCopies(form, projectId);
  let current = [];
  const remember = (project) => {
    current = project.labels;
  };
  remember(loaded);
  onSubmit(form, async () => {
    const body = read(form);
    if (!(await changesConfirmed(projectId, current, body.labels))) return;
    const project = await api.updateProject(projectId, body);
    remember(project);
    fill(form, project);
    showGuidelines(project.guidelines);
    document.querySelector("#project h1").textContent = project.name;
    saved.hidden = false;
  });
}

// The label set of another project the manager manages, or of a file: the rows are
// replaced (new labels here: no ids), and saved with the rest.
function setUpLabelCopies(form, projectId) {
  const rows = form.querySelector("#label-rows");
  const error = form.querySelector(".error");
  const take = (labels) => {
    rows.replaceChildren(
      ...labels.map((label) => labelRow({ ...label, id: undefined })),
    );
    form.dispatchEvent(new Event("input"));
  };
  const select = form.querySelector("#copy-labels");
  api.projects().then((page) => {
    const others = page.results.filter((p) => p.role === "manager" && String(p.id) !== String(projectId));
    select.append(...others.map((p) => el("option", { value: p.id }, p.name)));
  });
  select.addEventListener("change", async () => {
    if (!select.value) return;
    take((await api.project(select.value)).labels);
    select.value = "";
  });
  form.querySelector("#labels-file").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    event.target.value = "";
    try {
      const labels = JSON.parse(await file.text());
      if (!Array.isArray(labels)) throw new Error(gettext("The file holds no list of labels."));
      take(labels);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  });
}

// What a save does to labels in use: renamed ones are renamed in every annotation, deleted
// ones leave the annotations that hold them. Asked once, with the works each touches.
export function labelChanges(current, given) {
  const ids = new Map(given.filter((label) => label.id).map((label) => [label.id, label]));
  const names = new Set(given.map((label) => `${label.kind}:${label.name}`));
  const changes = [];
  for (const label of current) {
    const kept = ids.get(label.id);
    if (kept && kept.kind === label.kind && kept.name !== label.name) {
      changes.push({ label, to: kept.name });
    } else if (!kept && !names.has(`${label.kind}:${label.name}`)) {
      changes.push({ label, to: null });
    }
  }
  return changes;
}

async function changesConfirmed(projectId, current, given) {
  const changes = labelChanges(current, given);
  if (!changes.length) return true;
  const usage = await api.labelUsage(projectId);
  const works = (label) =>
    usage.find((row) => row.kind === label.kind && row.name === label.name)?.works ?? 0;
  const lines = changes
    .filter(({ label }) => works(label) > 0)
    .map(({ label, to }) =>
      to === null
        ? interpolate(gettext("%s is deleted: %s works lose it"), [label.name, works(label)])
        : interpolate(gettext("%s becomes %s in %s works"), [label.name, to, works(label)]),
    );
  return !lines.length || window.confirm(`${lines.join("\n")}\n\n${gettext("Save?")}`);
}
