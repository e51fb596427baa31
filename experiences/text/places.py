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
from itertools import accumulate

from .segment import Token

NOT_PLACES = frozenset(
    {"我市", "本市", "全市", "我省", "本省", "全省", "我区", "我县", "兄弟城市", "城市", "市区", "地区"}
)
LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2}
# Tags jieba gives real place names; any other tag marks an ordinary word.
PLACE_TAGS = frozenset({"ns", "nt"})
# jieba's dictionary has words such as 武汉市委 and 上海市委: a place followed by
# one of these is still a mention of the place.
ORGAN_SUFFIXES = frozenset(
    {"委", "市委", "省委", "县委", "区委", "州委", "党委", "纪委", "政府", "市政府", "省政府", "县政府", "区政府",
     "人民政府", "人大", "政协", "组织部", "宣传部"}
)  # fmt: skip
# A place name followed, within a few words and no punctuation, by one of these is part of a name: 姑苏领军人才计划,
# 苏州银行, 昆山杯. The place is not what the text is about there.
NAME_ENDINGS = frozenset(
    {
        "计划",
        "工程",
        "行动",
        "集团",
        "公司",
        "银行",
        "大学",
        "学院",
        "品牌",
        "基金",
        "奖",
        "杯",
        "牌",
        "号",
        "模式",
        "经验",
    }
)
NAME_REACH = 3  # words after the place within which a name ending makes it part of a name
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
    # Written right before a place inside it (浙江省 in 浙江省湖州市安吉县): part of that place's address, so
    # not a place the text is about. Still a mention (the reader highlights it).
    address: bool = False


@dataclass
class Gazetteer:
    surfaces: dict[str, list[PlaceEntry]] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)
    common_words: frozenset[str] = frozenset()
    heads: frozenset[str] = frozenset()  # first two characters of every surface, for a cheap pre-check
    tags: dict[str, str] = field(default_factory=dict, repr=False)  # the segmenter dictionary's, shared

    def __post_init__(self) -> None:
        if not self.heads:
            self.heads = frozenset(surface[:2] for surface in self.surfaces)

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
        return cls(surfaces=dict(surfaces), levels=levels, common_words=common, tags=tags)

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
    A place that only begins a programme's or a company's name (姑苏领军人才计划,
    苏州银行) is not a mention.
    """
    words = list(words)
    certain: list[Mention] = []
    pending: list[tuple[Token, list[PlaceEntry]]] = []
    surfaces = gazetteer.surfaces
    # Each distinct word is looked up once: a document has a few thousand distinct words among
    # tens of thousands, and only a few of them are places.
    distinct = set(words)
    places = {word: word for word in distinct & surfaces.keys()}
    heads = gazetteer.heads
    for word in distinct - places.keys():
        if len(word) >= 3 and word[:2] in heads:  # 武汉市委: a place before an organ's name
            surface = _place_before_organ(word, surfaces)
            if surface is not None:
                places[word] = surface
    if not places:
        return []
    starts = [0, *accumulate(map(len, words))]
    for index in [i for i, word in enumerate(words) if word in places]:
        word = places[words[index]]
        if _begins_a_name(words, index, gazetteer=gazetteer):
            continue
        token = Token(word, starts[index], starts[index] + len(word))
        entries = surfaces[word]
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
    return _mark_addresses(sorted(certain + confirmed, key=lambda m: m.start), levels=gazetteer.levels)


def _mark_addresses(mentions: list[Mention], *, levels: dict[str, str]) -> list[Mention]:
    marked = []
    for index, mention in enumerate(mentions):
        following = mentions[index + 1] if index + 1 < len(mentions) else None
        inside = following is not None and following.adcode != mention.adcode
        prefix = {"province": 2, "prefecture": 4}.get(levels.get(mention.adcode, ""), 6)
        if inside and following.start == mention.end and following.adcode.startswith(mention.adcode[:prefix]):
            mention = Mention(mention.surface, mention.start, mention.end, mention.adcode, address=True)
        marked.append(mention)
    return marked


def _begins_a_name(words: list[str], index: int, *, gazetteer: Gazetteer) -> bool:
    """Whether the place at ``words[index]`` starts a name that ends a few words later (姑苏 领军人才 计划).

    Only nouns stand between: 无锡 没有 著名 大学 is a sentence about 无锡, not a university's name.
    """
    for word in words[index + 1 : index + 1 + NAME_REACH]:
        if word in NAME_ENDINGS:
            return True
        tag = gazetteer.tags.get(word)
        if not _is_chinese_word(word) or word in gazetteer.surfaces or (tag is not None and not tag.startswith("n")):
            # Punctuation, a verb or an adjective ends the phrase; another place name starts its own.
            return False
    return False


def _is_chinese_word(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" or ch.isalnum() for ch in word)


def _place_before_organ(word: str, surfaces: dict) -> str | None:
    """武汉市委 → 武汉市; 北京大学 → None (a university is not a mention of the city)."""
    for cut in range(len(word) - 1, 1, -1):
        if word[:cut] in surfaces and word[cut:] in ORGAN_SUFFIXES:
            return word[:cut]
    return None


MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})


def without_containing_provinces(adcodes: Iterable[str], *, levels: dict[str, str]) -> list[str]:
    """Distinct places, less a province when a place inside it is named too (山西 when 朔州 is there).

    Cities are kept even when a county inside them is named (苏州 and 昆山 are
    both places the text is about), and so are the four municipalities, which
    readers treat as cities (北京 with 海淀).
    """
    codes = set(adcodes)

    def contains_another(code: str) -> bool:
        if levels.get(code) != "province" or code in MUNICIPALITIES:
            return False
        return any(other != code and other.startswith(code[:2]) for other in codes)

    return sorted(code for code in codes if not contains_another(code))
