"""The embedded default of `make run` (runserver, SQLite, no Redis, no broker): jobs run in a thread, still bounded."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.corpus import compilation
from tests.stack import ROOT, Browser, build, free_port

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the job limits need fork")


@pytest.fixture(scope="module")
def devserver(tmp_path_factory):
    stack = build(tmp_path_factory.mktemp("embedded"), database_url=None, redis_url="", name="kbase_embedded")
    stack.env |= {"DEBUG": "1", "CELERY_BROKER_URL": "", "REDIS_URL": ""}
    stack.port = free_port()
    log = (stack.folder / "runserver.log").open("ab")
    stack.processes["web"] = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{stack.port}"],
        cwd=ROOT, env=stack.env, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    stack.wait_until(lambda: stack.answers("/robots.txt"), what="runserver")
    yield stack
    stack.close()


def test_an_import_runs_in_a_thread_of_the_dev_server(devserver):
    curator = Browser(devserver)
    curator.login()
    upload = {"file": ("汇编.txt", compilation(articles=5, seed=3).encode())}
    response = curator.post("/admin/experiences/importbatch/add/", {}, files=upload)
    preview = response.location
    assert "正在解析" in curator.get(preview).text or "将创建 5 篇文献" in curator.get(preview).text
    batch = preview.rstrip("/").split("/")[-2]
    assert curator.wait_for_job(devserver.batch_job(batch), timeout=120)["state"] == "succeeded"
    curator.post(preview, {"action": "confirm"})
    assert curator.wait_for_job(devserver.batch_job(batch), timeout=120)["state"] == "succeeded"
    assert devserver.batch_documents(batch) == 5


def test_a_large_export_is_a_job_of_the_dev_server(devserver):
    reader = Browser(devserver)
    response = reader.get("/export/", {"source": "place", "adcode": "420000", "format": "docx"})
    assert response.status == 303
    job = int(response.location.rstrip("/").split("/")[-1])
    assert reader.wait_for_job(job, timeout=120)["state"] == "succeeded"
    assert reader.get(f"/jobs/{job}/download/").body[:2] == b"PK"
    health = reader.get("/healthz").json()
    assert (health["cache"], health["broker"]) == ("per-process", "thread")
