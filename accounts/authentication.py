"""API token authentication in one written statement.

DRF's TokenAuthentication reads the token and its user through the ORM, which compiles the
same join on every request: on the annotation path that was the largest single cost of a
worker after the work itself (bench/annotate.py under py-spy). This class runs the join as
written SQL and keeps DRF's contract: ``Authorization: Token <key>``; an unknown key and
an inactive user are refused alike.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

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
