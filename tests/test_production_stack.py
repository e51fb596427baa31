"""The README's production deployment, for real: gunicorn (DEBUG off), Redis, a Celery worker, over HTTP.

Earlier reviews found what in-process tests could not: a missing package that
kept workers from booting, and a PDF timeout that never fired under gunicorn.
Here every scenario runs through the deployed processes. The stack has its
own database (SQLite, or PostgreSQL when the suite runs on it) and its own
Redis queue on the machine's Redis (127.0.0.1:6379); without Redis the
module is skipped.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.corpus import compilation
from tests.stack import REDIS_DEFAULT, Browser, OwnRedis, build, drop_database, redis_answers, same_engine_as_tests

REDIS = REDIS_DEFAULT
pytestmark = [
    pytest.mark.skipif(not redis_answers(REDIS), reason=f"no Redis at {REDIS}"),
    pytest.mark.skipif(not hasattr(os, "fork"), reason="the job limits need fork"),
]
LONG_LESSON_CHARS = 600_000  # typesetting this takes many seconds: past both budgets below


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base_url = same_engine_as_tests()
    folder = tmp_path_factory.mktemp("stack")
    stack = build(
        folder,
        database_url=base_url,
        redis_url=REDIS,
        name=f"kbase_stack_{os.getpid()}",
        extra_env={"KBASE_JOB_STALE_SECONDS": "5", "KBASE_EXPORT_JOB_SECONDS": "8"},
    )
    stack.python(
        "from experiences import content\n"
        "from experiences.models import Practice, SourceDocument, Status\n"
        "d = SourceDocument.objects.published().first()\n"
        f"p = Practice(title='超长的经验做法', body='长文' * {LONG_LESSON_CHARS // 2}, "
        "document=d, status=Status.PUBLISHED)\n"
        "content.save(p, comment='test')\n"
    )
    # In-request typesetting gets 2 s and may take this long lesson (not a job by size): the budget must fire.
    stack.start_web(workers=2, env={"KBASE_EXPORT_REQUEST_SECONDS": "2", "KBASE_EXPORT_INLINE_CHARS": "2000000"})
    stack.start_worker()
    yield stack
    stack.close()
    drop_database(stack.database_url)


def long_lesson_id(stack) -> int:
    return int(
        stack.python("from experiences.models import Practice\nprint(Practice.objects.get(title='超长的经验做法').pk)")
    )


def test_pages_health_and_headers_as_deployed(stack):
    reader = Browser(stack)
    for path in ["/", "/places/", "/practices/", "/search/?q=%E4%BA%BA%E6%89%8D", "/themes/talent/"]:
        assert reader.get(path).status == 200, path
    health = reader.get("/healthz").json()
    assert health["status"] == "ok", health
    assert (health["database"], health["cache"], health["broker"]) == ("ok", "ok", "ok")
    page = reader.get("/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert reader.get("/static/css/kbase.css").status == 200  # WhiteNoise, collected


def test_an_upload_is_analysed_and_written_by_the_worker_with_progress(stack):
    curator = Browser(stack)
    curator.login()
    data = compilation(articles=12, seed=7).encode()
    response = curator.post("/admin/experiences/importbatch/add/", {}, files={"file": ("汇编.txt", data)})
    assert response.status == 302
    preview = response.location
    batch = int(preview.rstrip("/").split("/")[-2])
    job = stack.batch_job(batch)
    assert curator.wait_for_job(job)["state"] == "succeeded"
    page = curator.get(preview).text
    assert "将创建 12 篇文献" in page
    assert curator.post(preview, {"action": "confirm"}).status == 302
    write = stack.batch_job(batch)
    assert write != job
    assert curator.wait_for_job(write)["state"] == "succeeded"
    landing = curator.get(preview)  # the new drafts
    assert landing.status == 200
    assert "全部提交审核" in landing.text
    assert stack.batch_documents(batch) == 12


def test_a_large_pdf_export_is_a_job_only_its_reader_can_download(stack):
    reader = Browser(stack)
    response = reader.get("/export/", {"source": "place", "adcode": "420000", "format": "pdf"})
    assert response.status == 303
    job = int(response.location.rstrip("/").split("/")[-1])
    assert reader.wait_for_job(job)["state"] == "succeeded"
    download = reader.get(f"/jobs/{job}/download/")
    assert download.status == 200
    assert download.body.startswith(b"%PDF")
    assert Browser(stack).get(f"/jobs/{job}/download/").status == 404


def test_a_pdf_past_the_requests_budget_becomes_a_job_and_the_jobs_limit_stops_it(stack):
    """Under gunicorn: the in-request child is killed at 2 s; the job's child at its 8 s limit, with the reason."""
    reader = Browser(stack)
    started = time.monotonic()
    response = reader.get("/export/", {"source": "practice", "id": long_lesson_id(stack), "format": "pdf"})
    answered = time.monotonic() - started
    assert response.status == 303, response.text[:300]
    assert answered < 6
    job = int(response.location.rstrip("/").split("/")[-1])
    status = reader.wait_for_job(job, timeout=60)
    assert status["state"] == "failed"
    assert "超过时间上限" in status["error"]
    # The worker is still there and takes the next job.
    again = reader.get("/export/", {"source": "place", "adcode": "420000", "format": "docx"})
    assert reader.wait_for_job(int(again.location.rstrip("/").split("/")[-1]))["state"] == "succeeded"
    assert "超过时间上限" in reader.get(f"/jobs/{job}/").text


def test_redis_down_while_serving_pages_still_answer(stack):
    """A Redis of the stack's own, stopped mid-flight: pages serve from the database, /healthz says degraded."""
    import shutil

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    redis = OwnRedis(stack.folder)
    redis.start()
    try:
        stack.start_web(workers=1, env={"REDIS_URL": redis.url})
        reader = Browser(stack)
        assert reader.get("/").status == 200
        redis.stop()
        for path in ["/", "/places/", "/practices/", "/search/?q=%E4%BA%BA%E6%89%8D"]:
            assert reader.get(path).status == 200, path
        health = reader.get("/healthz")
        assert health.status == 200
        assert health.json()["cache"] == "unavailable"
        stack.start_web(workers=1, env={"REDIS_URL": redis.url})  # and a worker boots without it
        assert reader.get("/places/420000/").status == 200
    finally:
        redis.stop()
        stack.start_web(workers=2, env={"KBASE_EXPORT_REQUEST_SECONDS": "2", "KBASE_EXPORT_INLINE_CHARS": "2000000"})


def test_a_worker_killed_mid_import_loses_nothing_and_writes_once(stack):
    curator = Browser(stack)
    curator.login()
    data = compilation(articles=400, seed=11, first=1001).encode()
    preview = curator.post("/admin/experiences/importbatch/add/", {}, files={"file": ("大汇编.txt", data)}).location
    batch = int(preview.rstrip("/").split("/")[-2])

    def batch_state() -> tuple[str, int, int]:
        out = stack.python(
            "from experiences.models import ImportBatch, SourceDocument\n"
            f"b = ImportBatch.objects.get(pk={batch})\n"
            f"print(b.state, b.job_id or 0, SourceDocument.objects.filter(import_batch={batch}).count())"
        ).split()
        return out[0], int(out[1]), int(out[2])

    curator.wait_for_job(batch_state()[1], timeout=180)
    curator.post(preview, {"action": "confirm"})
    job = batch_state()[1]
    stack.wait_until(lambda: curator.get(f"/jobs/{job}/status/").json()["state"] == "running", what="the write")
    time.sleep(1.0)  # inside the write's transaction
    stack.kill("worker")
    state, _, documents = batch_state()
    assert state == "writing"
    assert documents == 0  # the transaction died with the worker: no partial rows
    stack.start_worker()  # on start it finds the job without a heartbeat and runs it again
    final = curator.wait_for_job(job, timeout=240)
    assert final["state"] == "succeeded", final
    state, _, documents = batch_state()
    assert state == "imported"
    assert documents == 400  # once, not twice
