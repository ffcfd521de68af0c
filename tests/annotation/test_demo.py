import logging
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import User
from annotation.models import Article, ImportJob, Snippet, TokenizeRun
from projects.models import Membership, Project

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    models = [User, Project, Membership, Article, Snippet, ImportJob, TokenizeRun]
    return {model.__name__: model.objects.count() for model in models}


def run_demo(capture) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("demo", "--no-serve", stdout=out)
    return out.getvalue()


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_demo_loads_the_seeds_and_twice_changes_nothing(
    django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.delenv("BIAOZHU_DEMO_PASSWORD", raising=False)
    broker_log = Kept()
    logging.getLogger("kombu").addHandler(broker_log)

    try:
        first_output = run_demo(django_capture_on_commit_callbacks)
    finally:
        logging.getLogger("kombu").removeHandler(broker_log)
    first = counts()
    if not settings.CELERY_BROKER_URL:  # no broker: nothing tries to reach one, or warns
        assert [record.getMessage() for record in broker_log.records] == []
    second_output = run_demo(django_capture_on_commit_callbacks)

    assert counts() == first
    assert first["Project"] == 1 and first["ImportJob"] == 4 and first["Snippet"] > 100
    assert not Snippet.objects.filter(tokenizer_version="").exists()
    project = Project.objects.get()
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {
        "manager": "manager",
        "annotator1": "annotator",
        "annotator2": "annotator",
        "reviewer": "reviewer",
        "client": "client",
    }
    assert User.objects.get(username="manager").has_perm("projects.add_project")
    assert User.objects.get(username="annotator1").check_password("biaozhu-demo")
    for output in (first_output, second_output):
        assert "http://127.0.0.1:8000/" in output
        assert "biaozhu-demo" in output
        assert "annotator1" in output


def test_demo_password_comes_from_the_environment(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setenv("BIAOZHU_DEMO_PASSWORD", "another-secret-42")

    output = run_demo(django_capture_on_commit_callbacks)

    assert "another-secret-42" in output
    assert User.objects.get(username="client").check_password("another-secret-42")


def test_demo_serves_the_platform(tmp_path):
    """The README's first command, end to end: a fresh data folder, then pages and API."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["BIAOZHU_DATA_DIR"] = str(tmp_path)
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "manage.py", "demo", f"127.0.0.1:{port}"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as page:
                    html = page.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "demo did not serve in time"
                time.sleep(0.5)
        assert "登录" in html  # Chinese by default
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/") as health:
            assert health.status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=20)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output
    assert "annotator1" in output


def test_demo_never_changes_an_account_that_was_there(django_capture_on_commit_callbacks):
    """Run against a real installation, the demo must not reset its manager's password to
    the public demo one nor give it rights."""
    own = User.objects.create_user(username="manager", password="a-strong-own-password-7")

    output = run_demo(django_capture_on_commit_callbacks)

    own.refresh_from_db()
    assert own.check_password("a-strong-own-password-7")
    assert not own.check_password("biaozhu-demo")
    assert not own.has_perm("projects.add_project") and not own.is_staff
    assert "left as it was" in output
    assert User.objects.get(username="annotator1").check_password("biaozhu-demo")


@pytest.mark.parametrize(
    "variable, value",
    [("DJANGO_SECRET_KEY", "x" * 50), ("ALLOWED_HOSTS", "biaozhu.example.org")],
)
def test_demo_refuses_production_settings_unless_told(
    django_capture_on_commit_callbacks, monkeypatch, variable, value
):
    monkeypatch.setenv(variable, value)

    with pytest.raises(CommandError, match=variable):
        call_command("demo", "--no-serve", stdout=StringIO())
    assert not User.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", "--no-serve", "--production", stdout=StringIO())
    assert Project.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_demo_shows_a_project_in_motion(monkeypatch):
    """Every page has something on the first run: work reviewed, sent back, settled,
    accepted by the client and exported; a site staff account for the People page."""
    from annotation.models import (
        Acceptance,
        Adjudication,
        Assignment,
        Batch,
        ExportJob,
        FinalAnnotation,
        Review,
    )

    monkeypatch.delenv("BIAOZHU_DEMO_PASSWORD", raising=False)
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)

    statuses = list(Batch.objects.order_by("id").values_list("status", flat=True))
    assert statuses[:2] == ["accepted", "reviewing"] and set(statuses[2:]) == {"annotating"}
    assert Acceptance.objects.get().status == "accepted"
    [export] = ExportJob.objects.all()
    assert (export.status, export.created_by.username) == ("succeeded", "client")
    assert export.items == Batch.objects.order_by("id").first().snippets.count()
    [returned] = Assignment.objects.filter(status="returned")
    assert "聊城" in returned.return_reason
    assert Review.objects.filter(status="rejected").count() == 1
    assert set(Adjudication.objects.values_list("adjudicator__username", flat=True)) == {"reviewer"}
    # Relations among the seeded work: organisations 位于 the places before them.
    located = [
        (final.spans, relation)
        for final in FinalAnnotation.objects.exclude(relations=[])
        for relation in final.relations
    ]
    assert len(located) >= 5
    assert {relation["type"] for _, relation in located} == {"位于"}
    assert {spans[int(r["from"][1:]) - 1]["label"] for spans, r in located} == {"机构"}
    assert {spans[int(r["to"][1:]) - 1]["label"] for spans, r in located} == {"地名"}
    staff = User.objects.get(username="staff")
    assert staff.is_staff and not staff.memberships.exists()
    assert "staff" in out.getvalue()

    again = StringIO()
    call_command("demo", "--no-serve", stdout=again)  # a second run adds no work
    assert Assignment.objects.filter(status="returned").count() == 1
    assert ExportJob.objects.count() == 1
