"""Limits on guessing passwords: per client address and per account.

Every log-in (the form, ``auth/token/``, the admin's) and every password reset asked by
e-mail counts against the ``login`` rate
(``BIAOZHU_LOGIN_RATE``) twice: per address and username, so that one office address
still logs a whole team in, and per username alone, so that guesses spread over many
addresses still slow down. The address is the connection's, or the one the trusted
proxies in front of it saw (DRF's ``NUM_PROXIES``, from ``BIAOZHU_NUM_PROXIES``): an
``X-Forwarded-For`` a client sends itself counts for nothing.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle


def _digest(username: str) -> str:
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()


def _username(request: HttpRequest) -> str:
    """The account an attempt is at: its username, or the e-mail address a password reset
    is asked for (so that resets to one address from many are slowed down too)."""
    data = getattr(request, "data", None)  # DRF's parsed body, else the form's
    if data is None:
        data = request.POST
    if not hasattr(data, "get"):  # a JSON list, a number
        return ""
    value = data.get("username") or data.get("email") or ""
    return value if isinstance(value, str) else ""


class AddressAndUsername(SimpleRateThrottle):
    scope = "login"

    def get_cache_key(self, request: HttpRequest, view: object) -> str:
        ident = f"{self.get_ident(request)}:{_digest(_username(request))}"
        return self.cache_format % {"scope": "login-address", "ident": ident}


class Username(SimpleRateThrottle):
    scope = "login"

    def get_cache_key(self, request: HttpRequest, view: object) -> str | None:
        username = _username(request)
        if not username.strip():
            return None  # nothing to guess at
        return self.cache_format % {"scope": "login-user", "ident": _digest(username)}


LOGIN_THROTTLES = (AddressAndUsername, Username)


def login_allowed(request: HttpRequest, view: object = None) -> bool:
    """Whether one more log-in attempt may be tried now (counting this one)."""
    return all(throttle().allow_request(request, view) for throttle in LOGIN_THROTTLES)


def throttled_login(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A log-in view (the admin's) whose attempts count against the limits: 429 past them."""

    @wraps(view)
    def login(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST" and not login_allowed(request):
            reason = _("Too many attempts to log in. Wait a minute and try again.")
            return HttpResponse(reason, status=429, content_type="text/plain; charset=utf-8")
        return view(request, *args, **kwargs)

    return login
