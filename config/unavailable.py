"""A database that cannot be reached answers 503 with Retry-After, not a server error.

While PostgreSQL restarts or fails over, every request that needs it fails: the
connection is refused, or a connection kept from before is found broken. A transaction
that lost its connection before its COMMIT is rolled back by the server; one that lost
it just after may be kept. Either way the client may send the request again: autosaves
carry their version (a repeat of a kept one answers 409 with the saved draft) and
submits their Idempotency-Key (a repeat answers the stored revision), so nothing is
stored twice. This middleware says so: 503, ``Retry-After``, and for the API a JSON body
with ``retryable: true``. Django closes a connection that failed at the end of the
request, so the next one connects afresh.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        detail = _("The database could not be reached for a moment. Send the request again.")
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": detail, "retryable": True}, status=503)
        else:
            response = HttpResponse(detail, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
