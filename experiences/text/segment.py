"""Chinese word segmentation: a thin wrapper over jieba so it can be swapped.

A :class:`Segmenter` owns its own ``jieba.Tokenizer`` (not jieba's global one),
loads the dictionary once and adds the user words it is given (gazetteer
names, aliases, theme keywords) so that 孝感市 or 中关村 come out as one token.
Building one costs about a second; callers keep one per process (see
``experiences.segmentation``).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import NamedTuple

import jieba

jieba.setLogLevel(logging.WARNING)


class Token(NamedTuple):
    word: str
    start: int
    end: int


class Segmenter:
    def __init__(self, *, user_words: Iterable[tuple[str, int | None, str | None]] = (), cache_dir: str | None = None):
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.tmp_dir = cache_dir or tempfile.gettempdir()
        self._tokenizer.initialize()
        for word, freq, tag in user_words:
            self._tokenizer.add_word(word, freq, tag)

    def tokenize(self, text: str, *, search: bool = False) -> list[Token]:
        """Tokens with their character offsets.

        Precise mode by default; search mode (``search=True``) also yields the
        shorter words inside long ones (中关村自主创新示范区 → 中关村, 创新, …),
        which is what an index wants. The HMM guesser for unknown words is off:
        it is slow and invents words; our user dictionary covers what matters.
        """
        if search:
            return [Token(w, s, e) for w, s, e in self._tokenizer.tokenize(text, mode="search", HMM=False)]
        tokens, offset = [], 0
        for word in self._tokenizer.cut(text, HMM=False):
            end = offset + len(word)
            tokens.append(Token(word, offset, end))
            offset = end
        return tokens

    def cut(self, text: str, *, search: bool = False) -> list[str]:
        if search:
            return list(self._tokenizer.cut_for_search(text, HMM=False))
        return list(self._tokenizer.cut(text, HMM=False))

    def word_frequency(self, word: str) -> int:
        return self._tokenizer.FREQ.get(word, 0) or 0


@cache
def dictionary_tags() -> dict[str, str]:
    """Part-of-speech tags of jieba's main dictionary (word → tag), read once per process.

    Used to tell place names that are also ordinary words (开封 "to unseal",
    大同 "great harmony", 白银 "silver") from unambiguous ones.
    """
    tags = {}
    with resources.files("jieba").joinpath("dict.txt").open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    return tags
