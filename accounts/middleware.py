"""Pages for a user whose password someone else set: only the page to change it."""

from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Reachable before the change: the change itself, leaving, the language, the scripts'
# translations. The API answers for itself (accounts.permissions.PasswordCurrent).
_OPEN = ("frontend:password", "frontend:logout", "frontend:jsi18n", "set_language")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(("/api/", "/static/", "/password/reset/")):
            return self.get_response(request)
        user = getattr(request, "user", None)
        try:
            must_change = bool(user and user.is_authenticated and user.must_change_password)
        except (OperationalError, InterfaceError):
            # The database is unreachable: the view meets it too, and answers 503 for it
            # (config.unavailable); the user is read again there.
            must_change = False
        if must_change and request.path not in {reverse(name) for name in _OPEN}:
            return redirect("frontend:password")
        return self.get_response(request)
