"""Fault script: break the production stack's dependencies one at a time and print what readers got.

    .venv/bin/python bench/faults.py --database-url postgres://postgres@127.0.0.1:5432/kbase

Starts its own stack on 127.0.0.1: a fresh seeded PostgreSQL database reached
through a TCP relay this script can cut (the database "unreachable"), a Redis
of its own on another port (never the machine's), gunicorn with DEBUG off and
a Celery worker. Then, in turn: Redis stopped while serving, gunicorn started
while Redis is down, Redis back (and the jobs it forgot, having no
persistence, sent again), the database unreachable and back, a job worker
killed in the middle of an import write, and a web worker killed while its
child typesets a PDF. For each it prints the status of every page asked and
what /healthz said, and checks that nothing was lost or written twice. It
exits non-zero if any check failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.corpus import compilation  # noqa: E402
from tests.stack import Browser, OwnRedis, Stack, build, drop_database, free_port  # noqa: E402

PAGES = ["/", "/places/", "/places/420000/", "/practices/", "/search/?q=%E4%BA%BA%E6%89%8D", "/themes/talent/"]
failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(f"    {'ok  ' if condition else 'FAIL'} {what}")
    if not condition:
        failures.append(what)


class Relay:
    """A TCP relay to the database that can be cut and restored, as a network outage would."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            for sock in [self.listener, *self.sockets]:
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            self.sockets, self.listener = [], None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def visit(browser: Browser, paths=PAGES) -> dict[str, int]:
    statuses = {}
    for path in paths:
        try:
            statuses[path] = browser.get(path, timeout=30).status
        except OSError as error:
            statuses[path] = f"no answer ({type(error).__name__})"
    return statuses


def show(label: str, statuses: dict) -> None:
    print(f"  {label}: " + ", ".join(f"{path} {status}" for path, status in statuses.items()))


def health(browser: Browser) -> tuple[int, dict]:
    response = browser.get("/healthz", timeout=30)
    body = response.json() if response.body.startswith(b"{") else {}
    print(f"  /healthz {response.status} {json.dumps(body, ensure_ascii=False)}")
    return response.status, body


def python(stack: Stack, code: str) -> str:
    return stack.python(code).strip()


def scenario_redis(stack: Stack, redis: OwnRedis, reader: Browser) -> None:
    print("\n[1] Redis stopped while serving")
    redis.stop()
    statuses = visit(reader)
    show("pages", statuses)
    check(all(s == 200 for s in statuses.values()), "every page answers 200 from the database")
    practice = python(stack, "from experiences.models import Practice as P\nprint(P.objects.published().first().pk)")
    small = reader.get("/export/", {"source": "practice", "id": practice, "format": "pdf"}, timeout=30)
    print(f"  one-lesson PDF (in the request): {small.status} {small.headers.get('Content-Type')}")
    check(small.status == 200 and small.body.startswith(b"%PDF"), "a one-lesson PDF is still made")
    large = reader.get("/export/", {"source": "place", "adcode": "420000", "format": "pdf"}, timeout=30)
    job = int(large.location.rstrip("/").split("/")[-1]) if large.status == 303 else None
    page = reader.get(f"/jobs/{job}/").text if job else ""
    print(f"  large PDF (a job; the broker is this Redis): {large.status} → job page says 任务服务不可用: "
          f"{'后台任务服务暂时不可用' in page}")  # fmt: skip
    check("后台任务服务暂时不可用" in page, "a job that cannot be queued fails at once, with the reason")
    status, body = health(reader)
    check(status == 200 and body.get("cache") == "unavailable" and body.get("broker") == "unavailable",
          "/healthz 200, cache and broker reported unavailable")  # fmt: skip

    print("\n[2] gunicorn started while Redis is down")
    stack.start_web(workers=2)
    statuses = visit(reader)
    show("pages", statuses)
    check(all(s == 200 for s in statuses.values()), "workers boot and serve without Redis")

    print("\n[3] Redis back (empty: it keeps nothing on disk)")
    stack.stop("worker")
    redis.start()
    curator = Browser(stack)
    curator.login()
    queued = curator.post("/admin/jobs/job/start/rebuild_counts/", {})
    waiting = int(queued.location.rstrip("/").split("/")[-2])
    print(f"  a rebuild queued while no worker runs: job {waiting}")
    redis.stop()
    redis.start()  # the queued message is gone with the old Redis
    stack.start_worker()
    statuses = visit(reader)
    show("pages", statuses)
    check(all(s == 200 for s in statuses.values()), "pages answer")
    status, body = health(reader)
    check(body.get("cache") == "ok" and body.get("broker") == "ok", "/healthz sees cache and broker again")
    large = reader.get("/export/", {"source": "place", "adcode": "420000", "format": "pdf"})
    final = reader.wait_for_job(int(large.location.rstrip("/").split("/")[-1]), timeout=120)
    check(final["state"] == "succeeded", "a large PDF job runs again")
    lost = curator.wait_for_job(waiting, timeout=120)
    print(f"  job {waiting}, whose message Redis forgot: {lost['state']} (sent again by the stale-job sweep)")
    check(lost["state"] == "succeeded", "a job queued before Redis lost its messages still runs")


def scenario_database(stack: Stack, relay: Relay, reader: Browser) -> None:
    print("\n[4] Database unreachable")
    relay.cut()
    statuses = visit(reader)
    show("pages", statuses)
    page = reader.get("/").text
    check(all(s == 503 for s in statuses.values()), "every page answers 503")
    check("数据库暂时连接不上" in page, "with a Chinese explanation, not a bare 500")
    status, body = health(reader)
    check(status == 503 and body.get("database") == "unavailable", "/healthz 503, database unavailable")
    print("  … database back")
    relay.start()
    time.sleep(1)
    statuses = visit(reader)
    show("pages", statuses)
    check(all(s == 200 for s in statuses.values()), "pages recover without a restart")
    status, _ = health(reader)
    check(status == 200, "/healthz 200")


def scenario_killed_import(stack: Stack) -> None:
    print("\n[5] Job worker killed in the middle of an import write")
    curator = Browser(stack)
    curator.login()
    data = compilation(articles=400, seed=5, first=5001).encode()
    preview = curator.post("/admin/experiences/importbatch/add/", {}, files={"file": ("汇编.txt", data)}).location
    batch = int(preview.rstrip("/").split("/")[-2])
    state = f"from experiences.models import ImportBatch as B, SourceDocument as D\nb = B.objects.get(pk={batch})\n"
    state += f"print(b.state, b.job_id, D.objects.filter(import_batch={batch}).count())"
    curator.wait_for_job(int(python(stack, state).split()[1]), timeout=300)
    curator.post(preview, {"action": "confirm"})
    job = int(python(stack, state).split()[1])
    Stack.wait_until(lambda: curator.get(f"/jobs/{job}/status/").json()["state"] == "running", what="the write")
    time.sleep(1)
    stack.kill("worker")
    batch_state, _, documents = python(stack, state).split()
    print(f"  right after the kill: batch {batch_state}, {documents} documents written")
    check(batch_state == "writing" and documents == "0", "no partial rows (the transaction died with the worker)")
    stack.start_worker()
    final = curator.wait_for_job(job, timeout=300)
    batch_state, _, documents = python(stack, state).split()
    print(f"  after a restart: job {final['state']}, batch {batch_state}, {documents} documents")
    check(final["state"] == "succeeded" and documents == "400", "written once, completely, by the next attempt")


def scenario_killed_web_worker(stack: Stack) -> None:
    print("\n[6] Web worker killed while its child typesets a PDF")
    practice = python(
        stack,
        "from experiences.models import Practice, SourceDocument, Status\n"
        "d = SourceDocument.objects.published().first()\n"
        "from experiences import content\n"
        "p = Practice(title='超长', body='长文' * 300000, document=d, status=Status.PUBLISHED)\n"
        "content.save(p, comment='fault scenario')\nprint(p.pk)",
    )
    stack.start_web(workers=1, env={"KBASE_EXPORT_INLINE_CHARS": "2000000", "KBASE_EXPORT_REQUEST_SECONDS": "50"})
    reader = Browser(stack)
    thread = threading.Thread(
        target=lambda: _quietly(
            lambda: reader.get("/export/", {"source": "practice", "id": practice, "format": "pdf"})
        ),
        daemon=True,
    )
    thread.start()
    master = stack.processes["web"].pid
    worker = typesetter = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and typesetter is None:
        for pid in _children(master):
            grandchildren = _children(pid)
            if grandchildren:
                worker, typesetter = pid, grandchildren[0]
        time.sleep(0.2)
    if typesetter is None:
        check(False, "found the typesetting child")
        return
    print(f"  gunicorn worker {worker} typesets in child {typesetter}; SIGKILL to the worker")
    os.kill(worker, signal.SIGKILL)
    time.sleep(2)
    check(not _alive(typesetter), "the typesetting child died with its worker (no orphan left running)")
    statuses = visit(Browser(stack), ["/", "/practices/"])
    show("pages", statuses)
    check(all(s == 200 for s in statuses.values()), "gunicorn replaced the worker and serves")


def _quietly(call) -> None:
    with contextlib.suppress(OSError):
        call()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgres://…/kbase: a database is made beside it")
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        print("redis-server is not installed")
        return 1
    folder = Path(tempfile.mkdtemp(prefix="kbase-faults-"))
    redis = OwnRedis(folder)
    redis.start()
    stack = build(folder, database_url=args.database_url, redis_url=redis.url, name="kbase_faults",
                  extra_env={"KBASE_JOB_STALE_SECONDS": "5", "KBASE_JOB_REDISPATCH_SECONDS": "5"})  # fmt: skip
    direct = stack.database_url
    host, port = "127.0.0.1", 5432
    relay = Relay((host, port))
    relay.start()
    stack.env["DATABASE_URL"] = direct.replace(f"{host}:{port}", f"127.0.0.1:{relay.port}")
    stack.env["CONN_MAX_AGE"] = "60"
    try:
        stack.start_web(workers=2)
        stack.start_worker()
        reader = Browser(stack)
        print("[0] all up")
        show("pages", visit(reader))
        health(reader)
        scenario_redis(stack, redis, reader)
        scenario_database(stack, relay, reader)
        scenario_killed_import(stack)
        scenario_killed_web_worker(stack)
    finally:
        stack.close()
        redis.stop()
        relay.cut()
        drop_database(direct)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{'all checks passed' if not failures else f'{len(failures)} check(s) FAILED: ' + '; '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
