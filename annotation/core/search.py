"""What the data table filters on: a snippet's text as searched, the labels of an annotation."""

import unicodedata
from collections.abc import Sequence


def search_key(text: str) -> str:
    """``text`` with full-width Latin letters and digits made half-width and compatibility
    forms unified (NFKC), then case-folded: ``Ｆ１`` finds ``f1``, ``ABC`` finds ``abc``."""
    return unicodedata.normalize("NFKC", text).casefold()


def label_lines(spans: list, classes: list, relations: Sequence = (), events: Sequence = ()) -> str:
    """The labels an annotation uses (relation and event types too), each on a line of its
    own (``"\\n人名\\n地名\\n"``), as FinalAnnotation.labels stores them: a label is found
    with ``contains "\\n<name>\\n"`` on either database."""
    names = {span.get("label") for span in spans if isinstance(span, dict)}
    names |= {name for name in classes if isinstance(name, str)}
    names |= {item.get("type") for item in [*relations, *events] if isinstance(item, dict)}
    found = sorted(name for name in names if isinstance(name, str))
    return "".join(f"\n{name}" for name in found) + "\n" if found else ""
