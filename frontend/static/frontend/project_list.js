import { api, failureText } from "./api.js";
import { el } from "./dom.js";
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

document.getElementById("new-project").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const error = form.querySelector(".error");
  const fields = Object.fromEntries(new FormData(form));
  try {
    const project = await api.createProject(fields);
    window.location.assign(`/projects/${project.id}/`);
  } catch (failure) {
    error.hidden = false;
    error.textContent = failureText(failure);
  }
});

load();
