"""Agreement metrics: textbook cases by hand, and established implementations on random data."""

import math
import random

import pytest

from annotation.quality.metrics import (
    Nominal,
    boundary_f1,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    span_f1,
)
from tests.factories import random_spans

CASES = 1000


def test_cohen_kappa_of_the_textbook_table():
    # 50 proposals read by two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15

    assert cohen_kappa(first, second) == pytest.approx(0.4, abs=1e-12)  # (0.7 − 0.5) / 0.5


def test_fleiss_kappa_of_fleiss_table():
    # Ten subjects, fourteen raters each, five categories (Fleiss 1971, as usually retold).
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    items = [[category for category, n in enumerate(row) for _ in range(n)] for row in table]
    # P̄ = 0.37802, P̄e = 0.21275: κ = 0.20993
    assert fleiss_kappa(items) == pytest.approx(0.20993, abs=5e-6)


def test_krippendorff_alpha_of_the_example_with_missing_values():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12
    # units, nominal values, None where an observer gave none. α = 0.743.
    rows = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = list(zip(*rows, strict=True))

    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


def test_span_f1_exact_and_overlap_by_hand():
    first = [[(0, 2, "人名"), (4, 6, "地名")]]
    second = [[(0, 2, "人名"), (4, 7, "地名"), (8, 9, "机构")]]

    assert span_f1(first, second, exact=True) == pytest.approx(0.4)  # 2·1 / (2 + 3)
    # Overlap: both of the first's found, 2 of the second's 3: P = 2/3, R = 1.
    assert span_f1(first, second, exact=False) == pytest.approx(0.8)
    # A span of another label never matches, however it overlaps.
    assert span_f1([[(0, 2, "人名")]], [[(0, 2, "地名")]], exact=False) == 0.0


def test_boundary_f1_by_hand():
    # 北京开了新店: 北京/开了/新店 against 北京/开/了/新店.
    assert boundary_f1([[2, 4, 6]], [[2, 3, 4, 6]]) == pytest.approx(0.8)  # 2·2 / (2 + 3)


def test_figures_that_are_not_defined_are_none():
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # chance agreement is already 1
    assert fleiss_kappa([["a", "a"], ["a", "a"]]) is None
    assert krippendorff_alpha_nominal([["a", None], ["b"]]) is None  # nothing pairable
    assert span_f1([[]], [[]]) is None
    assert Nominal().cohen_kappa(("x", "y")) is None


def _same(ours, theirs):
    if ours is None:
        assert math.isnan(theirs) or theirs is None
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def test_cohen_kappa_equals_scikit_learn_on_random_data():
    from sklearn import metrics as sklearn

    rng = random.Random(1)
    for _ in range(CASES):
        categories = rng.sample("ABCDEF", rng.randint(2, 5))
        n = rng.randint(2, 60)
        first = [rng.choice(categories) for _ in range(n)]
        second = [a if rng.random() < 0.6 else rng.choice(categories) for a in first]
        ours = cohen_kappa(first, second)
        if ours is None:  # scikit-learn warns and gives nan there
            assert len(set(first) | set(second)) == 1
            continue
        _same(ours, sklearn.cohen_kappa_score(first, second))


def test_fleiss_kappa_equals_statsmodels_on_random_data():
    from statsmodels.stats import inter_rater

    rng = random.Random(2)
    for _ in range(CASES):
        raters, categories = rng.randint(2, 7), rng.randint(2, 5)
        items = []
        for _ in range(rng.randint(2, 50)):
            truth = rng.randrange(categories)
            items.append(
                [truth if rng.random() < 0.5 else rng.randrange(categories) for _ in range(raters)]
            )
        ours = fleiss_kappa(items)
        table, _ = inter_rater.aggregate_raters(items, n_cat=categories)
        if ours is None:
            continue
        _same(ours, inter_rater.fleiss_kappa(table, method="fleiss"))


def test_krippendorff_alpha_equals_the_krippendorff_package_on_random_data():
    import krippendorff
    import numpy as np

    rng = random.Random(3)
    checked = 0
    for _ in range(CASES):
        coders, categories = rng.randint(2, 6), rng.randint(2, 5)
        missing = rng.random() * 0.5
        rows = []
        for _ in range(rng.randint(3, 40)):
            truth = rng.randrange(categories)
            rows.append(
                [
                    None
                    if rng.random() < missing
                    else (truth if rng.random() < 0.6 else rng.randrange(categories))
                    for _ in range(coders)
                ]
            )
        ours = krippendorff_alpha_nominal(rows)
        values = {v for row in rows for v in row if v is not None}
        if ours is None or len(values) < 2:
            continue
        data = np.array(
            [[np.nan if row[c] is None else row[c] for row in rows] for c in range(coders)],
            dtype=float,
        )
        _same(ours, krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
        checked += 1
    assert checked > CASES * 0.9


def _bio(spans, length):
    tags = ["O"] * length
    for start, end, label in spans:
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def test_exact_span_f1_equals_seqeval_on_random_data():
    from seqeval import metrics as seqeval

    rng = random.Random(4)
    for _ in range(CASES):
        lengths = [rng.randint(5, 40) for _ in range(rng.randint(1, 8))]
        first = [random_spans(rng, n, ["PER", "LOC", "ORG"]) for n in lengths]
        second = [
            [s for s in spans if rng.random() < 0.7] + random_spans(rng, n, ["PER"])[:1]
            if rng.random() < 0.5
            else spans
            for spans, n in zip(first, lengths, strict=True)
        ]
        second = [_without_overlaps(spans) for spans in second]
        ours = span_f1(first, second, exact=True)
        if ours is None:
            continue
        truth = [_bio(s, n) for s, n in zip(first, lengths, strict=True)]
        guess = [_bio(s, n) for s, n in zip(second, lengths, strict=True)]
        _same(ours, seqeval.f1_score(truth, guess, average="micro", zero_division=0))


def _without_overlaps(spans):
    kept = []
    for span in sorted(spans):
        if not kept or kept[-1][1] <= span[0]:
            kept.append(span)
    return kept


def test_boundary_f1_equals_scikit_learn_on_random_data():
    from sklearn import metrics as sklearn

    rng = random.Random(5)
    for _ in range(CASES):
        firsts, seconds, a_flags, b_flags = [], [], [], []
        for _ in range(rng.randint(1, 6)):
            length = rng.randint(2, 30)
            a = sorted(rng.sample(range(1, length), rng.randint(0, length - 1))) + [length]
            b = sorted(rng.sample(range(1, length), rng.randint(0, length - 1))) + [length]
            firsts.append(a)
            seconds.append(b)
            a_flags += [int(i in a[:-1]) for i in range(1, length)]
            b_flags += [int(i in b[:-1]) for i in range(1, length)]
        ours = boundary_f1(firsts, seconds)
        if ours is None:
            continue
        _same(ours, sklearn.f1_score(a_flags, b_flags, zero_division=0))


# 张三任职于北京大学，李四也在北京大学。 (code points)
ZHANG, LI = (0, 2, "人名"), (10, 12, "人名")
PKU, PKU_AGAIN, PKU_SHORT = (5, 9, "机构"), (14, 18, "机构"), (14, 17, "机构")


def test_relation_f1_by_hand_exact_and_with_overlapping_ends():
    from annotation.quality.metrics import relation_f1, relation_of

    first = [
        relation_of(ZHANG, "任职于", PKU),
        relation_of(LI, "任职于", PKU_AGAIN),
        relation_of(ZHANG, "同事", LI, directed=False),
    ]
    second = [
        relation_of(ZHANG, "任职于", PKU),
        relation_of(LI, "任职于", PKU_SHORT),  # one character short at the object's end
        relation_of(LI, "同事", ZHANG, directed=False),  # the same undirected relation
    ]

    assert relation_f1([first], [second]) == pytest.approx(2 * 2 / (3 + 3))
    assert relation_f1([first], [second], exact=False) == 1.0


def test_a_directed_relation_reversed_is_another_relation():
    from annotation.quality.metrics import relation_f1, relation_of

    one, reversed_ = relation_of(ZHANG, "任职于", PKU), relation_of(PKU, "任职于", ZHANG)

    assert relation_f1([[one]], [[reversed_]]) == 0.0
    assert relation_f1([[one]], [[reversed_]], exact=False) == 0.0
    assert relation_f1([[]], [[]]) is None  # nothing to compare: not a made-up 1


def test_an_overlapping_end_of_another_label_is_not_found():
    from annotation.quality.metrics import relation_f1, relation_of

    mine = [relation_of(ZHANG, "任职于", PKU)]
    theirs = [relation_of(ZHANG, "任职于", (5, 9, "地名"))]

    assert relation_f1([mine], [theirs], exact=False) == 0.0


def test_relation_agreement_per_pair_and_per_type():
    from annotation.quality.metrics import RelationAgreement, relation_of

    agreement = RelationAgreement()
    agreement.add(
        {
            "a1": [relation_of(ZHANG, "任职于", PKU), relation_of(LI, "任职于", PKU_AGAIN)],
            "a2": [relation_of(ZHANG, "任职于", PKU), relation_of(LI, "任职于", PKU_SHORT)],
            "a3": [relation_of(ZHANG, "同事", LI, directed=False)],
        }
    )

    assert agreement.exact[("a1", "a2")].f1() == pytest.approx(0.5)
    assert agreement.overlap[("a1", "a2")].f1() == 1.0
    assert agreement.exact[("a1", "a3")].f1() == 0.0
    assert len(agreement.items) == 3
    # 任职于 over the three pairs: a1–a2 exact 1 of 2 each; a1–a3 and a2–a3 none of 2 and 0.
    assert agreement.type_exact["任职于"].f1() == pytest.approx(2 * 1 / (2 + 2 + 2 + 2))
    assert agreement.type_overlap["同事"].f1() == 0.0
