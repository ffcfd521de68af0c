"""Settings for the benchmark server: the platform's, plus the bare ceiling endpoint."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "ceiling_urls"
