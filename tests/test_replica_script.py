"""bench/replica.py passes: reads served by a streaming replica of its own, and no stale read after a write."""

from __future__ import annotations

import glob
import subprocess
import sys
from pathlib import Path

import pytest

from .stack import same_engine_as_tests

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(
        not glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"), reason="no PostgreSQL server binaries"
    ),
    pytest.mark.skipif(same_engine_as_tests() is not None, reason="runs once, with the SQLite pass"),
]


def test_the_replica_script_shows_replica_reads_and_fresh_reads_after_a_write():
    result = subprocess.run([sys.executable, "bench/replica.py"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "replica check: passed" in result.stdout
    assert "on the replica, 0 on the primary" in result.stdout
    assert "their next page shows it: True" in result.stdout
