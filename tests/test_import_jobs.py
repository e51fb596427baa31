"""Imports through the admin as jobs: progress at once, the analysis kept, one write, nothing half-done."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, OperationalError
from django.urls import reverse
from django.utils import timezone

from experiences.models import ImportBatch, Practice, SourceDocument
from jobs import running
from jobs.models import Job

pytestmark = pytest.mark.django_db
REPORT = (Path(__file__).resolve().parent / "samples" / "unseen_report.txt").read_bytes()


@pytest.fixture
def held(monkeypatch):
    """Jobs are recorded but not run until the test runs them, as when every worker is busy."""
    monkeypatch.setattr("jobs.queue.dispatch", lambda job_id, **kwargs: None)


def upload(admin_client, data: bytes = REPORT, name: str = "苏州昆山考察.txt"):
    response = admin_client.post(reverse("admin:experiences_importbatch_add"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302
    return response.url


def test_the_upload_returns_at_once_to_a_progress_page(admin_client, media, held):
    preview = upload(admin_client)
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.PARSING
    page = admin_client.get(preview).content.decode()
    assert "正在解析" in page
    assert f'data-job-status="/jobs/{batch.job_id}/status/"' in page
    assert "<progress" in page
    status = admin_client.get(f"/jobs/{batch.job_id}/status/").json()
    assert status["state"] == "queued"
    running.execute(batch.job_id)
    assert admin_client.get(f"/jobs/{batch.job_id}/status/").json()["progress"] == 100
    page = admin_client.get(preview).content.decode()
    assert "坚持规划引领" in page  # the preview, from the stored analysis


def test_the_file_is_analysed_once_however_often_the_preview_is_seen(admin_client, media, monkeypatch):
    preview = upload(admin_client)

    def not_again(**kwargs):
        raise AssertionError("analysed again")

    monkeypatch.setattr("experiences.job_kinds.plan_import", not_again)
    for _ in range(3):
        assert "坚持规划引领" in admin_client.get(preview).content.decode()


def test_a_second_confirmation_does_not_import_twice(admin_client, media, held):
    preview = upload(admin_client)
    running.execute(ImportBatch.objects.get().job_id)
    before = SourceDocument.objects.count()
    admin_client.post(preview, {"action": "confirm"})
    admin_client.post(preview, {"action": "confirm"})  # the second click, while the first write waits
    assert Job.objects.filter(kind=Job.Kind.IMPORT_WRITE).count() == 1
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.WRITING
    assert "正在导入" in admin_client.get(preview).content.decode()
    running.execute(batch.job_id)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.IMPORTED
    assert batch.confirmed_by.username == "admin"
    assert SourceDocument.objects.count() == before + 1
    landing = admin_client.get(preview)  # the import lands on its new drafts, each a link to edit
    assert landing.status_code == 200
    html = landing.content.decode()
    document = SourceDocument.objects.get(import_batch=batch)
    assert f"/admin/experiences/sourcedocument/{document.pk}/change/" in html
    for practice in document.practices.all():
        assert f"/admin/experiences/practice/{practice.pk}/change/" in html
    assert "全部提交审核" in html


def test_submitting_an_imports_drafts_for_review_in_one_step(admin_client, media, held):
    report = (Path(__file__).resolve().parent / "samples" / "port_report_with_sub_points.txt").read_bytes()
    preview = upload(admin_client, data=report, name="宁波港口考察.txt")
    running.execute(ImportBatch.objects.get().job_id)
    admin_client.post(preview, {"action": "confirm"})
    running.execute(ImportBatch.objects.get().job_id)
    batch = ImportBatch.objects.get()
    admin_client.post(preview, {"action": "submit"})
    document = SourceDocument.objects.get(import_batch=batch)
    assert document.status == "review"
    assert {p.status for p in document.practices.all()} <= {"review"}
    sub_points = document.recommendations.exclude(parent=None)
    assert sub_points.exists()
    assert {r.status for r in document.recommendations.all()} == {"review"}  # sub-points too
    assert "全部提交审核" not in admin_client.get(preview).content.decode()


def test_cancelling_during_the_analysis_discards_the_upload(admin_client, media, held):
    preview = upload(admin_client)
    batch = ImportBatch.objects.get()
    admin_client.post(preview, {"action": "cancel"})
    running.execute(batch.job_id)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.CANCELLED
    assert not batch.file
    assert batch.job.state == Job.State.CANCELLED


def test_a_write_cancelled_before_it_runs_leaves_the_preview_standing(admin_client, media, held):
    preview = upload(admin_client)
    running.execute(ImportBatch.objects.get().job_id)
    admin_client.post(preview, {"action": "confirm"})
    batch = ImportBatch.objects.get()
    admin_client.post(preview, {"action": "cancel"})
    batch.refresh_from_db()
    assert batch.job.state == Job.State.CANCELLED
    assert batch.state == ImportBatch.State.PENDING
    assert "坚持规划引领" in admin_client.get(preview).content.decode()


def test_a_write_that_fails_half_way_leaves_no_rows(admin_client, media, monkeypatch):
    preview = upload(admin_client)
    before = (SourceDocument.objects.count(), Practice.objects.count())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("experiences.content.search.index_documents", broken)  # after rows were written
    admin_client.post(preview, {"action": "confirm"})
    batch = ImportBatch.objects.get()
    assert batch.job.state == Job.State.FAILED
    assert "内部错误" in batch.job.error
    assert batch.state == ImportBatch.State.FAILED
    assert (SourceDocument.objects.count(), Practice.objects.count()) == before


def test_a_text_imported_since_the_preview_is_refused_at_the_write(admin_client, media, held):
    first, second = upload(admin_client), upload(admin_client)
    for batch in ImportBatch.objects.all():
        running.execute(batch.job_id)
    admin_client.post(first, {"action": "confirm"})
    running.execute(ImportBatch.objects.get(pk=first.split("/")[-3]).job_id)
    admin_client.post(second, {"action": "confirm"})
    batch = ImportBatch.objects.get(pk=second.split("/")[-3])
    running.execute(batch.job_id)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.FAILED
    assert "预览之后" in batch.message
    assert SourceDocument.objects.filter(import_batch__isnull=False).count() == 1


def test_a_broker_that_is_down_fails_the_job_with_a_reason_not_a_500(
    admin_client, media, settings, django_capture_on_commit_callbacks
):
    from kbase.celery import app

    settings.KBASE_JOBS_MODE = "celery"
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens there
    try:
        with django_capture_on_commit_callbacks(execute=True):
            preview = upload(admin_client)
    finally:
        app.conf.broker_url = previous
    batch = ImportBatch.objects.get()
    assert batch.job.state == Job.State.FAILED
    assert "后台任务服务暂时不可用" in batch.job.error
    assert batch.state == ImportBatch.State.FAILED
    assert admin_client.get(preview, follow=True).status_code == 200


def test_a_job_whose_worker_died_runs_again_then_fails_with_the_reason(admin_client, media, held, settings):
    upload(admin_client)
    batch = ImportBatch.objects.get()
    long_ago = timezone.now() - timedelta(seconds=settings.KBASE_JOB_STALE_SECONDS + 5)
    Job.objects.filter(pk=batch.job_id).update(state=Job.State.RUNNING, attempts=1, heartbeat_at=long_ago)
    running.reap_stale(force=True)
    assert Job.objects.get(pk=batch.job_id).state == Job.State.QUEUED  # one more attempt
    Job.objects.filter(pk=batch.job_id).update(
        state=Job.State.RUNNING, attempts=settings.KBASE_JOB_MAX_ATTEMPTS, heartbeat_at=long_ago
    )
    running.reap_stale(force=True)
    job = Job.objects.get(pk=batch.job_id)
    assert job.state == Job.State.FAILED
    assert "意外停止" in job.error
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.FAILED


def test_a_lost_database_connection_is_retried_once(admin_client, media, held, monkeypatch, settings):
    upload(admin_client)
    job_id = ImportBatch.objects.get().job_id
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("experiences.job_kinds.plan_import", flaky)
    running.execute(job_id)
    job = Job.objects.get(pk=job_id)
    assert job.state == Job.State.QUEUED
    assert job.attempts == 1
    running.execute(job_id)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert len(calls) == settings.KBASE_JOB_MAX_ATTEMPTS


def test_an_error_of_the_work_itself_is_not_retried(admin_client, media, held, monkeypatch):
    upload(admin_client)
    job_id = ImportBatch.objects.get().job_id

    def broken(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr("experiences.job_kinds.plan_import", broken)
    running.execute(job_id)
    job = Job.objects.get(pk=job_id)
    assert job.state == Job.State.FAILED
    assert job.attempts == 1
    assert "内部错误" in job.error


def test_a_job_cancelled_while_its_worker_dies_ends_cancelled_not_queued_forever(admin_client, media, held, settings):
    upload(admin_client)
    batch = ImportBatch.objects.get()
    long_ago = timezone.now() - timedelta(seconds=settings.KBASE_JOB_STALE_SECONDS + 5)
    Job.objects.filter(pk=batch.job_id).update(
        state=Job.State.RUNNING, attempts=1, heartbeat_at=long_ago, cancel_requested=True
    )
    running.reap_stale(force=True)
    assert Job.objects.get(pk=batch.job_id).state == Job.State.CANCELLED
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.CANCELLED


def test_a_write_whose_report_was_lost_after_its_commit_is_recorded_as_done(admin_client, media, held):
    """The worker died between the commit and its report: the next attempt finds the batch imported."""
    preview = upload(admin_client)
    running.execute(ImportBatch.objects.get().job_id)
    admin_client.post(preview, {"action": "confirm"})
    batch = ImportBatch.objects.get()
    running.execute(batch.job_id)  # written and recorded
    Job.objects.filter(pk=batch.job_id).update(state=Job.State.QUEUED)  # as if its end had never been recorded
    running.execute(batch.job_id)  # the second attempt is refused by the batch's state…
    job = Job.objects.get(pk=batch.job_id)
    assert job.state == Job.State.SUCCEEDED  # …and recorded as the success it was
    assert batch.documents.count() == 1


def test_cancelling_an_old_preview_after_a_confirmation_in_another_tab_keeps_the_import(admin_client, media):
    preview = upload(admin_client)
    admin_client.post(preview, {"action": "confirm"})  # tab 1: imported
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.IMPORTED
    from experiences import job_kinds

    stale = ImportBatch.objects.get(pk=batch.pk)
    stale.state = ImportBatch.State.PENDING  # tab 2 still shows the preview
    assert not job_kinds.cancel_batch(stale)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.IMPORTED
    assert batch.file  # the original stays: the imported documents point to it


def test_the_curator_corrects_the_header_on_the_preview_before_the_write(admin_client, media):
    preview = upload(admin_client)
    page = admin_client.get(preview)
    assert page.status_code == 200
    assert 'name="doc-0-title"' in page.content.decode()
    fields = {
        "action": "confirm",
        "doc-0-title": "关于赴苏州昆山学习考察开发区建设的报告（修订）",
        "doc-0-subtitle": "",
        "doc-0-authors": "张三、李四",
        "doc-0-organization": "区委政策研究室",
        "doc-0-year": "2019",
        "doc-0-month": "13",
    }
    refused = admin_client.post(preview, fields)
    assert refused.status_code == 400  # a month of 13: shown again, nothing written
    assert ImportBatch.objects.get().state == ImportBatch.State.PENDING
    admin_client.post(preview, {**fields, "doc-0-month": "5"})
    document = SourceDocument.objects.get(import_batch__isnull=False)
    assert document.title == "关于赴苏州昆山学习考察开发区建设的报告（修订）"
    assert (document.authors, document.published_year, document.published_month) == ("张三、李四", 2019, 5)


def test_the_upload_and_preview_pages_speak_plainly(admin_client, media, held, settings):
    settings.KBASE_IMPORT_MAX_BYTES = 20 * 1024 * 1024
    page = admin_client.get(reverse("admin:experiences_importbatch_add")).content.decode()
    assert "文件上限 20.0\xa0MB" in page
    assert "20.97152" not in page
    preview = upload(admin_client)
    running.execute(ImportBatch.objects.get().job_id)
    page = admin_client.get(preview).content.decode()
    assert "读取为 UTF-8" in page
    assert "utf_8" not in page
    assert 'class="button default"' in page  # 确认导入 styled as the admin's main button
