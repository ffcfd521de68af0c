import { api } from "./api.js";
import { el } from "./dom.js";
import { onSubmit } from "./forms.js";
import { ROLE_LABELS } from "./labels.js";

function renderProjects(projects) {
  const list = document.getElementById("projects");
  list.replaceChildren(
    ...projects.map((project) =>
      el(
        "li",
        { class: "card project" },
        el("a", { href: `/projects/${project.id}/` }, project.name),
        el("span", { class: "badge" }, ROLE_LABELS[project.role] ?? project.role),
        el("p", { class: "muted" }, project.description || ""),
      ),
    ),
  );
  document.getElementById("no-projects").hidden = projects.length > 0;
}

async function load() {
  const [me, page] = await Promise.all([api.me(), api.projects()]);
  renderProjects(page.results);
  const form = document.getElementById("new-project");
  form.hidden = !me.can_create_projects;
}

const newProject = document.getElementById("new-project");
if (newProject) {
  onSubmit(newProject, async () => {
    const project = await api.createProject(Object.fromEntries(new FormData(newProject)));
    window.location.assign(`/projects/${project.id}/`);
  });
}

load();
