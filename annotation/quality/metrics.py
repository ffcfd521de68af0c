"""Agreement between annotators. Pure: no Django, no database.

Everything accumulates an item (a snippet) at a time, so that a quality run over a whole
project streams its rows and keeps only counts. The plain functions at the end take whole
lists, for tests and for one-off use.

- Nominal judgements (a snippet's class): Cohen's kappa per pair of annotators, Fleiss'
  kappa (with any number of annotators per item: Fleiss' formula with each item's own
  count), Krippendorff's alpha for nominal data (missing judgements allowed).
- Spans: F1 between two annotators, exact (same start, end and label) and overlap (a span
  counts as found when the other annotator has one of the same label overlapping it).
- Segmentation: F1 of the word boundaries inside the text.
- Relations: F1 of (subject span, type, object span) between two annotators, exact (both
  ends the same spans) and overlap (each end overlaps a span of the same label), per pair
  of annotators and per relation type; an undirected relation's ends are unordered.

A figure that is not defined on the data (every judgement the same category, nothing to
compare) is None, never a made-up 0 or 1.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TypeVar

Pair = tuple[str, str]
K = TypeVar("K")
V = TypeVar("V")
Span = tuple[int, int, str]  # start, end (code points, end-exclusive), label
Relation = tuple[Span, str, Span]  # subject, type, object (relation_of puts them in order)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _chance_corrected(observed: float, expected: float) -> float | None:
    return None if expected >= 1.0 else (observed - expected) / (1.0 - expected)


def _pairs(ratings: Mapping[str, V]) -> Iterable[tuple[Pair, V, V]]:
    """Each pair of annotators once, in name order, with their two judgements."""
    for (a, va), (b, vb) in combinations(sorted(ratings.items()), 2):
        yield (a, b), va, vb


@dataclass
class Nominal:
    """Agreement on one nominal judgement per item, added an item at a time."""

    joint: dict[Pair, Counter] = field(default_factory=lambda: defaultdict(Counter))
    items: int = 0  # items judged by two or more
    fleiss_sum: float = 0.0  # Σ over items of the share of agreeing pairs
    totals: Counter = field(default_factory=Counter)  # judgements per category
    judgements: int = 0
    disagreement: float = 0.0  # Σ over items of disagreeing pairs / (m - 1)

    def add(self, ratings: Mapping[str, Hashable]) -> None:
        """One item's judgements by annotator; items with fewer than two are not pairable."""
        m = len(ratings)
        if m < 2:
            return
        counts = Counter(ratings.values())
        squares = sum(count * count for count in counts.values())
        self.items += 1
        self.fleiss_sum += (squares - m) / (m * (m - 1))
        self.totals.update(counts)
        self.judgements += m
        self.disagreement += (m * m - squares) / (m - 1)
        for pair, va, vb in _pairs(ratings):
            self.joint[pair][(va, vb)] += 1

    def merge(self, other: "Nominal") -> None:
        """Add another set of items' counts (the figures are sums over items)."""
        for pair, table in other.joint.items():
            self.joint[pair].update(table)
        self.items += other.items
        self.fleiss_sum += other.fleiss_sum
        self.totals.update(other.totals)
        self.judgements += other.judgements
        self.disagreement += other.disagreement

    def pair_names(self) -> list[Pair]:
        return sorted(self.joint)

    def pair_items(self, pair: Pair) -> int:
        return sum(self.joint[pair].values())

    def observed(self, pair: Pair) -> float | None:
        table = self.joint[pair]
        return _ratio(sum(n for (va, vb), n in table.items() if va == vb), sum(table.values()))

    def cohen_kappa(self, pair: Pair) -> float | None:
        table = self.joint[pair]
        n = sum(table.values())
        if not n:
            return None
        first: Counter = Counter()
        second: Counter = Counter()
        for (va, vb), count in table.items():
            first[va] += count
            second[vb] += count
        expected = sum(first[value] * second[value] for value in first) / (n * n)
        return _chance_corrected(self.observed(pair) or 0.0, expected)

    def cohen_kappa_mean(self) -> float | None:
        """The mean of the pairs' kappas (Light's kappa), pairs where it is defined."""
        kappas = [k for k in map(self.cohen_kappa, self.pair_names()) if k is not None]
        return sum(kappas) / len(kappas) if kappas else None

    def fleiss_kappa(self) -> float | None:
        if not self.items:
            return None
        observed = self.fleiss_sum / self.items
        expected = sum((n / self.judgements) ** 2 for n in self.totals.values())
        return _chance_corrected(observed, expected)

    def krippendorff_alpha(self) -> float | None:
        """Nominal alpha: 1 − (n − 1) · Σ_units disagreeing pairs/(m_u − 1) / Σ_{c≠k} n_c n_k."""
        n = self.judgements
        expected = n * n - sum(count * count for count in self.totals.values())
        if not expected:
            return None
        return 1.0 - (n - 1) * self.disagreement / expected


@dataclass
class Matches:
    """Counts behind an F1 between two annotators: what each found and what matched."""

    first: int = 0
    second: int = 0
    first_found: int = 0  # of the first's, those the second also has
    second_found: int = 0

    def add(self, other: "Matches") -> None:
        self.first += other.first
        self.second += other.second
        self.first_found += other.first_found
        self.second_found += other.second_found

    def f1(self) -> float | None:
        """Harmonic mean of precision (second's found) and recall (first's found); for exact
        matches this is 2·|A∩B| / (|A| + |B|)."""
        if not self.first and not self.second:
            return None
        if not self.first_found or not self.second_found:
            return 0.0
        recall = self.first_found / self.first
        precision = self.second_found / self.second
        return 2 * precision * recall / (precision + recall)


def pooled(matches: Iterable[Matches]) -> Matches:
    """The counts of several comparisons together (a micro-averaged F1)."""
    total = Matches()
    for each in matches:
        total.add(each)
    return total


def _overlaps(span: Span, others: Iterable[Span]) -> bool:
    start, end, label = span
    return any(
        o_label == label and o_start < end and start < o_end for o_start, o_end, o_label in others
    )


def set_matches(first: set, second: set) -> Matches:
    common = len(first & second)
    return Matches(len(first), len(second), common, common)


def _matched(a: set[V], b: set[V], found: Callable[[V, set[V]], bool]) -> Matches:
    """Each side's items the other side also has, by ``found``."""
    return Matches(len(a), len(b), sum(found(x, b) for x in a), sum(found(x, a) for x in b))


def span_matches(first: Iterable[Span], second: Iterable[Span], *, exact: bool) -> Matches:
    a, b = set(first), set(second)
    return set_matches(a, b) if exact else _matched(a, b, _overlaps)


@dataclass
class SpanAgreement:
    """Span F1 per pair of annotators and per label, exact and overlap, an item at a time."""

    exact: dict[Pair, Matches] = field(default_factory=lambda: defaultdict(Matches))
    overlap: dict[Pair, Matches] = field(default_factory=lambda: defaultdict(Matches))
    items: Counter = field(default_factory=Counter)  # per pair
    label_exact: dict[str, Matches] = field(default_factory=lambda: defaultdict(Matches))
    label_overlap: dict[str, Matches] = field(default_factory=lambda: defaultdict(Matches))

    def add(self, spans: Mapping[str, Iterable[Span]]) -> None:
        """One item's spans by annotator. Each pair is matched once; the per-label counts
        are read off the same matches (a span only ever matches one of its own label)."""
        for pair, first, second in _pairs({who: set(found) for who, found in spans.items()}):
            self.items[pair] += 1
            common = first & second
            first_found = [span for span in first if _overlaps(span, second)]
            second_found = [span for span in second if _overlaps(span, first)]
            a, b = len(first), len(second)
            self.exact[pair].add(Matches(a, b, len(common), len(common)))
            self.overlap[pair].add(Matches(a, b, len(first_found), len(second_found)))
            for *_, label in first:
                self.label_exact[label].first += 1
                self.label_overlap[label].first += 1
            for *_, label in second:
                self.label_exact[label].second += 1
                self.label_overlap[label].second += 1
            for *_, label in common:
                self.label_exact[label].first_found += 1
                self.label_exact[label].second_found += 1
            for *_, label in first_found:
                self.label_overlap[label].first_found += 1
            for *_, label in second_found:
                self.label_overlap[label].second_found += 1

    def merge(self, other: "SpanAgreement") -> None:
        self.items.update(other.items)
        _add_all(self.exact, other.exact)
        _add_all(self.overlap, other.overlap)
        _add_all(self.label_exact, other.label_exact)
        _add_all(self.label_overlap, other.label_overlap)


def relation_of(subject: Span, kind: str, obj: Span, *, directed: bool = True) -> Relation:
    """A relation as compared: an undirected one with its ends in order, so that A–B and
    B–A are the same relation."""
    if not directed and obj < subject:
        subject, obj = obj, subject
    return subject, kind, obj


def _relation_found(relation: Relation, others: Iterable[Relation]) -> bool:
    subject, kind, obj = relation
    return any(
        o_kind == kind and _overlaps(subject, [o_subject]) and _overlaps(obj, [o_obj])
        for o_subject, o_kind, o_obj in others
    )


def relation_matches(
    first: Iterable[Relation], second: Iterable[Relation], *, exact: bool
) -> Matches:
    a, b = set(first), set(second)
    return set_matches(a, b) if exact else _matched(a, b, _relation_found)


@dataclass
class RelationAgreement:
    """Relation F1 per pair of annotators and per relation type, exact and overlap, an
    item at a time."""

    exact: dict[Pair, Matches] = field(default_factory=lambda: defaultdict(Matches))
    overlap: dict[Pair, Matches] = field(default_factory=lambda: defaultdict(Matches))
    items: Counter = field(default_factory=Counter)  # per pair
    type_exact: dict[str, Matches] = field(default_factory=lambda: defaultdict(Matches))
    type_overlap: dict[str, Matches] = field(default_factory=lambda: defaultdict(Matches))

    def add(self, relations: Mapping[str, Iterable[Relation]]) -> None:
        """One item's relations by annotator (each made by relation_of)."""
        found = {who: set(given) for who, given in relations.items()}
        for pair, first, second in _pairs(found):
            self.items[pair] += 1
            if not first and not second:
                continue  # nothing to match: no count moves
            for exact, by_pair, by_type in (
                (True, self.exact, self.type_exact),
                (False, self.overlap, self.type_overlap),
            ):
                by_pair[pair].add(relation_matches(first, second, exact=exact))
                for kind in {relation[1] for relation in first | second}:
                    mine = {relation for relation in first if relation[1] == kind}
                    theirs = {relation for relation in second if relation[1] == kind}
                    by_type[kind].add(relation_matches(mine, theirs, exact=exact))

    def merge(self, other: "RelationAgreement") -> None:
        self.items.update(other.items)
        _add_all(self.exact, other.exact)
        _add_all(self.overlap, other.overlap)
        _add_all(self.type_exact, other.type_exact)
        _add_all(self.type_overlap, other.type_overlap)


def relation_f1(
    first: Sequence[Iterable[Relation]],
    second: Sequence[Iterable[Relation]],
    *,
    exact: bool = True,
) -> float | None:
    """F1 between two annotators' relations over the same items, in order."""
    total = Matches()
    for a, b in zip(first, second, strict=True):
        total.add(relation_matches(a, b, exact=exact))
    return total.f1()


def _add_all(mine: dict[K, "Matches"], theirs: Mapping[K, "Matches"]) -> None:
    for key, matches in theirs.items():
        mine[key].add(matches)


def boundaries(ends: Sequence[int]) -> set[int]:
    """The word boundaries inside a text from its word ends (the last end is the text's
    length, not a boundary)."""
    return set(ends[:-1])


@dataclass
class BoundaryAgreement:
    """Segmentation: F1 of the boundaries two annotators put inside the same text."""

    pairs: dict[Pair, Matches] = field(default_factory=lambda: defaultdict(Matches))
    items: Counter = field(default_factory=Counter)

    def add(self, segmentations: Mapping[str, Sequence[int]]) -> None:
        cuts = {who: boundaries(ends) for who, ends in segmentations.items()}
        for pair, first, second in _pairs(cuts):
            self.items[pair] += 1
            self.pairs[pair].add(set_matches(first, second))

    def merge(self, other: "BoundaryAgreement") -> None:
        self.items.update(other.items)
        for pair, matches in other.pairs.items():
            self.pairs[pair].add(matches)


# ---- whole lists ----


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two annotators' judgements of the same items, in order."""
    if len(first) != len(second):
        raise ValueError("both annotators must judge the same items")
    nominal = Nominal()
    for va, vb in zip(first, second, strict=True):
        nominal.add({"a": va, "b": vb})
    return nominal.cohen_kappa(("a", "b"))


def _nominal(units: Iterable[Sequence[Hashable | None]]) -> Nominal:
    nominal = Nominal()
    for unit in units:
        nominal.add({str(i): value for i, value in enumerate(unit) if value is not None})
    return nominal


def fleiss_kappa(items: Iterable[Sequence[Hashable | None]]) -> float | None:
    """Fleiss' kappa; each item is the list of its judgements (None: not judged)."""
    return _nominal(items).fleiss_kappa()


def krippendorff_alpha_nominal(units: Iterable[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha (nominal); each unit lists its coders' values, None missing."""
    return _nominal(units).krippendorff_alpha()


def span_f1(
    first: Sequence[Iterable[Span]], second: Sequence[Iterable[Span]], *, exact: bool = True
) -> float | None:
    """F1 between two annotators' spans over the same items, in order."""
    total = Matches()
    for a, b in zip(first, second, strict=True):
        total.add(span_matches(a, b, exact=exact))
    return total.f1()


def boundary_f1(first: Sequence[Sequence[int]], second: Sequence[Sequence[int]]) -> float | None:
    """F1 of the word boundaries of two segmentations (word ends) of the same texts."""
    total = Matches()
    for a, b in zip(first, second, strict=True):
        total.add(set_matches(boundaries(a), boundaries(b)))
    return total.f1()
