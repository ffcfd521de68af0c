"""External endpoints, each against a local HTTP server that speaks its protocol: an
OpenAI-compatible chat-completions server and a Label Studio ML backend."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from annotation.jobs import ENDPOINT_RUN, heavy_jobs_resend
from annotation.models import EndpointCall, EndpointRun, MachineSuggestion, OutboxMessage, Snippet
from annotation.suggesting import endpoints
from annotation.suggesting.external import endpoint_run_execute

pytestmark = pytest.mark.django_db

KNOWN = {"王建国": "人名", "周玉兰": "人名", "北京大学": "机构", "新华社": "机构"}


class Server:
    """A local server that answers each POST with ``reply(path, body)`` (a status and a
    JSON body) and keeps what it was sent."""

    def __init__(self, reply):
        self.received: list[tuple[str, dict, dict]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.received.append((self.path, body, dict(self.headers)))
                status, answer = reply(self.path, body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()


def chat_model(path, body):
    """An OpenAI-compatible model that knows a few names, and invents one."""
    assert path == "/v1/chat/completions"
    text = body["messages"][-1]["content"]
    entities = [{"text": name, "label": label} for name, label in KNOWN.items() if name in text]
    entities.append({"text": "不存在的人", "label": "人名"})  # not in the text: dropped
    content = json.dumps({"entities": entities}, ensure_ascii=False)
    return 200, {
        "choices": [{"message": {"role": "assistant", "content": content}}],
        "usage": {"total_tokens": 42},
    }


def utf16(text: str, point: int) -> int:
    return len(text[:point].encode("utf-16-le")) // 2


def ml_backend(path, body):
    """A Label Studio ML backend counting offsets in UTF-16 units, as Label Studio does."""
    assert path == "/predict" and "<Labels" in body["label_config"]
    results = []
    for task in body["tasks"]:
        text = task["data"]["text"]
        regions = [
            {
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {
                    "start": utf16(text, text.index(name)),
                    "end": utf16(text, text.index(name) + len(name)),
                    "text": name,
                    "labels": [label],
                },
            }
            for name, label in KNOWN.items()
            if name in text
        ]
        results.append({"result": regions, "score": 0.8, "model_version": "ner-v7"})
    return 200, {"results": results}


@pytest.fixture
def serve():
    servers = []

    def start(reply):
        servers.append(Server(reply))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def configure(settings, monkeypatch):
    def endpoint(**given):
        monkeypatch.setenv("TEST_ENDPOINT_KEY", "sk-local")
        entry = {"api_key_env": "TEST_ENDPOINT_KEY", "calls_per_minute": 60_000, **given}
        settings.BIAOZHU_SUGGEST_ENDPOINTS = [entry]

    monkeypatch.setattr(endpoints, "RETRIES", (0.0, 0.0))
    return endpoint


def run_endpoint(client, project, name, capture):
    with capture(execute=True):
        answer = client.post(
            f"/api/v1/projects/{project.id}/suggestions/endpoint-runs/",
            {"endpoint": name},
            format="json",
        )
    assert answer.status_code == 202, answer.json()
    return EndpointRun.objects.get(id=answer.json()["id"])


def items(project, text, engine):
    snippet = Snippet.objects.get(project=project, text=text)
    return MachineSuggestion.objects.get(snippet=snippet, engine=engine).items


def test_a_language_model_suggests_what_it_finds_with_the_label_set_as_schema(
    learning, client_for, serve, configure, django_capture_on_commit_callbacks
):
    server = serve(chat_model)
    configure(name="qwen", protocol="openai", url=f"{server.url}/v1", model="qwen2.5-7b")

    run = run_endpoint(client_for("manager"), learning, "qwen", django_capture_on_commit_callbacks)

    assert run.status == "succeeded" and run.calls == 3 and run.tokens == 3 * 42
    assert run.snippets == 2 and run.dropped == 3  # the invented name, once a snippet
    path, body, headers = server.received[0]
    assert headers["Authorization"] == "Bearer sk-local" and body["model"] == "qwen2.5-7b"
    shape = body["response_format"]["json_schema"]["schema"]
    assert shape["properties"]["entities"]["items"]["properties"]["label"]["enum"] == [
        "人名",
        "机构",
    ]
    assert "人名" in body["messages"][0]["content"]
    assert {"start": 2, "end": 5, "label": "人名", "score": None} in items(
        learning, "𠮷😀王建国来到北京大学。", "llm"
    )


def test_the_same_prompt_is_answered_from_the_cache(
    learning, client_for, serve, configure, django_capture_on_commit_callbacks
):
    server = serve(chat_model)
    configure(name="qwen", protocol="openai", url=f"{server.url}/v1", model="qwen2.5-7b")
    manager = client_for("manager")
    run_endpoint(manager, learning, "qwen", django_capture_on_commit_callbacks)

    again = run_endpoint(manager, learning, "qwen", django_capture_on_commit_callbacks)

    assert again.status == "succeeded" and again.calls == 0 and again.cached == 3
    assert len(server.received) == 3 and EndpointCall.objects.count() == 3


@pytest.mark.parametrize(
    ("limit", "says"),
    [
        ({"calls_per_day": 2}, "2 calls a day are used up"),
        ({"tokens_per_day": 50}, "50 tokens a day are used up"),  # 42, then 84: stop
    ],
)
def test_a_run_stops_at_the_endpoints_daily_limit_keeping_what_it_found(
    learning, client_for, serve, configure, django_capture_on_commit_callbacks, limit, says
):
    server = serve(chat_model)
    configure(name="qwen", protocol="openai", url=f"{server.url}/v1", **limit)

    run = run_endpoint(client_for("manager"), learning, "qwen", django_capture_on_commit_callbacks)

    assert run.status == "failed" and says in run.error
    assert len(server.received) == 2 and run.snippets == 2 and run.tokens == 84


def test_a_failing_endpoint_is_tried_a_bounded_number_of_times_and_the_run_says_why(
    learning, client_for, serve, configure, django_capture_on_commit_callbacks
):
    server = serve(lambda path, body: (500, {"error": "overloaded"}))
    configure(name="qwen", protocol="openai", url=f"{server.url}/v1")

    run = run_endpoint(client_for("manager"), learning, "qwen", django_capture_on_commit_callbacks)

    assert run.status == "failed"
    assert run.error == "3 calls failed in a row; the last: the endpoint answered HTTP 500"
    assert len(server.received) == 3 * 3  # each call tried three times, then the run stops
    assert not MachineSuggestion.objects.filter(engine="llm").exists()


def test_an_ml_backend_predicts_in_batches_in_utf16_units(
    learning, client_for, serve, configure, django_capture_on_commit_callbacks
):
    server = serve(ml_backend)
    configure(name="ner", protocol="label-studio", url=server.url, batch=2)

    run = run_endpoint(client_for("manager"), learning, "ner", django_capture_on_commit_callbacks)

    assert run.status == "succeeded" and run.calls == 2  # three snippets, two a call
    found = items(learning, "𠮷😀王建国来到北京大学。", "ml-backend")
    assert {"start": 2, "end": 5, "label": "人名", "score": 0.8} in found  # code points
    snippet = Snippet.objects.get(project=learning, text="周玉兰在新华社开会。")
    row = MachineSuggestion.objects.get(snippet=snippet, engine="ml-backend")
    assert row.model_version == "ner:ner-v7"


def test_only_a_configured_endpoint_runs_and_only_for_a_manager(learning, client_for, configure):
    configure(name="qwen", protocol="openai", url="http://127.0.0.1:9/v1")
    url = f"/api/v1/projects/{learning.id}/suggestions/endpoint-runs/"

    unknown = client_for("manager").post(url, {"endpoint": "http://10.0.0.1/"}, format="json")

    assert unknown.status_code == 400 and not EndpointRun.objects.exists()
    assert client_for("reviewer").post(url, {"endpoint": "qwen"}, format="json").status_code == 403
    listed = client_for("reviewer").get(f"/api/v1/projects/{learning.id}/suggestions/").json()
    assert listed["endpoints"] == [{"name": "qwen", "protocol": "openai", "model": ""}]


@pytest.fixture
def three_runs(learning, serve, configure):
    """Runs of a local chat model: one a live worker is on, one whose worker died (no
    beat for 11 minutes), one that never started."""
    server = serve(chat_model)
    configure(name="qwen", protocol="openai", url=f"{server.url}/v1")
    now = timezone.now()
    made = {
        "live": dict(status="running", beat_at=now),
        "dead": dict(status="running", beat_at=now - timedelta(minutes=11)),
        "lost": dict(status="pending"),
    }
    runs = {
        name: EndpointRun.objects.create(project=learning, endpoint="qwen", **fields)
        for name, fields in made.items()
    }
    return server, runs


def test_a_starting_worker_sends_again_the_dead_run_and_the_lost_one(
    three_runs, broker_jobs, django_capture_on_commit_callbacks
):
    _, runs = three_runs

    with django_capture_on_commit_callbacks(execute=False):
        assert heavy_jobs_resend() == 2

    sent = OutboxMessage.objects.filter(task=ENDPOINT_RUN).values_list("args", flat=True)
    assert sorted(sent) == sorted([[runs["dead"].id], [runs["lost"].id]])


def test_a_run_another_worker_is_on_is_left_alone_and_a_dead_one_taken_over(three_runs):
    server, runs = three_runs

    endpoint_run_execute(run_id=runs["live"].id)
    assert server.received == []  # another worker is on it
    endpoint_run_execute(run_id=runs["dead"].id)
    runs["dead"].refresh_from_db()
    assert runs["dead"].status == "succeeded" and len(server.received) == 3
