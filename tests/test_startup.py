"""A web worker starts ready: segmenter loaded, start-up objects out of the collector's way."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import pytest

from experiences import segmentation
from kbase import startup
from tests.paths import ROOT

WORKER = """
import gc, json, sys
import kbase.wsgi
from django.db import connections
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "threshold": gc.get_threshold()[0],
    "open_connections": [alias for alias in connections if connections[alias].connection is not None],
    "pypinyin": "pypinyin" in sys.modules,
}))
"""


ASGI_WORKER = """
import asyncio, json

async def load():  # as uvicorn does: the application is imported inside its event loop
    import kbase.asgi
    import gc
    return gc.get_freeze_count()

print(json.dumps({"frozen": asyncio.run(load())}))
"""


def run_worker(code: str, tmp_path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "KBASE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kbase.settings",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_worker_starts_on_an_unmigrated_base_with_its_start_up_objects_frozen(tmp_path):
    result = run_worker(WORKER, tmp_path)
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["frozen"] > 10_000  # Django, the views, WeasyPrint: tens of thousands of objects
    assert state["threshold"] == startup.YOUNG_THRESHOLD
    assert state["open_connections"] == []  # start-up leaves no connection open behind it
    assert state["pypinyin"] is False  # its phrase tables are only loaded to save a new place
    assert "segmenter not loaded at start-up" in result.stderr


def test_an_asgi_server_can_load_the_application_inside_its_event_loop(tmp_path):
    result = run_worker(ASGI_WORKER, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["frozen"] > 10_000


@pytest.mark.django_db
def test_a_worker_loads_the_segmenter_before_its_first_search(monkeypatch):
    # The test's transaction must stay open: closing connections is checked above, in a real worker.
    monkeypatch.setattr(startup.connections, "close_all", lambda: None)
    threshold = gc.get_threshold()
    segmentation.reset()
    try:
        startup.prepare_worker()
        assert "segmenter" in segmentation._state
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        segmentation.reset()
