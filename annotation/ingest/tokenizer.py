"""The jieba wrapper: one cached tokenizer per engine and dictionary in each process. Pure.

Tokens are stored compactly as the code-point offsets where they end ("3,5,9"); jieba's
tokens tile the text, so starts follow from ends.

Besides jieba itself, two jieba-compatible engines can be chosen per project when they are
installed: ``jieba_fast`` (C, identical tokens on the seeds) and ``rjieba`` (Rust, 99.95 %
identical); bench/tokenizers.py measures both. The engine is part of the tokenizer version.
"""

import functools
import hashlib
import importlib
import importlib.metadata
import logging
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import jieba

from annotation.core.tokens import encode_ends

jieba.setLogLevel(logging.WARNING)

ENGINES = ("jieba", "jieba_fast", "rjieba")
_CACHE_SIZE = 4
_tokenizers: OrderedDict[tuple[str, str], Any] = OrderedDict()


def engine_available(engine: str) -> bool:
    if engine not in ENGINES:
        return False
    try:
        importlib.import_module(engine)
    except ImportError:
        return False
    return True


@functools.cache
def _engine_version(engine: str) -> str:
    return importlib.metadata.version(engine)


@dataclass(frozen=True)
class UserWord:
    word: str
    freq: int | None = None
    tag: str | None = None


@dataclass(frozen=True)
class TokenizerConfig:
    hmm: bool = True
    words: tuple[UserWord, ...] = ()
    engine: str = "jieba"

    @property
    def dictionary_hash(self) -> str:
        digest = hashlib.sha1(usedforsecurity=False)
        for item in sorted(self.words, key=lambda word: word.word):
            digest.update(f"{item.word}\t{item.freq}\t{item.tag}\n".encode())
        return digest.hexdigest()[:12]

    @property
    def inline(self) -> bool:
        """The engine tokenizes faster than the rows could be read and written again
        (rjieba: 38,000 snippets/s on one core, jieba 1,200; bench/tokenizers.py): an import
        tokenizes its snippets as it writes them, instead of handing chunks to the workers
        after its commit."""
        return self.engine == "rjieba"

    @property
    def version(self) -> str:
        """Changes whenever the tokens could change: engine version, HMM, dictionary, or
        how the text is read (``width=half``: full-width letters and digits as half-width)."""
        words = self.dictionary_hash if self.words else "none"
        engine = f"{self.engine}-{_engine_version(self.engine)}"
        return f"{engine}:hmm={int(self.hmm)}:dict={words}:width=half"


def _new_tokenizer(config: TokenizerConfig) -> Any:
    if config.engine == "rjieba":
        tokenizer = importlib.import_module("rjieba").Jieba()
    else:
        module = jieba if config.engine == "jieba" else importlib.import_module(config.engine)
        module.setLogLevel(logging.WARNING)
        tokenizer = module.Tokenizer()
        tokenizer.initialize()
    for item in config.words:
        tokenizer.add_word(item.word, item.freq, item.tag)
    return tokenizer


def tokenizer_for(config: TokenizerConfig) -> Any:
    key = (config.engine, config.dictionary_hash)
    tokenizer = _tokenizers.get(key)
    if tokenizer is None:
        tokenizer = _new_tokenizer(config)
        _tokenizers[key] = tokenizer
        while len(_tokenizers) > _CACHE_SIZE:
            _tokenizers.popitem(last=False)
    else:
        _tokenizers.move_to_end(key)
    return tokenizer


# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) are read as their half-width forms:
# jieba cuts the full-width ones a character at a time ("２０２５年" into five tokens). One
# code point stands for one, so the token ends hold for the text as it is.
_HALF_WIDTH = {
    code: code - 0xFEE0
    for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}


def _cut(config: TokenizerConfig, text: str) -> Any:
    tokenizer = tokenizer_for(config)
    text = text.translate(_HALF_WIDTH)
    if config.engine == "rjieba":
        return tokenizer.cut(text, config.hmm)
    return tokenizer.cut(text, HMM=config.hmm)


def token_ends(text: str, config: TokenizerConfig) -> list[int]:
    """Where each token ends, in code points; the last end is ``len(text)``."""
    return list(accumulate(map(len, _cut(config, text))))


def snippet_tokens(text: str, config: TokenizerConfig) -> str:
    """The text's tokens as a snippet stores them: its encoded token ends."""
    return encode_ends(token_ends(text, config))


def warm_up() -> None:
    """Load jieba's default dictionary now (about 1.5 s), not in the first task."""
    tokenizer_for(TokenizerConfig())
