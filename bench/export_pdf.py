"""PDF briefing benchmark: one practice, and briefings of about 25, 50 and 100 pages.

    .venv/bin/python bench/export_pdf.py [--repeat 5] [--lessons 40 80 160] [--database-url URL]

Builds a fresh database (SQLite by default) with the seed content plus
synthetic practices (the seed's own sentences recombined, with real places,
themes and source excerpts, so pages look like real briefings), then times
the whole export as a user gets it: selection, loading, HTML, WeasyPrint
layout, font subsetting and PDF writing. It prints the median and the
slowest run, with the page count next to each. Targets (DESIGN.md §6): one
practice < 0.5 s; a 100-page briefing < 5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import fresh_database

ROOT = Path(__file__).resolve().parent.parent


def build(n: int, *, seed: int = 11) -> None:
    from django.core.management import call_command

    from experiences.models import Place, Practice, SourceDocument, Status, Theme
    from experiences.seeding import seed as load_seed

    call_command("migrate", verbosity=0)
    load_seed()
    rng = random.Random(seed)
    documents = list(SourceDocument.objects.published())
    pool = [s for d in documents for s in re.findall(r"[^。]+。", d.text) if 15 <= len(s) <= 160]
    places = list(Place.objects.exclude(level=Place.Level.PROVINCE)[:400])
    themes = list(Theme.objects.filter(parent__isnull=False))
    for i in range(n):
        document = rng.choice(documents)
        place = rng.choice(places)
        practice = Practice.objects.create(
            title=f"{place.name}:{rng.choice(pool)[:20].rstrip('，。')}",
            summary=rng.choice(pool),
            body="\n".join("".join(rng.sample(pool, 3)) for _ in range(2)),
            excerpt=rng.choice(pool).rstrip("。"),
            document=document,
            status=Status.PUBLISHED,
        )
        practice.places.add(place)
        practice.themes.add(*rng.sample(themes, 2))
        practice.tags.add(f"标签{i % 40}")


def timed(function, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def measure(lesson_counts: list[int], repeat: int) -> None:
    from briefings import exporting, selection
    from briefings.pdf import page_count
    from briefings.selection import Selection
    from experiences.models import Practice

    newest = list(Practice.objects.published().order_by("-pk").values_list("pk", flat=True))
    one = newest[-1]  # a curated seed practice
    export_one = lambda: exporting.export(  # noqa: E731
        selection.for_lesson(kind="practice", pk=one, user=None), fmt="pdf", user=None
    )
    export_one()  # load fonts and WeasyPrint once, as a running worker has
    rows = [("one practice", *timed(export_one, repeat * 2))]
    for count in lesson_counts:
        chosen = Selection(title=f"基准简报（{count} 条）", items=[("practice", pk) for pk in newest[:count]])
        rows.append(
            (
                f"{count} lessons",
                *timed(lambda chosen=chosen: exporting.export(chosen, fmt="pdf", user=None, grouping="theme"), repeat),
            )
        )
    print(f"{'selection':<14} {'pages':>5} {'median s':>9} {'max s':>7} {'s/page':>7}  runs")
    for label, times, file in rows:
        pages = page_count(file.content)
        median = statistics.median(times)
        print(
            f"{label:<14} {pages:>5} {median:>9.2f} {max(times):>7.2f} {median / pages:>7.3f}  "
            + " ".join(f"{t:.2f}" for t in times)
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (Django, seed, WeasyPrint and the largest briefing): {peak:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lessons", type=int, nargs="+", default=[40, 80, 160])
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["DATABASE_URL"] = fresh_database(
            args.database_url, name_suffix="pdf_bench", folder=folder, sqlite_name="bench.sqlite3"
        )
        os.environ["DEBUG"] = "1"
        os.environ["KBASE_VAR_DIR"] = str(folder)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbase.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        settings.DEBUG = False
        from briefings.checks import pdf_problems

        if pdf_problems():
            print("PDF export unavailable here:", "; ".join(pdf_problems()))
            return 1
        build(max(args.lessons))
        measure(sorted(args.lessons), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
