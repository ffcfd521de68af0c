"""Consistency of spans across a corpus: a fix-list for reviewers. Pure.

Three kinds of finding, each with the snippets to look at:
- the same surface string labelled with different labels in different places;
- a string labelled in some places and left unlabelled in others (looked for among jieba's
  words and pairs of adjacent words, where entity mentions mostly fall);
- spans whose length is far from their label's usual (beyond three interquartile ranges).

Fed a snippet at a time; it keeps counts, a few snippet ids per string and a bounded list
of the longest and shortest spans per label, so memory stays bounded by the vocabulary.
"""

import heapq
from collections import Counter, defaultdict
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from annotation.quality.metrics import Span

SAMPLE = 20  # snippet ids kept per string
LISTED = 100  # findings listed per kind
EXTREMES = 100  # longest and shortest spans kept per label


def _quartiles(lengths: Counter) -> tuple[int, int]:
    total = sum(lengths.values())
    marks, found, seen = [total * 0.25, total * 0.75], [], 0
    for length in sorted(lengths):
        seen += lengths[length]
        while marks and seen >= marks[0]:
            found.append(length)
            marks.pop(0)
    return found[0], found[1]


@dataclass
class Consistency:
    labelled: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    labelled_in: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    unlabelled: Counter = field(default_factory=Counter)
    lengths: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    longest: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    shortest: dict[str, list] = field(default_factory=lambda: defaultdict(list))

    def add(
        self,
        snippet_id: int,
        text: str,
        word_ends: Sequence[int],
        spans: Sequence[AbstractSet[Span]],
    ) -> None:
        """One snippet: its text, jieba's word ends, and each annotator's spans."""
        marked = set()
        for found in spans:
            for start, end, label in found:
                surface = text[start:end]
                self.labelled[surface][label] += 1
                marked.add((start, end))
                if len(self.labelled_in[surface]) < SAMPLE and (
                    snippet_id not in self.labelled_in[surface][-1:]
                ):
                    self.labelled_in[surface].append(snippet_id)
                self._length(label, end - start, (snippet_id, start, end, surface))
        # Words and pairs of adjacent words of two characters or more, where unlabelled.
        starts = (0, *word_ends)
        pieces = [
            (starts[i], starts[i + n])
            for n in (1, 2)
            for i in range(len(word_ends) - n + 1)
            if starts[i + n] - starts[i] >= 2
        ]
        self.unlabelled.update(
            text[start:stop] for start, stop in pieces if (start, stop) not in marked
        )

    def _length(self, label: str, length: int, where: tuple) -> None:
        self.lengths[label][length] += 1
        for heap, key in ((self.longest[label], length), (self.shortest[label], -length)):
            item = (key, where)
            if len(heap) < EXTREMES:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)

    def label_conflicts(self) -> list[dict]:
        found: list[dict[str, Any]] = [
            {
                "text": surface,
                "labels": dict(labels.most_common()),
                "snippets": self.labelled_in[surface],
            }
            for surface, labels in self.labelled.items()
            if len(labels) > 1
        ]
        found.sort(key=lambda item: (-sum(item["labels"].values()), item["text"]))
        return found[:LISTED]

    def unlabelled_mentions(self) -> list[dict]:
        """Strings labelled at least twice and also seen unlabelled; ``snippets`` are where
        it was labelled (the unlabelled places are found by searching for the text)."""
        found = []
        for surface, labels in self.labelled.items():
            missed = self.unlabelled.get(surface, 0)
            if missed and sum(labels.values()) >= 2:
                label, count = labels.most_common(1)[0]
                found.append(
                    {
                        "text": surface,
                        "label": label,
                        "labelled": sum(labels.values()),
                        "unlabelled": missed,
                    }
                )
        found.sort(key=lambda item: (-item["unlabelled"], item["text"]))
        return found[:LISTED]

    def length_outliers(self) -> list[dict]:
        found = []
        for label, lengths in sorted(self.lengths.items()):
            if sum(lengths.values()) < 20:
                continue  # too few spans to know what is usual
            q1, q3 = _quartiles(lengths)
            spread = max(q3 - q1, 1)
            high, low = q3 + 3 * spread, q1 - 3 * spread
            candidates = [(k, where) for k, where in self.longest[label] if k > high]
            candidates += [(-k, where) for k, where in self.shortest[label] if -k < low]
            for length, (snippet, start, end, surface) in sorted(candidates, reverse=True):
                found.append(
                    {
                        "label": label,
                        "snippet": snippet,
                        "start": start,
                        "end": end,
                        "text": surface,
                        "length": length,
                        "usual": [q1, q3],
                    }
                )
        return found[:LISTED]

    def results(self) -> dict:
        return {
            "label_conflicts": self.label_conflicts(),
            "unlabelled": self.unlabelled_mentions(),
            "length_outliers": self.length_outliers(),
        }
