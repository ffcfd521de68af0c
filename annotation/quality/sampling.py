"""How many items to check, which ones, and what a rate measured on them says. Pure.

Acceptance sample sizes follow the single sampling plans of GB/T 2828.1 (ISO 2859-1),
general inspection level II: the lot size gives a code letter, the letter a sample size.
"""

import math
import random
from collections.abc import Sequence

# (largest lot size, sample size) for code letters A … Q at general inspection level II.
_LEVEL_II = [
    (8, 2),
    (15, 3),
    (25, 5),
    (50, 8),
    (90, 13),
    (150, 20),
    (280, 32),
    (500, 50),
    (1200, 80),
    (3200, 125),
    (10000, 200),
    (35000, 315),
    (150000, 500),
    (500000, 800),
]
_LARGEST = 1250  # code letter Q: lots over 500,000


def acceptance_sample_size(lot: int) -> int:
    """The sample to draw from a lot (a batch) of ``lot`` snippets; never more than the lot."""
    for largest, size in _LEVEL_II:
        if lot <= largest:
            return min(size, lot)
    return min(_LARGEST, lot)


def review_sample_size(lot: int, percent: int) -> int:
    """``percent`` of the lot, rounded up: at least one item of a lot that has any."""
    return min(lot, math.ceil(lot * percent / 100))


def draw(ids: Sequence[int], count: int, seed: str) -> list[int]:
    """``count`` of ``ids``, the same ones for the same seed (a sample can be re-drawn and
    checked), in ascending order."""
    return sorted(random.Random(seed).sample(sorted(ids), min(count, len(ids))))


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval (95 % by default) of a proportion; None without data."""
    if n == 0:
        return None
    p = successes / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    return max(0.0, (centre - margin) / denominator), min(1.0, (centre + margin) / denominator)
