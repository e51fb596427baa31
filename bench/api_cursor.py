"""API client benchmark: page through every published practice by cursor, as an office's system would.

    .venv/bin/python bench/api_cursor.py --database-url postgres://postgres@127.0.0.1:5432/kbase \\
        [--practices 100000] [--reuse /work/bench-data] [--page-size 200] [--workers 2]

On the base bench/search_and_pages.py builds and keeps (100,000 published
practices by default, with their places, themes and keywords), it starts the
README's production stack (gunicorn, DEBUG off) and, with a personal API
token, reads /api/v1/practices/ from the first page to the last by following
each page's ``next`` link, over real HTTP with ``requests``. It prints the
lessons read per second over the whole walk, the median and p95 latency of
one page, and checks that every published practice came exactly once.
Targets (issue 16): >= 2,000 lessons/s on PostgreSQL, p95 of a page < 100 ms.
With --pages N (for a base of a million), each walk reads N pages from the
newest end and N from the oldest (``sort=oldest``): a cursor page should cost
the same at either end.
The token's budget is raised for the run (KBASE_API_RATE_TOKEN): the walk is
some 500 requests a minute.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load import base as kept_base  # noqa: E402  (the load benchmark's kept base, built the same way)

from tests.stack import Stack, environment, prepare, redis_answers  # noqa: E402


def base(args) -> str:
    """The URL of the kept base of --practices practices (built by search_and_pages.py the first time)."""
    return f"{args.database_url.rpartition('/')[0]}/{kept_base(args)}"


def token(stack: Stack) -> tuple[str, int]:
    """A reader's personal token, made as the tokens page makes it; and how many practices a reader sees."""
    out = stack.python(
        "from django.contrib.auth import get_user_model\nfrom django.contrib.auth.models import Group\n"
        "from api import tokens\nfrom experiences.models import Practice\n"
        "u, _ = get_user_model().objects.get_or_create(username='bench-client')\n"
        "u.groups.add(Group.objects.get(name='读者'))\n"
        "print(tokens.create(user=u, name='bench', days=1)[1], Practice.objects.published().count())"
    )
    key, count = out.split()[-2:]
    return key, int(count)


def walk(
    stack: Stack, key: str, *, page_size: int, pages: int = 0, oldest: bool = False
) -> tuple[list[int], list[float], float]:
    """Every practice id in order (or ``pages`` pages' worth), each page's latency (ms), and the seconds."""
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Token {key}", "X-Forwarded-Proto": "https", "Accept": "application/json"}
    )
    path = f"/api/v1/practices/?page_size={page_size}" + ("&sort=oldest" if oldest else "")
    ids, latencies = [], []
    started = time.perf_counter()
    while path and (not pages or len(latencies) < pages):
        sent = time.perf_counter()
        response = session.get(stack.base_url + path, timeout=60)
        latencies.append((time.perf_counter() - sent) * 1000)
        response.raise_for_status()
        page = response.json()
        ids += [item["id"] for item in page["results"]]
        following = page["next"]
        path = f"{urlsplit(following).path}?{urlsplit(following).query}" if following else ""
    return ids, latencies, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgres://…/kbase (the base is made beside it)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--reuse", type=Path, default=Path("/tmp/kbase-bench"), help="folder kept between runs")
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=200, help="the API's largest page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--repeat", type=int, default=2, help="walks after a warm-up walk")
    parser.add_argument("--pages", type=int, default=0, help="only this many pages from each end (a big base)")
    args = parser.parse_args()
    if not redis_answers(args.redis_url):
        print(f"no Redis at {args.redis_url}")
        return 1
    args.reuse.mkdir(parents=True, exist_ok=True)
    url = base(args)
    folder = args.reuse / "api-stack"
    folder.mkdir(exist_ok=True)
    env = environment(folder, database_url=url, redis_url=args.redis_url, name="api",
                      extra={"KBASE_API_RATE_TOKEN": "100000/min"})  # fmt: skip
    stack = Stack(folder=folder, env=env, database_url=url)
    try:
        prepare(stack, seed=False)
        key, published = token(stack)
        stack.start_web(workers=args.workers)
        print(f"{published:,} published practices on PostgreSQL; gunicorn {args.workers} workers; "
              f"page size {args.page_size}")  # fmt: skip
        walk(stack, key, page_size=args.page_size, pages=args.pages)  # warm-up: the workers' first queries
        if args.pages:
            return ends(stack, key, args, published)
        rates, pages = [], []
        for run in range(1, args.repeat + 1):
            ids, latencies, seconds = walk(stack, key, page_size=args.page_size)
            if len(ids) != published or len(set(ids)) != len(ids) or ids != sorted(ids, reverse=True):
                print(f"run {run}: WRONG walk: {len(ids):,} ids, {len(set(ids)):,} distinct, of {published:,}")
                return 1
            rates.append(len(ids) / seconds)
            pages += latencies
            p95 = statistics.quantiles(latencies, n=20)[-1]
            print(f"run {run}: {len(ids):,} lessons in {seconds:.1f} s = {rates[-1]:,.0f} lessons/s; "
                  f"{len(latencies)} pages, p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms")  # fmt: skip
        p95 = statistics.quantiles(pages, n=20)[-1]
        print(f"median rate {statistics.median(rates):,.0f} lessons/s (target >= 2,000); "
              f"p95 of a page {p95:.1f} ms (target < 100)")  # fmt: skip
    finally:
        stack.close()
    return 0


def ends(stack: Stack, key: str, args, published: int) -> int:
    """``--pages``: the same number of pages from the newest end and from the oldest, timed apart."""
    for run in range(1, args.repeat + 1):
        for oldest in (False, True):
            ids, latencies, seconds = walk(stack, key, page_size=args.page_size, pages=args.pages, oldest=oldest)
            if len(set(ids)) != len(ids) or ids != sorted(ids, reverse=not oldest):
                print(f"run {run}: WRONG walk from the {'oldest' if oldest else 'newest'} end")
                return 1
            p95 = statistics.quantiles(latencies, n=20)[-1]
            print(f"run {run}, {'oldest' if oldest else 'newest'} end of {published:,}: {len(ids):,} lessons in "
                  f"{seconds:.1f} s = {len(ids) / seconds:,.0f} lessons/s; p50 {statistics.median(latencies):.1f} ms, "
                  f"p95 {p95:.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
