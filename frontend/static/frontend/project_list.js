import { api } from "./api.js";
import { el, gettext } from "./dom.js";
import { onSubmit } from "./forms.js";
import { ROLE_LABELS, returnedNote } from "./labels.js";

function renderProjects(projects, returned) {
  const list = document.getElementById("projects");
  const byProject = Object.fromEntries(returned.map((counts) => [counts.project, counts]));
  // Archived projects come last, marked so.
  const ordered = [...projects.filter((p) => !p.archived), ...projects.filter((p) => p.archived)];
  list.replaceChildren(
    ...ordered.map((project) => {
      const note = returnedNote(byProject[project.id]);
      return el(
        "li",
        { class: "card project", "data-project": project.id },
        el("a", { href: `/projects/${project.id}/` }, project.name),
        el("span", { class: "badge" }, ROLE_LABELS[project.role] ?? project.role),
        project.archived ? el("span", { class: "badge archived" }, gettext("Archived")) : "",
        note ? el("span", { class: "badge returned" }, note) : "",
        el("p", { class: "muted" }, project.description || ""),
      );
    }),
  );
  document.getElementById("no-projects").hidden = projects.length > 0;
}

async function load() {
  const [me, page, returned] = await Promise.all([api.me(), api.projects(), api.myReturned()]);
  renderProjects(page.results, returned);
  const form = document.getElementById("new-project");
  form.hidden = !me.can_create_projects;
  // A project the user manages may be the template of a new one: its set-up and labels.
  const managed = page.results.filter((project) => project.role === "manager");
  form.elements.template.append(
    ...managed.map((project) => el("option", { value: project.id }, project.name)),
  );
}

const newProject = document.getElementById("new-project");
if (newProject) {
  onSubmit(newProject, async () => {
    const fields = Object.fromEntries(new FormData(newProject));
    if (!fields.template) delete fields.template;
    const project = await api.createProject(fields);
    window.location.assign(`/projects/${project.id}/`);
  });
}

load();
