"""Biaozhu settings: one module, and the environment decides once, at start-up.

With nothing set, the platform runs embedded: SQLite in the data folder, Celery tasks run
eagerly in the web process, a local-memory cache and a secret key generated on first run.
``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL`` to a Redis broker and cache.
Every variable is described in docs/settings.md.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("BIAOZHU_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated on first run and kept in DATA_DIR."""
    if os.environ.get("DJANGO_SECRET_KEY"):
        return os.environ["DJANGO_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Served over HTTPS (behind a proxy that sets X-Forwarded-Proto): secure cookies, HSTS.
HTTPS = env_bool("BIAOZHU_HTTPS")
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("BIAOZHU_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("BIAOZHU_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("BIAOZHU_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "projects",
    "annotation",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.requests.NulMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, next to the views: a database that cannot be reached answers 503, retryable.
    "config.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: PostgreSQL when DATABASE_URL is set, else a SQLite file in the data folder.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Connections are kept for a minute. Checking one before each request costs a round trip
    # (a fifth of the annotation server's capacity, bench/annotate.py); without the check a
    # connection broken by a database restart fails one request per worker, which the
    # browser retries (autosave and submit are safe to repeat).
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=60,
            conn_health_checks=env_bool("BIAOZHU_DB_HEALTH_CHECKS"),
        )
    }
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "biaozhu.sqlite3",
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE takes the write
                # lock at BEGIN so that two writers queue instead of failing mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # The tests' database is a file too, as the demo's is: the browser tests' server
            # threads then open their own connections instead of sharing the test thread's
            # in-memory one, whose transaction state no two threads may share.
            "TEST": {"NAME": DATA_DIR / "test.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker and cache. A hung Redis must not hold a web request for more than ~2 s.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_SOCKET_TIMEOUT = float(os.environ.get("BIAOZHU_REDIS_TIMEOUT", "2"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL
# Without a broker (the embedded default), imports, exports and quality runs run in a
# thread beside the request, which answers at once with the job to follow; 0 runs them in
# the request (the tests do, to see a job's end at the commit).
BIAOZHU_JOBS_IN_BACKGROUND = os.environ.get("BIAOZHU_JOBS_IN_BACKGROUND", "1") == "1"
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # jobs report through their Job rows, not a result backend
# An import of a file this big prepares its records in a pool of processes, one per core
# unless BIAOZHU_IMPORT_PROCESSES says how many (annotation/ingest/preparing.py).
BIAOZHU_IMPORT_PARALLEL_BYTES = int(os.environ.get("BIAOZHU_IMPORT_PARALLEL_BYTES", 1024 * 1024))
BIAOZHU_IMPORT_PROCESSES = int(os.environ.get("BIAOZHU_IMPORT_PROCESSES", 0))
# Heavy jobs (imports, exports, quality runs) have a queue of their own, so that the short
# ones (tokenization chunks, batch checks, finals) never wait behind them; a worker takes
# both unless told otherwise (`-Q celery` or `-Q heavy`; docs/background-jobs.md). How many
# heavy jobs one user and one project may have waiting or running at once
# (annotation/admission.py).
CELERY_TASK_QUEUES = (Queue("celery"), Queue("heavy"))
CELERY_TASK_ROUTES = {
    name: {"queue": "heavy"}
    for name in (
        "annotation.import_file",
        "annotation.export",
        "annotation.quality_run",
        "annotation.suggest_refresh",
        "annotation.endpoint_run",
    )
}
# External suggestion endpoints, set by site staff only (annotation/suggesting/endpoints.py;
# docs/settings.md): a JSON list of {"name", "protocol": "openai" | "label-studio", "url",
# "model", "api_key_env", "calls_per_minute", "calls_per_day", "batch", "examples"}.
BIAOZHU_SUGGEST_ENDPOINTS = json.loads(os.environ.get("BIAOZHU_SUGGEST_ENDPOINTS", "[]"))
BIAOZHU_JOBS_PER_USER = int(os.environ.get("BIAOZHU_JOBS_PER_USER", 3))
BIAOZHU_JOBS_PER_PROJECT = int(os.environ.get("BIAOZHU_JOBS_PER_PROJECT", 10))
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("BIAOZHU_TASK_SOFT_TIME_LIMIT", 30 * 60))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    # A task taken by a worker that died is handed out again after this many seconds. It
    # may also be handed out twice if it runs longer; every job is safe to run twice.
    "visibility_timeout": int(os.environ.get("BIAOZHU_BROKER_VISIBILITY_TIMEOUT", 3600)),
    "unacked_restore_interval": int(os.environ.get("BIAOZHU_BROKER_RESTORE_INTERVAL", 10)),
    "unacked_restore_throttle": 1,
}
# Publishing from a web request tries once; an unsent job stays "pending" and is re-sent.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:project-list"
LOGOUT_REDIRECT_URL = "frontend:login"
# E-mail, for password resets only, and only when a mail server is given: many teams of
# annotators have no e-mail; site staff give them temporary passwords instead.
EMAIL_HOST = os.environ.get("BIAOZHU_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("BIAOZHU_EMAIL_PORT", 587))
EMAIL_HOST_USER = os.environ.get("BIAOZHU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("BIAOZHU_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("BIAOZHU_EMAIL_TLS", "1") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("BIAOZHU_EMAIL_FROM", "biaozhu@localhost")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("BIAOZHU_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Static files are served by WhiteNoise from the apps' folders, so no collectstatic step is
# needed; a deployment that wants them collected names a folder.
STATIC_ROOT = os.environ.get("BIAOZHU_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest file an import takes; a larger one answers 413 (docs/settings.md).
BIAOZHU_UPLOAD_MAX_BYTES = int(os.environ.get("BIAOZHU_UPLOAD_MAX_MB", "100")) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.PasswordCurrent"],
    "DEFAULT_PARSER_CLASSES": [
        "config.requests.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"login": os.environ.get("BIAOZHU_LOGIN_RATE", "10/min")},
    # How many proxies of ours stand in front (each appends to X-Forwarded-For): the
    # client's address is the one the first of them saw. 0: the connection's own address;
    # what a client writes in X-Forwarded-For itself never counts (accounts.throttles).
    "NUM_PROXIES": int(os.environ.get("BIAOZHU_NUM_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Biaozhu API",
    "DESCRIPTION": "Chinese text annotation: projects, imports, tasks, review and delivery.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; each set of choices gets its own plain name.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "annotation.models.JobStatus",
        "AssignmentStatusEnum": "annotation.models.AssignmentStatus",
        "BatchStatusEnum": "annotation.models.BatchStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"refusals": {"()": "config.logs.RefusalsWithoutTraceback"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BIAOZHU_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["refusals"]},
        "django.security.csrf": {"filters": ["refusals"]},
        "jieba": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "celery.app.base": {"level": "WARNING"},
    },
}
