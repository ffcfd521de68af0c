"""Character CRFs (python-crfsuite) that learn a project's own word segmentation and
spans from its final annotations. Pure.

Each character is described by itself and its neighbours (two either side, and the
pairs among them), their kinds (Han, digit, Latin, other), where jieba's tokens put it
(B, M, E or S of a token, with its neighbours'), and a lexicon: for words, the longest
lexicon word starting and ending at it; for spans, the label of the labelled string it
lies in. Words are tagged B/M/E/S, spans B-label/I-label/O.

The lexicon a training example sees is built from the other folds only (10 folds), and
at suggestion time from all of them. A model trained with every training word in its
lexicon learns to trust the lexicon blindly and fails on new words: on People's Daily,
word F1 after 1,000 sentences was 0.75 that way, below jieba, and 0.93 with folds
(bench/suggest_curves.py).

A model travels as bytes (``dumps``/``loads``): a JSON header (kind, labels, lexicon)
and crfsuite's model file.
"""

import json
import os
import struct
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pycrfsuite

from annotation.core.tokens import word_spans
from annotation.suggesting.lexicon import WORD, Lexicon, Match

FOLDS = 10
# L1 and L2 penalties and the optimiser's budget: bench/suggest_curves.py settles them;
# more iterations than this change the F1 by less than its noise.
PARAMS = {"c1": 0.1, "c2": 0.1, "max_iterations": 150, "feature.possible_transitions": True}
WORDS, SPANS = "words", "spans"

Span = tuple[int, int, str]


@dataclass(frozen=True)
class Example:
    """A text with jieba's token ends and what the model learns: word ends (WORDS) or
    spans (SPANS)."""

    text: str
    tokens: Sequence[int]
    target: Sequence


# ---- features ----


def _kind(char: str) -> str:
    if char.isdigit() or char in "零〇一二三四五六七八九十百千万亿":
        return "D"
    if char.isalpha() and (char.isascii() or "Ａ" <= char <= "ｚ"):
        return "L"
    if "\u3400" <= char <= "\u9fff" or "\U00020000" <= char <= "\U0003134f":
        return "H"
    return "O"


def _bmes(length: int, ends: Sequence[int]) -> list[str]:
    """The B/M/E/S tag of each character of words ending at ``ends``."""
    tags = ["S"] * length
    start = 0
    for end in ends:
        end = min(end, length)
        if end - start > 1:
            tags[start] = "B"
            tags[start + 1 : end - 1] = ["M"] * (end - start - 2)
            tags[end - 1] = "E"
        start = end
    return tags


def _lexicon_words(text: str, lexicon: Lexicon) -> list[list[str]]:
    starting, ending = lexicon.longest_at(text)
    return [
        ([f"ls={min(s, 4)}"] if s else []) + ([f"le={min(e, 4)}"] if e else [])
        for s, e in zip(starting, ending, strict=True)
    ]


def _lexicon_spans(text: str, lexicon: Lexicon) -> list[list[str]]:
    features: list[list[str]] = [[] for _ in text]
    for match in lexicon.matches(text):
        features[match.start].append(f"gB={match.label}")
        for at in range(match.start + 1, match.end):
            features[at].append(f"gI={match.label}")
    return features


def features(text: str, tokens: Sequence[int], lexicon: Lexicon, kind: str) -> list[list[str]]:
    """Every character's features, in order."""
    n = len(text)
    padded = f"^^{text}$$"
    jieba = _bmes(n, tokens)
    jieba_around = ["^", *jieba, "$"]
    lexical = (_lexicon_words if kind == WORDS else _lexicon_spans)(text, lexicon)
    rows = []
    for i in range(n):
        # two before, the character, two after
        a, b, c, d, e = padded[i], padded[i + 1], padded[i + 2], padded[i + 3], padded[i + 4]
        tag = jieba[i]
        rows.append(
            [
                "bias",
                f"c={c}",
                f"c-1={b}",
                f"c+1={d}",
                f"c-2={a}",
                f"c+2={e}",
                f"c-1c={b}{c}",
                f"cc+1={c}{d}",
                f"c-1c+1={b}{d}",
                f"k={_kind(b)}{_kind(c)}{_kind(d)}",
                f"j={tag}",
                f"jc={tag}{c}",
                f"jj={jieba_around[i]}{tag}{jieba_around[i + 2]}",
                *lexical[i],
            ]
        )
    return rows


# ---- targets ----


def word_tags(length: int, ends: Sequence[int]) -> list[str]:
    return _bmes(length, ends)


def span_tags(length: int, spans: Iterable[Span]) -> list[str]:
    """B-label/I-label/O; of overlapping spans the earlier (the longer at one start) is
    kept, as a tag per character holds one."""
    tags = ["O"] * length
    for start, end, label in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < end <= length and all(tag == "O" for tag in tags[start:end]):
            tags[start] = f"B-{label}"
            tags[start + 1 : end] = [f"I-{label}"] * (end - start - 1)
    return tags


def _words_of(tags: Sequence[str]) -> list[int]:
    ends = [i + 1 for i, tag in enumerate(tags) if tag in ("E", "S")]
    if tags and (not ends or ends[-1] != len(tags)):
        ends.append(len(tags))
    return ends


def _spans_of(tags: Sequence[str]) -> list[Span]:
    spans: list[Span] = []
    start, label = None, ""
    for i, tag in enumerate([*tags, "O"]):
        inside = tag.startswith("I-") and start is not None and tag[2:] == label
        if inside:
            continue
        if start is not None:
            spans.append((start, i, label))
            start = None
        if tag.startswith(("B-", "I-")):  # an I- after O starts a span too
            start, label = i, tag[2:]
    return spans


# ---- training ----


def _strings(example: Example, kind: str) -> list[tuple[str, str]]:
    """The lexicon entries an example gives: its words of two or more characters, or
    its spans' strings with their labels."""
    if kind == WORDS:
        return [
            (example.text[start:end], WORD)
            for start, end in word_spans(example.target)
            if end - start > 1
        ]
    return [(example.text[start:end], label) for start, end, label in example.target]


def _lexicon(counts: Counter, min_length: int) -> Lexicon:
    by_string: dict[str, Counter] = {}
    for (string, label), count in counts.items():
        by_string.setdefault(string, Counter())[label] += count
    return Lexicon(by_string, min_length=min_length)


def train(
    examples: Sequence[Example],
    kind: str,
    *,
    extra: Iterable[tuple[str, str]] = (),
    min_length: int = 2,
) -> bytes:
    """A model of ``kind`` (WORDS or SPANS) trained on ``examples``; ``extra``: lexicon
    entries (string, label) besides the examples' own (the project's dictionary or a
    gazetteer), seen by every example."""
    extra = list(extra)
    folds = [Counter(_strings(example, kind)) for example in examples]
    by_fold: list[Counter] = [Counter() for _ in range(FOLDS)]
    for index, strings in enumerate(folds):
        by_fold[index % FOLDS].update(strings)
    whole: Counter = Counter(extra)
    for strings in by_fold:
        whole.update(strings)
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params(PARAMS)
    for fold in range(min(FOLDS, len(examples))):
        lexicon = _lexicon(whole - by_fold[fold], min_length)
        for example in examples[fold::FOLDS]:
            length = len(example.text)
            tags = (
                word_tags(length, example.target)
                if kind == WORDS
                else span_tags(length, example.target)
            )
            trainer.append(features(example.text, example.tokens, lexicon, kind), tags)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.crf")
        trainer.train(path)
        with open(path, "rb") as model:
            crf = model.read()
    header = {"kind": kind, "min_length": min_length, "lexicon": sorted(map(list, whole.items()))}
    return dumps(header, crf)


def dumps(header: dict, crf: bytes) -> bytes:
    encoded = json.dumps(header, ensure_ascii=False).encode()
    return struct.pack(">I", len(encoded)) + encoded + crf


class Model:
    """A trained model, loaded from ``train``'s bytes."""

    def __init__(self, blob: bytes):
        (size,) = struct.unpack(">I", blob[:4])
        header = json.loads(blob[4 : 4 + size])
        self.kind = header["kind"]
        counts = Counter({(string, label): count for (string, label), count in header["lexicon"]})
        self.lexicon = _lexicon(counts, header["min_length"])
        # crfsuite reads the model where it lies: the bytes must live as long as the tagger.
        self._crf = blob[4 + size :]
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self._crf)
        self.labels = sorted(
            {tag[2:] for tag in self._tagger.labels() if tag.startswith(("B-", "I-"))}
        )

    def _tag(self, text: str, tokens: Sequence[int]) -> list[str]:
        return self._tagger.tag(features(text, tokens, self.lexicon, self.kind))

    def words(self, text: str, tokens: Sequence[int]) -> list[int]:
        """The word ends the model gives ``text``."""
        return _words_of(self._tag(text, tokens)) if text else []

    def spans(self, text: str, tokens: Sequence[int]) -> list[Match]:
        """The spans the model finds, each scored by the mean probability of its tags."""
        if not text:
            return []
        tags = self._tag(text, tokens)
        return [
            Match(start, end, label, self._mean(tags, start, end))
            for start, end, label in _spans_of(tags)
        ]

    def uncertainty(self, text: str, tokens: Sequence[int]) -> float:
        """1 − the mean probability of the best tag of each character (0: sure of all)."""
        if not text:
            return 0.0
        tags = self._tag(text, tokens)
        return 1.0 - self._mean(tags, 0, len(tags))

    def _mean(self, tags: Sequence[str], start: int, end: int) -> float:
        """After ``_tag`` (crfsuite keeps the last sequence): the mean marginal
        probability of ``tags`` over [start, end)."""
        total = sum(self._tagger.marginal(tags[at], at) for at in range(start, end))
        return total / max(end - start, 1)
