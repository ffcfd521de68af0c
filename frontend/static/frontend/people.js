// Site staff's page of accounts: make them one by one or from a CSV file, hand out the
// passwords made (shown once), find, deactivate and reactivate, give a temporary password.
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { showError } from "./pages.js";

const setup = JSON.parse(document.getElementById("people-setup").textContent);
const $ = (id) => document.getElementById(id);
let page = 1;

function showMade(users) {
  const made = users.filter((user) => user.password);
  if (!made.length) return;
  const body = $("made-table").tBodies[0];
  body.append(
    ...made.map((user) =>
      el("tr", {}, el("td", {}, user.username), el("td", {}, user.display_name), el("td", { class: "secret" }, user.password)),
    ),
  );
  $("made").hidden = false;
}

function stateOf(user) {
  if (!user.is_active) return gettext("Deactivated");
  if (user.must_change_password) return gettext("Must change the given password");
  return gettext("Active");
}

function actions(user) {
  const cell = el("td", { class: "links" });
  if (user.id === setup.me) return cell;
  const toggle = el(
    "button",
    { type: "button", class: "link", "data-action": user.is_active ? "deactivate" : "reactivate" },
    user.is_active ? gettext("Deactivate") : gettext("Reactivate"),
  );
  toggle.addEventListener("click", () =>
    act(() => api.updateUser(user.id, { is_active: !user.is_active })),
  );
  const reset = el("button", { type: "button", class: "link", "data-action": "password" }, gettext("Temporary password"));
  reset.addEventListener("click", () =>
    act(async () => {
      const { password } = await api.setUserPassword(user.id);
      showMade([{ ...user, password }]);
    }),
  );
  cell.append(toggle, " ", reset);
  return cell;
}

function row(user) {
  return el(
    "tr",
    { id: `user-${user.id}`, "data-username": user.username },
    el("td", {}, user.username),
    el("td", {}, user.display_name),
    el("td", { class: "state" }, stateOf(user)),
    el("td", {}, user.last_login ? new Date(user.last_login).toLocaleString() : "–"),
    actions(user),
  );
}

async function load(more = false) {
  const form = $("search-form");
  page = more ? page + 1 : 1;
  const answer = await api.users(form.q.value.trim(), form.active.value, page);
  const body = $("users").tBodies[0];
  if (!more) body.replaceChildren();
  body.append(...answer.results.map(row));
  $("more").hidden = !answer.next;
  $("count").textContent = interpolate(gettext("%s accounts"), [answer.count]);
}

async function act(step) {
  showError($("people-error"), null);
  try {
    await step();
    await load();
  } catch (failure) {
    showError($("people-error"), failure);
  }
}

$("user-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  act(async () => {
    const user = await api.createUser({
      username: form.username.value.trim(),
      display_name: form.display_name.value.trim(),
      password: form.password.value,
    });
    showMade([user]);
    form.reset();
    form.username.focus();
  });
});

$("users-file-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  act(async () => {
    const answer = await api.importUsers(new FormData(form));
    showMade(answer.users);
    form.reset();
  });
});

$("search-form").addEventListener("input", () => load().catch((failure) => showError($("people-error"), failure)));
$("search-form").addEventListener("submit", (event) => event.preventDefault());
$("more").addEventListener("click", () => load(true));
$("print-made").addEventListener("click", () => window.print());

load().catch((failure) => showError($("people-error"), failure));
