"""Parsing what a reader types into search terms. Pure: no ORM, no engine syntax.

Anything at all may arrive here (FTS operators, SQL, quotes, emoji, control
characters, ten thousand characters): it is reduced to words of Chinese
characters, letters and digits, which the engines then receive as quoted
literals, so user input never becomes query syntax.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from .clean import normalize_characters

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
_PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』')
_WORD = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # all must match; in order and adjacent when ``phrase``
    phrase: bool = False
    places: tuple[str, ...] = ()  # adcodes, when the term names a place


@dataclass
class Query:
    terms: list[Term] = field(default_factory=list)
    text: str = ""  # the query as understood (simplified, cleaned), for display

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def highlights(self) -> list[str]:
        """Words to mark in snippets, longest first so 技术转移 wins over 技术."""
        words = {w for term in self.terms for w in term.words}
        return sorted(words, key=lambda w: (-len(w), w))


def is_word(token: str) -> bool:
    return bool(_WORD.search(token)) and not token.isspace()


def tidy(raw: str) -> str:
    """Control characters, odd widths and lengths out; what remains is plain text."""
    text = normalize_characters(str(raw))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUERY_LENGTH]


def parse_query(
    raw: str,
    *,
    cut: Callable[[str], list[str]],
    to_simplified: Callable[[str], str] = lambda text: text,
    place_codes: Callable[[str], tuple[str, ...]] = lambda text: (),
) -> Query:
    """Terms of a query: quoted text is a phrase, everything else is words that must all match.

    A word or quoted text that names a place (湖北, 中关村) keeps its adcodes
    so the search can also find lessons linked to that place.
    """
    text = to_simplified(tidy(raw)).lower()
    query = Query(text=text)
    chunks: list[tuple[str, bool]] = []
    position = 0
    for match in _PHRASE.finditer(text):
        chunks.append((text[position : match.start()], False))
        chunks.append((next(g for g in match.groups() if g), True))
        position = match.end()
    chunks.append((text[position:], False))
    for chunk, quoted in chunks:
        for part in re.split(r"[^\w\u3400-\u4dbf\u4e00-\u9fff]+", chunk) if not quoted else [chunk]:
            words = tuple(w for w in cut(part) if is_word(w)) if part.strip() else ()
            if not words:
                continue
            codes = place_codes(part.strip())
            if quoted or codes:
                query.terms.append(Term(words, phrase=len(words) > 1, places=codes))
            else:
                query.terms.extend(Term((word,), places=place_codes(word)) for word in words)
    query.terms = list(dict.fromkeys(query.terms))[:MAX_TERMS]
    return query


def index_words(words: list[str]) -> str:
    """The indexed form of a text's words: lower-cased, punctuation and spaces dropped, space separated.

    ``str.isalnum`` is true for Chinese characters, letters and digits alike and
    runs in C: indexing calls this for every word of every document.
    """
    return " ".join(filter(str.isalnum, words)).lower()


def unique_characters(text: str) -> str:
    """Every distinct Chinese character of a text, so a one-character query finds it inside words."""
    return " ".join(sorted(set(_CJK.findall(text))))
