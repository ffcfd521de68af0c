"""When an annotator's next task is a gold item: a rule of the claim. Pure."""

import hashlib


def gold_turn(annotator_id: int, handed: int, percent: int) -> bool:
    """Whether an annotator's next task (they were handed ``handed`` before) is a gold item.

    Tasks are taken in blocks of round(100 / percent); in each block one place, drawn
    from the annotator and the block, is gold. The rate is exact over whole blocks, and
    the place moves from block to block, so annotators cannot count their way to it.
    """
    if percent <= 0:
        return False
    block = max(1, round(100 / percent))
    digest = hashlib.blake2b(f"{annotator_id}:{handed // block}".encode(), digest_size=8)
    return handed % block == int.from_bytes(digest.digest(), "big") % block
