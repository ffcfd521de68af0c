"""How a snippet stores its tokens: the code-point ends of its words, comma-separated
(``"2,5"``: words [0, 2) and [2, 5)). Pure."""

from collections.abc import Sequence


def encode_ends(ends: list[int]) -> str:
    return ",".join(map(str, ends))


def decode_ends(encoded: str) -> list[int]:
    """``"2,5"`` → ``[2, 5]``: the token ends as stored."""
    return [int(end) for end in encoded.split(",")] if encoded else []


def word_spans(ends: Sequence[int]) -> list[tuple[int, int]]:
    """``[2, 5]`` → ``[(0, 2), (2, 5)]``: the words a segmentation's ends delimit."""
    return list(zip([0, *ends], ends, strict=False))


def decode_spans(encoded: str) -> list[list[int]]:
    """``"2,5"`` → ``[[0, 2], [2, 5]]``."""
    return [[start, end] for start, end in word_spans(decode_ends(encoded))]
