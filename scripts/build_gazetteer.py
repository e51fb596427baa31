"""Build fixtures/places.csv, the gazetteer of China's administrative divisions.

Source: ``adcodes.csv`` from the MIT-licensed ``cpca`` package (GB/T 2260 codes
with coordinates, 2020 snapshot). The file is read from the installed package
unless ``--source`` is given, so regenerating needs only::

    pip install --no-deps cpca==0.5.5
    python scripts/build_gazetteer.py

The output is deterministic (sorted by adcode) so that regenerating it gives a
readable diff. Placeholder rows (``市辖区``, ``县``, ``省直辖县级行政区划``) are
dropped and their children attached to the province, which is how people think
of the hierarchy: 海淀区 is in 北京市, 仙桃市 is in 湖北省.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import re
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "fixtures" / "places.csv"

PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# Suffixes stripped to form the short name, longest first so that 自治州 wins
# over 州 and 新区 is never stripped (滨海新区 stays whole).
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "林区", "地区", "省", "市", "盟", "县", "区", "旗")
KEEP_WHOLE = re.compile(r"(新区|矿区|特区)$")


def cpca_resources() -> Path:
    # Locate the package without importing it: cpca's __init__ pulls in
    # pandas and pyahocorasick, which we do not need for two CSV files.
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("cpca is not installed: pip install --no-deps cpca==0.5.5, or pass --source")
    return Path(next(iter(spec.submodule_search_locations))) / "resources"


def read_nations(source_dir: Path) -> list[str]:
    text = (source_dir / "56_nations.csv").read_text(encoding="utf-8")
    names = [row.strip() for row in text.splitlines()[1:] if row.strip()]
    # "族" is optional in names such as 黔东南苗族侗族自治州 / 土家族苗族.
    return sorted({n.split(",")[-1].strip() for n in names}, key=len, reverse=True)


def short_name(*, name: str, level: str, nations: list[str]) -> str:
    if KEEP_WHOLE.search(name):
        return name
    base = name
    for suffix in SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    if name.endswith(("自治区", "自治州", "自治县", "自治旗")):
        # Strip the ethnic group names: 广西壮族 -> 广西, 恩施土家族苗族 -> 恩施.
        changed = True
        while changed:
            changed = False
            for nation in nations:
                for candidate in (nation, nation.removesuffix("族")):
                    if candidate and base.endswith(candidate) and len(base) > len(candidate) + 1:
                        base = base[: -len(candidate)]
                        changed = True
                        break
                if changed:
                    break
    # A one-character short name (应县 -> 应) would be an ordinary word.
    return base if len(base) >= 2 else name


def level_of(adcode: str) -> str:
    if adcode.endswith("0000"):
        return "province"
    if adcode.endswith("00"):
        return "prefecture"
    return "county"


def build(*, source: Path | None) -> list[dict[str, str]]:
    source = source or cpca_resources() / "adcodes.csv"
    raw = source.read_text(encoding="utf-8")
    nations = read_nations(source.parent)
    rows = {}
    for record in csv.DictReader(raw.splitlines()):
        adcode = record["adcode"][:6]
        if record["name"] in PLACEHOLDERS:
            continue
        rows[adcode] = record | {"adcode": adcode}
    places = []
    for adcode in sorted(rows):
        record = rows[adcode]
        level = level_of(adcode)
        if level == "province":
            parent = ""
        elif level == "prefecture":
            parent = adcode[:2] + "0000"
        else:
            prefecture = adcode[:4] + "00"
            parent = prefecture if prefecture in rows else adcode[:2] + "0000"
        if parent and parent not in rows:
            raise SystemExit(f"{adcode} {record['name']}: parent {parent} missing")
        name = record["name"]
        places.append(
            {
                "adcode": adcode,
                "name": name,
                "short_name": short_name(name=name, level=level, nations=nations),
                "level": level,
                "parent": parent,
                "longitude": record["longitude"],
                "latitude": record["latitude"],
                "pinyin": "".join(lazy_pinyin(name)).lower(),
            }
        )
    return places


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="path to cpca's adcodes.csv")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    places = build(source=args.source)
    with args.output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(places[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(places)
    print(f"wrote {len(places)} places to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
