import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, answerOf, failureText, isRetryable, request } from "./api.js";

// Just what request() reads of the page: its cookies and language.
globalThis.document = { cookie: "csrftoken=abc", documentElement: { lang: "zh-hans" } };

function answering(status, statusText, body) {
  globalThis.fetch = async () => ({ status, statusText, ok: status >= 200 && status < 300, text: async () => body });
}

const PROXY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";

test("a proxy's HTML error page is the server's failure, not a network error", async () => {
  answering(502, "Bad Gateway", PROXY_PAGE);
  const failure = await request("GET", "me/").catch((error) => error);
  assert.ok(failure instanceof ApiError);
  assert.equal(failure.status, 502);
  assert.equal(failure.body, null);
  assert.equal(failureText(failure), "The server answered HTTP 502 Bad Gateway.");
  assert.equal(isRetryable(failure), true); // the application server restarting
});

test("the API's refusals keep their reasons; only transient failures are retried", async () => {
  answering(400, "Bad Request", JSON.stringify({ spans: ["“北京”不在文本的 4–6 处"] }));
  const refusal = await request("POST", "x/", {}).catch((error) => error);
  assert.equal(failureText(refusal), "“北京”不在文本的 4–6 处");
  assert.equal(isRetryable(refusal), false);
  for (const status of [0, 502, 503, 504]) assert.equal(isRetryable(new ApiError(status, null)), true);
  for (const status of [400, 403, 404, 409, 500]) assert.equal(isRetryable(new ApiError(status, null)), false);
});

test("no answer at all is a network error", async () => {
  globalThis.fetch = async () => {
    throw new TypeError("Failed to fetch");
  };
  const failure = await request("GET", "me/").catch((error) => error);
  assert.equal(failure.status, 0);
  assert.equal(failureText(failure), "Network error");
});

test("answers: JSON is data, an empty body is null, a page where data was due is a failure", () => {
  assert.deepEqual(answerOf(200, "OK", '{"id": 1}'), { id: 1 });
  assert.equal(answerOf(204, "No Content", ""), null);
  assert.throws(() => answerOf(200, "OK", "<html>log in</html>"), (error) => error.status === 200);
  assert.match(failureText(new TypeError("x is undefined")), /This page failed: TypeError: x is undefined/);
});
