"""How annotators use the machines' suggestions, and how far each one's work is from a
project model's. Pure.

- **Use**, per engine and per annotator: of the spans and classes an engine suggested on
  snippets an annotator then submitted, those the work holds as suggested (taken), those
  where it holds a span over the suggested one with other bounds or another label
  (edited), the rest left.
- **Against the model**: each annotator's F1 with a project model's output on the snippets
  they did. A model that disagrees with one annotator much more than with the others
  (F1 more than MODEL_GAP below the annotators' median, over MODEL_MIN_ITEMS snippets or
  more) flags that annotator for review: the model learned the team's majority, and one
  person far from it is worth a look.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import median

from annotation.quality.metrics import Matches, set_matches

Span = tuple[int, int, str]
MODEL_GAP = 0.15
MODEL_MIN_ITEMS = 20


@dataclass
class Use:
    suggested: int = 0
    taken: int = 0
    edited: int = 0

    def figures(self) -> dict:
        rate = (lambda n: round(n / self.suggested, 4)) if self.suggested else (lambda n: None)
        return {
            "suggested": self.suggested,
            "taken": self.taken,
            "edited": self.edited,
            "taken_rate": rate(self.taken),
            "edited_rate": rate(self.edited),
        }


def _over(item: Span, spans: Iterable[Span]) -> bool:
    start, end, _ = item
    return any(s < end and start < e for s, e, _ in spans)


@dataclass
class SuggestionUse:
    by_annotator: dict[tuple[str, str], Use] = field(default_factory=lambda: defaultdict(Use))

    def add(
        self,
        engine: str,
        spans: Iterable[Span],
        classes: Iterable[str],
        work: Mapping[str, tuple[set[Span], set[str]]],
    ) -> None:
        """What ``engine`` suggested on one snippet, and each annotator's (spans, classes)
        there."""
        spans, classes = set(spans), set(classes)
        for annotator, (their_spans, their_classes) in work.items():
            use = self.by_annotator[(engine, annotator)]
            for item in spans:
                use.suggested += 1
                if item in their_spans:
                    use.taken += 1
                elif _over(item, their_spans):
                    use.edited += 1
            for label in classes:
                use.suggested += 1
                use.taken += label in their_classes

    def results(self) -> dict:
        engines: dict[str, Use] = defaultdict(Use)
        for (engine, _), use in self.by_annotator.items():
            total = engines[engine]
            total.suggested += use.suggested
            total.taken += use.taken
            total.edited += use.edited
        return {
            "engines": [
                {"engine": engine, **use.figures()} for engine, use in sorted(engines.items())
            ],
            "annotators": [
                {"engine": engine, "annotator": annotator, **use.figures()}
                for (engine, annotator), use in sorted(self.by_annotator.items())
            ],
        }


@dataclass
class ModelAgreement:
    matches: dict[str, Matches] = field(default_factory=lambda: defaultdict(Matches))
    items: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, model: set, work: Mapping[str, set]) -> None:
        """The model's output on one snippet (spans or classes), and each annotator's."""
        for annotator, theirs in work.items():
            self.matches[annotator].add(set_matches(theirs, model))
            self.items[annotator] += 1

    def results(self) -> dict:
        f1 = {name: self.matches[name].f1() for name in sorted(self.matches)}
        counted = [value for value in f1.values() if value is not None]
        middle = median(counted) if counted else None
        flagged = [
            name
            for name, value in f1.items()
            if middle is not None
            and value is not None
            and self.items[name] >= MODEL_MIN_ITEMS
            and value < middle - MODEL_GAP
        ]
        rows = [
            {"annotator": name, "items": self.items[name], "f1": _rounded(value)}
            for name, value in f1.items()
        ]
        return {"annotators": rows, "median": _rounded(middle), "flagged": flagged}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
