from annotation.work import tally


def test_buckets_are_powers_of_two():
    assert [tally.bucket_of(s) for s in (0.2, 1, 1.9, 2, 7.9, 8, 10_000)] == [0, 1, 1, 2, 3, 4, 12]


def test_median_is_within_a_factor_of_root_two():
    histogram: list[int] = []
    for seconds in (3, 5, 6, 7, 40):
        histogram = tally.add(histogram, seconds)

    median = tally.median_seconds(histogram)

    assert 6 / 2**0.5 <= median <= 6 * 2**0.5
    assert tally.median_seconds([]) is None


def test_merge_adds_bucket_by_bucket():
    assert tally.merge([[1, 2], [0, 1, 5]])[:3] == [1, 3, 5]
