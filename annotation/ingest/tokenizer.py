"""The jieba wrapper: one cached ``jieba.Tokenizer`` per dictionary in each process. Pure.

Tokens are stored compactly as the code-point offsets where they end ("3,5,9"); jieba's
tokens tile the text, so starts follow from ends.
"""

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass

import jieba

jieba.setLogLevel(logging.WARNING)

_CACHE_SIZE = 4
_tokenizers: OrderedDict[str, jieba.Tokenizer] = OrderedDict()


@dataclass(frozen=True)
class UserWord:
    word: str
    freq: int | None = None
    tag: str | None = None


@dataclass(frozen=True)
class TokenizerConfig:
    hmm: bool = True
    words: tuple[UserWord, ...] = ()

    @property
    def dictionary_hash(self) -> str:
        digest = hashlib.sha1(usedforsecurity=False)
        for item in sorted(self.words, key=lambda word: word.word):
            digest.update(f"{item.word}\t{item.freq}\t{item.tag}\n".encode())
        return digest.hexdigest()[:12]

    @property
    def version(self) -> str:
        """Changes whenever the tokens could change: engine version, HMM or dictionary."""
        words = self.dictionary_hash if self.words else "none"
        return f"jieba-{jieba.__version__}:hmm={int(self.hmm)}:dict={words}"


def tokenizer_for(config: TokenizerConfig) -> jieba.Tokenizer:
    key = config.dictionary_hash
    tokenizer = _tokenizers.get(key)
    if tokenizer is None:
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for item in config.words:
            tokenizer.add_word(item.word, item.freq, item.tag)
        _tokenizers[key] = tokenizer
        while len(_tokenizers) > _CACHE_SIZE:
            _tokenizers.popitem(last=False)
    else:
        _tokenizers.move_to_end(key)
    return tokenizer


def token_ends(text: str, config: TokenizerConfig) -> list[int]:
    """Where each token ends, in code points; the last end is ``len(text)``."""
    ends = []
    position = 0
    for token in tokenizer_for(config).cut(text, HMM=config.hmm):
        position += len(token)
        ends.append(position)
    return ends


def encode_ends(ends: list[int]) -> str:
    return ",".join(map(str, ends))


def decode_spans(encoded: str) -> list[list[int]]:
    """``"2,5"`` → ``[[0, 2], [2, 5]]``."""
    if not encoded:
        return []
    spans = []
    start = 0
    for end in map(int, encoded.split(",")):
        spans.append([start, end])
        start = end
    return spans
