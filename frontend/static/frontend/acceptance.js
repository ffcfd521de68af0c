// A client's acceptance check (验收): open it, mark each sampled snippet right or wrong
// (J right, K wrong with a note), and see the decision against the threshold.
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { colorsOf, markedPieces } from "./marked_text.js";
import { showError } from "./pages.js";

const setup = JSON.parse(document.getElementById("acceptance-setup").textContent);
const $ = (id) => document.getElementById(id);
const colorOf = colorsOf(setup.labels);

let check = null;

const VERDICTS = { right: gettext("Right"), wrong: gettext("Wrong") };

function itemRow(item) {
  const annotation = item.annotation ?? { spans: [], classes: [] };
  const note = el("input", { class: "note", placeholder: gettext("What is wrong (optional)"), maxlength: "2000" });
  note.value = item.note;
  const mark = (verdict) => async () => {
    try {
      const next = await api.markAcceptanceItem(setup.batch, item.id, verdict, note.value.trim());
      if (next.status !== "open") setup.accepting = false; // decided: accepted or returned
      draw(next);
    } catch (failure) {
      showError($("acceptance-error"), failure);
    }
  };
  const open = check.status === "open";
  const right = el("button", { type: "button", class: item.verdict === "right" ? "primary" : "" }, VERDICTS.right);
  const wrong = el("button", { type: "button", class: item.verdict === "wrong" ? "danger" : "" }, VERDICTS.wrong);
  right.addEventListener("click", mark("right"));
  wrong.addEventListener("click", mark("wrong"));
  right.disabled = wrong.disabled = note.disabled = !open;
  return el(
    "li",
    { class: `acceptance-item ${item.verdict}`, "data-item": String(item.id) },
    el("div", { class: "snippet-text", lang: "zh-Hans" }, ...markedPieces(item.snippet.text, annotation.spans, colorOf)),
    annotation.classes.length ? el("p", { class: "muted small" }, annotation.classes.join("、")) : "",
    el("div", { class: "work-actions" }, note, right, wrong),
  );
}

function draw(current) {
  check = current;
  // A check can begin on a batch awaiting acceptance with none open (again after rework).
  $("acceptance-start").hidden = !setup.accepting || check?.status === "open";
  $("acceptance-panel").hidden = !check;
  if (!check) return;
  const percent = (value) => `${value}%`;
  $("acceptance-summary").textContent = interpolate(gettext("%s of %s marked · threshold %s"), [
    check.marked,
    check.size,
    percent(check.threshold),
  ]);
  const decided = check.status !== "open";
  $("acceptance-result").hidden = !decided;
  if (decided) {
    $("acceptance-result").className = `banner ${check.status}`;
    $("acceptance-result").textContent = interpolate(
      check.status === "accepted"
        ? gettext("Accepted: %s right, threshold %s.")
        : gettext("Returned: %s right, below the threshold of %s. The wrong items go back for rework."),
      [percent(check.rate), percent(check.threshold)],
    );
  }
  $("acceptance-items").replaceChildren(...check.items.map(itemRow));
}


$("acceptance-start").addEventListener("click", async () => {
  try {
    draw(await api.startAcceptance(setup.batch));
  } catch (failure) {
    showError($("acceptance-error"), failure);
  }
});
api
  .acceptance(setup.batch)
  .then((current) => {
    draw(current);
    $("acceptance-start").disabled = false; // enabled once it can work
  })
  .catch((failure) => showError($("acceptance-error"), failure));
