"""Histograms of seconds per item, small enough to keep in a counter row. Pure.

Bucket i counts items that took under 2**i seconds (bucket 0: under a second); the last
bucket holds everything longer. The median is read back as the geometric middle of the
bucket it falls in, which is within a factor of √2 of the true value.
"""

import math

BUCKETS = 13


def bucket_of(seconds: float) -> int:
    if seconds < 1:
        return 0
    return min(BUCKETS - 1, int(math.log2(seconds)) + 1)


def add(histogram: list[int], seconds: float) -> list[int]:
    counts = list(histogram) + [0] * (BUCKETS - len(histogram))
    counts[bucket_of(seconds)] += 1
    return counts


def merge(histograms: list[list[int]]) -> list[int]:
    total = [0] * BUCKETS
    for histogram in histograms:
        for index, count in enumerate(histogram):
            total[index] += count
    return total


def median_seconds(histogram: list[int]) -> float | None:
    items = sum(histogram)
    if not items:
        return None
    seen = 0
    for index, count in enumerate(histogram):
        seen += count
        if seen * 2 >= items:
            low, high = (0.5, 1.0) if index == 0 else (2.0 ** (index - 1), 2.0**index)
            return round(math.sqrt(low * high), 1)
    return None
