"""Load benchmark of the whole production stack: gunicorn + PostgreSQL + Redis + a Celery worker.

    .venv/bin/pip install --require-hashes -r requirements-bench.txt     # locust, once
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/kbase \\
        [--reuse /work/benchbase] [--workers 1 2 4] [--seconds 60] [--users 8] [--rate 12]

On a base of 100,000 practices (bench/search_and_pages.py builds it once and
keeps it; each configuration runs on a fresh copy of it, so that the
imports of one run do not weigh on the next), for each number of gunicorn
workers it runs locust headless against gunicorn on 127.0.0.1 (70% pages,
25% searches, 5% one-lesson PDF/Word exports: bench/locustfile.py), quiet and
then while a 3,000-article import (two uploads through the admin, analysed
then written as jobs) and ten PDF exports run as jobs on the Celery worker.
Each time it measures twice: at an offered load of --rate requests per second
(--users readers at a steady pace: latency at a given load), and with the
readers sending requests back to back (the capacity: throughput, with the
latency of a saturated server). It prints throughput, p50, p95, p99 and errors
per run and per kind of request, and how far the jobs got. Every loop is
bounded in count and time. Targets (DESIGN.md §6): 0 errors; p95 of pages and
searches under 300 ms at 2 workers while the jobs run; throughput that grows
with workers up to the cores.
"""

from __future__ import annotations

import argparse
import csv
import functools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.corpus import compilation  # noqa: E402
from tests.stack import Browser, Stack, environment, prepare, redis_answers  # noqa: E402

BIN = Path(sys.executable).parent
JOB_DEADLINE = 900  # seconds the jobs of one run may take before the run gives up on them


def base(args) -> str:
    """The name of the 100,000-practice database (built once, then kept in --reuse)."""
    command = [sys.executable, str(ROOT / "bench" / "search_and_pages.py"), "--practices", str(args.practices),
               "--reuse", str(args.reuse), "--database-url", args.database_url, "--build-only"]  # fmt: skip
    subprocess.run(command, check=True, timeout=3600)
    return f"{args.database_url.rpartition('/')[2] or 'kbase'}_search_bench_{args.practices}"


def fresh_copy(args, template: str) -> str:
    """A copy of the kept base for one configuration (PostgreSQL copies the files: seconds, not a rebuild)."""
    import psycopg

    server = args.database_url.rpartition("/")[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute('DROP DATABASE IF EXISTS "kbase_load" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "kbase_load" TEMPLATE "{template}"')
    return f"{server}/kbase_load"


def locust(
    stack: Stack, *, users: int, seconds: int, prefix: Path, practices: tuple[int, int], rate: float = 0
) -> dict[str, dict]:
    """One locust run; ``rate``: requests per second offered in all (0: as fast as the server answers)."""
    env = os.environ | {"LOAD_MAX_PRACTICE": str(practices[1]), "LOAD_PACE": str(rate / users if rate else "")}
    subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--users", str(users),
         "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--host", stack.base_url, "--csv", str(prefix),
         "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
        env=env, check=False, timeout=seconds + 120, capture_output=True,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def jobs_in_background(stack: Stack, *, run: int, counties: list[str]) -> tuple[threading.Thread, dict]:
    """Upload 3,000 articles (two files), confirm each when analysed, and queue ten PDF exports, as jobs."""
    report: dict = {"jobs": {}, "errors": []}

    def drive() -> None:
        try:
            curator = Browser(stack, address="10.250.0.1")
            curator.login()
            batches = []
            unique = time.time_ns() % 10**9  # a kept base already holds earlier runs' articles: never the same text
            for part in range(2):
                data = compilation(articles=1500, seed=unique + part, first=unique * 10 + 1500 * part + 1)
                response = curator.post(
                    "/admin/experiences/importbatch/add/", {}, files={"file": (f"汇编{run}-{part}.txt", data.encode())}
                )
                batches.append(response.location)
            for index, county in enumerate(counties[:10]):
                reader = Browser(stack, address=f"10.251.0.{index + 1}")
                response = reader.get("/export/", {"source": "place", "adcode": county, "format": "pdf"})
                if response.status == 303:
                    report["jobs"][f"export {county}"] = (reader, int(response.location.rstrip("/").split("/")[-1]))
                else:
                    report["errors"].append(f"export {county}: HTTP {response.status}")
            for preview in batches:
                batch = int(preview.rstrip("/").split("/")[-2])
                job = stack.batch_job(batch)
                report["jobs"][f"analysis {batch}"] = (curator, job)
                curator.wait_for_job(job, timeout=JOB_DEADLINE)
                curator.post(preview, {"action": "confirm"})
                report["jobs"][f"write {batch}"] = (curator, stack.batch_job(batch))
        except Exception as error:  # reported, not raised: the measurement goes on
            report["errors"].append(repr(error))

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    return thread, report


def job_states(report: dict) -> str:
    states = {}
    for name, (browser, job) in report["jobs"].items():
        try:
            status = browser.get(f"/jobs/{job}/status/").json()
            states[name] = f"{status['state']} {status['progress']}%"
            if status["state"] == "failed":
                states[name] += f" ({status['error'][:120]})"
        except OSError as error:
            states[name] = f"unreachable ({error})"
    return ", ".join(f"{name}: {state}" for name, state in states.items())


def wait_for_jobs(stack: Stack, report: dict, thread: threading.Thread) -> float:
    started = time.monotonic()
    thread.join(timeout=JOB_DEADLINE)
    for browser, job in list(report["jobs"].values()):
        remaining = JOB_DEADLINE - (time.monotonic() - started)
        if remaining > 0:
            try:
                browser.wait_for_job(job, timeout=remaining)
            except TimeoutError:
                report["errors"].append(f"job {job} still running after {JOB_DEADLINE} s")
    return time.monotonic() - started


def row(label: str, stats: dict[str, dict]) -> str:
    def one(name: str) -> str:
        s = stats.get(name)
        if not s or not int(s["Request Count"]):
            return "-"
        return f"{s['50%']}/{s['95%']}/{s['99%']}"

    total = stats["Aggregated"]
    return (
        f"{label:<38} {float(total['Requests/s']):5.1f} req/s  errors {int(total['Failure Count']):>3} "
        f"of {int(total['Request Count']):>5}  p50/p95/p99 ms: all {one('Aggregated')}  page {one('page')}  "
        f"search {one('search')}  export {one('export')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgres://…/kbase (the bases are made beside it)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--reuse", type=Path, default=Path("/tmp/kbase-load"), help="folder kept between runs")
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seconds", type=int, default=60, help="length of each measured run")
    parser.add_argument("--users", type=int, default=8, help="simulated readers")
    parser.add_argument("--rate", type=float, default=12, help="requests per second offered in the paced runs")
    parser.add_argument("--quiet-only", action="store_true", help="readers only: no import or exports meanwhile")
    parser.add_argument("--job-worker-concurrency", type=int, default=1, help="as the README recipe")
    args = parser.parse_args()
    if not redis_answers(args.redis_url):
        print(f"no Redis at {args.redis_url}")
        return 1
    args.reuse.mkdir(parents=True, exist_ok=True)
    template = base(args)
    folder = args.reuse / "stack"
    folder.mkdir(exist_ok=True)
    stack = None
    try:
        for run, workers in enumerate(args.workers, 1):
            if stack is not None:
                stack.close()
            url = fresh_copy(args, template)
            env = environment(folder, database_url=url, redis_url=args.redis_url, name="load",
                              extra={"KBASE_TRUSTED_PROXY_HOPS": "1"})  # fmt: skip
            stack = Stack(folder=folder, env=env, database_url=url)
            prepare(stack, seed=False)
            low, high, counties = facts(stack)
            if run == 1:
                print(f"base: {high - low + 1:,} practice ids on PostgreSQL, a fresh copy per configuration; "
                      f"cores: {os.cpu_count()}; {args.users} readers; {args.seconds} s per run; "
                      f"job worker concurrency {args.job_worker_concurrency}")  # fmt: skip
            stack.start_worker(concurrency=args.job_worker_concurrency)
            stack.start_web(workers=workers)
            measure = functools.partial(locust, stack, users=args.users, practices=(low, high))
            measure(seconds=10, prefix=folder / "warmup")
            paced = measure(seconds=args.seconds, prefix=folder / f"qr{workers}", rate=args.rate)
            print(row(f"{workers} worker(s), quiet, {args.rate:g} req/s offered", paced))
            flat_out = measure(seconds=args.seconds // 2, prefix=folder / f"qc{workers}")
            print(row(f"{workers} worker(s), quiet, capacity", flat_out))
            if args.quiet_only:
                continue
            thread, report = jobs_in_background(stack, run=run, counties=counties)
            time.sleep(3)  # the uploads are in and the exports queued
            paced = measure(seconds=args.seconds, prefix=folder / f"jr{workers}", rate=args.rate)
            print(row(f"{workers} worker(s), jobs, {args.rate:g} req/s offered", paced))
            flat_out = measure(seconds=args.seconds // 2, prefix=folder / f"jc{workers}")
            print(row(f"{workers} worker(s), jobs, capacity", flat_out))
            print(f"  jobs at the end of the runs: {job_states(report)}")
            waited = wait_for_jobs(stack, report, thread)
            print(f"  all jobs ended {waited:.0f} s later: {job_states(report)}")
            for error in report["errors"]:
                print(f"  job driver error: {error}")
    finally:
        if stack is not None:
            stack.close()
    return 0


def facts(stack: Stack) -> tuple[int, int, list[str]]:
    """The range of practice ids, and ten counties with a job-sized number of practices."""
    low, high = map(int, stack.python(
        "from experiences.models import Practice as P\nfrom django.db.models import Min, Max\n"
        "r = P.objects.published().aggregate(Min('pk'), Max('pk'))\nprint(r['pk__min'], r['pk__max'])"
    ).split())  # fmt: skip
    counties = stack.python(
        "from experiences.models import Place\nfrom django.db.models import Count\n"
        "qs = Place.objects.filter(level='county').annotate(n=Count('practices')).filter(n__gte=15, n__lte=120)\n"
        "print(' '.join(qs.order_by('adcode').values_list('adcode', flat=True)[:10]))"
    ).split()
    return low, high, counties


if __name__ == "__main__":
    raise SystemExit(main())
