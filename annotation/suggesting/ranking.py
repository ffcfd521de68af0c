"""The order active learning hands out open snippets in. Pure.

The project model's most uncertain snippets come first, and a share of the places goes to
snippets drawn at random, spread evenly through the order: a model that only ever sees
what puzzles it learns a skewed picture of the data (the random share is the usual guard,
as in Prodigy's and INCEpTION's samplers). The draw is fixed by ``seed``, so that the
same model gives the same order.
"""

import random
from collections.abc import Sequence


def interleaved(by_uncertainty: Sequence[int], share: float, seed: str) -> list[int]:
    """``by_uncertainty`` (ids, the most uncertain first) with ``share`` of the places, one
    in every 1/share, given to ids drawn at random from the rest."""
    share = min(max(share, 0.0), 1.0)
    count = round(len(by_uncertainty) * share)
    drawn = random.Random(seed).sample(list(by_uncertainty), count)
    chosen = set(drawn)
    rest = iter([item for item in by_uncertainty if item not in chosen])
    draws = iter(drawn)
    order: list[int] = []
    for place in range(len(by_uncertainty)):
        # Random at the places where the running count of random picks steps up; either
        # kind, once spent, gives way to the other.
        first, second = (
            (draws, rest) if int((place + 1) * share) > int(place * share) else (rest, draws)
        )
        item = next(first, None)
        order.append(next(second) if item is None else item)
    return order
