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
from bisect import bisect_left
from collections.abc import Iterable
from functools import cache
from importlib import resources
from itertools import accumulate
from typing import NamedTuple

import jieba

jieba.setLogLevel(logging.WARNING)


class Token(NamedTuple):
    word: str
    start: int
    end: int


class Segmenter:
    """jieba segmentation with our user words, on one of two interchangeable engines.

    ``rjieba`` (the default) binds jieba-rs, a Rust port of jieba with the same
    dictionary and algorithm: same words, about twenty times faster. ``jieba``
    is the reference Python implementation. The test suite checks that both
    cut the seed corpus identically.
    """

    ENGINES = ("rjieba", "jieba")

    def __init__(
        self,
        *,
        user_words: Iterable[tuple[str, int | None, str | None]] = (),
        cache_dir: str | None = None,
        engine: str = "rjieba",
    ):
        if engine not in self.ENGINES:
            raise ValueError(f"unknown segmenter engine {engine!r}; choose one of {self.ENGINES}")
        self.engine = engine
        if engine == "rjieba":
            import rjieba

            self._rust = rjieba.Jieba()
            for word, freq, tag in user_words:
                self._rust.add_word(word, freq, tag)
        else:
            self._tokenizer = jieba.Tokenizer()
            self._tokenizer.tmp_dir = cache_dir or tempfile.gettempdir()
            self._tokenizer.initialize()
            for word, freq, tag in user_words:
                self._tokenizer.add_word(word, freq, tag)

    def cut(self, text: str, *, search: bool = False) -> list[str]:
        """Words in precise mode; ``search=True`` adds the shorter words inside long ones.

        Search mode (中关村自主创新示范区 → 中关村, 创新, 示范区, …) is what an
        index wants. jieba's HMM guesser for unknown words stays off: it is
        slow and invents words; our user dictionary covers what matters.
        """
        if self.engine == "rjieba":
            return self._rust.cut_for_search(text, False) if search else self._rust.cut(text, False)
        if search:
            return list(self._tokenizer.cut_for_search(text, HMM=False))
        return self._tokenizer.lcut(text, HMM=False)

    def tokenize(self, text: str, *, search: bool = False) -> list[Token]:
        """Tokens with their character offsets (precise mode: consecutive and covering the text)."""
        if search:
            if self.engine == "rjieba":
                return [Token(w, s, e) for w, s, e in self._rust.tokenize(text, "search", False)]
            return [Token(w, s, e) for w, s, e in self._tokenizer.tokenize(text, mode="search", HMM=False)]
        tokens, offset = [], 0
        for word in self.cut(text):
            tokens.append(Token(word, offset, offset + len(word)))
            offset += len(word)
        return tokens


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


class Words:
    """A text's words with their offsets, to take the words of any span without segmenting again.

    jieba never joins across a line break, so paragraphs are runs of words
    between "\n" tokens.
    """

    def __init__(self, words: list[str]):
        self.words = words
        self.starts = [0, *accumulate(map(len, words))][:-1] if words else []

    def between(self, start: int, end: int) -> list[str]:
        return self.words[bisect_left(self.starts, start) : bisect_left(self.starts, end)]

    def paragraphs(self) -> list[list[str]]:
        result: list[list[str]] = [[]]
        for word in self.words:
            if word == "\n":
                result.append([])
            else:
                result[-1].append(word)
        return [p for p in result if p]
