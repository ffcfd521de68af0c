import os
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from projects.models import Role
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.relations import linked, typed  # noqa: F401 (fixtures: relation projects)
from tests.suggestions import learning  # noqa: F401 (fixture: a project with suggestions)

# Everyone a permission matrix walks through: anonymous, a stranger, and each role.
ACTORS = ["anonymous", "outsider", "client", "annotator", "reviewer", "manager"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(request, settings):
    """Each test starts with an empty cache (login throttles live there).

    Tests with a real worker keep the shared Redis cache; the others get a private one,
    since clearing Redis would also clear the broker's queues.
    """
    from django.core.cache import cache

    if request.node.get_closest_marker("worker") is None:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        cache.clear()


@pytest.fixture(autouse=True)
def _publisher_ended_with_its_test():
    """A test that started the outbox publisher thread ends it: left running, its sweep
    half a minute later would read the database during some later test, one that may have
    no database access, or after the test database is gone."""
    yield
    from annotation.jobs import publisher

    publisher.end()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def members(project):
    """One user per role in ``project``, plus an outsider who belongs to another project."""
    users = {
        role.value: MembershipFactory(project=project, role=role, user__username=role.value).user
        for role in Role
    }
    users["outsider"] = MembershipFactory(role=Role.MANAGER, user__username="outsider").user
    return users


@pytest.fixture
def client_for(members):
    """An API client logged in as the named actor (``anonymous`` for none)."""

    def make(actor: str) -> APIClient:
        client = APIClient()
        if actor != "anonymous":
            client.force_authenticate(members[actor])
        return client

    return make


def real_services() -> bool:
    return bool(os.environ.get("REDIS_URL"))


@pytest.fixture
def user():
    return UserFactory()


def worker_available() -> bool:
    """A real worker needs a broker and a database it can share with the tests."""
    return bool(os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL"))


@pytest.fixture
def redis_url() -> str:
    return os.environ["REDIS_URL"]


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real ``celery worker`` process on the test database, for the session.

    It is started on first use, after the test database exists, and stopped at the end.
    """
    from tests.worker import WorkerProcess

    worker = WorkerProcess.for_test_database()
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def _worker_for_marked_tests(request):
    """Tests marked ``worker`` get a real worker; the others run jobs eagerly, in-process,
    inside the request that asked for them (not in a thread beside it, as the embedded
    default does: tests/annotation/test_imports.py tries that), so that a test sees a
    job's end at the commit."""
    if request.node.get_closest_marker("worker") is None:
        from django.conf import settings

        from config.celery import app

        eager = app.conf.task_always_eager
        background = settings.BIAOZHU_JOBS_IN_BACKGROUND
        app.conf.update(CELERY_TASK_ALWAYS_EAGER=True)
        settings.BIAOZHU_JOBS_IN_BACKGROUND = False
        yield
        app.conf.update(CELERY_TASK_ALWAYS_EAGER=eager)
        settings.BIAOZHU_JOBS_IN_BACKGROUND = background
        return
    if not worker_available():
        pytest.skip("needs DATABASE_URL and REDIS_URL for a real Celery worker")
    worker = request.getfixturevalue("celery_worker")
    yield
    # A job the test did not wait for (the suggestions' refresh after a finals refresh,
    # say) must end before the database is flushed: the two deadlock.
    worker.settle()


@pytest.fixture
def broker_jobs():
    """Jobs go through the outbox, as with a broker, whatever this run has."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=False)
    yield
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=eager)


@pytest.fixture
def worker(request):
    """The session's real worker, for tests that stop or kill it; skipped without one."""
    if not worker_available():
        pytest.skip("needs DATABASE_URL and REDIS_URL for a real Celery worker")
    return request.getfixturevalue("celery_worker")  # settled by _worker_for_marked_tests


@pytest.fixture
def upload(client_for, django_capture_on_commit_callbacks):
    """POST a file to a project's imports as ``actor``; the job runs at commit, eagerly.

    Returns the upload's response and the job as the API then reports it.
    """

    def post(project, name: str, content: bytes, actor: str = "manager", **fields):
        client = client_for(actor)
        data = {"file": SimpleUploadedFile(name, content), **fields}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/api/v1/projects/{project.id}/imports/", data)
        if response.status_code != 202:
            return response, None
        # Reasons in English, so that the assertions read the same in any locale.
        job_url = f"/api/v1/imports/{response.json()['id']}/"
        job = client.get(job_url, HTTP_ACCEPT_LANGUAGE="en").json()
        return response, job

    return post


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip("Chromium is not installed (CI installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own
    # database calls are still plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_for(browser, live_server):
    """A logged-in browser page for a username (password from the factories)."""
    from tests.factories import PASSWORD

    pages = []

    def open_as(username: str, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        # What the Content-Security-Policy refused counts as an error of the page.
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and page.errors.append(message.text)
            ),
        )
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        pages.append(context)
        return page

    yield open_as
    for context in pages:
        context.close()
