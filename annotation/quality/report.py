"""A quality run's results: agreement over a project and per batch. Pure.

The run feeds the judgements of one snippet at a time (every annotator's latest submitted
revision); the report keeps counts only (annotation.quality.metrics), so a project of any
size is read in one pass in constant memory.

How judgements become comparable values:
- classes: in a single-label project, the chosen class ("" for none); in a multi-label
  project, the whole set of chosen classes. Per label, whether the label was chosen (a
  yes/no judgement), in both kinds of project.
- spans: (start, end, label) triples.
- segmentation: the annotator's word ends, or jieba's when they left it uncorrected.
- relations: (subject span, type, object span), spans as (start, end, label).
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from annotation.quality.consistency import Consistency
from annotation.quality.metrics import (
    BoundaryAgreement,
    Matches,
    Nominal,
    Pair,
    Relation,
    RelationAgreement,
    Span,
    SpanAgreement,
    pooled,
)


@dataclass(frozen=True)
class Judgement:
    annotator: str
    classes: tuple[str, ...] = ()
    spans: frozenset[Span] = frozenset()
    words: tuple[int, ...] = ()  # word ends
    relations: frozenset[Relation] = frozenset()  # annotation.core.links.relation_key
    events: frozenset[tuple] = frozenset()  # annotation.core.links.event_key


@dataclass
class Scope:
    """Agreement over a set of snippets (the project, or one batch)."""

    snippets: int = 0  # compared: two or more annotators
    classes: Nominal = field(default_factory=Nominal)
    class_labels: dict[str, Nominal] = field(default_factory=lambda: defaultdict(Nominal))
    spans: SpanAgreement = field(default_factory=SpanAgreement)
    words: BoundaryAgreement = field(default_factory=BoundaryAgreement)
    relations: RelationAgreement = field(default_factory=RelationAgreement)

    def merge(self, other: "Scope") -> None:
        self.snippets += other.snippets
        self.classes.merge(other.classes)
        for label, nominal in other.class_labels.items():
            self.class_labels[label].merge(nominal)
        self.spans.merge(other.spans)
        self.words.merge(other.words)
        self.relations.merge(other.relations)


RELATION_FINDINGS = 100  # entity pairs listed with more than one relation type


@dataclass
class RelationTypes:
    """The relation types each pair of strings is linked by across the corpus, whoever
    linked them: a pair linked by two types is a finding (任职于 here, 就读于 there)."""

    types: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, text: str, judgements: Sequence[Judgement]) -> None:
        for judgement in judgements:
            for (a, b, _), kind, (c, d, _) in judgement.relations:
                self.types[text[a:b], text[c:d]][kind] += 1

    def results(self) -> list[dict]:
        mixed = [(pair, found) for pair, found in self.types.items() if len(found) > 1]
        mixed.sort(key=lambda item: (-item[1].total(), item[0]))
        return [
            {"subject": subject, "object": obj, "types": dict(found.most_common())}
            for (subject, obj), found in mixed[:RELATION_FINDINGS]
        ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _agreement(nominal: Nominal) -> dict:
    """The three chance-corrected figures of nominal judgements."""
    return {
        "cohen_kappa": _rounded(nominal.cohen_kappa_mean()),
        "fleiss_kappa": _rounded(nominal.fleiss_kappa()),
        "krippendorff_alpha": _rounded(nominal.krippendorff_alpha()),
    }


def _pair_rows(pairs: Sequence[Pair], items: dict, figures: dict) -> list[dict]:
    return [
        {
            "annotators": list(pair),
            "items": items[pair],
            **{name: _rounded(compute(pair)) for name, compute in figures.items()},
        }
        for pair in pairs
    ]


def _f1_figures(
    exact: dict[Pair, Matches],
    overlap: dict[Pair, Matches],
    items: dict,
    name: str,
    by_exact: dict[str, Matches],
    by_overlap: dict[str, Matches],
) -> dict:
    """F1, exact and overlapping, over all, per pair and per label (or type) ``name``."""
    return {
        "f1_exact": _rounded(pooled(exact.values()).f1()),
        "f1_overlap": _rounded(pooled(overlap.values()).f1()),
        "pairs": _pair_rows(
            sorted(items),
            items,
            {
                "f1_exact": lambda pair: exact[pair].f1(),
                "f1_overlap": lambda pair: overlap[pair].f1(),
            },
        ),
        name: {
            key: {
                "f1_exact": _rounded(by_exact[key].f1()),
                "f1_overlap": _rounded(by_overlap[key].f1()),
            }
            for key in sorted(by_exact)
        },
    }


class Report:
    def __init__(self, *, kinds: Sequence[str], multi_label: bool, class_labels: Sequence[str]):
        self.kinds = set(kinds)
        self.multi_label = multi_label
        self.class_labels = list(class_labels)
        # Counts are kept per batch (None: snippets in no batch); the project's figures
        # are the batches' counts added up at the end.
        self.batches: dict[int | None, Scope] = defaultdict(Scope)
        self.judgements = 0
        self.annotators: set[str] = set()
        self.consistency = Consistency() if "spans" in self.kinds else None
        self.relation_types = RelationTypes() if "relations" in self.kinds else None

    def _class_value(self, classes: tuple[str, ...]) -> Hashable:
        if self.multi_label:
            return tuple(sorted(set(classes)))
        return classes[0] if classes else ""

    def add(
        self,
        batch_id: int | None,
        judgements: Sequence[Judgement],
        snippet: tuple[int, str, Sequence[int]] | None = None,
    ) -> None:
        """Every annotator's judgement of one snippet; with ``snippet`` (its id, text and
        jieba's word ends) its spans also go to the consistency checks."""
        self.judgements += len(judgements)
        self.annotators.update(j.annotator for j in judgements)
        if self.consistency is not None and snippet is not None:
            snippet_id, text, word_ends = snippet
            self.consistency.add(snippet_id, text, word_ends, [j.spans for j in judgements])
        if self.relation_types is not None and snippet is not None:
            self.relation_types.add(snippet[1], judgements)
        if len(judgements) < 2:
            return
        scope = self.batches[batch_id]
        scope.snippets += 1
        if "classes" in self.kinds:
            scope.classes.add({j.annotator: self._class_value(j.classes) for j in judgements})
            for label in self.class_labels:
                scope.class_labels[label].add({j.annotator: label in j.classes for j in judgements})
        if "spans" in self.kinds:
            scope.spans.add({j.annotator: j.spans for j in judgements})
        if "segmentation" in self.kinds:
            scope.words.add({j.annotator: j.words for j in judgements})
        if "relations" in self.kinds:
            scope.relations.add({j.annotator: j.relations for j in judgements})

    def _scope(self, scope: Scope) -> dict:
        result: dict = {"snippets": scope.snippets}
        if "classes" in self.kinds:
            nominal = scope.classes
            result["classes"] = {
                **_agreement(nominal),
                "pairs": _pair_rows(
                    nominal.pair_names(),
                    {pair: nominal.pair_items(pair) for pair in nominal.pair_names()},
                    {"agreement": nominal.observed, "cohen_kappa": nominal.cohen_kappa},
                ),
                "labels": {
                    label: _agreement(scope.class_labels[label]) for label in self.class_labels
                },
            }
        if "spans" in self.kinds:
            spans = scope.spans
            result["spans"] = _f1_figures(
                spans.exact,
                spans.overlap,
                spans.items,
                "labels",
                spans.label_exact,
                spans.label_overlap,
            )
        if "segmentation" in self.kinds:
            words = scope.words
            result["segmentation"] = {
                "boundary_f1": _rounded(pooled(words.pairs.values()).f1()),
                "pairs": _pair_rows(
                    sorted(words.items), words.items, {"boundary_f1": lambda p: words.pairs[p].f1()}
                ),
            }
        if "relations" in self.kinds:
            relations = scope.relations
            result["relations"] = _f1_figures(
                relations.exact,
                relations.overlap,
                relations.items,
                "types",
                relations.type_exact,
                relations.type_overlap,
            )
        return result

    def results(self, batch_names: dict[int, str]) -> dict:
        """The results document: project-wide figures at the top, then one entry a batch."""
        project = Scope()
        for scope in self.batches.values():
            project.merge(scope)
        batches = sorted((key, scope) for key, scope in self.batches.items() if key is not None)
        found: dict = {"consistency": self.consistency.results()} if self.consistency else {}
        if self.relation_types is not None:
            found["relation_types"] = self.relation_types.results()
        return {
            "judgements": self.judgements,
            "annotators": len(self.annotators),
            **self._scope(project),
            **found,
            "batches": [
                {"id": batch_id, "name": batch_names.get(batch_id, ""), **self._scope(scope)}
                for batch_id, scope in batches
            ],
        }
