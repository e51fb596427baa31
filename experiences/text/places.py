"""Place detection in Chinese text: pure, given a gazetteer and the text's tokens.

Precision first: a mention is kept when it is certain on its own (an alias
such as 中关村, a unique full name such as 荆州市, or the short name of a city
or province that is not also an ordinary word), or when it is confirmed by a
certain mention in the same province (孝感 next to 武汉, 商州 next to 陕西,
宝鸡 next to 西安). Short county names and names that are ordinary words
(开封, 大同, 白银) need that confirmation; 我市 and 兄弟城市 are never places.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .segment import Token

NOT_PLACES = frozenset(
    {"我市", "本市", "全市", "我省", "本省", "全省", "我区", "我县", "兄弟城市", "城市", "市区", "地区"}
)
LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2}
# Tags jieba gives real place names; any other tag marks an ordinary word.
PLACE_TAGS = frozenset({"ns", "nt"})
FULL_NAME_FREQUENCY = 200_000
SHORT_NAME_FREQUENCY = 50_000


@dataclass(frozen=True, slots=True)
class PlaceEntry:
    adcode: str
    level: str
    kind: str  # "name", "short" or "alias"


@dataclass(frozen=True, slots=True)
class Mention:
    surface: str
    start: int
    end: int
    adcode: str


@dataclass
class Gazetteer:
    surfaces: dict[str, list[PlaceEntry]] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)
    common_words: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        places: Iterable[tuple[str, str, str, str]],
        aliases: Iterable[tuple[str, str]] = (),
        dictionary_tags: dict[str, str] | None = None,
    ) -> Gazetteer:
        """From (adcode, name, short_name, level) rows and (alias, adcode) pairs."""
        surfaces: dict[str, list[PlaceEntry]] = defaultdict(list)
        levels = {}
        for adcode, name, short_name, level in places:
            levels[adcode] = level
            surfaces[name].append(PlaceEntry(adcode, level, "name"))
            if short_name and short_name != name and len(short_name) >= 2:
                surfaces[short_name].append(PlaceEntry(adcode, level, "short"))
        for alias, adcode in aliases:
            if adcode in levels:
                surfaces[alias].append(PlaceEntry(adcode, levels[adcode], "alias"))
        tags = dictionary_tags or {}
        common = frozenset(word for word in surfaces if word in tags and tags[word] not in PLACE_TAGS)
        for word in NOT_PLACES:
            surfaces.pop(word, None)
        return cls(surfaces=dict(surfaces), levels=levels, common_words=common)

    def user_words(self) -> list[tuple[str, int, str]]:
        """Words for the segmenter's dictionary, frequent enough to win over splits."""
        words = []
        for surface, entries in self.surfaces.items():
            full = any(entry.kind in {"name", "alias"} for entry in entries)
            if surface in self.common_words and not full:
                continue  # let jieba keep segmenting 大同 the way it always has
            words.append((surface, FULL_NAME_FREQUENCY if full else SHORT_NAME_FREQUENCY, "ns"))
        return words


def _certain(surface: str, entries: list[PlaceEntry], gazetteer: Gazetteer) -> PlaceEntry | None:
    aliases = [e for e in entries if e.kind == "alias"]
    if len(aliases) == 1:
        return aliases[0]
    names = [e for e in entries if e.kind == "name"]
    if len(names) == 1 and len(entries) == 1 and surface not in gazetteer.common_words:
        return names[0]
    shorts = [e for e in entries if e.kind == "short" and e.level != "county"]
    if len(entries) == 1 and len(shorts) == 1 and surface not in gazetteer.common_words:
        return shorts[0]
    if names and len({e.adcode for e in entries}) == 1 and surface not in gazetteer.common_words:
        return names[0]  # 北京市 is both the province's name and nothing else
    return None


def detect_places(words: Iterable[str], *, gazetteer: Gazetteer) -> list[Mention]:
    """Place mentions, in text order, each resolved to one adcode.

    ``words`` is the text segmented in precise mode (their concatenation is
    the text), so offsets are recovered by counting, without token objects.
    """
    certain: list[Mention] = []
    pending: list[tuple[Token, list[PlaceEntry]]] = []
    surfaces = gazetteer.surfaces
    offset = 0
    for word in words:
        start = offset
        offset += len(word)
        entries = surfaces.get(word)
        if not entries:
            continue
        token = Token(word, start, offset)
        entry = _certain(token.word, entries, gazetteer)
        if entry is not None:
            certain.append(Mention(token.word, token.start, token.end, entry.adcode))
        else:
            pending.append((token, entries))
    provinces = {mention.adcode[:2] for mention in certain}
    confirmed = []
    for token, entries in pending:
        in_context = [e for e in entries if e.adcode[:2] in provinces]
        if not in_context:
            continue
        best = min(in_context, key=lambda e: (LEVEL_RANK[e.level], e.kind != "name", e.adcode))
        confirmed.append(Mention(token.word, token.start, token.end, best.adcode))
    return sorted(certain + confirmed, key=lambda m: m.start)


def most_specific(adcodes: Iterable[str], *, levels: dict[str, str]) -> list[str]:
    """Drop places that are ancestors of other detected places (山西 when 朔州 is there)."""
    codes = set(adcodes)

    def prefix(code: str) -> str:
        return {"province": code[:2], "prefecture": code[:4]}.get(levels.get(code, "county"), code)

    return sorted(code for code in codes if not any(o != code and o.startswith(prefix(code)) for o in codes))
