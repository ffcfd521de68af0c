"""The order of the URLconf: Django tries its patterns one after another, so the routes
every annotator calls every few seconds come first (annotation/urls.py)."""

from django.urls import get_resolver
from django.urls.resolvers import URLResolver


def tried_before(path: str) -> int:
    """How many endpoint patterns Django tries before the one that matches ``path``."""
    tried = 0

    def walk(resolver: URLResolver, rest: str) -> bool:
        nonlocal tried
        for pattern in resolver.url_patterns:
            match = pattern.pattern.match(rest)
            if isinstance(pattern, URLResolver):
                if match and walk(pattern, match[0]):
                    return True
                continue
            if match:
                return True
            tried += 1
        return False

    assert walk(get_resolver(), path.lstrip("/")), path
    return tried


def test_the_annotation_loop_is_resolved_first():
    assert tried_before("/api/v1/assignments/7/draft/") == 0
    assert tried_before("/api/v1/assignments/7/submit/") == 1
    assert tried_before("/api/v1/projects/3/tasks/next/") == 2
