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
from collections.abc import Iterable
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
            self.counts.update({w for w in words if is_term(w)})

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


def top_keywords(words: Iterable[str], *, frequencies: DocumentFrequencies, limit: int = 8) -> list[str]:
    """The highest TF-IDF terms of a passage, best first (ties broken by the word for stable output)."""
    counts = terms(words)
    total = sum(counts.values()) or 1
    scored = sorted(((n / total) * frequencies.idf(w), w) for w, n in counts.items() if n >= 1)
    ranked = sorted(scored, key=lambda pair: (-pair[0], pair[1]))
    return [word for _, word in ranked[:limit]]


def suggest_themes(
    words: Iterable[str], *, theme_keywords: dict[str, list[str]], frequencies: DocumentFrequencies, limit: int = 3
) -> list[str]:
    """Theme slugs whose keywords occur among the passage's words, by summed IDF weight.

    Words, not substrings: 信息 in 电子信息 is not the 信息工作 theme. A theme
    needs two occurrences, or one of a rare (high-IDF) keyword, so a passing
    mention does not file a practice under it.
    """
    counts = Counter(words)
    scores: dict[str, float] = {}
    for slug, keywords in theme_keywords.items():
        score = 0.0
        hits = 0
        for keyword in keywords:
            n = counts.get(keyword, 0)
            if n:
                hits += n
                score += n * frequencies.idf(keyword)
        if hits >= 2 or score >= 3.0:
            scores[slug] = score
    return [slug for slug, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]]
