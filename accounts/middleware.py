"""Pages for a user whose password someone else set: only the page to change it."""

from collections.abc import Callable

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
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(("/api/", "/static/", "/password/reset/"))
            and request.path not in {reverse(name) for name in _OPEN}
        ):
            return redirect("frontend:password")
        return self.get_response(request)
