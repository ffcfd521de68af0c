"""Spans as character tags and back: BIO, BIOES and BMES. Pure.

One tag a character (code point). A tag sequence holds one label a character, so spans
that overlap cannot all be written: ``spans_to_tags`` keeps the first of each overlapping
group (earliest start, then the longest) and returns how many it left out.
"""

from collections.abc import Sequence
from typing import Any

from annotation.core.i18n import gettext_noop

Span = tuple[int, int, str]

SCHEMES = {
    # scheme: (begin, inside, end, single)
    "bio": ("B", "I", "I", "B"),
    "bioes": ("B", "I", "E", "S"),
    "bmes": ("B", "M", "E", "S"),
}


NOT_CLOSED = gettext_noop("the span begun with %(tag)r is not closed (E or S)")


class TagError(ValueError):
    """A tag sequence that does not spell spans: ``index`` is the character's position;
    ``message`` an English template filled with ``params``."""

    def __init__(self, message: str, index: int, **params: Any) -> None:
        super().__init__(message % params)
        self.message, self.index, self.params = message, index, params


def spans_to_tags(length: int, spans: Sequence[Span], scheme: str) -> tuple[list[str], int]:
    """The tags of ``length`` characters, and how many spans overlapping others were left out."""
    begin, inside, end, single = SCHEMES[scheme]
    tags = ["O"] * length
    dropped, reach = 0, 0
    for start, stop, label in sorted(spans, key=lambda s: (s[0], -s[1], s[2])):
        if start < reach:
            dropped += 1
            continue
        reach = stop
        if stop - start == 1:
            tags[start] = f"{single}-{label}"
            continue
        tags[start] = f"{begin}-{label}"
        for index in range(start + 1, stop - 1):
            tags[index] = f"{inside}-{label}"
        tags[stop - 1] = f"{end}-{label}"
    return tags, dropped


def tags_to_spans(tags: Sequence[str], scheme: str) -> list[Span]:
    """The spans a tag sequence spells; TagError where it does not (an inside tag with no
    begin, a label that changes inside a span, a span left open under BIOES/BMES)."""
    begin, inside, end, single = SCHEMES[scheme]
    closes = scheme != "bio"  # BIOES and BMES close every span with E or S
    spans: list[Span] = []
    open_at, open_label = None, ""
    for index, tag in enumerate(tags):
        prefix, _, label = tag.partition("-")
        if tag == "O" or prefix in (begin, single):
            if open_at is not None:
                if closes:
                    raise TagError(NOT_CLOSED, index, tag=tags[open_at])
                spans.append((open_at, index, open_label))
                open_at = None
            if tag == "O":
                continue
            if not label:
                raise TagError(gettext_noop("tag %(tag)r has no label"), index, tag=tag)
            if prefix == single and (closes or begin != single):
                spans.append((index, index + 1, label))
            else:
                open_at, open_label = index, label
            continue
        if prefix not in (inside, end) or not label:
            raise TagError(gettext_noop("unknown tag %(tag)r"), index, tag=tag)
        if open_at is None:
            raise TagError(gettext_noop("%(tag)r without a span begun before it"), index, tag=tag)
        if label != open_label:
            raise TagError(
                gettext_noop("%(tag)r inside a span of %(label)r"), index, tag=tag, label=open_label
            )
        if closes and prefix == end:
            spans.append((open_at, index + 1, open_label))
            open_at = None
    if open_at is not None:
        if closes:
            raise TagError(NOT_CLOSED, len(tags) - 1, tag=tags[open_at])
        spans.append((open_at, len(tags), open_label))
    return spans
