// The reviewer's queue (质检): one piece of sampled work at a time, accept or reject with a
// reason; keyboard first (A accepts, R rejects, Enter confirms the reason).
import { api } from "./api.js";
import { el, gettext, interpolate } from "./dom.js";
import { colorsOf, eventWords, markedPieces, relationWords, spanChip, storedSpanText } from "./marked_text.js";
import { showError } from "./pages.js";

const setup = JSON.parse(document.getElementById("review-setup").textContent);
const $ = (id) => document.getElementById(id);
const colorOf = colorsOf(setup.labels);

let current = null;
let busy = false;

function drawText(text, spans) {
  $("review-text").replaceChildren(...markedPieces(text, spans, colorOf));
}

function show(review) {
  current = review;
  $("review-card").hidden = !review;
  $("review-empty").hidden = Boolean(review);
  $("reject-form").hidden = true;
  showError($("review-error"), null);
  if (!review) return;
  const { revision, snippet } = review;
  drawText(snippet.text, revision.spans);
  $("review-who").textContent = interpolate(gettext("%s · round %s · %s s"), [
    review.annotator,
    review.round,
    Math.round(revision.time_spent_ms / 1000),
  ]);
  $("review-spans").replaceChildren(
    ...revision.spans.map((span) => el("li", {}, spanChip(snippet.text, span, colorOf))),
  );
  $("review-classes").textContent = revision.classes.length
    ? interpolate(gettext("Classes: %s"), [revision.classes.join("、")])
    : "";
  drawLinks(snippet.text, revision);
}

// The relations and events, each with a button that rejects the work naming it.
function drawLinks(text, revision) {
  const textOf = storedSpanText(text, revision.spans);
  const directed = (type) => setup.labels.find((label) => label.name === type)?.directed !== false;
  const words = [
    ...(revision.relations ?? []).map((relation) => relationWords(relation, textOf, directed(relation.type))),
    ...(revision.events ?? []).map((event) => eventWords(event, textOf)),
  ];
  $("review-links").hidden = !words.length;
  $("review-links").replaceChildren(
    ...words.map((said) => {
      const reject = el("button", { type: "button", class: "link" }, gettext("Reject this"));
      reject.addEventListener("click", () => askReason(interpolate(gettext("「%s」: "), [said])));
      return el("li", { class: "chip", lang: "zh-Hans" }, said, reject);
    }),
  );
}

async function load() {
  const page = await api.reviews(setup.project, "pending");
  $("review-count").textContent = interpolate(gettext("%s waiting for review"), [page.count]);
  show(page.results[0] ?? null);
}

// Each decision reads the queue again: its count, and what other reviewers have decided
// meanwhile is no longer offered.
async function decide(decision, reason = "") {
  if (!current || busy) return;
  busy = true;
  try {
    await api.decideReview(setup.project, current.id, decision, reason);
    await load();
  } catch (failure) {
    showError($("review-error"), failure);
  } finally {
    busy = false;
  }
}

// The reason starts from ``given`` (the relation or event rejected), the caret after it.
function askReason(given = "") {
  if (!current) return;
  $("reject-form").hidden = false;
  $("reject-reason").value = given;
  $("reject-reason").focus();
  $("reject-reason").setSelectionRange(given.length, given.length);
}

function onKey(event) {
  if (event.target.closest("input, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "a") decide("accept");
  if (event.key === "r") {
    event.preventDefault();
    askReason();
  }
}

$("accept").addEventListener("click", () => decide("accept"));
$("reject").addEventListener("click", () => askReason());
$("reject-form").addEventListener("submit", (event) => {
  event.preventDefault();
  decide("reject", $("reject-reason").value.trim());
});
$("reject-reason").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault(); // Enter sends; Shift+Enter is a new line
    $("reject-form").requestSubmit();
  }
});
document.addEventListener("keydown", onKey);
load().catch((failure) => {
  showError($("review-error"), failure);
});
