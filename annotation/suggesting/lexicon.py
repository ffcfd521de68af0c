"""Strings found across texts all at once (Aho-Corasick, with pyahocorasick). Pure.

A lexicon holds strings with the labels they were given and how often: the strings a
project's final annotations label, a gazetteer a manager uploads, or the words of a
segmentation (label ``WORD``). It finds them in a text leftmost-longest, never two
overlapping, each with the label it was given most and the share of its uses that label
has (its score): a string labelled 人名 three times and 机构 once is suggested as 人名
with 0.75. Offsets are code points, end-exclusive.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ahocorasick

WORD = "词"  # the label of a word in a segmentation lexicon


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    label: str
    score: float


def counted(labelled: Iterable[tuple[str, str]]) -> dict[str, Counter]:
    """How often each string was given each label, from (string, label) pairs."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for string, label in labelled:
        counts[string][label] += 1
    return counts


class Lexicon:
    """``counts``: string → label → how often. Strings shorter than ``min_length`` are
    left out: a single character labelled once would be suggested everywhere."""

    def __init__(self, counts: Mapping[str, Mapping[str, int]], *, min_length: int = 2):
        self._automaton = ahocorasick.Automaton()
        self.size = 0
        digest = hashlib.sha1(usedforsecurity=False)
        for string, labels in sorted(counts.items()):
            total = sum(labels.values())
            if len(string) < min_length or not total:
                continue
            # The label given most; among equals the first by name, so the same counts
            # always give the same label.
            label, count = min(labels.items(), key=lambda item: (-item[1], item[0]))
            self._automaton.add_word(string, (len(string), label, count / total))
            digest.update(f"{string}\t{label}\t{count}\t{total}\n".encode())
            self.size += 1
        if self.size:
            self._automaton.make_automaton()
        # Changes whenever a match could: the strings, their labels and their scores.
        self.version = digest.hexdigest()[:12]

    def __contains__(self, string: str) -> bool:
        return self.size > 0 and string in self._automaton

    def matches(self, text: str) -> list[Match]:
        """The strings in ``text``, leftmost-longest, none overlapping another."""
        if not self.size:
            return []
        return [
            Match(end + 1 - length, end + 1, label, score)
            for end, (length, label, score) in self._automaton.iter_long(text)
        ]

    def longest_at(self, text: str) -> tuple[list[int], list[int]]:
        """For each character, the length of the longest string that starts there and of
        the longest that ends there (0: none), overlapping ones counted."""
        starting = [0] * len(text)
        ending = [0] * len(text)
        if self.size:
            for end, (length, _, _) in self._automaton.iter(text):
                starting[end + 1 - length] = max(starting[end + 1 - length], length)
                ending[end] = max(ending[end], length)
        return starting, ending
