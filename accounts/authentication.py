"""API token authentication in one written statement.

DRF's TokenAuthentication reads the token and its user through the ORM, which compiles the
same join on every request: on the annotation path that was the largest single cost of a
worker after the work itself (bench/annotate.py under py-spy). This class runs the join as
written SQL and keeps DRF's contract: ``Authorization: Token <key>``; an unknown key and
an inactive user are refused alike.

The annotate loop's requests (next task, autosave, submit) go further and check the token
inside their own statement (``token_key``, annotation.work.views.TokenInStatement).
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

from accounts.models import User

_QUERY = (
    "SELECT u.* FROM accounts_user u JOIN authtoken_token t ON t.user_id = u.id WHERE t.key = %s"
)


class FastTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        user = next(iter(User.objects.raw(_QUERY, [key])), None)
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = Token(key=key, user=user)
        token._state.adding = False  # as if read from the database: it was
        return user, token


def token_key(request: Request) -> str | None:
    """The key of the request's ``Authorization: Token <key>`` header, as
    TokenAuthentication reads it; None without one, or when the request also carries a
    session cookie (DRF authenticates such a request by its session first)."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    parts = get_authorization_header(request).split()
    if len(parts) != 2 or parts[0].lower() != b"token":
        return None
    try:
        return parts[1].decode()
    except UnicodeError:
        return None
