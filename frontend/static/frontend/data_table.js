// The data tab's table: every snippet of the project, filtered, searched, sorted and paged
// by the server; an item view with the snippet's whole history; and, for managers, actions
// on the rows chosen or on everything the filter passes.
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { colorsOf, markedPieces, spanChip } from "./marked_text.js";
import { showError } from "./pages.js";

export const STATE_LABELS = {
  open: gettext("Open"),
  in_progress: gettext("In progress"),
  partly_submitted: gettext("Partly submitted"),
  submitted: gettext("Submitted"),
  in_review: gettext("In review"),
  returned: gettext("Returned"),
  accepted: gettext("Accepted"),
  skipped: gettext("Skipped"),
  excluded: gettext("Excluded"),
};

const WORK_LABELS = {
  active: gettext("In progress"),
  submitted: gettext("Submitted"),
  skipped: gettext("Skipped"),
  expired: gettext("Lease expired"),
  returned: gettext("Returned for rework"),
};

const REVIEW_LABELS = {
  pending: gettext("Waiting for review"),
  accepted: gettext("Accepted"),
  rejected: gettext("Rejected"),
};

const PAGE_SIZE = 50;

// The query of the filter form: only the fields given.
export function tableQuery(form, page) {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (String(value).trim()) query.set(name, String(value).trim());
  }
  query.set("page", String(page));
  query.set("page_size", String(PAGE_SIZE));
  return query;
}

function option(value, text) {
  return el("option", { value: String(value) }, text);
}

function when(stamp) {
  return stamp ? new Date(stamp).toLocaleString(document.documentElement.lang) : "–";
}

// ``onAction`` runs after each action, for the rest of the page to read again what changed.
export function setUpDataTable(projectId, role, { onAction = () => {} } = {}) {
  const panel = document.getElementById("table-panel");
  if (!panel) return null;
  const form = document.getElementById("table-filters");
  const body = panel.querySelector("#data-table tbody");
  const count = document.getElementById("table-count");
  const error = document.getElementById("table-error");
  const pageOf = document.getElementById("page-of");
  const previous = document.getElementById("page-previous");
  const next = document.getElementById("page-next");
  const dialog = document.getElementById("item-view");
  const manager = role === "manager";
  const chosen = new Set();
  let page = 1;
  let last = null;
  let colours = new Map();

  async function fillChoices() {
    const [project, batches, imports] = await Promise.all([
      api.project(projectId),
      api.batches(projectId),
      manager ? api.imports(projectId) : Promise.resolve({ results: [] }),
    ]);
    colours = colorsOf(project.labels);
    form.elements.batch.append(...batches.map((batch) => option(batch.id, batch.name)));
    form.elements.import_job.append(...imports.results.map((job) => option(job.id, job.filename)));
    form.elements.import_job.closest("label").hidden = !manager;
    const names = [...new Set(project.labels.map((label) => label.name))];
    form.elements.label.append(...names.map((name) => option(name, name)));
  }

  function row(item) {
    const pick = el("input", { type: "checkbox", "aria-label": interpolate(gettext("Choose snippet %s"), [item.id]) });
    pick.checked = chosen.has(item.id);
    pick.addEventListener("change", () => {
      if (pick.checked) chosen.add(item.id);
      else chosen.delete(item.id);
      showChosen();
    });
    const open = el("button", { type: "button", class: "link", "data-open": String(item.id) }, `#${item.id}`);
    open.addEventListener("click", () => showItem(item.id));
    const flags = [];
    if (item.gold) flags.push(gettext("gold"));
    if (item.disagreement) flags.push(gettext("disagreement"));
    const state = el("span", { class: `status ${item.state}` }, STATE_LABELS[item.state] ?? item.state);
    return el(
      "tr",
      { "data-snippet": String(item.id) },
      el("td", {}, manager ? pick : "", " ", open),
      el("td", { lang: "zh-Hans", class: "snippet-cell" }, item.text),
      el("td", {}, item.batch ? item.batch.name : "–"),
      el("td", {}, state, flags.length ? el("div", { class: "muted small" }, flags.join(" · ")) : ""),
      el("td", {}, `${item.submitted} / ${item.overlap}`),
      el("td", {}, item.work.map((work) => `${work.annotator} (${WORK_LABELS[work.status] ?? work.status})`).join(", ") || "–"),
      el("td", {}, item.labels.join(", ") || "–"),
    );
  }

  function showChosen() {
    const all = document.getElementById("select-filter");
    const shown = all?.checked
      ? interpolate(gettext("All %s that pass the filter"), [last ? last.count : 0])
      : interpolate(gettext("%s chosen"), [chosen.size]);
    const label = document.getElementById("chosen-count");
    if (label) label.textContent = shown;
  }

  // Answers may come back out of order (a reload asked before a filter was typed): only
  // the latest request's is shown.
  let asked = 0;

  async function load(toPage = page) {
    showError(error, null);
    const ticket = ++asked;
    try {
      const answer = await api.snippetTable(projectId, tableQuery(form, toPage));
      if (ticket !== asked) return;
      last = answer;
      page = toPage;
      body.replaceChildren(...answer.results.map(row));
      const pages = Math.max(1, Math.ceil(answer.count / PAGE_SIZE));
      count.textContent = answer.more
        ? interpolate(gettext("More than %s snippets"), [answer.count])
        : interpolate(gettext("%s snippets"), [answer.count]);
      pageOf.textContent = interpolate(gettext("Page %s of %s"), [page, answer.more ? `${pages}+` : pages]);
      previous.disabled = page <= 1;
      next.disabled = !answer.more && page >= pages;
      const pageBox = document.getElementById("select-page");
      if (pageBox) pageBox.checked = answer.results.length > 0 && answer.results.every((item) => chosen.has(item.id));
      showChosen();
    } catch (failure) {
      showError(error, failure);
    }
  }

  function annotationView(text, annotation) {
    const spans = annotation.spans ?? [];
    const parts = [el("p", { class: "snippet-text", lang: "zh-Hans" }, ...markedPieces(text, spans, colours))];
    if (spans.length) parts.push(el("p", { class: "chips" }, ...spans.map((span) => spanChip(text, span, colours))));
    if (annotation.classes?.length) parts.push(el("p", {}, `${gettext("Classes")}: ${annotation.classes.join(", ")}`));
    return parts;
  }

  function workView(text, work) {
    const head = el("h4", {}, `${work.annotator} · ${WORK_LABELS[work.status] ?? work.status}`);
    const notes = [];
    if (work.skip_reason) notes.push(el("p", { class: "muted" }, `${gettext("Reason for skipping")}: ${work.skip_reason}`));
    if (work.return_reason) notes.push(el("p", { class: "muted" }, `${gettext("Returned because")}: ${work.return_reason}`));
    const revisions = work.revisions.map((revision) =>
      el(
        "div",
        { class: "revision" },
        el("p", { class: "muted small" }, interpolate(gettext("Revision %s, %s"), [revision.number, when(revision.created_at)])),
        ...annotationView(text, revision),
      ),
    );
    const reviews = work.reviews.map((review) =>
      el(
        "p",
        { class: "small" },
        interpolate(gettext("Review, round %s, of revision %s: %s"), [review.round, review.revision, REVIEW_LABELS[review.status] ?? review.status]),
        review.reviewer ? ` (${review.reviewer})` : "",
        review.reason ? ` — ${review.reason}` : "",
      ),
    );
    return el("section", { class: "work" }, head, ...notes, ...revisions, ...reviews);
  }

  async function showItem(snippetId) {
    const content = dialog.querySelector(".item-content");
    content.replaceChildren(el("p", { class: "muted" }, gettext("Loading…")));
    if (!dialog.open) dialog.showModal();
    try {
      const item = await api.snippetHistory(snippetId);
      const parts = [
        el("h3", {}, item.article.title || interpolate(gettext("Snippet %s"), [item.id])),
        el(
          "p",
          { class: "context", lang: "zh-Hans" },
          el("span", { class: "muted" }, item.article.before),
          el("mark", {}, item.text),
          el("span", { class: "muted" }, item.article.after),
        ),
      ];
      if (item.excluded) parts.push(el("p", { class: "banner" }, gettext("Excluded: handed to nobody, left out of exports.")));
      if (item.gold) parts.push(el("h4", {}, gettext("Gold reference")), ...annotationView(item.text, item.gold));
      parts.push(el("h4", {}, gettext("Final annotation")));
      if (item.final) {
        parts.push(...annotationView(item.text, item.final));
        parts.push(
          el(
            "p",
            { class: "muted small" },
            item.final.source === "adjudication"
              ? gettext("Settled by adjudication")
              : interpolate(gettext("Majority: %s of %s annotators"), [item.final.votes, item.final.works]),
          ),
        );
      } else parts.push(el("p", { class: "muted" }, gettext("None yet.")));
      if (item.settlements.length) {
        parts.push(el("h4", {}, gettext("Settlements")));
        for (const settled of item.settlements) {
          parts.push(el("p", { class: "muted small" }, `${settled.adjudicator ?? "–"}, ${when(settled.created_at)}`), ...annotationView(item.text, settled));
        }
      }
      parts.push(el("h4", {}, gettext("Annotators' work")));
      parts.push(...(item.work.length ? item.work.map((work) => workView(item.text, work)) : [el("p", { class: "muted" }, gettext("Nobody has worked on it."))]));
      content.replaceChildren(...parts);
    } catch (failure) {
      content.replaceChildren(el("p", { class: "error" }, String(failure.message ?? failure)));
    }
  }

  async function act(action) {
    const result = document.getElementById("action-result");
    showError(result, null);
    const all = document.getElementById("select-filter").checked;
    if (!all && !chosen.size) {
      showError(result, gettext("Choose snippets first, or everything the filter passes."));
      return;
    }
    const bodyOf = { action };
    if (all) {
      const filter = Object.fromEntries(tableQuery(form, 1));
      delete filter.page;
      delete filter.page_size;
      bodyOf.filter = filter;
    } else bodyOf.snippets = [...chosen];
    if (action === "return") bodyOf.reason = document.getElementById("return-reason").value;
    if (action === "reassign") bodyOf.annotator = document.getElementById("reassign-to").value.trim();
    const howMany = all ? last?.count ?? 0 : chosen.size;
    if (action === "exclude" && !window.confirm(interpolate(gettext("Exclude %s snippets from distribution and exports?"), [howMany]))) return;
    try {
      const outcome = await api.snippetAction(projectId, bodyOf);
      const said = [interpolate(gettext("Done: %s."), [outcome.done.length])];
      if (outcome.left.length) {
        said.push(interpolate(gettext("Left as they were: %s"), [outcome.left.length]));
        said.push(...outcome.left.slice(0, 5).map((left) => `#${left.snippet}: ${left.reason}`));
      }
      result.textContent = said.join(" ");
      result.hidden = false;
      result.classList.remove("error");
      chosen.clear();
      await load(page);
      onAction();
    } catch (failure) {
      showError(result, failure);
      result.classList.add("error");
    }
  }

  let typing = null;
  form.addEventListener("input", (event) => {
    clearTimeout(typing);
    const wait = event.target.name === "q" || event.target.name === "annotator" ? 300 : 0;
    typing = setTimeout(() => load(1), wait);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(1);
  });
  previous.addEventListener("click", () => load(page - 1));
  next.addEventListener("click", () => load(page + 1));
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  if (manager) {
    document.getElementById("select-page").addEventListener("change", (event) => {
      for (const item of last?.results ?? []) {
        if (event.target.checked) chosen.add(item.id);
        else chosen.delete(item.id);
      }
      for (const box of body.querySelectorAll("input[type=checkbox]")) box.checked = event.target.checked;
      showChosen();
    });
    document.getElementById("select-filter").addEventListener("change", showChosen);
    for (const button of panel.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => act(button.dataset.action));
    }
  }
  fillChoices().catch((failure) => showError(error, failure));
  load(1);
  return { reload: () => load(page) };
}
