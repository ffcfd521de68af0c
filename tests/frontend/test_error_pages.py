"""403 and 404 pages in the platform's style and the reader's language; a refusal is
logged without a traceback."""

import logging

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_not_found_and_not_for_your_role_are_pages_of_the_platform(client):
    client.force_login(UserFactory(username="someone"))

    missing = client.get("/projects/999999/")
    refused = client.get("/people/")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # picked in the switcher
    english = client.get("/people/")

    assert missing.status_code == 404 and "未找到" in missing.content.decode()
    assert b'class="topbar"' in missing.content  # the platform's page, with its header
    assert refused.status_code == 403 and "不属于你的角色" in refused.content.decode()
    assert english.status_code == 403 and b"Not for your role" in english.content


def test_a_refusal_is_logged_without_a_traceback(client, caplog):
    client.force_login(UserFactory(username="someone"))

    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/people/")

    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 403 and record.exc_info is None
