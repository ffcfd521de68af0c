"""The results document: project figures from per-batch counts equal those over all items."""

import random

import pytest

from annotation.quality.metrics import fleiss_kappa, krippendorff_alpha_nominal, span_f1
from annotation.quality.report import Judgement, Report

NAMES = ["a", "b", "c"]


def test_project_figures_equal_the_figures_over_every_item():
    rng = random.Random(11)
    report = Report(kinds=["classes", "spans"], multi_label=False, class_labels=["x", "y", "z"])
    items, spans = [], {name: [] for name in NAMES}
    for n in range(300):
        batch = [None, 1, 2][n % 3]
        truth = rng.choice("xyz")
        judgements = []
        for name in NAMES:
            value = truth if rng.random() < 0.7 else rng.choice("xyz")
            found = frozenset({(0, rng.randint(1, 3), "人名")} if rng.random() < 0.5 else set())
            judgements.append(Judgement(annotator=name, classes=(value,), spans=found))
            spans[name].append(found)
        items.append([j.classes[0] for j in judgements])
        report.add(batch, judgements)

    results = report.results({1: "one", 2: "two"})

    assert results["snippets"] == 300 and [b["snippets"] for b in results["batches"]] == [100, 100]
    assert results["classes"]["fleiss_kappa"] == pytest.approx(fleiss_kappa(items), abs=1e-6)
    alpha = krippendorff_alpha_nominal(items)
    assert results["classes"]["krippendorff_alpha"] == pytest.approx(alpha, abs=1e-6)
    pairs = [("a", "b"), ("a", "c"), ("b", "c")]
    pooled_first = [s for a, _ in pairs for s in spans[a]]
    pooled_second = [s for _, b in pairs for s in spans[b]]
    assert results["spans"]["f1_exact"] == pytest.approx(
        span_f1(pooled_first, pooled_second), abs=1e-6
    )
    batch_items = items[1::3]
    assert results["batches"][0]["classes"]["fleiss_kappa"] == pytest.approx(
        fleiss_kappa(batch_items), abs=1e-6
    )
