"""Runs of an external endpoint over a project's open snippets (annotation.suggesting.
endpoints says what each protocol sends and reads).

A manager asks for a run by the endpoint's name among those site staff configured. The
job calls the endpoint for each open snippet (the ML backend, for a batch of them), keeps
each answer by its request's hash (EndpointCall: the same prompt is never paid for
twice), and writes the suggestions as the endpoint's engine (a language model or an ML
backend). It keeps to the endpoint's calls a minute and a day. After three failed calls
in a row it stops, and the run says why; the suggestions written so far stay.
"""

import os
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from annotation.admission import heavy_job_admit
from annotation.jobs import ENDPOINT_RUN, dispatch_on_commit, job_start
from annotation.models import (
    EndpointCall,
    EndpointRun,
    Engine,
    GoldItem,
    JobStatus,
    MachineSuggestion,
)
from annotation.suggesting import endpoints
from annotation.suggesting.services import open_snippets, suggested_mark
from projects.models import Kind, Project

FAILURES_IN_A_ROW = 3


class UnknownEndpoint(Exception):
    pass


def configured() -> dict[str, endpoints.Endpoint]:
    """The endpoints site staff configured (settings.BIAOZHU_SUGGEST_ENDPOINTS)."""
    return endpoints.endpoints_from(settings.BIAOZHU_SUGGEST_ENDPOINTS, dict(os.environ))


@transaction.atomic
def endpoint_run_start(*, project: Project, user: User, endpoint: str) -> EndpointRun:
    """Queue a run of the configured endpoint ``endpoint`` (UnknownEndpoint if there is
    none of that name); it counts against the heavy jobs the asker and the project may
    have (TooManyJobs)."""
    if endpoint not in configured():
        raise UnknownEndpoint(endpoint)
    heavy_job_admit(user=user, project=project)
    run = EndpointRun.objects.create(project=project, created_by=user, endpoint=endpoint)
    dispatch_on_commit(ENDPOINT_RUN, run.id)
    return run


def endpoint_run_fail(*, run_id: int, reason: str) -> None:
    EndpointRun.objects.filter(id=run_id).exclude(status__in=EndpointRun.FINISHED).update(
        status=JobStatus.FAILED, error=reason[:500], finished_at=timezone.now()
    )


def _labels(project: Project) -> list[endpoints.Label]:
    kinds = {Kind.SPANS, Kind.CLASSES} & set(project.kinds)
    return [
        endpoints.Label(label.name, label.kind, label.description)
        for label in project.labels.order_by("position", "id")
        if label.kind in kinds
    ]


def _examples(project: Project, count: int) -> list[dict]:
    """Gold items as worked examples: their text and reference annotation."""
    golds = GoldItem.objects.filter(project=project).select_related("snippet").order_by("id")
    return [
        {"text": gold.snippet.text, "spans": gold.spans, "classes": gold.classes}
        for gold in golds[:count]
    ]


class _Caller:
    """Calls to one endpoint within its limits, answers kept by their request's hash."""

    def __init__(self, endpoint: endpoints.Endpoint, run: EndpointRun):
        self.endpoint, self.run = endpoint, run
        since = timezone.now() - timedelta(days=1)
        today = EndpointCall.objects.filter(endpoint=endpoint.name, created_at__gte=since)
        self.today = today.count()
        self.tokens = today.aggregate(total=Sum("tokens"))["total"] or 0
        self.last = 0.0
        self.failed_in_a_row = 0

    def answer(self, url: str, body: dict, headers: dict) -> dict | None:
        """The endpoint's answer to ``body``, from the cache or a call; None when the call
        failed (counted). Raises EndpointError when the run must stop."""
        key = endpoints.prompt_hash(self.endpoint, body)
        kept = EndpointCall.objects.filter(endpoint=self.endpoint.name, prompt_hash=key).first()
        if kept is not None:
            self.run.cached += 1
            return kept.answer
        if self.today >= self.endpoint.calls_per_day:
            raise endpoints.EndpointError(
                f"the endpoint's {self.endpoint.calls_per_day} calls a day are used up"
            )
        if self.endpoint.tokens_per_day and self.tokens >= self.endpoint.tokens_per_day:
            raise endpoints.EndpointError(
                f"the endpoint's {self.endpoint.tokens_per_day} tokens a day are used up"
            )
        pause = 60.0 / max(self.endpoint.calls_per_minute, 1) - (time.monotonic() - self.last)
        if pause > 0:
            time.sleep(pause)
        # Alive: a run that stops beating is taken for dead and sent again.
        EndpointRun.objects.filter(id=self.run.id).update(beat_at=timezone.now())
        self.last = time.monotonic()
        self.today += 1
        self.run.calls += 1
        try:
            answer = endpoints.call(endpoints.post_json, url, body, headers, self.endpoint.timeout)
        except endpoints.EndpointError as failed:
            self.run.failures += 1
            self.failed_in_a_row += 1
            if self.failed_in_a_row >= FAILURES_IN_A_ROW:
                raise endpoints.EndpointError(
                    f"{FAILURES_IN_A_ROW} calls failed in a row; the last: {failed.reason}"
                ) from None
            return None
        self.failed_in_a_row = 0
        tokens = answer.get("usage", {}).get("total_tokens", 0) if isinstance(answer, dict) else 0
        self.tokens += tokens or 0
        try:
            with transaction.atomic():
                EndpointCall.objects.create(
                    endpoint=self.endpoint.name, prompt_hash=key, answer=answer, tokens=tokens or 0
                )
        except IntegrityError:  # the same prompt answered by a run beside this one
            pass
        return answer


def _write(run: EndpointRun, engine: Engine, version: str, found: dict) -> None:
    """The suggestions of ``found`` (snippet id → Answer) in place of the engine's."""
    rows = [
        MachineSuggestion(
            snippet_id=snippet_id,
            project_id=run.project_id,
            engine=engine,
            model_version=version[:32],
            items=answer.spans + answer.classes,
        )
        for snippet_id, answer in found.items()
        if answer.spans or answer.classes
    ]
    with transaction.atomic():
        MachineSuggestion.objects.filter(snippet_id__in=list(found), engine=engine).delete()
        MachineSuggestion.objects.bulk_create(rows)
        suggested_mark(list(found))
    run.snippets += len(rows)
    run.dropped += sum(answer.dropped for answer in found.values())
    run.save(update_fields=["snippets", "calls", "cached", "tokens", "dropped", "failures"])


def endpoint_run_execute(*, run_id: int) -> None:
    """The run: every open snippet through the endpoint. A finished run is left alone, and
    so is one another worker is running (it called the endpoint within STALE_AFTER); one
    whose worker died starts again, the answers it had found coming from the cache."""
    with transaction.atomic():
        run = EndpointRun.objects.select_for_update().select_related("project").get(id=run_id)
        if run.finished:
            return
        beat = run.beat_at
        if run.status == JobStatus.RUNNING and beat and timezone.now() - beat < run.STALE_AFTER:
            return
        job_start(run)
        run.beat_at = timezone.now()
        run.save(update_fields=["beat_at"])
    endpoint = configured().get(run.endpoint)
    if endpoint is None:
        return endpoint_run_fail(run_id=run.id, reason="the endpoint is no longer configured")
    project = run.project
    labels = _labels(project)
    caller = _Caller(endpoint, run)
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    try:
        if endpoint.protocol == endpoints.OPENAI:
            _chat(run, project, endpoint, labels, caller, headers)
        else:
            _backend(run, project, endpoint, labels, caller, headers)
    except endpoints.EndpointError as stopped:
        run.save(update_fields=["snippets", "calls", "cached", "tokens", "dropped", "failures"])
        return endpoint_run_fail(run_id=run.id, reason=stopped.reason)
    run.status, run.progress, run.finished_at = JobStatus.SUCCEEDED, 1.0, timezone.now()
    run.save(update_fields=["status", "progress", "finished_at"])


def _chat(run, project, endpoint, labels, caller, headers) -> None:
    """A chat model, one snippet a call."""
    examples = _examples(project, endpoint.examples)

    def body(tasks):
        return endpoints.chat_body(endpoint, labels, examples, tasks[0][1])

    def read(tasks, reply):
        answer, tokens = endpoints.chat_answer(tasks[0][1], reply, labels)
        return [answer], "", tokens

    url = endpoint.url.rstrip("/") + "/chat/completions"
    version = f"{endpoint.name}:{endpoint.model}"
    _through(run, project, (url, headers, caller), Engine.LLM, version, 1, body, read)


def _backend(run, project, endpoint, labels, caller, headers) -> None:
    """An ML backend, a batch of snippets a call; its answer names its model's version."""

    def body(tasks):
        return endpoints.predict_body(project.id, labels, tasks)

    def read(tasks, reply):
        answers, said = endpoints.predictions(tasks, reply, labels)
        return answers, f"{endpoint.name}:{said}" if said else "", 0

    url = endpoint.url.rstrip("/") + "/predict"
    calling = (url, headers, caller)
    _through(run, project, calling, Engine.ML_BACKEND, endpoint.name, endpoint.batch, body, read)


def _through(run, project, calling, engine, version, size, body, read) -> None:
    """Every open snippet through the endpoint, ``size`` a call: ``body(tasks)`` is the
    request of (id, text) tasks, ``read(tasks, reply)`` their answers, the model version
    the reply names (or "") and the tokens it took. What came before a stop is kept."""
    url, headers, caller = calling
    for chunk in open_snippets(project):
        found: dict = {}
        try:
            for at in range(0, len(chunk), size):
                tasks = [(snippet_id, text) for snippet_id, text, _ in chunk[at : at + size]]
                reply = caller.answer(url, body(tasks), headers)
                if reply is None:
                    continue
                try:
                    answers, said, tokens = read(tasks, reply)
                except endpoints.EndpointError:
                    run.failures += 1
                    continue
                run.tokens += tokens
                version = said or version
                found.update(
                    {task_id: answer for (task_id, _), answer in zip(tasks, answers, strict=True)}
                )
        finally:
            _write(run, engine, version, found)
