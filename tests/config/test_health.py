import time

import pytest

pytestmark = pytest.mark.django_db


def test_health_needs_no_login_and_reports_each_part(api, settings):
    response = api.get("/api/v1/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        assert body == {"database": "ok", "broker": "eager", "workers": 0}
    else:
        assert body["broker"] == "ok"


def test_closed_broker_port_is_down_within_3_seconds(api, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    started = time.monotonic()
    response = api.get("/api/v1/health/")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["workers"] == 0
    assert elapsed < 3


@pytest.mark.worker
def test_a_broker_without_workers_reports_zero_workers(api, settings, redis_url):
    # Another Redis database is another virtual host: no worker listens there.
    settings.CELERY_BROKER_URL = redis_url.rsplit("/", 1)[0] + "/15"

    started = time.monotonic()
    body = api.get("/api/v1/health/").json()

    assert body["broker"] == "ok"
    assert body["workers"] == 0
    assert time.monotonic() - started < 3


@pytest.mark.worker
def test_a_running_worker_is_counted(api):
    body = api.get("/api/v1/health/").json()

    assert body["broker"] == "ok"
    assert body["workers"] >= 1


@pytest.mark.worker
def test_callers_cannot_make_the_worker_ping_more_often_than_every_few_seconds(
    api, settings, redis_url
):
    """The ping waits up to a second for every worker to answer: anyone calling health
    must not be able to start one per call."""
    settings.CELERY_BROKER_URL = redis_url.rsplit("/", 1)[0] + "/15"  # no worker there
    api.get("/api/v1/health/")  # pings once

    started = time.monotonic()
    answers = [api.get("/api/v1/health/").json()["workers"] for _ in range(5)]

    assert answers == [0] * 5
    assert time.monotonic() - started < 0.5  # five answers, no second ping of 1 s
