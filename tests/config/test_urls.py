"""The order of the URLconf: Django tries its patterns one after another, so the routes
every annotator calls every few seconds come first (annotation/urls.py)."""

from django.urls import resolve


def tried_before(path: str) -> int:
    """How many patterns Django tries before the one that matches ``path``."""
    return len(resolve(path).tried) - 1  # the last one tried is the match


def test_the_annotation_loop_is_resolved_first():
    assert tried_before("/api/v1/assignments/7/draft/") == 0
    assert tried_before("/api/v1/assignments/7/submit/") == 1
    assert tried_before("/api/v1/projects/3/tasks/next/") == 2
