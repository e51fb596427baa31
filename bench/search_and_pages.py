"""Search and page benchmark on a synthetic base of 100,000 practices.

    .venv/bin/python bench/search_and_pages.py [--practices 100000] [--repeat 30] [--database-url URL]
        [--reuse DIR] [--only search|pages] [--queries 人才,创新] [--build-only]

Builds, in a fresh database (a SQLite file by default, or a new PostgreSQL
database next to the one in --database-url), a base of N practices made by
recombining the seed corpus's sentences across real places and themes, with
their documents, recommendations, tags and search index. Then it measures the
server time (Django test client: URL routing, views, queries, templates, in a
process prepared as kbase/wsgi.py prepares a worker) of /search/ for a fixed
query set (one-, two- and four-character, multi-word, rare, common, a place),
of list pages and of a practice's page, and prints p50 and p95 per URL
(samples taken in rounds over the URLs), next to a naive ``icontains`` scan
answering the same search (count + first page) as a ratio. Targets
(DESIGN.md §6): search p95 < 100 ms, pages p95 < 50 ms.

With --reuse DIR the base is kept (a SQLite file in DIR, or a PostgreSQL
database named after N) and a later run with the same N only migrates it and
measures again, instead of spending minutes rebuilding it. New migrations are
applied to it; a change to how entries are indexed needs a fresh build.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import fresh_database

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["人", "人才", "督查", "技术转移", "人才 无锡", "产学研 高校 企业", "萤火虫", "创新", "湖北", "中关村"]


def built(n: int) -> bool:
    """Whether a kept base already holds the N practices and their index (migrating it first)."""
    from django.core.management import call_command

    from experiences.models import Practice, SearchEntry

    call_command("migrate", verbosity=0)
    return Practice.objects.count() >= n and SearchEntry.objects.filter(kind="practice").count() >= n


def build(n: int, *, hidden: float = 0.0, seed: int = 7) -> None:
    """N published practices (and a tenth as many recommendations), plus, with ``hidden``, that share
    of all lessons not public: drafts in draft documents, lessons awaiting review, withdrawn ones."""
    from django.core.management import call_command

    from experiences import content, search
    from experiences.models import Place, Status, Theme
    from experiences.seeding import seed as load_seed

    call_command("migrate", verbosity=0)
    load_seed()
    rng = random.Random(seed)
    pool = []
    for path in sorted((ROOT / "fixtures" / "seed" / "documents").glob("*.txt")):
        pool += [s for s in re.findall(r"[^。]+。", path.read_text(encoding="utf-8")) if 10 <= len(s) <= 200]
    vocabulary = {
        "pool": pool,
        "places": list(Place.objects.exclude(level=Place.Level.PROVINCE).values_list("pk", "name")),
        "themes": list(Theme.objects.filter(parent__isnull=False).values_list("pk", flat=True)),
        "tags": _bench_tags(300),
    }
    hidden_n = round(n * hidden / (1 - hidden)) if hidden else 0
    started = time.perf_counter()
    # One unit of work (experiences.content) that counts what was written when it ends. Synthetic
    # rows get no history (a revision of 100,000 generated lessons would measure nothing real), and
    # they are indexed afterwards by a rebuild, which is measured as such.
    with content.writing(comment="benchmark base", history=False) as work:
        work.rebuild_counts()
        written = _lessons(rng, vocabulary, n=n, document_status=Status.PUBLISHED, statuses=[Status.PUBLISHED])
        if hidden_n:
            # Half the hidden lessons are an import's drafts (draft documents); the rest sit in
            # published documents, awaiting review or withdrawn.
            written += _lessons(rng, vocabulary, n=hidden_n // 2, document_status=Status.DRAFT,
                                statuses=[Status.DRAFT])  # fmt: skip
            written += _lessons(rng, vocabulary, n=hidden_n - hidden_n // 2, document_status=Status.PUBLISHED,
                                statuses=[Status.REVIEW, Status.ARCHIVED])  # fmt: skip
        # Planner statistics for the counts at the end of the unit: without them PostgreSQL
        # joins a million practices to their documents by nested loops (minutes, not seconds).
        _analyze()
    print(f"  wrote and counted {written} practices ({hidden_n} of them not public) and a tenth as many "
          f"recommendations in {time.perf_counter() - started:.0f} s")  # fmt: skip
    started = time.perf_counter()
    entries = search.rebuild(progress=_progress_printer())
    print(f"  rebuilt the search index from scratch ({entries} entries) in {time.perf_counter() - started:.0f} s")
    # The visibility map (PostgreSQL), as autovacuum would leave it after a bulk load: without it
    # every index-only scan of a list page reads the table's rows too, which a running base does not do.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _progress_printer():
    started, shown = time.perf_counter(), [0]

    def progress(done: int, total: int) -> None:
        if done * 10 // total > shown[0]:
            shown[0] = done * 10 // total
            print(f"    indexed {done} / {total} ({time.perf_counter() - started:.0f} s)", flush=True)

    return progress


def _bench_tags(count: int) -> list[int]:
    from taggit.models import Tag

    return [
        Tag.objects.get_or_create(name=f"关键词{i}", defaults={"slug": f"bench-tag-{i}"})[0].pk for i in range(count)
    ]


def _lessons(rng, vocabulary, *, n: int, document_status: str, statuses: list[str]) -> int:
    """N practices in documents of 100, ten recommendations per document, and their links."""
    from experiences.models import Practice, Recommendation, SourceDocument
    from experiences.text.fingerprint import content_hash

    pool, places = vocabulary["pool"], vocabulary["places"]
    per_document = 100
    documents = [
        SourceDocument(
            title=f"{rng.choice(places)[1]}经验材料第{i}号",
            kind="experience_material",
            text="".join(rng.sample(pool, 20)),
            status=document_status,
        )
        for i in range(max(1, n // per_document))
    ]
    for document in documents:
        document.content_hash = content_hash(document.text)
    SourceDocument.objects.bulk_create(documents, batch_size=500)
    practices = []
    for document in documents:
        sentences = re.findall(r"[^。]+。", document.text)
        for _ in range(min(per_document, n - len(practices))):
            place = rng.choice(places)
            practices.append(
                Practice(
                    title=f"{place[1]}:{rng.choice(pool)[:18].rstrip(',。')}",
                    summary=rng.choice(pool),
                    body="".join(rng.sample(pool, 3)),
                    excerpt=rng.choice(sentences).rstrip("。"),
                    document=document,
                    status=statuses[0] if len(statuses) == 1 else rng.choice(statuses),
                )
            )
    Practice.objects.bulk_create(practices, batch_size=2000)
    recommendations = [
        Recommendation(
            title=rng.choice(pool)[:30],
            body="".join(rng.sample(pool, 2)),
            document=d,
            status=statuses[0] if len(statuses) == 1 else rng.choice(statuses),
        )
        for d in documents
        for _ in range(10)
    ]
    Recommendation.objects.bulk_create(recommendations, batch_size=2000)
    _links(rng, vocabulary, practices=practices, recommendations=recommendations)
    return len(practices)


def _links(rng, vocabulary, *, practices: list, recommendations: list) -> None:
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import TaggedItem

    from experiences.bulk import insert_rows
    from experiences.models import Practice, Recommendation

    places, themes, tags = vocabulary["places"], vocabulary["themes"], vocabulary["tags"]
    links = {"place": set(), "theme": set()}
    for practice in practices:
        links["place"].add((practice.pk, rng.choice(places)[0]))
        links["theme"].update((practice.pk, t) for t in rng.sample(themes, 2))
    insert_rows(Practice.places.through, ["practice", "place"], sorted(links["place"]))
    insert_rows(Practice.themes.through, ["practice", "theme"], sorted(links["theme"]))
    content_type = ContentType.objects.get_for_model(Practice).pk
    tagged = {(content_type, p.pk, t) for p in practices for t in rng.sample(tags, 2)}
    insert_rows(TaggedItem, ["content_type", "object_id", "tag"], sorted(tagged))
    recommendation_places = {(r.pk, rng.choice(places)[0]) for r in recommendations}
    insert_rows(Recommendation.places.through, ["recommendation", "place"], sorted(recommendation_places))


def timed(functions: dict[str, Callable[[], object]], repeat: int, *, cold: bool = False) -> dict[str, list[float]]:
    """Milliseconds per call of each function, taken in rounds (one call of each per round).

    Warm: as a running worker serves it, cached counts included. Cold: the cache
    emptied before every call, as right after content changed. Rounds rather than
    one function's calls in a row: on a shared machine a slow spell then spreads
    over every URL instead of making one URL's p95.
    """
    from django.core.cache import cache

    from experiences import caching

    for function in functions.values():
        function()  # warm up connections, the per-process segmenter, compiled templates
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            if cold:
                cache.clear()
                caching._local.clear()
            started = time.perf_counter()
            function()
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def measure(repeat: int, *, naive_repeat: int, only: str = "", queries: list[str] = QUERIES) -> None:
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.test.utils import setup_test_environment

    from experiences.models import Practice

    setup_test_environment()
    client = Client()
    practice = Practice.objects.order_by("pk")[len(Practice.objects.all()) // 2]

    def get(url, params=None):
        response = client.get(url, params or {})
        assert response.status_code == 200, (url, params, response.status_code)

    def naive(q):
        condition = Q()
        for word in q.split():
            condition &= Q(title__icontains=word) | Q(body__icontains=word) | Q(summary__icontains=word)
        queryset = Practice.objects.published().filter(condition)
        queryset.count()
        list(queryset.order_by("-created_at", "-pk")[:20])

    search_p95, page_p95, cold_p95 = [], [], []
    if only != "pages":
        header = f"{'what':42s} {'p50 ms':>8s} {'p95 ms':>8s} {'naive p50':>10s} {'ratio':>7s}"
        print(f"\n{header}  (search is never cached)")
    searches = {q: (lambda q=q: get("/search/", {"q": q})) for q in queries} if only != "pages" else {}
    for q, samples in timed(searches, repeat).items():
        # --naive-repeat 0 skips the baseline: at a million practices one scan takes up to a minute.
        baseline = timed({q: lambda q=q: naive(q)}, naive_repeat)[q] if naive_repeat else [float("nan")]
        ratio = statistics.median(baseline) / statistics.median(samples)
        search_p95.append(p95(samples))
        print(f"/search/?q={q:32s} {statistics.median(samples):8.1f} {p95(samples):8.1f} "
              f"{statistics.median(baseline):10.1f} {ratio:6.1f}x")  # fmt: skip
    pages = [
        ("/", None),
        ("/practices/", None),
        ("/practices/", {"page": 2500}),
        ("/practices/", {"place": "湖北"}),
        ("/practices/", {"theme": "talent-attraction"}),
        (practice.get_absolute_url(), None),
        ("/places/", None),
        ("/places/420000/", None),
        ("/themes/", None),
        ("/themes/talent/", None),
        ("/recommendations/", None),
        ("/documents/", None),
    ]
    if only != "search":
        print(f"\n{'page':42s} {'p50 ms':>8s} {'p95 ms':>8s} {'cold p50':>10s} {'cold p95':>9s}")
        labels = {url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""): (url, params)
                  for url, params in pages}  # fmt: skip
        calls = {label: (lambda url=url, params=params: get(url, params)) for label, (url, params) in labels.items()}
        warm = timed(calls, repeat)
        cold = timed(calls, max(5, repeat // 2), cold=True)
        for label in labels:
            page_p95.append(p95(warm[label]))
            cold_p95.append(p95(cold[label]))
            print(f"{label:42s} {statistics.median(warm[label]):8.1f} {p95(warm[label]):8.1f} "
                  f"{statistics.median(cold[label]):10.1f} {p95(cold[label]):9.1f}")  # fmt: skip
    # The targets at 100,000 practices (DESIGN.md §6) and at a million.
    million = Practice.objects.count() >= 1_000_000
    search_target, warm_target, cold_target = (150, 80, 200) if million else (100, 50, None)
    if search_p95:
        print(f"\n{connection.vendor}: search p95 worst {max(search_p95):.1f} ms, median of p95s "
              f"{statistics.median(search_p95):.1f} ms (target < {search_target})")  # fmt: skip
    if page_p95:
        cold = f", cold < {cold_target}" if cold_target else ""
        print(f"{connection.vendor}: pages p95 worst {max(page_p95):.1f} ms warm, "
              f"{max(cold_p95):.1f} ms cold (target warm < {warm_target}{cold})")  # fmt: skip


def base_name(args) -> str:
    """A kept base's name: its size and its share of non-public lessons."""
    hidden = f"_hidden{round(args.hidden * 100)}" if args.hidden else ""
    return f"search_bench_{args.practices}{hidden}"


def restart(args, folder: Path) -> None:
    from django.db import connections

    connections.close_all()
    if not args.database_url or args.database_url.startswith("sqlite"):
        (folder / f"{base_name(args)}.sqlite3").unlink(missing_ok=True)
    fresh_database(args.database_url, name_suffix=base_name(args), folder=folder, sqlite_name="")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--naive-repeat", type=int, default=5, help="runs of the slow icontains baseline")
    parser.add_argument("--reuse", default="", help="keep the base (SQLite file in this folder) for later runs")
    parser.add_argument("--only", choices=["search", "pages"], default="")
    parser.add_argument("--queries", default="", help="comma-separated queries instead of the fixed set")
    parser.add_argument("--hidden", type=float, default=0.0,
                        help="share of lessons not public (drafts, pending, withdrawn), e.g. 0.2")  # fmt: skip
    parser.add_argument("--build-only", action="store_true", help="build (or check) the kept base, measure nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.reuse or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        suffix = base_name(args) if args.reuse else "search_bench"
        os.environ["DATABASE_URL"] = fresh_database(
            args.database_url,
            name_suffix=suffix,
            folder=folder,
            sqlite_name=f"{base_name(args)}.sqlite3",
            keep=bool(args.reuse),
        )
        os.environ["DEBUG"] = "1"
        os.environ["KBASE_VAR_DIR"] = str(folder)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbase.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        settings.DEBUG = False  # no query log growing during the measurement
        settings.ALLOWED_HOSTS = ["testserver"]
        vendor = os.environ["DATABASE_URL"].split(":")[0]
        if args.reuse and built(args.practices):
            print(f"reusing {args.practices} practices on {vendor}")
        else:
            if args.reuse:  # an incomplete kept base (an interrupted build): start again from empty
                restart(args, folder)
            print(f"building {args.practices} practices on {vendor} …")
            build(args.practices, hidden=args.hidden)
        if args.build_only:
            return 0
        queries = [q for q in args.queries.split(",") if q.strip()] or QUERIES
        from kbase.startup import prepare_worker

        prepare_worker()  # as kbase/wsgi.py does in every web worker
        measure(args.repeat, naive_repeat=args.naive_repeat, only=args.only, queries=queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
