"""Who may call the API beyond being logged in."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request

if TYPE_CHECKING:  # DRF's settings import this module while its views load
    from rest_framework.views import APIView


class PasswordCurrent(IsAuthenticated):
    """Logged in, with a password of their own: a user whose password someone else set
    (a new account, a reset) changes it first (``POST me/password/``); everything else
    answers 403 with ``code: password_change_required`` until then."""

    message = {
        "detail": _("Change the password you were given before going on."),
        "code": "password_change_required",
    }

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if not super().has_permission(request, view):
            return False
        return not getattr(request.user, "must_change_password", False)


class SiteStaff(BasePermission):
    """Site staff: they make and manage the accounts of the site."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)
