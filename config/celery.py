"""The Celery application. Its settings are the CELERY_* names in config/settings.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("biaozhu")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules are named celery_tasks.py (STYLE.md), not Celery's default tasks.py.
app.autodiscover_tasks(related_name="celery_tasks")
