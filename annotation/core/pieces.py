"""A text derived from a raw text, with the map back to it. Pure.

Cleaning makes pieces (annotation.ingest.cleaning); an export maps offsets back to the
raw text through them (annotation.delivery). Offsets are code points, end-exclusive.
"""

from bisect import bisect_right
from dataclasses import dataclass, field


def _before(places: list[int], index: int) -> int:
    """How many of the sorted ``places`` are at or before ``index``."""
    return bisect_right(places, index)


@dataclass
class Piece:
    """Text derived from a raw text, with the map back to it."""

    text: str
    runs: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def from_flat_map(cls, text: str, flat: list[int]) -> "Piece":
        return cls(text, list(zip(flat[0::2], flat[1::2], strict=True)))

    def raw_index(self, index: int) -> int:
        """The raw index of character ``index`` of this text."""
        starts = [start for start, _ in self.runs]
        run = bisect_right(starts, index) - 1
        clean_start, raw_start = self.runs[run]
        return raw_start + index - clean_start

    def clean_index(self, raw_index: int) -> int | None:
        """The index of the character cut from ``raw_index``, or None if it was dropped."""
        for position, (clean_start, raw_start) in enumerate(self.runs):
            clean_end = (
                self.runs[position + 1][0] if position + 1 < len(self.runs) else len(self.text)
            )
            if raw_start <= raw_index < raw_start + clean_end - clean_start:
                return clean_start + raw_index - raw_start
        return None

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw range covering characters ``[start, end)`` (end-exclusive)."""
        return self.raw_index(start), self.raw_index(end - 1) + 1

    def in_file(self, file_start: int, crlf: list[int]) -> "Piece":
        """The same text mapped onto the file its raw text was read from: the raw text
        starts at code point ``file_start`` of the file, and each of its ``crlf`` places
        (sorted) holds an "\n" that was "\r\n" there, one code point more."""
        runs: list[tuple[int, int]] = []
        for position, (clean_start, raw_start) in enumerate(self.runs):
            clean_end = (
                self.runs[position + 1][0] if position + 1 < len(self.runs) else len(self.text)
            )
            raw_end = raw_start + clean_end - clean_start
            cuts = [raw_start, *(p for p in crlf if raw_start < p < raw_end)]
            for raw in cuts:
                runs.append((clean_start + raw - raw_start, file_start + raw + _before(crlf, raw)))
        return Piece(self.text, runs)

    def flat_map(self) -> list[int]:
        """The runs flattened as ``[clean0, raw0, clean1, raw1, ...]`` for storage."""
        return [number for run in self.runs for number in run]

    def slice(self, start: int, end: int) -> "Piece":
        runs: list[tuple[int, int]] = []
        for position, (clean_start, raw_start) in enumerate(self.runs):
            clean_end = self.runs[position + 1][0] if position + 1 < len(self.runs) else None
            if clean_end is not None and clean_end <= start:
                continue
            if clean_start >= end:
                break
            first = max(clean_start, start)
            runs.append((first - start, raw_start + first - clean_start))
        return Piece(self.text[start:end], runs)

    def delete(self, ranges: list[tuple[int, int]]) -> "Piece":
        """Drop the sorted, disjoint ``[start, end)`` ranges; the rest keeps its map."""
        if not ranges:
            return self
        kept: list[tuple[int, int]] = []
        cursor = 0
        for start, end in ranges:
            if start > cursor:
                kept.append((cursor, start))
            cursor = max(cursor, end)
        if cursor < len(self.text):
            kept.append((cursor, len(self.text)))
        result = Piece("", [])
        for start, end in kept:
            result = result.join(self.slice(start, end))
        return result

    def join(self, other: "Piece") -> "Piece":
        offset = len(self.text)
        runs = list(self.runs)
        for clean_start, raw_start in other.runs:
            shifted = (clean_start + offset, raw_start)
            if runs:
                last_clean, last_raw = runs[-1]
                if last_raw + shifted[0] - last_clean == raw_start:
                    continue  # contiguous with the previous run in both texts
            runs.append(shifted)
        return Piece(self.text + other.text, runs)

    def strip(self) -> "Piece":
        text = self.text
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        if start == 0 and end == len(text):
            return self
        return self.slice(start, max(start, end))
