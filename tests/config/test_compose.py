"""docker-compose.yml, read against the Compose specification (no engine runs it here)."""

import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from config.healthcheck import healthy

ROOT = Path(__file__).resolve().parents[2]
# Service attributes this file may use, as the Compose specification names them.
SERVICE_KEYS = {
    "build",
    "image",
    "restart",
    "environment",
    "depends_on",
    "command",
    "ports",
    "healthcheck",
    "volumes",
}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_are_web_workers_database_and_redis():
    services = compose()["services"]

    assert set(services) == {"migrate", "web", "worker", "worker-heavy", "db", "redis"}
    for name, service in services.items():
        assert set(service) <= SERVICE_KEYS, name
        assert "image" in service or "build" in service


def test_web_and_worker_share_one_service_definition():
    services = compose()["services"]
    shared = ("build", "image", "environment")

    for key in shared:
        assert services["web"][key] == services["worker"][key] == services["migrate"][key]
        assert services["worker-heavy"][key] == services["web"][key]
    env = services["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert "?" in env["DJANGO_SECRET_KEY"]  # required from the environment, no default key


def test_commands_and_start_order():
    services = compose()["services"]

    assert services["web"]["command"][0] == "gunicorn"
    # The web server runs as bench/annotate.py measured it, in compose and in the image.
    web = " ".join(services["web"]["command"])
    assert "--worker-class gthread --threads 4 --keep-alive 30" in web
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    [cmd] = [line.removeprefix("CMD ") for line in dockerfile if line.startswith("CMD ")]
    assert json.loads(cmd) == services["web"]["command"]
    # One worker for the short jobs, one for the heavy ones, on the queues settings name.
    queues = {"worker": "celery", "worker-heavy": "heavy"}
    for name, queue in queues.items():
        command = services[name]["command"]
        assert command[:4] == ["celery", "-A", "config", "worker"]
        assert command[command.index("-Q") + 1] == queue
    assert set(queues.values()) == {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "worker-heavy"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["db"]["condition"] == "service_healthy"
        for dependency, rule in depends.items():
            assert dependency in services and rule["condition"] in CONDITIONS


def test_named_volumes_are_declared_and_ports_are_well_formed():
    document = compose()
    declared = set(document["volumes"])

    for service in document["services"].values():
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in declared
        for port in service.get("ports", []):
            assert re.fullmatch(r"\$\{BIAOZHU_PORT:-\d+\}:\d+|\d+:\d+", port)


def test_the_image_is_built_from_a_dockerfile_that_installs_the_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert compose()["services"]["web"]["build"] == "."
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert "USER biaozhu" in dockerfile


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("https", [False, True])
def test_the_web_health_check_passes_under_production_settings(
    live_server, settings, monkeypatch, https
):
    """With the README's production settings the server refuses a request for another
    host (400) and redirects plain HTTP (301): the check asks as the proxy would."""
    settings.ALLOWED_HOSTS = ["biaozhu.example.org"]
    settings.SECURE_SSL_REDIRECT = https
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    monkeypatch.setenv("ALLOWED_HOSTS", "biaozhu.example.org")
    monkeypatch.setenv("BIAOZHU_HTTPS", "1" if https else "0")
    port = int(live_server.url.rsplit(":", 1)[1])
    command = compose()["services"]["web"]["healthcheck"]["test"]

    assert command == ["CMD", "python", "-m", "config.healthcheck"]
    assert healthy(port=port)
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost")  # what the old check sent: refused
    assert not healthy(port=port)
