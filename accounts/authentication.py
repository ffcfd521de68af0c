"""API token authentication: DRF's contract, its lookup written as one statement.

``Authorization: Token <key>`` names a token; the request is its user's if that user is
active. DRF's own class reads the token and its user through the ORM, which compiles the
same join on every request: on the annotation loop that was a fifth of a request's time
(bench/annotate.py, docs/benchmarks.md, the ledger). This class is the only token
authentication of the platform; nothing is cached, so a deleted token or a deactivated
user is refused on the next request.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from accounts.models import User

_QUERY = (
    "SELECT u.* FROM accounts_user u JOIN authtoken_token t ON t.user_id = u.id WHERE t.key = %s"
)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        user = next(iter(User.objects.raw(_QUERY, [key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token(key=key, user=user)
        token._state.adding = False  # as if read from the database: it was
        return user, token
