"""Compare jieba with jieba-compatible engines on the seed snippets: speed and agreement.

    pip install rjieba jieba_fast   # optional; engines that are not installed are skipped
    python bench/tokenizers.py [--repeat 20]

Agreement is the share of jieba's tokens (as code-point spans) that the engine produces
too, over all seed snippets; speed is snippets per second in one process.
"""

import argparse
import importlib
import time

from common import seed_snippets


def spans(words) -> set[tuple[int, int]]:
    result, start = set(), 0
    for word in words:
        result.add((start, start + len(word)))
        start += len(word)
    return result


def engines() -> dict:
    found = {}
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    found["jieba 0.42.1"] = lambda text: list(jieba.cut(text))
    try:
        fast = importlib.import_module("jieba_fast")
        fast.setLogLevel(60)
        fast.initialize()
        found["jieba_fast"] = lambda text: list(fast.cut(text))
    except ImportError:
        pass
    try:
        rjieba = importlib.import_module("rjieba")
        found["rjieba"] = rjieba.cut
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    texts = seed_snippets()
    found = engines()
    reference = [spans(found["jieba 0.42.1"](text)) for text in texts]
    total = sum(len(item) for item in reference)
    print(
        f"{len(texts)} seed snippets, {sum(map(len, texts)):,} characters, {total:,} jieba tokens"
    )
    header = ("engine", "snippets/s", "× jieba", "same tokens", "same snippets")
    print(f"{header[0]:<14} {header[1]:>11} {header[2]:>8} {header[3]:>12} {header[4]:>14}")
    base = None
    for name, cut in found.items():
        started = time.perf_counter()
        for _ in range(args.repeat):
            for text in texts:
                cut(text)
        rate = len(texts) * args.repeat / (time.perf_counter() - started)
        base = base or rate
        produced = [spans(cut(text)) for text in texts]
        same = sum(len(a & b) for a, b in zip(reference, produced, strict=True))
        whole = sum(a == b for a, b in zip(reference, produced, strict=True))
        print(
            f"{name:<14} {rate:>11,.0f} {rate / base:>7.2f}× {same / total:>11.2%} "
            f"{whole / len(texts):>13.1%}"
        )


if __name__ == "__main__":
    main()
