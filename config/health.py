"""GET /api/v1/health/: can this deployment serve and run jobs right now?

Each probe is bounded in time so that the whole answer comes within about 3 s even when
Redis hangs or the broker port is closed.
"""

import hashlib
import logging

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 1.0
# How long a worker count stands: the ping is a broadcast every worker answers, and the
# endpoint is open to anyone, so that callers cannot make it more often than this.
WORKERS_SECONDS = 10


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure to answer means down; the reason goes to the log
        logger.warning("health: database probe failed", exc_info=True)
        return "down"
    return "ok"


def broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=PROBE_TIMEOUT,
        socket_timeout=PROBE_TIMEOUT,
    )
    try:
        client.ping()
    except redis.RedisError:
        logger.warning("health: broker probe failed", exc_info=True)
        return "down"
    finally:
        client.close()
    return "ok"


def worker_count() -> int:
    """Workers answering a broadcast ping within PROBE_TIMEOUT; call only with a live broker."""
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            replies = celery_app.control.ping(timeout=PROBE_TIMEOUT, connection=conn)
    except Exception:  # kombu raises several families here; none of them is fatal to health
        logger.warning("health: worker ping failed", exc_info=True)
        return 0
    return len(replies or [])


def workers_known() -> int:
    """The workers answering a ping, counted at most once every WORKERS_SECONDS per broker
    (across processes, through the cache); while one process pings, the others answer
    with the count before."""
    key = "health:workers:" + hashlib.sha256(settings.CELERY_BROKER_URL.encode()).hexdigest()
    count = cache.get(key)
    if count is not None:
        return count
    if not cache.add(f"{key}:pinging", 1, timeout=PROBE_TIMEOUT + 1):
        return cache.get(f"{key}:before", 0)
    count = worker_count()
    cache.set(key, count, timeout=WORKERS_SECONDS)
    cache.set(f"{key}:before", count, timeout=None)
    return count


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Health",
            {
                "database": serializers.ChoiceField(["ok", "down"]),
                "broker": serializers.ChoiceField(["ok", "eager", "down"]),
                "workers": serializers.IntegerField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        broker = broker_status()
        workers = workers_known() if broker == "ok" else 0
        body = {"database": database_status(), "broker": broker, "workers": workers}
        healthy = body["database"] == "ok" and broker != "down"
        return Response(body, status=200 if healthy else 503)
