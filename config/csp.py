"""A strict Content-Security-Policy on every response: scripts, styles, images, fonts and
connections from this site only; no inline script or style attribute, no plugins, no
framing, forms posting here only. Text a user wrote that slipped into markup still could
not run.

The pages keep to it: scripts are ES modules served from /static/, data reaches them in
``json_script`` blocks (not executed), colours are set through the CSSOM. The one
exception is the API's Swagger page, which drf-spectacular builds from a CDN with an
inline script; it carries no user data.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
EXEMPT = ("/api/docs/",)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(EXEMPT):
            response.setdefault("Content-Security-Policy", POLICY)
        return response
