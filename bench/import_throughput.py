"""Import throughput benchmark: several MB of generated Chinese reports, end to end.

    .venv/bin/python bench/import_throughput.py [--mb 3] [--repeat 3] [--full MB] [--documents N] [--database-url URL]

Generates study-report compilations by recombining the seed corpus's sentences
across real places (numbered outlines, 经验 and 启示 sections, place names),
then, in a fresh copy of a prepared base per repetition (migrated, gazetteer
and themes loaded; with --full, other generated reports of that many MB
already imported; with --documents, that many placeholder documents more),
imports every file through ``import_file`` in a process prepared as a job
worker is (``importing.warm_up``: jieba's dictionary, the base's IDF table and
its sketches for the duplicate check loaded): decoding, cleaning, splitting,
outline, segmentation, place detection, keywords, duplicate check and the
database writes, with the search index and the history revision. Prints
MB/s per repetition, the median, and the segmenter's own speed on the same text for comparison
(rjieba by default; KBASE_SEGMENTER=jieba for the Python reference), and
the CPU time the import used, in this process and in its PostgreSQL backend
(read from /proc when the server runs on this machine), with the throughput
that much work would give if it were spread perfectly over this machine's
cores: a ceiling that no parallelism can pass, only less work.
Target (issue 15): ≥ 2 MB/s, into an empty base and into a full one."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import copy_database, drop_database, fresh_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.corpus import article  # noqa: E402  (needs ROOT on the path)


def generate(folder: Path, *, megabytes: float, seed: int) -> list[Path]:
    rng = random.Random(seed)
    files, total, number = [], 0, 1
    while total < megabytes * 1_000_000:
        parts = []
        while sum(len(p.encode()) for p in parts) < 400_000:  # compilations of ~0.4 MB
            parts.append(article(rng, number))
            number += 1
        data = "\n".join(parts).encode("utf-8")
        path = folder / f"compilation_{len(files) + 1:02d}.txt"
        path.write_bytes(data)
        files.append(path)
        total += len(data)
    return files


def _django(folder: Path, database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "1")
    os.environ["KBASE_VAR_DIR"] = str(folder)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbase.settings")
    import django

    django.setup()
    from django.conf import settings

    # As in production: with DEBUG on, Django also logs every query with its parameters quoted,
    # which cost about a tenth of the import's time here.
    settings.DEBUG = False


def prepare(folder: Path, database_url: str, *, documents: int = 0) -> dict:
    """The base every repetition starts from: migrated, gazetteer and themes loaded, and with
    --full, the files of ``folder/full`` imported (a base that already holds a few thousand documents);
    with --documents, that many more documents with placeholder texts and random fingerprints."""
    _django(folder, database_url)
    from django.core.management import call_command

    from experiences import content
    from experiences.importing import import_file
    from experiences.models import Practice, Recommendation, SourceDocument
    from experiences.seeding import FIXTURES, SeedReport, load_aliases, load_places, load_themes

    call_command("migrate", verbosity=0)
    report = SeedReport()
    with content.writing(comment="benchmark gazetteer", history=False):  # the seeder's loaders, without the corpus
        load_places(path=FIXTURES / "places.csv", report=report)
        load_aliases(path=FIXTURES / "place_aliases.csv", report=report)
        load_themes(path=FIXTURES / "themes.yaml", report=report)
    for path in sorted((folder / "full").glob("*.txt")):
        import_file(name=path.name, data=path.read_bytes())
    _add_placeholder_documents(documents)
    return {
        "documents": SourceDocument.objects.count(),
        "lessons": Practice.objects.count() + Recommendation.objects.count(),
    }


def _add_placeholder_documents(count: int) -> None:
    """Documents that hold a base's size, not its content: what the duplicate check reads and searches
    for every import. Random sketches share no hash with any text, so none is ever compared in full."""
    import hashlib

    from django.db import transaction

    from experiences.bulk import create_rows
    from experiences.models import SourceDocument
    from experiences.text.fingerprint import SKETCH_SIZE

    rng = random.Random(count)
    fields = ["title", "text", "content_hash", "fingerprint"]
    for start in range(0, count, 10_000):
        rows = []
        for number in range(start, min(count, start + 10_000)):
            text = f"基准测试占位文献{number}"
            sketch = {"hashes": sorted(rng.getrandbits(64) for _ in range(SKETCH_SIZE)), "size": 3000}
            rows.append((text, text, hashlib.sha256(text.encode()).hexdigest(), json.dumps(sketch)))
        with transaction.atomic():
            create_rows(SourceDocument, fields, rows)


def worker(folder: Path, database_url: str) -> dict:
    """Import the files of ``folder/run`` into a prepared base, as a job worker would (jieba warmed up)."""
    _django(folder, database_url)
    from experiences import segmentation
    from experiences.importing import import_file, warm_up

    started = time.perf_counter()
    warm_up()  # what a job worker loads once and keeps: the dictionary, the IDF table, the base's sketches
    segmenter = segmentation.segmenter()
    warmup = time.perf_counter() - started
    files = sorted((folder / "run").glob("compilation_*.txt"))
    total = sum(p.stat().st_size for p in files)
    documents = drafts = 0
    server = _server_cpu()
    cpu = time.process_time()
    started = time.perf_counter()
    for path in files:
        _, result = import_file(name=path.name, data=path.read_bytes())
        documents += len(result.documents)
        drafts += result.practices + result.recommendations
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    server = _server_cpu() - server if server is not None else None
    text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    started = time.perf_counter()
    segmenter.cut(text)
    segment_seconds = time.perf_counter() - started
    return {
        "engine": segmenter.engine,
        "segment_seconds": segment_seconds,
        "bytes": total,
        "seconds": elapsed,
        "documents": documents,
        "drafts": drafts,
        "warmup_seconds": warmup,
        "cpu_seconds": cpu,
        "server_cpu_seconds": server,
    }


def _server_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend: 0 on SQLite, which runs in this
    process; None when the server is not on this machine (its backend is not in our /proc)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    if "(postgres)" not in stat:  # a process of this machine that happens to have the remote backend's pid
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _run(mode: str, folder: Path, url: str, *options: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, f"--{mode}", str(folder), "--worker-db", url, *options],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


def _cpu_line(run: dict) -> str:
    """The run's CPU time, and the best its cores could do with that much work spread perfectly over them."""
    if run["server_cpu_seconds"] is None:
        return f"CPU: this process {run['cpu_seconds']:.1f} s (the server's not measurable from here)"
    work = run["cpu_seconds"] + run["server_cpu_seconds"]
    server = f" + database server {run['server_cpu_seconds']:.1f} s" if run["server_cpu_seconds"] else ""
    return (
        f"CPU: this process {run['cpu_seconds']:.1f} s{server} = {work:.1f} CPU-s; "
        f"with that work spread perfectly over {_cores()} cores: at most {_ceiling(run):.2f} MB/s"
    )


def _cores() -> int:
    """The cores this process may run on (a container's share, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _ceiling(run: dict) -> float:
    work = run["cpu_seconds"] + (run["server_cpu_seconds"] or 0)
    return run["bytes"] / 1e6 / (work / _cores())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=3.0, help="megabytes of text to import (default 3)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file per repetition")
    parser.add_argument(
        "--full", type=float, default=0.0, metavar="MB",
        help="import into a base already holding this many megabytes of other reports (default: an empty base)",
    )  # fmt: skip
    parser.add_argument(
        "--documents", type=int, default=0, metavar="N",
        help="also give the base N placeholder documents with random fingerprints (the duplicate check's load)",
    )  # fmt: skip
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-db", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.worker_db)))
        return 0
    if args.prepare:
        print(json.dumps(prepare(args.prepare, args.worker_db, documents=args.documents)))
        return 0
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "run").mkdir()
        files = generate(folder / "run", megabytes=args.mb, seed=2026)
        print(
            f"generated {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.2f} MB of UTF-8 Chinese text"
        )
        (folder / "full").mkdir()
        if args.full:
            generate(folder / "full", megabytes=args.full, seed=1999)
        template = fresh_database(args.database_url, name_suffix="bench", folder=folder, sqlite_name="template.sqlite3")
        base = _run("prepare", folder, template, f"--documents={args.documents}")
        print(f"importing into a base of {base['documents']} documents and {base['lessons']} lessons")
        for index in range(args.repeat):
            url = copy_database(template, name_suffix=f"{index}", folder=folder, sqlite_name=f"bench_{index}.sqlite3")
            run = _run("worker", folder, url)
            runs.append(run)
            mb = run["bytes"] / 1e6
            print(
                f"run {index + 1}: {mb / run['seconds']:.2f} MB/s end to end "
                f"({run['seconds']:.1f} s, {run['documents']} documents, {run['drafts']} drafts); "
                f"segmentation alone {mb / run['segment_seconds']:.2f} MB/s; "
                f"worker warm-up {run['warmup_seconds']:.1f} s"
            )
            print(f"       {_cpu_line(run)}")
            if url.startswith("postgres"):
                drop_database(url)
    engine = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    median = statistics.median(r["bytes"] / 1e6 / r["seconds"] for r in runs)
    segmentation = statistics.median(r["bytes"] / 1e6 / r["segment_seconds"] for r in runs)
    print(
        f"median on {engine}: {median:.2f} MB/s end to end; "
        f"segmentation alone ({run['engine']}) {segmentation:.2f} MB/s"
    )
    ceilings = [_ceiling(r) for r in runs if r["server_cpu_seconds"] is not None]
    if ceilings:
        print(
            f"median CPU work: {statistics.median(r['cpu_seconds'] + (r['server_cpu_seconds'] or 0) for r in runs):.1f}"
            f" CPU-s, so at most {statistics.median(ceilings):.2f} MB/s on {_cores()} cores"
        )
    print(f"target >= 2 MB/s: {'met' if median >= 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
