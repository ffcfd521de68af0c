"""Password guessing is slowed down however the guesses come: rotating X-Forwarded-For,
many addresses, the token endpoint, the log-in form or the admin's."""

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from accounts.models import User
from accounts.throttles import AddressAndUsername
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

GUESSES = 10  # BIAOZHU_LOGIN_RATE's default: 10/min


@pytest.fixture
def admin_user(members):
    return User.objects.create_superuser(username="root", password=PASSWORD)


def test_rotating_x_forwarded_for_does_not_reset_the_token_endpoints_limit(api, members):
    answers = [
        api.post(
            "/api/v1/auth/token/",
            {"username": "manager", "password": f"wrong-{n}"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(GUESSES + 1)
    ]

    assert answers == [400] * GUESSES + [429]


def test_guesses_from_many_addresses_at_one_account_are_limited(api, members):
    answers = [
        api.post(
            "/api/v1/auth/token/",
            {"username": "manager", "password": f"wrong-{n}"},
            format="json",
            REMOTE_ADDR=f"198.51.100.{n}",
        ).status_code
        for n in range(GUESSES + 1)
    ]
    other = api.post(
        "/api/v1/auth/token/",
        {"username": "reviewer", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.200",
    )

    assert answers == [400] * GUESSES + [429]
    assert other.status_code == 200  # another account is not locked out by them


def test_the_admin_log_in_is_limited_too(client, admin_user):
    answers = [
        client.post(
            "/admin/login/",
            {"username": "root", "password": f"wrong-{n}", "next": "/admin/"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(GUESSES)
    ]
    right = client.post("/admin/login/", {"username": "root", "password": PASSWORD})

    assert answers == [200] * GUESSES  # the form again, with its error
    assert right.status_code == 429


@pytest.mark.parametrize(
    "proxies, forwarded, counted",
    [
        (0, "203.0.113.9", "127.0.0.1"),  # no proxy of ours: the header is the client's own
        (1, "203.0.113.9, 192.0.2.7", "192.0.2.7"),  # what our proxy saw, not what it was told
        (2, "203.0.113.9, 198.51.100.1, 192.0.2.7", "198.51.100.1"),
    ],
)
def test_the_address_counted_is_the_one_our_proxies_saw(proxies, forwarded, counted):
    request = RequestFactory().post(
        "/api/v1/auth/token/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded
    )
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}):
        assert AddressAndUsername().get_ident(request) == counted


def test_resets_asked_for_one_address_from_many_places_are_limited(client, settings, members):
    settings.EMAIL_HOST = "mail.example.org"
    answers = [
        client.post(
            "/password/reset/", {"email": "wu9@example.org"}, REMOTE_ADDR=f"198.51.100.{n}"
        ).status_code
        for n in range(GUESSES + 1)
    ]
    other = client.post(
        "/password/reset/", {"email": "li4@example.org"}, REMOTE_ADDR="198.51.100.200"
    )

    assert answers == [302] * GUESSES + [429]
    assert other.status_code == 302  # another address is not held up by them
