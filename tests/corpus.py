"""Synthetic study-report compilations: the seed corpus's sentences recombined across real cities.

Used where a test or a benchmark needs many realistic, distinct articles
(numbered outlines, 经验 and 启示 sections, place names): import throughput,
imports that must take a while, the load benchmark's 3,000-article import.
"""

from __future__ import annotations

import csv
import random
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "fixtures" / "seed" / "documents"
NUMERALS = "一二三四五六七八九十"


@cache
def sentences() -> tuple[str, ...]:
    pool = []
    for path in sorted(DOCUMENTS.glob("*.txt")):
        for sentence in re.findall(r"[^。]+。", path.read_text(encoding="utf-8")):
            sentence = re.sub(r"^[\s\d.、()一二三四五六七八九十]+", "", sentence.strip())
            if 15 <= len(sentence) <= 300:
                pool.append(sentence)
    return tuple(pool)


@cache
def cities() -> tuple[str, ...]:
    with (ROOT / "fixtures" / "places.csv").open(encoding="utf-8") as handle:
        return tuple(row["name"] for row in csv.DictReader(handle) if row["level"] == "prefecture")


def article(rng: random.Random, number: int) -> str:
    pool, places = sentences(), cities()
    here, other = rng.sample(places, 2)
    lines = [f"第{number}篇:{here}学习考察{other}经验的报告", f"□{here}委办公室"]
    lines.append("".join(rng.sample(pool, 3)))
    for part, heading in enumerate([f"{other}的主要经验和做法", "对我市的几点启示和建议"]):
        lines.append(f"{NUMERALS[part]}、{heading}")
        for item in range(1, rng.randint(4, 7)):
            body = "".join(rng.sample(pool, rng.randint(3, 6))).replace("我市", here)
            lines.append(f"{item}、{rng.choice(pool)[:20].rstrip(',。')}。{other}{body}")
    return "\n".join(lines)


def compilation(*, articles: int, seed: int, first: int = 1) -> str:
    """A compilation of ``articles`` distinct articles (第N篇…), numbered from ``first``."""
    rng = random.Random(seed)
    return "\n".join(article(rng, number) for number in range(first, first + articles))
