"""Import quality against the hand-checked gold set (tests/samples/gold/expected.yaml).

Each gold file is analysed by ``plan_import`` (nothing is written) and what
it proposes is compared with what a curator marked: documents and their
header fields, document places, draft practices and recommendations (kind,
title, city), the top theme suggestion, and exact repeats. Used by
``bench/import_quality.py`` (prints the figures) and by
``tests/test_import_quality.py`` (keeps them from falling).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

GOLD = Path(__file__).resolve().parent / "samples" / "gold"
HEADER_FIELDS = ("title", "subtitle", "organization", "authors", "year", "month")


@dataclass
class Tally:
    true: int = 0
    false: int = 0  # proposed, not expected
    missed: int = 0  # expected, not proposed

    @property
    def precision(self) -> float:
        return self.true / (self.true + self.false) if self.true + self.false else 1.0

    @property
    def recall(self) -> float:
        return self.true / (self.true + self.missed) if self.true + self.missed else 1.0


@dataclass
class Quality:
    places: Tally = field(default_factory=Tally)
    drafts: Tally = field(default_factory=Tally)
    draft_places: Tally = field(default_factory=Tally)
    themes: Tally = field(default_factory=Tally)  # true: top suggestion acceptable; false: not; missed: none
    header_right: int = 0
    header_total: int = 0
    duplicates: Tally = field(default_factory=Tally)
    documents: Tally = field(default_factory=Tally)
    mistakes: list[str] = field(default_factory=list)

    @property
    def header_accuracy(self) -> float:
        return self.header_right / self.header_total if self.header_total else 1.0


def expected() -> dict:
    return yaml.safe_load((GOLD / "expected.yaml").read_text(encoding="utf-8"))


def _flat(drafts) -> list:
    return [d for draft in drafts for d in (draft, *_flat(draft.children))]


def _same_title(proposed: str, wanted: str) -> bool:
    return wanted in proposed or (len(proposed) >= 4 and proposed in wanted)


def evaluate() -> Quality:
    from experiences.importing import plan_import

    quality = Quality()
    for name, documents in expected().items():
        plan = plan_import(name=name, data=(GOLD / name).read_bytes())
        _documents(quality, name, plan.documents, documents)
    return quality


def _documents(quality: Quality, name: str, proposed: list, wanted: list[dict]) -> None:
    quality.documents.true += min(len(proposed), len(wanted))
    quality.documents.false += max(0, len(proposed) - len(wanted))
    quality.documents.missed += max(0, len(wanted) - len(proposed))
    if len(proposed) != len(wanted):
        quality.mistakes.append(f"{name}: {len(proposed)} documents, expected {len(wanted)}")
    for index, (document, gold) in enumerate(zip(proposed, wanted, strict=False)):
        repeat = document.duplicate if document.duplicate and document.duplicate.exact else None
        if "duplicate_of" in gold:
            if repeat is not None and repeat.index == gold["duplicate_of"]:
                quality.duplicates.true += 1
            else:
                quality.duplicates.missed += 1
                quality.mistakes.append(f"{name}#{index}: repeat of #{gold['duplicate_of']} not found")
            continue
        if repeat is not None:
            quality.duplicates.false += 1
            quality.mistakes.append(f"{name}#{index}: taken for a repeat of {repeat.title}")
        _header(quality, f"{name}#{index}", document, gold)
        _tally(quality.places, set(document.places), set(gold["places"]), quality, f"{name}#{index} places")
        _drafts(quality, f"{name}#{index}", _flat(document.drafts), gold["drafts"])


def _header(quality: Quality, where: str, document, gold: dict) -> None:
    for name in HEADER_FIELDS:
        value = getattr(document, {"year": "year", "month": "month"}.get(name, name))
        quality.header_total += 1
        if value == gold[name]:
            quality.header_right += 1
        else:
            quality.mistakes.append(f"{where} {name}: {value!r}, expected {gold[name]!r}")


def _tally(tally: Tally, proposed: set, wanted: set, quality: Quality, where: str) -> None:
    tally.true += len(proposed & wanted)
    tally.false += len(proposed - wanted)
    tally.missed += len(wanted - proposed)
    if proposed != wanted:
        quality.mistakes.append(f"{where}: {sorted(proposed)}, expected {sorted(wanted)}")


def _drafts(quality: Quality, where: str, proposed: list, wanted: list[dict]) -> None:
    unmatched = list(proposed)
    for gold in wanted:
        match = next((d for d in unmatched if d.kind == gold["kind"] and _same_title(d.title, gold["title"])), None)
        if match is None:
            quality.drafts.missed += 1
            quality.mistakes.append(f"{where}: no {gold['kind']} draft “{gold['title']}”")
            continue
        unmatched.remove(match)
        quality.drafts.true += 1
        _tally(quality.draft_places, set(match.places), set(gold["places"]), quality, f"{where} “{gold['title']}”")
        if not match.themes:
            quality.themes.missed += 1
        elif match.themes[0] in gold["themes"]:
            quality.themes.true += 1
        else:
            quality.themes.false += 1
            quality.mistakes.append(f"{where} “{gold['title']}” theme {match.themes[0]}, expected {gold['themes']}")
    quality.drafts.false += len(unmatched)
    quality.mistakes += [f"{where}: unexpected {d.kind} draft “{d.title}”" for d in unmatched]


def report(quality: Quality) -> list[str]:
    """The figures, a line each, with the targets of the import issue."""

    def line(label: str, tally: Tally, target: str) -> str:
        return f"{label:<22} P {tally.precision:.2f}  R {tally.recall:.2f}  ({target})"

    return [
        line("documents", quality.documents, "all"),
        line("document places", quality.places, "P >= 0.95, R >= 0.95"),
        line("drafts", quality.drafts, "R >= 0.9 with P >= 0.8"),
        line("draft places (city)", quality.draft_places, "-"),
        f"{'top theme':<22} P {quality.themes.precision:.2f}  "
        f"(of {quality.themes.true + quality.themes.false} drafts with a suggestion; "
        f"{quality.themes.missed} without)  (P >= 0.8)",
        f"{'header fields':<22} {quality.header_accuracy:.2f} exact  ({quality.header_right}/{quality.header_total}) "
        "(>= 0.9)",
        f"{'exact repeats':<22} {quality.duplicates.missed} missed, {quality.duplicates.false} false  (0 and 0)",
    ]
