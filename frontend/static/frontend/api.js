//# allFunctionsCalledOnLoad
// Every network call of the frontend goes through this module.
import { gettext, interpolate } from "./dom.js";

function cookie(name) {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(";")) {
    const item = part.trim();
    if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
  }
  return "";
}

// A call that failed: ``status`` 0 when the server was not reached; ``body`` the API's
// JSON, or null when the answer was something else (a proxy's HTML error page).
export class ApiError extends Error {
  constructor(status, body, statusText = "") {
    const said = `HTTP ${status} ${statusText}`.trim();
    super(
      typeof body?.detail === "string" ? body.detail : interpolate(gettext("The server answered %s."), [said]),
    );
    this.status = status;
    this.body = body;
  }
}

// Worth sending again as it was: the network failed, a proxy found the application
// server down or restarting (502, 504), or the server could not reach its database (503).
// Autosaves carry their version and submits their Idempotency-Key, so a repeat stores
// nothing twice.
const TRANSIENT = new Set([0, 502, 503, 504]);

export function isRetryable(failure) {
  return failure instanceof ApiError && TRANSIENT.has(failure.status);
}

// Every message in an error body, however deep (a label's field sits under its index).
export function messagesOf(body) {
  if (typeof body === "string") return [body];
  if (Array.isArray(body)) return body.flatMap(messagesOf);
  if (body && typeof body === "object") return Object.values(body).flatMap(messagesOf);
  return [];
}

// What to tell a person when a call failed: the server's reasons, or that the network failed.
// Anything else is a fault of the page itself, shown as what it is.
export function failureText(failure) {
  if (!(failure instanceof ApiError)) return interpolate(gettext("This page failed: %s"), [String(failure)]);
  if (failure.status === 0) return gettext("Network error");
  const messages = messagesOf(failure.body);
  return messages.length ? messages.join(" ") : failure.message;
}

export async function request(method, path, body, extraHeaders = {}) {
  const headers = {
    Accept: "application/json",
    "Accept-Language": document.documentElement.lang,
    ...extraHeaders,
  };
  const init = { method, headers, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = cookie("csrftoken");
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1/${path}`, init);
  } catch {
    throw new ApiError(0, null); // offline, or the server unreachable
  }
  return answerOf(response.status, response.statusText, await response.text());
}

// The data of an answer, or the ApiError it stands for. Only the API's JSON is data: an
// HTML page in its place (a proxy's error page, a log-in portal) is the failure it reports,
// never a "network error" and never a crash of the page's script.
export function answerOf(status, statusText, text) {
  let data = null;
  let understood = !text;
  try {
    data = text ? JSON.parse(text) : null;
    understood = true;
  } catch {
    // not JSON: reported below by its status
  }
  if (status < 200 || status >= 300) throw new ApiError(status, data, statusText);
  if (!understood) throw new ApiError(status, null, statusText);
  return data;
}

// An upload through XMLHttpRequest, which (unlike fetch) reports upload progress.
export function upload(path, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/${path}`);
    xhr.setRequestHeader("X-CSRFToken", cookie("csrftoken"));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Accept-Language", document.documentElement.lang);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      try {
        resolve(answerOf(xhr.status, xhr.statusText, xhr.responseText));
      } catch (failure) {
        reject(failure);
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, null)));
    xhr.send(formData);
  });
}

export const api = {
  me: () => request("GET", "me/"),
  myReturned: () => request("GET", "me/returned/"),
  projects: () => request("GET", "projects/"),
  project: (id) => request("GET", `projects/${id}/`),
  updateProject: (id, fields) => request("PATCH", `projects/${id}/`, fields),
  createProject: (fields) => request("POST", "projects/", fields),
  imports: (projectId) => request("GET", `projects/${projectId}/imports/`),
  importJob: (id) => request("GET", `imports/${id}/`),
  deleteImport: (id) => request("DELETE", `imports/${id}/`),
  startImport: (projectId, formData, onProgress) =>
    upload(`projects/${projectId}/imports/`, formData, onProgress),
  snippetTable: (projectId, query) => request("GET", `projects/${projectId}/snippets/table/?${query}`),
  snippetHistory: (id) => request("GET", `snippets/${id}/history/`),
  snippetAction: (projectId, body) => request("POST", `projects/${projectId}/snippets/actions/`, body),
  projectContents: (id) => request("GET", `projects/${id}/deletion/`),
  deleteProject: (id) => request("POST", `projects/${id}/deletion/`, {}),
  progress: (projectId) => request("GET", `projects/${projectId}/progress/`),
  batches: (projectId) => request("GET", `projects/${projectId}/batches/`),
  reserveBatch: (batchId, usernames) =>
    request("PUT", `batches/${batchId}/assignees/`, { usernames }),
  myProgress: (projectId, batchId) =>
    request("GET", `projects/${projectId}/my-progress/${batchId ? `?batch=${batchId}` : ""}`),
  nextTask: (projectId) => request("POST", `projects/${projectId}/tasks/next/`),
  saveDraft: (assignmentId, version, draft) =>
    request("PUT", `assignments/${assignmentId}/draft/`, { version, draft }),
  assignment: (id) => request("GET", `assignments/${id}/`),
  previousAssignment: (id) => request("GET", `assignments/${id}/previous/`),
  // With ``withNext`` the answer carries the caller's next task as ``next``.
  submit: (assignmentId, body, key, withNext = true) =>
    request("POST", `assignments/${assignmentId}/submit/${withNext ? "?next=1" : ""}`, body, {
      "Idempotency-Key": key,
    }),
  skip: (assignmentId, reason) => request("POST", `assignments/${assignmentId}/skip/`, { reason }),
  startQualityRun: (projectId) => request("POST", `projects/${projectId}/quality-runs/`),
  qualityRun: (id) => request("GET", `quality-runs/${id}/`),
  reviews: (projectId, status) => request("GET", `projects/${projectId}/reviews/?status=${status}`),
  decideReview: (projectId, reviewId, decision, reason) =>
    request("POST", `projects/${projectId}/reviews/${reviewId}/decision/`, { decision, reason }),
  disagreements: (projectId, batchId, after) =>
    request("GET", `projects/${projectId}/adjudications/?batch=${batchId}&after=${after}`),
  adjudication: (projectId, snippetId) => request("GET", `projects/${projectId}/adjudications/${snippetId}/`),
  settle: (projectId, snippetId, body) =>
    request("PUT", `projects/${projectId}/adjudications/${snippetId}/`, body),
  acceptance: (batchId) => request("GET", `batches/${batchId}/acceptance/`),
  startAcceptance: (batchId) => request("POST", `batches/${batchId}/acceptance/`, {}),
  markAcceptanceItem: (batchId, itemId, verdict, note) =>
    request("PUT", `batches/${batchId}/acceptance/items/${itemId}/`, { verdict, note }),
  exports: (projectId) => request("GET", `projects/${projectId}/exports/`),
  exportJob: (id) => request("GET", `exports/${id}/`),
  startExport: (projectId, body) => request("POST", `projects/${projectId}/exports/`, body),
  myToken: () => request("GET", "me/token/"),
  replaceMyToken: () => request("POST", "me/token/"),
  users: (q, active, page = 1) =>
    request("GET", `users/?${new URLSearchParams({ q, active, page })}`),
  createUser: (fields) => request("POST", "users/", fields),
  importUsers: (formData) => request("POST", "users/import/", formData),
  updateUser: (id, fields) => request("PATCH", `users/${id}/`, fields),
  setUserPassword: (id, password = "") => request("POST", `users/${id}/password/`, { password }),
  members: (projectId) => request("GET", `projects/${projectId}/members/`),
  skips: (projectId) => request("GET", `projects/${projectId}/skips/`),
  labelUsage: (projectId) => request("GET", `projects/${projectId}/labels/usage/`),
  suggestions: (projectId) => request("GET", `projects/${projectId}/suggestions/`),
  retrain: (projectId) => request("POST", `projects/${projectId}/suggestions/`),
  runEndpoint: (projectId, endpoint) =>
    request("POST", `projects/${projectId}/suggestions/endpoint-runs/`, { endpoint }),
  uploadGazetteer: (projectId, formData) => request("POST", `projects/${projectId}/gazetteer/`, formData),
  emptyGazetteer: (projectId) => request("DELETE", `projects/${projectId}/gazetteer/`),
  setMember: (projectId, fields) => request("POST", `projects/${projectId}/members/`, fields),
  setMembers: (projectId, members) => request("POST", `projects/${projectId}/members/`, members),
  removeMember: (projectId, userId) => request("DELETE", `projects/${projectId}/members/${userId}/`),
  memberCandidates: (projectId, q) =>
    request("GET", `projects/${projectId}/members/candidates/?${new URLSearchParams({ q })}`),
};
