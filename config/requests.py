"""Malformed requests answer 4xx, never a server error.

- JSON bodies: nested too deep for the parser, or holding a NUL character (which
  PostgreSQL cannot store in text), answer 400 naming the reason.
- Query strings and paths holding a NUL answer 400 before any view reads them.
- Object ids in URLs are at most 18 digits (``<id:…>``): a larger number is no object of
  ours and answers 404, instead of overflowing the database's integer.
"""

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - nested too deep.")) from None
        if _has_nul(data):
            raise ParseError(_("NUL characters (\\u0000) are not accepted."))
        return data


class NulMiddleware:
    """400 for a NUL in the path or the query string."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "").lower():
            return HttpResponseBadRequest(
                json.dumps({"detail": _("NUL characters (\\u0000) are not accepted.")}),
                content_type="application/json",
            )
        return self.get_response(request)


class IdConverter:
    """An object id: at most 18 digits, within the database's bigint."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
