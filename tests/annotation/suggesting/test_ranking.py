from annotation.suggesting.ranking import interleaved


def test_without_a_random_share_the_most_uncertain_come_first():
    assert interleaved([5, 3, 9, 1], 0.0, seed="a") == [5, 3, 9, 1]


def test_a_random_share_takes_evenly_spread_places_and_loses_nothing():
    by_uncertainty = list(range(100))

    order = interleaved(by_uncertainty, 0.2, seed="model v3")

    assert sorted(order) == by_uncertainty  # each once
    early = order[:10]
    assert sum(item >= 10 for item in early) == 2  # two of every ten places are random
    assert interleaved(by_uncertainty, 0.2, seed="model v3") == order  # the same seed, same order
    assert interleaved(by_uncertainty, 0.2, seed="model v4") != order


def test_all_random_is_a_permutation():
    order = interleaved(list(range(10)), 1.0, seed="x")

    assert sorted(order) == list(range(10))
