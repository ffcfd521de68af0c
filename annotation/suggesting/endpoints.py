"""External suggestion endpoints, as site staff configure them: an OpenAI-compatible
chat-completions endpoint (Qwen, DeepSeek, GLM, a local vLLM or Ollama) and the Label
Studio ML-backend protocol (``/predict``). Pure: no Django; HTTP with the standard library.

An endpoint is named in settings (``BIAOZHU_SUGGEST_ENDPOINTS``), never given as an
address by a manager, so that no request leaves the server for an address a user chose.

- **Chat completions.** The prompt names the project's entity labels and classes with
  their descriptions, gives a few of its gold items as worked examples, and asks for JSON
  by a schema built from the label set (``response_format: json_schema``): each entity
  mention as written, with its label, and the classes. A mention is located in the text
  (every occurrence: the model gives no offsets); one the text lacks, or of a label the
  project lacks, is counted as dropped. A model gives no probability: its items carry no
  score.
- **Label Studio ML backend.** Tasks go in batches; ``labels`` regions come back with
  their offsets (read as Label Studio imports are read, in code points or UTF-16 units),
  ``choices`` as classes, with the prediction's score.

A call that fails for a reason worth another try (the network, 429, 5xx) is tried again
twice, after 1 and 2 seconds; then it fails with its reason.
"""

import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotation.ingest.formats import ImportFileError
from annotation.ingest.peers import label_studio_regions

OPENAI, LABEL_STUDIO = "openai", "label-studio"
RETRIES = (1.0, 2.0)


class EndpointError(Exception):
    """A call that failed; ``reason`` says why, in English for the log and the run."""

    def __init__(self, reason: str, retry: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of the settings: ``protocol`` OPENAI or LABEL_STUDIO."""

    name: str
    protocol: str
    url: str
    model: str = ""
    api_key: str = ""
    timeout: float = 60.0
    calls_per_minute: int = 60
    calls_per_day: int = 10_000
    tokens_per_day: int = 0  # 0: no limit but the calls'; a chat model's usage counts
    batch: int = 16  # tasks a call, for the ML backend
    examples: int = 3  # gold items shown to a chat model


@dataclass(frozen=True)
class Label:
    name: str
    kind: str  # "spans" or "classes"
    description: str = ""


@dataclass
class Answer:
    """What an endpoint said of one text: spans, classes, and what it said that could not
    be kept (mentions the text lacks, labels the project lacks)."""

    spans: list[dict] = field(default_factory=list)
    classes: list[dict] = field(default_factory=list)
    dropped: int = 0


def endpoints_from(configured: Sequence[dict], environ: dict[str, str]) -> dict[str, Endpoint]:
    """The endpoints of the settings, by name; an API key is read from the environment
    variable the entry names (``api_key_env``), never written in the settings."""
    found = {}
    for entry in configured:
        given = {key: value for key, value in entry.items() if key != "api_key_env"}
        key = environ.get(entry.get("api_key_env", ""), "")
        endpoint = Endpoint(**given, api_key=key)
        if endpoint.protocol not in (OPENAI, LABEL_STUDIO):
            raise ValueError(f"endpoint {endpoint.name}: unknown protocol {endpoint.protocol}")
        found[endpoint.name] = endpoint
    return found


# ---- HTTP ----

Post = Callable[[str, dict, dict, float], Any]


def post_json(url: str, body: dict, headers: dict, timeout: float) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (settings' URL)
            return json.loads(answer.read())
    except urllib.error.HTTPError as failed:
        retry = failed.code == 429 or failed.code >= 500
        raise EndpointError(f"the endpoint answered HTTP {failed.code}", retry) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as failed:
        raise EndpointError(f"the endpoint could not be reached ({failed})", True) from None
    except ValueError:
        raise EndpointError("the endpoint's answer is not JSON") from None


def call(post: Post, url: str, body: dict, headers: dict, timeout: float, wait=time.sleep) -> Any:
    """``post`` with its retries: twice more after a failure worth another try."""
    for pause in (*RETRIES, None):
        try:
            return post(url, body, headers, timeout)
        except EndpointError as failed:
            if not failed.retry or pause is None:
                raise
            wait(pause)
    raise AssertionError("unreachable")


# ---- chat completions ----


def schema(labels: Sequence[Label]) -> dict:
    """The JSON schema of an answer: the entities with their labels, and the classes."""
    spans = sorted(label.name for label in labels if label.kind == "spans")
    classes = sorted(label.name for label in labels if label.kind == "classes")
    properties: dict[str, Any] = {}
    if spans:
        entity = {
            "type": "object",
            "properties": {"text": {"type": "string"}, "label": {"type": "string", "enum": spans}},
            "required": ["text", "label"],
            "additionalProperties": False,
        }
        properties["entities"] = {"type": "array", "items": entity}
    if classes:
        properties["classes"] = {"type": "array", "items": {"type": "string", "enum": classes}}
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }


def _instructions(labels: Sequence[Label]) -> str:
    lines = [
        "You annotate Chinese text for a data-annotation team. Answer with JSON only, as the "
        "schema says.",
    ]
    spans = [label for label in labels if label.kind == "spans"]
    classes = [label for label in labels if label.kind == "classes"]
    if spans:
        lines.append(
            "List every entity mention exactly as it is written in the text, with its label:"
        )
        lines += [f"- {label.name}: {label.description}".rstrip(": ") for label in spans]
    if classes:
        lines.append("Give the classes the whole text belongs to:")
        lines += [f"- {label.name}: {label.description}".rstrip(": ") for label in classes]
    return "\n".join(lines)


def _example_answer(text: str, spans: Sequence[dict], classes: Sequence[str], shape: dict) -> str:
    answer: dict[str, Any] = {}
    if "entities" in shape["properties"]:
        answer["entities"] = [
            {"text": text[span["start"] : span["end"]], "label": span["label"]} for span in spans
        ]
    if "classes" in shape["properties"]:
        answer["classes"] = list(classes)
    return json.dumps(answer, ensure_ascii=False)


def chat_body(
    endpoint: Endpoint, labels: Sequence[Label], examples: Sequence[dict], text: str
) -> dict:
    """The chat-completions request for ``text``; ``examples``: gold items ``{text, spans,
    classes}`` shown as earlier turns."""
    shape = schema(labels)
    messages = [{"role": "system", "content": _instructions(labels)}]
    for example in examples[: endpoint.examples]:
        messages.append({"role": "user", "content": example["text"]})
        answer = _example_answer(example["text"], example["spans"], example["classes"], shape)
        messages.append({"role": "assistant", "content": answer})
    messages.append({"role": "user", "content": text})
    return {
        "model": endpoint.model,
        "messages": messages,
        "temperature": 0,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "annotation", "strict": True, "schema": shape},
        },
    }


def prompt_hash(endpoint: Endpoint, body: dict) -> str:
    """What a cached answer is found by: the endpoint, its model and the whole request."""
    given = json.dumps([endpoint.name, endpoint.url, body], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(given.encode()).hexdigest()


def _occurrences(text: str, mention: str) -> list[tuple[int, int]]:
    found, start = [], text.find(mention)
    while mention and start >= 0:
        found.append((start, start + len(mention)))
        start = text.find(mention, start + len(mention))
    return found


def chat_answer(text: str, reply: Any, labels: Sequence[Label]) -> tuple[Answer, int]:
    """What a chat model's reply says of ``text``, and the tokens it took."""
    try:
        content = reply["choices"][0]["message"]["content"]
        said = json.loads(content)
    except (KeyError, IndexError, TypeError, ValueError):
        raise EndpointError("the model's reply holds no JSON answer") from None
    if not isinstance(said, dict):
        raise EndpointError("the model's answer is not a JSON object")
    tokens = reply.get("usage", {}).get("total_tokens", 0) if isinstance(reply, dict) else 0
    spans = {label.name for label in labels if label.kind == "spans"}
    classes = {label.name for label in labels if label.kind == "classes"}
    answer = Answer()
    seen = set()
    for entity in said.get("entities") or []:
        mention = entity.get("text") if isinstance(entity, dict) else None
        label = entity.get("label") if isinstance(entity, dict) else None
        places = _occurrences(text, mention) if isinstance(mention, str) else []
        if label not in spans or not places:
            answer.dropped += 1
            continue
        for start, end in places:
            if (start, end, label) not in seen:
                seen.add((start, end, label))
                answer.spans.append({"start": start, "end": end, "label": label, "score": None})
    for name in said.get("classes") or []:
        if name in classes:
            answer.classes.append({"label": name, "score": None})
        else:
            answer.dropped += 1
    return answer, int(tokens or 0)


# ---- Label Studio ML backend ----


def label_config(labels: Sequence[Label]) -> str:
    """The Label Studio labelling config of the project's labels, as the backend reads it."""

    def escaped(value: str) -> str:
        return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

    parts = ['<View><Text name="text" value="$text"/>']
    spans = [label for label in labels if label.kind == "spans"]
    classes = [label for label in labels if label.kind == "classes"]
    if spans:
        parts.append('<Labels name="label" toName="text">')
        parts += [f'<Label value="{escaped(label.name)}"/>' for label in spans]
        parts.append("</Labels>")
    if classes:
        parts.append('<Choices name="class" toName="text" choice="multiple">')
        parts += [f'<Choice value="{escaped(label.name)}"/>' for label in classes]
        parts.append("</Choices>")
    parts.append("</View>")
    return "".join(parts)


def predict_body(project: int, labels: Sequence[Label], tasks: Sequence[tuple[int, str]]) -> dict:
    return {
        "tasks": [{"id": task_id, "data": {"text": text}} for task_id, text in tasks],
        "label_config": label_config(labels),
        "project": str(project),
        "params": {},
    }


def predictions(
    tasks: Sequence[tuple[int, str]], reply: Any, labels: Sequence[Label]
) -> tuple[list[Answer], str]:
    """What the backend's reply says of each task, in order, and its model version."""
    results = reply.get("results") if isinstance(reply, dict) else reply
    if not isinstance(results, list) or len(results) != len(tasks):
        raise EndpointError("the backend's answer does not hold one prediction a task")
    spans = {label.name for label in labels if label.kind == "spans"}
    classes = {label.name for label in labels if label.kind == "classes"}
    answers, version = [], ""
    for (_, text), prediction in zip(tasks, results, strict=True):
        prediction = prediction if isinstance(prediction, dict) else {}
        version = str(prediction.get("model_version") or version)
        score = prediction.get("score")
        score = float(score) if isinstance(score, int | float) else None
        given = prediction.get("result")
        result: list = given if isinstance(given, list) else []
        answer = Answer()
        try:
            found = label_studio_regions(text, result)
        except ImportFileError:  # a region outside the text or not holding its text
            found, answer.dropped = [], answer.dropped + 1
        for start, end, label in found:
            if label in spans:
                answer.spans.append({"start": start, "end": end, "label": label, "score": score})
            else:
                answer.dropped += 1
        for region in result:
            if isinstance(region, dict) and region.get("type") == "choices":
                for name in (region.get("value") or {}).get("choices") or []:
                    if name in classes:
                        answer.classes.append({"label": name, "score": score})
                    else:
                        answer.dropped += 1
        answers.append(answer)
    return answers, version
