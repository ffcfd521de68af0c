"""The environment decides the configuration once, at start-up."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
from config.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "eager": app.conf.task_always_eager,
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": app.conf.broker_url or "",
    "data_dir": str(settings.DATA_DIR),
    "secret": settings.SECRET_KEY,
    "acks_late": app.conf.task_acks_late,
    "reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "prefetch": app.conf.worker_prefetch_multiplier,
    "accept": app.conf.accept_content,
    "socket_timeout": app.conf.broker_transport_options["socket_timeout"],
}))
"""


def configuration(tmp_path: Path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update(BIAOZHU_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="config.settings")
    clean.pop("DJANGO_SECRET_KEY", None)
    clean.update(env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_nothing_set_runs_embedded(tmp_path):
    config = configuration(tmp_path)

    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["eager"] is True
    assert config["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["data_dir"] == str(tmp_path / "data")
    # The secret key is generated on first run, kept in the data folder, and reused.
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text().strip() == config["secret"]
    assert len(config["secret"]) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert configuration(tmp_path)["secret"] == config["secret"]


def test_service_urls_switch_to_postgresql_and_redis(tmp_path):
    config = configuration(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )

    assert config["engine"] == "django.db.backends.postgresql"
    assert config["eager"] is False
    assert config["broker"] == "redis://127.0.0.1:6379/0"
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_celery_is_configured_for_safe_redelivery(tmp_path):
    config = configuration(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")

    assert config["acks_late"] is True
    assert config["reject_on_worker_lost"] is True
    assert config["prefetch"] == 1
    assert config["accept"] == ["json"]
    assert config["socket_timeout"] <= 2


def test_this_run_uses_the_services_the_environment_names(settings):
    """In CI's second run DATABASE_URL and REDIS_URL are set: the suite really uses them."""
    if os.environ.get("DATABASE_URL"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    else:
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings.CELERY_TASK_ALWAYS_EAGER is not bool(os.environ.get("REDIS_URL"))
    assert settings.CELERY_BROKER_URL == os.environ.get("REDIS_URL", "")


def test_the_deployment_checklist_is_clean_in_production(tmp_path):
    """``check --deploy`` with what docker-compose.yml sets: not a warning left."""
    # Not what the test process sets for its browser (DJANGO_ALLOW_ASYNC_UNSAFE) or services.
    unset = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        BIAOZHU_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="k" + "x9Qz-" * 12,
        BIAOZHU_HTTPS="1",
        DJANGO_DEBUG="0",
        ALLOWED_HOSTS="biaozhu.example.org",
    )
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]

    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_every_variable_the_settings_read_is_documented():
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:environ\.get\(|environ\[|env_\w+\()"([A-Z][A-Z0-9_]+)"', source))
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", page, re.MULTILINE))
    # The pattern finds each way the module reads one: get, [], env_bool, env_list.
    assert {
        "BIAOZHU_IMPORT_PROCESSES",
        "DJANGO_SECRET_KEY",
        "DJANGO_DEBUG",
        "ALLOWED_HOSTS",
    } <= read
    assert read - documented == set()
