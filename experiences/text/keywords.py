"""Keywords by TF-IDF with an IDF table built from our own corpus, and theme suggestions.

jieba ships an IDF table computed on general web text, where 督查 or 产学研
are rare and so always "key"; in a corpus of government study reports they
are not. The table here is counted over the paragraphs of our own documents.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

# Function words and boilerplate of official Chinese prose: never keywords.
STOPWORDS = frozenset(
    """
    的 了 和 与 及 等 在 对 为 以 是 有 也 并 或 而 就 都 又 把 被 让 从 向 于 将 其 之 中 上 下 不 没有 一个 一些
    我们 他们 你们 我 他 她 它 这 那 这些 那些 这个 那个 这种 这样 那样 如何 什么 为了 因为 所以 但是 但 如果
    进行 通过 主要 一是 二是 三是 四是 五是 同时 以及 其中 方面 各种 各类 各项 有关 相关 一定 一步 进一步 不断 积极
    加强 加大 做好 做到 实现 提高 提升 促进 推动 推进 建立 建设 完善 强化 开展 实施 发挥 形成 加快 注重 坚持 要
    已经 已 正在 可以 能够 需要 应该 应 必须 还 更 最 很 非常 较 比较 特别 尤其 之间 之后 以来 以上 以下 以后
    通过 根据 按照 围绕 对于 关于 作为 成为 具有 包括 以此 从而 以便 因此 由于 此外 另外 首先 其次 最后 既 又
    问题 情况 工作 方式 方面 内容 过程 目标 水平 能力 作用 要求 基础 条件 环境 机制 体系 模式 领域 重点 重要
    发展 实行 每个 具体 活动 各地 地方 有效 良好 相应 一切 全面 大力 认真 及时 充分 各个 一批 多种 大量 一流
    全市 全省 全区 全县 全国 本市 本省 本区 各级 全年 当年 今年 去年 近年 目前 当前 整体 总体 基本 新建 我市 我省
    """.split()
)
_WORD = re.compile(r"[\u4e00-\u9fff]")


@functools.lru_cache(maxsize=200_000)
def is_term(word: str) -> bool:
    """A word worth counting: at least two characters, Chinese, not a stopword."""
    return len(word) >= 2 and word not in STOPWORDS and bool(_WORD.search(word)) and not word.isdigit()


def terms(words: Iterable[str]) -> Counter[str]:
    return Counter(word for word in words if is_term(word))


@dataclass
class DocumentFrequencies:
    """How many paragraphs ("documents" for IDF) contain each term."""

    paragraphs: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    _idf: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    def add(self, paragraph_words: Iterable[Iterable[str]]) -> None:
        self._idf.clear()
        for words in paragraph_words:
            self.paragraphs += 1
            self.counts.update(set(filter(is_term, words)))

    def merge(self, other: DocumentFrequencies) -> None:
        self._idf.clear()
        self.paragraphs += other.paragraphs
        self.counts.update(other.counts)

    def copy(self) -> DocumentFrequencies:
        return DocumentFrequencies(self.paragraphs, self.counts.copy())

    def idf(self, term: str) -> float:
        # Smoothed, so a term unseen in the corpus gets the highest weight.
        value = self._idf.get(term)
        if value is None:
            value = self._idf[term] = math.log((1 + self.paragraphs) / (1 + self.counts.get(term, 0))) + 1.0
        return value


# Numbers with or without a measure word, and units: 一万个, 一事, 三批, 公里, 亿元 are never keywords.
_NUMERAL_WORD = re.compile(
    r"^[0-9零〇一二三四五六七八九十百千万亿两几数多半]+[个件项次条名家所位批户人元年月日天倍事处期届种类类级层座栋套台辆只把份]?$"
)
_NUMERAL_START = frozenset("零〇一二三四五六七八九十百千万两几")
UNITS = frozenset(
    "公里 平方公里 千米 米 厘米 公顷 亩 吨 万吨 千克 公斤 平方米 立方米 万元 亿元 千元 元 美元 人次 万人 百分点".split()
)
# Dictionary tags of words that can stand as a keyword: nouns of every kind, verbal nouns, idioms and
# abbreviations. Verbs, adverbs, measure words and the like cannot (不定, 一批, 进行).
KEYWORD_TAGS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "nw", "vn", "an", "l", "i", "j", "eng"})


@functools.lru_cache(maxsize=200_000)
def _countable(word: str) -> bool:
    if not is_term(word) or word in UNITS or _NUMERAL_WORD.match(word):
        return False
    # 一议, 一事, 三批: pieces of 一事一议 and counts; 一网通办 and 一站式 are longer.
    return not (len(word) == 2 and word[0] in _NUMERAL_START)


def is_keyword(word: str, *, tags: Mapping[str, str] | None = None, known: frozenset[str] = frozenset()) -> bool:
    """A term that reads as a keyword: a noun-like dictionary word, one of ``known`` (places, theme
    keywords), or an out-of-dictionary term of three or more characters (放管服); never a number."""
    if not _countable(word):
        return False
    if word in known or tags is None:
        return True
    tag = tags.get(word)
    return tag in KEYWORD_TAGS if tag is not None else len(word) >= 3


def keyword_test(
    *, tags: Mapping[str, str] | None = None, known: frozenset[str] = frozenset()
) -> Callable[[str], bool]:
    """``is_keyword`` with these tags and known terms, answered once per word: an import asks about
    the same few thousand words for each of its thousands of passages."""

    class Answers(dict):
        def __missing__(self, word: str) -> bool:
            answer = self[word] = is_keyword(word, tags=tags, known=known)
            return answer

    # A dict's own lookup, called from C: no Python frame for the words already answered.
    return Answers().__getitem__


def top_keywords(
    words: Iterable[str],
    *,
    frequencies: DocumentFrequencies,
    limit: int = 8,
    tags: Mapping[str, str] | None = None,
    known: frozenset[str] = frozenset(),
    test: Callable[[str], bool] | None = None,
) -> list[str]:
    """The highest TF-IDF keywords of a passage, best first (ties broken by the word for stable output).

    ``words``: the passage's words, or their counts. ``tags``: the segmenter dictionary's
    part-of-speech tags, to keep only words that can be keywords; ``test``: the same
    rule made once by ``keyword_test``, for many passages.
    """
    counts = words if isinstance(words, Counter) else Counter(words)
    test = test or keyword_test(tags=tags, known=known)
    kept = [(w, counts[w]) for w in filter(test, counts)]
    total = sum(n for _, n in kept) or 1
    idf = frequencies.idf
    ranked = sorted(((-(n / total) * idf(w), w) for w, n in kept))
    return [word for _, word in ranked[:limit]]


@dataclass(frozen=True)
class ThemeScore:
    slug: str
    score: float  # summed IDF weight of the theme's keywords found in the passage
    confidence: float  # 0..1: how sure the suggestion is


MIN_CONFIDENCE = 0.35
RELATIVE = 0.25  # a second or third theme must score at least this share of the first


def _strength(distinct: int, hits: int) -> float:
    """Evidence from the keywords found, whatever the corpus's size (IDF scales with it; counts do not):
    one mention 0.39, three mentions of one keyword 0.63, three keywords 0.78."""
    return 1 - math.exp(-(distinct + 0.5 * (hits - distinct)) / 2)


def score_themes(
    words: Iterable[str], *, theme_keywords: dict[str, list[str]], frequencies: DocumentFrequencies
) -> list[ThemeScore]:
    """Every theme of the taxonomy that the passage's words touch, scored, best first.

    Words, not substrings: 信息 in 电子信息 is not the 信息工作 theme. A theme needs two occurrences of its
    keywords, or one of a rare one, to count at all. The score (IDF-weighted) ranks the themes; the
    confidence combines the evidence found with the theme's lead over the runner-up.
    """
    counts = words if isinstance(words, Counter) else Counter(words)
    found: dict[str, tuple[float, int, int]] = {}
    index = _inverted(theme_keywords)
    present_of: dict[str, list[str]] = {}
    for word in index.keys() & counts.keys():  # the passage's words that are some theme's keywords
        for slug in index[word]:
            present_of.setdefault(slug, []).append(word)
    for slug, present in present_of.items():
        hits = sum(counts[k] for k in present)
        score = sum(counts[k] * frequencies.idf(k) for k in present)
        if hits >= 2 or score >= 3.0:
            found[slug] = (score, len(present), hits)
    ranked = sorted(found.items(), key=lambda item: (-item[1][0], item[0]))
    result = []
    for index, (slug, (score, distinct, hits)) in enumerate(ranked):
        runner_up = ranked[index + 1][1][0] if index + 1 < len(ranked) else 0.0
        margin = (score - runner_up) / score if score else 0.0
        confidence = _strength(distinct, hits) * (0.75 + 0.25 * margin)
        result.append(ThemeScore(slug, round(score, 3), round(confidence, 3)))
    return result


_INVERTED: dict[int, tuple[dict, dict[str, set[str]]]] = {}


def _inverted(theme_keywords: dict[str, list[str]]) -> dict[str, set[str]]:
    """Keyword → themes, made once per taxonomy (one import scores hundreds of passages against it)."""
    cached = _INVERTED.get(id(theme_keywords))
    if cached is None or cached[0] is not theme_keywords:
        index: dict[str, set[str]] = {}
        for slug, keywords in theme_keywords.items():
            for keyword in keywords:
                index.setdefault(keyword, set()).add(slug)
        _INVERTED.clear()
        cached = _INVERTED[id(theme_keywords)] = (theme_keywords, index)
    return cached[1]


def suggest_themes(
    words: Iterable[str], *, theme_keywords: dict[str, list[str]], frequencies: DocumentFrequencies, limit: int = 3
) -> list[str]:
    """At most ``limit`` themes the passage is confidently about, best first; none when nothing is confident."""
    scores = score_themes(words, theme_keywords=theme_keywords, frequencies=frequencies)
    if not scores:
        return []
    best = scores[0].score
    return [s.slug for s in scores[:limit] if s.confidence >= MIN_CONFIDENCE and s.score >= RELATIVE * best]
