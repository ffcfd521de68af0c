"""Every URL of the URLconf, for every actor and method: nobody gets in where they do not
belong, whatever the endpoint. New endpoints are walked without being listed here.

- Anonymous: the API answers 401/403, the pages send to the log-in page.
- A member of another project (``outsider``): 404 for anything naming this project's
  objects, whatever the method (405 for a method the endpoint does not have at all).
- Annotators, reviewers and clients write only where their role writes.
- Nothing answers with a server error; a manager reads every object named.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from annotation.models import (
    Acceptance,
    AcceptanceItem,
    Adjudication,
    Batch,
    ExportJob,
    GoldItem,
    ImportJob,
    QualityRun,
    Review,
)
from tests.conftest import ACTORS
from tests.factories import snippets_of, work_submitted

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch", "delete")
# Open to anybody: the health check, logging in, the schema and its page, the language,
# the password reset by e-mail (tests/accounts/test_people.py).
PUBLIC = {
    *("health", "auth-token", "schema", "api-docs", "set_language", "login", "logout"),
    *("jsi18n", "password-reset", "password-reset-sent", "password-reset-confirm"),
}
# Site staff's, not a project's: everyone else (members of any role) gets 403.
STAFF_ONLY = {"user-list", "user-import", "user-detail", "user-password", "people"}
# Where each read-mostly role may write (by URL name and method); everything else: 403/404/405.
WRITES_ALLOWED = {
    "annotator": {
        ("task-next", "post"),
        ("assignment-draft", "put"),
        ("assignment-submit", "post"),
        ("assignment-skip", "post"),
        ("my-token", "post"),
        ("my-password", "post"),
    },
    "reviewer": {
        ("task-next", "post"),
        ("assignment-draft", "put"),
        ("assignment-submit", "post"),
        ("assignment-skip", "post"),
        ("quality-run-list", "post"),
        ("review-decision", "post"),
        ("adjudication-detail", "put"),
        ("export-list", "post"),
        ("my-token", "post"),
        ("my-password", "post"),
    },
    "client": {
        ("export-list", "post"),
        ("batch-acceptance", "post"),
        ("batch-acceptance-item", "put"),
        ("my-token", "post"),
        ("my-password", "post"),
    },
}


def _routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


ROUTES = [(route, name) for route, name in _routes() if not route.startswith("admin/")]


@pytest.fixture
def world(project, members):
    """One object of every kind the URLs name, all in ``project``; the ids by parameter."""
    annotator, reviewer, client = members["annotator"], members["reviewer"], members["client"]
    batch = Batch.objects.create(project=project, name="包", status="accepting", size=2)
    snippet, gold = snippets_of(project, ("北京欢迎你。", "上海也不错。"), batch)
    assignment = work_submitted(snippet, annotator)
    revision = assignment.revisions.get()
    review = Review.objects.create(
        project=project, batch=batch, assignment=assignment, revision=revision
    )
    acceptance = Acceptance.objects.create(batch=batch, created_by=client, threshold=98)
    item = AcceptanceItem.objects.create(acceptance=acceptance, snippet=snippet)
    gold.gold = True
    gold.save(update_fields=["gold"])
    gold_item = GoldItem.objects.create(project=project, snippet=gold)
    Adjudication.objects.create(project=project, snippet=snippet, adjudicator=reviewer)
    return {
        "project_id": project.id,
        "user_id": annotator.id,
        "import_id": ImportJob.objects.create(project=project, filename="a.txt", format="text").id,
        "snippet_id": snippet.id,
        "batch_id": batch.id,
        "assignment_id": assignment.id,
        "run_id": QualityRun.objects.create(project=project).id,
        "review_id": review.id,
        "item_id": item.id,
        "gold_id": gold_item.id,
        "uidb64": "MQ",  # a password reset link's, made up: the page says it is not valid
        "token": "x",
        "export_id": ExportJob.objects.create(
            project=project, format="jsonl", status="succeeded", options={"status": "accepted"}
        ).id,
    }


def _url(route: str, ids: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(ids[match[1]]), route)


@pytest.mark.parametrize("actor", ACTORS)
def test_every_url_for_every_actor(world, members, actor):
    client = APIClient()  # a session, for the pages and the API alike
    if actor != "anonymous":
        client.force_login(members[actor])
    wrong = []
    for route, name in ROUTES:
        url = _url(route, world)
        api = route.startswith("api/v1/")
        for method in ("get", *WRITES) if api else ("get",):
            answer = (
                getattr(client, method)(url, {}, format="json")
                if method != "get"
                else (client.get(url))
            )
            code = answer.status_code
            allowed = _allowed(actor, name, method, api, named="<" in route)
            if code >= 500 or (allowed is not None and code not in allowed):
                wrong.append(f"{method.upper()} {url} ({name}): {code}, expected {allowed}")
    assert not wrong, "\n".join(wrong)


def _allowed(actor: str, name: str, method: str, api: bool, named: bool) -> set[int] | None:
    """The answers ``actor`` may get, or None where any answer but a server error will do."""
    if name in PUBLIC:
        return None
    if actor == "anonymous":
        return {401, 403, 405} if api else {302}
    if name in STAFF_ONLY:  # none of the actors is site staff (tests/accounts/test_people.py)
        return {403, 405}
    if actor == "outsider" and named:
        return {404, 405}
    if actor in WRITES_ALLOWED and api and method in WRITES:
        if (name, method) not in WRITES_ALLOWED[actor]:
            return {403, 404, 405}
    if actor == "manager" and method == "get":
        return {200, 204, 405}  # every object of the world is reachable: the walk is real
    return None


@pytest.mark.parametrize("actor", [actor for actor in ACTORS if actor != "anonymous"])
def test_the_admin_is_for_staff_only(members, actor):
    client = APIClient()
    client.force_login(members[actor])

    answer = client.get("/admin/projects/project/")

    assert answer.status_code == 302 and answer["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("path", ["/login/", "/", "/api/v1/health/"])
def test_a_strict_content_security_policy_on_every_response(client, members, path):
    client.force_login(members["manager"])

    policy = client.get(path)["Content-Security-Policy"]

    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    answer = client.get(path)
    assert answer["X-Frame-Options"] == "DENY" and answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"


def test_every_state_changing_request_of_a_session_needs_its_csrf_token(world, members):
    """A page of another site posting with the user's session cookie is refused on every
    write of the API and on the log-in, log-out and language forms."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(members["manager"])
    accepted = []
    for route, name in ROUTES:
        if name in {"health", "auth-token", "schema", "api-docs", "jsi18n"}:
            continue  # no session involved, or nothing to change
        for method in WRITES if route.startswith("api/v1/") else ("post",):
            answer = getattr(client, method)(_url(route, world), {}, format="json")
            refused = answer.status_code == 403 and b"CSRF" in answer.content
            if not refused and answer.status_code != 405:
                accepted.append(f"{method.upper()} {route}: {answer.status_code}")
    assert not accepted, "\n".join(accepted)


def test_the_server_never_fetches_a_url_it_is_given():
    """No module of the platform opens an outbound HTTP connection but the one that calls
    the suggestion endpoints site staff configured: a URL in an import, a label, the
    guidelines or a request stays text (no server-side request forgery)."""
    import ast
    from pathlib import Path

    from django.conf import settings

    clients = {"urllib.request", "http.client", "requests", "httpx", "aiohttp", "urllib3"}
    # The container's health check, run by the orchestrator, not the server: it asks the
    # loopback address, fixed in its code, and no URL anyone gives.
    # The external suggestion endpoints: only the addresses of the settings, by the names
    # site staff gave them (tests/annotation/suggesting/test_endpoints.py: a request that
    # names an address gets 400 and no call).
    allowed = {
        Path(settings.BASE_DIR) / "config" / "healthcheck.py",
        Path(settings.BASE_DIR) / "annotation" / "suggesting" / "endpoints.py",
    }
    found = []
    for package in ("accounts", "annotation", "projects", "frontend", "config"):
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
            if path in allowed:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):  # from urllib import request, too
                    module = node.module or ""
                    names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
                else:
                    continue
                found += [f"{path}: {name}" for name in names if name in clients]
    assert not found, found


@pytest.mark.django_db
def test_a_fresh_installation_has_no_account_to_guess():
    """Migrations make no user and no token; demo accounts come from ``manage.py demo``
    alone, with a password the operator may set (BIAOZHU_DEMO_PASSWORD)."""
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    assert not User.objects.exists() and not Token.objects.exists()
