// The project's members panel (managers): each member's role changed or taken off in
// place; people found by name and added several at once, each with a role, or all the
// usernames of a file in one go.
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { ROLE_LABELS } from "./labels.js";
import { showError } from "./pages.js";

const $ = (id) => document.getElementById(id);

function roleSelect(chosen) {
  const select = el("select", { "aria-label": gettext("Role") });
  for (const [value, label] of Object.entries(ROLE_LABELS)) {
    const option = el("option", { value }, label);
    option.selected = value === chosen;
    select.append(option);
  }
  return select;
}

// "name" or "name,role" a line; a header line naming the column is skipped.
export function usernamesOf(text, role) {
  return text
    .split(/\r?\n/)
    .map((line) => line.split(/[,\t]/).map((cell) => cell.trim()))
    .filter(([name]) => name && !["username", "用户名"].includes(name.toLowerCase()))
    .map(([username, given]) => ({ username, role: given && given in ROLE_LABELS ? given : role }));
}

export function setUpMembers(projectId) {
  const panel = $("members-panel");
  if (!panel) return;
  const error = $("members-error");
  const search = $("member-search");

  async function act(step) {
    showError(error, null);
    try {
      await step();
      await Promise.all([loadMembers(), findCandidates()]);
    } catch (failure) {
      showError(error, failure);
    }
  }

  function memberRow(member) {
    const role = roleSelect(member.role);
    role.addEventListener("change", () =>
      act(() => api.setMember(projectId, { username: member.username, role: role.value })),
    );
    const remove = el("button", { type: "button", class: "link" }, gettext("Remove"));
    remove.addEventListener("click", () => {
      const question = interpolate(gettext("Take %s off the project?"), [member.username]);
      if (window.confirm(question)) act(() => api.removeMember(projectId, member.user_id));
    });
    return el(
      "tr",
      { "data-username": member.username },
      el("td", {}, member.username),
      el("td", {}, member.display_name),
      el("td", {}, role),
      el("td", {}, remove),
    );
  }

  async function loadMembers() {
    const members = await api.members(projectId);
    $("members").tBodies[0].replaceChildren(...members.map(memberRow));
  }

  function candidateItem(person) {
    const pick = el("input", { type: "checkbox", value: person.username });
    const role = roleSelect(person.role ?? search.role.value);
    const label = el(
      "label",
      { class: "check" },
      pick,
      ` ${person.username}`,
      person.display_name ? ` · ${person.display_name}` : "",
    );
    const here = person.role ? el("span", { class: "badge" }, ROLE_LABELS[person.role]) : "";
    return el("li", { "data-username": person.username }, label, " ", role, " ", here);
  }

  let asked = 0; // the answer to the latest search only: typing sends several
  async function findCandidates() {
    const mine = ++asked;
    const found = await api.memberCandidates(projectId, search.q.value.trim());
    if (mine !== asked) return;
    $("candidates").replaceChildren(...found.map(candidateItem));
    $("candidates-all").checked = false;
  }

  function picked() {
    return [...$("candidates").querySelectorAll("li")]
      .filter((item) => item.querySelector("input").checked)
      .map((item) => ({ username: item.dataset.username, role: item.querySelector("select").value }));
  }

  search.addEventListener("submit", (event) => event.preventDefault());
  search.q.addEventListener("input", () => findCandidates().catch((failure) => showError(error, failure)));
  search.role.addEventListener("change", () => {
    for (const select of $("candidates").querySelectorAll("select")) select.value = search.role.value;
  });
  $("candidates-all").addEventListener("change", (event) => {
    for (const box of $("candidates").querySelectorAll("input")) box.checked = event.target.checked;
  });
  $("add-selected").addEventListener("click", () => {
    const members = picked();
    if (members.length) act(() => api.setMembers(projectId, members));
  });
  $("members-file-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    act(async () => {
      const members = usernamesOf(await form.file.files[0].text(), search.role.value);
      await api.setMembers(projectId, members);
      form.reset();
    });
  });

  loadMembers().catch((failure) => showError(error, failure));
  findCandidates().catch((failure) => showError(error, failure));
}
