"""Read replicas, shown end to end: a primary and a streaming replica of this script's own.

    .venv/bin/python bench/replica.py

Starts a PostgreSQL primary in a temporary directory (initdb; the machine's
own server is left as it is: its pg_hba.conf allows no replication
connection), clones it with ``pg_basebackup -R`` into a streaming standby on
another port, migrates and seeds Kbase on the primary with
``DATABASE_REPLICA_URLS`` naming the standby, then, through Django's test
client, shows which database served what:

1. a reader's page reads are served by the replica (``pg_is_in_recovery()``);
2. a reader who creates a collection sees it on the very next page: their
   reads stay on the primary for ``KBASE_REPLICA_PIN_SECONDS``, so no stale read;
3. the replica's lag behind the primary at that moment.

Both servers are stopped and the directory removed at the end. Needs the
PostgreSQL server binaries (Debian's postgresql-15); as root, the servers run
as the ``postgres`` user. Exits non-zero if any check fails.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))
    if not found:
        sys.exit("PostgreSQL server binaries not found (apt-get install postgresql)")
    return Path(found[-1]).parent


def as_postgres(*command: str, **kwargs) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, **kwargs)


def start(bin_dir: Path, data: Path, port: int, socket_dir: Path) -> None:
    as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "start",
                "-o", f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1")  # fmt: skip


def stop(bin_dir: Path, data: Path) -> None:
    subprocess.run(
        [*(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []), str(bin_dir / "pg_ctl"),
         "-D", str(data), "-m", "fast", "-w", "stop"],
        capture_output=True,
    )  # fmt: skip


CHECK = r"""
import json, os, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client

served = {"default": 0, "replica1": 0}
def counting(alias):
    def wrapper(execute, sql, params, many, context):
        served[alias] += 1
        return execute(sql, params, many, context)
    return wrapper
for alias in served:
    connections[alias].execute_wrappers.append(counting(alias))

def recovery(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]

report = {"replica_in_recovery": recovery("replica1"), "primary_in_recovery": recovery("default")}
for alias in served:
    served[alias] = 0

client = Client(HTTP_X_FORWARDED_PROTO="https")
for path in ("/", "/practices/", "/recommendations/", "/places/420000/", "/search/?q=人才"):
    assert client.get(path, secure=True).status_code == 200, path
report["anonymous_pages"] = dict(served)

user, _ = get_user_model().objects.get_or_create(username="replica-reader")
user.groups.add(Group.objects.get(name="读者"))
client.force_login(user)
for alias in served:
    served[alias] = 0
title = f"副本演示 {time.time():.0f}"
response = client.post("/collections/", {"title": title, "description": ""}, secure=True)
report["write_status"] = response.status_code
report["pinned_cookie"] = "kbase_primary_until" in response.cookies
listing = client.get("/collections/", secure=True).content.decode()
report["own_write_visible_next_read"] = title in listing
report["after_write"] = dict(served)
with connections["default"].cursor() as cursor:
    cursor.execute("SELECT pg_current_wal_lsn()::text")
    primary_lsn = cursor.fetchone()[0]
with connections["replica1"].cursor() as cursor:
    cursor.execute("SELECT pg_last_wal_replay_lsn()::text, now() - pg_last_xact_replay_timestamp()")
    replay_lsn, lag = cursor.fetchone()
report["replica_lag"] = str(lag)
print("REPORT " + json.dumps(report, ensure_ascii=False))
"""


def main() -> int:
    bin_dir = binaries()
    folder = Path(tempfile.mkdtemp(prefix="kbase-replica-"))
    primary, replica, sockets = folder / "primary", folder / "replica", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    primary_port, replica_port = free_port(), free_port()
    started = []
    try:
        # initdb's own pg_hba.conf trusts local replication connections, which the standby needs.
        as_postgres(str(bin_dir / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        start(bin_dir, primary, primary_port, sockets)
        started.append(primary)
        as_postgres(str(bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres",
                    "-D", str(replica), "-R", "-X", "stream")  # fmt: skip
        start(bin_dir, replica, replica_port, sockets)
        started.append(replica)
        print(f"primary on port {primary_port}, streaming replica on port {replica_port} ({folder})")
        psql = str(bin_dir / "psql") if (bin_dir / "psql").exists() else "psql"
        as_postgres(psql, "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres", "-c", "CREATE DATABASE kbase")
        env = {
            **os.environ,
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "kbase.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary_port}/kbase",
            "DATABASE_REPLICA_URLS": f"postgres://postgres@127.0.0.1:{replica_port}/kbase",
            "KBASE_VAR_DIR": str(folder / "var"),
            "ALLOWED_HOSTS": "testserver,127.0.0.1",
        }
        env.pop("REDIS_URL", None)
        for command in (["migrate", "--noinput"], ["seed"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)  # fmt: skip
        time.sleep(1)  # the seed's last commits reach the standby
        checked = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True)
        if checked.returncode:
            sys.exit(f"the check failed:\n{checked.stderr[-3000:]}")
        report = json.loads(checked.stdout.split("REPORT ", 1)[1])
    finally:
        for data in reversed(started):
            stop(bin_dir, data)
        shutil.rmtree(folder, ignore_errors=True)
    pages, after = report["anonymous_pages"], report["after_write"]
    print(f"replica in recovery (a standby): {report['replica_in_recovery']}; primary: {report['primary_in_recovery']}")
    print(f"five reader pages: {pages['replica1']} queries on the replica, {pages['default']} on the primary")
    print(f"a reader creates a collection: HTTP {report['write_status']}, pinned to the primary: "
          f"{report['pinned_cookie']}")  # fmt: skip
    print(
        f"their next page shows it: {report['own_write_visible_next_read']} "
        f"({after['default']} queries on the primary, {after['replica1']} on the replica since the write)"
    )
    print(f"replica lag at that moment: {report['replica_lag']}")
    checks = [
        report["replica_in_recovery"] and not report["primary_in_recovery"],
        pages["replica1"] > 0,
        report["write_status"] == 302 and report["pinned_cookie"],
        report["own_write_visible_next_read"],
        after["replica1"] == 0,
    ]
    print("replica check:", "passed" if all(checks) else f"FAILED {checks}")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
