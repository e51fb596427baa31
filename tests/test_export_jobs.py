"""Large or slow exports become jobs: a progress page, then a download only the person who asked can fetch."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import docx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from briefings import checks
from experiences.models import Practice
from jobs import running
from jobs.models import Job

from . import making

pytestmark = pytest.mark.django_db
HUBEI = {"source": "place", "adcode": "420000"}  # more lessons than a request typesets
needs_pdf = pytest.mark.skipif(bool(checks.pdf_problems()), reason="this machine lacks the PDF toolchain")


def test_a_large_export_answers_with_its_job_page_and_the_file_follows(client):
    response = client.get("/export/", {**HUBEI, "format": "docx"})
    assert response.status_code == 303
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == Job.Kind.EXPORT
    assert job.state == Job.State.SUCCEEDED
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page
    assert f"/jobs/{job.pk}/download/" in page
    assert "只有您本人可以下载" in page
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert "private" in download["Cache-Control"]
    assert "no-store" in download["Cache-Control"]
    document = docx.Document(io.BytesIO(b"".join(download.streaming_content)))
    assert any("湖北" in paragraph.text for paragraph in document.paragraphs)


@needs_pdf
def test_a_large_pdf_job_says_how_many_pages_it_made(client):
    client.get("/export/", {**HUBEI, "format": "pdf"})
    job = Job.objects.get()
    assert job.state == Job.State.SUCCEEDED, job.error
    assert "页" in job.result["message"]
    assert job.result_name.endswith(".pdf")
    content = b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)
    assert content.startswith(b"%PDF")


def test_only_whoever_asked_sees_the_job_and_its_file(client):
    client.get("/export/", {**HUBEI, "format": "docx"})
    job = Job.objects.get()
    stranger = Client()
    assert stranger.get(f"/jobs/{job.pk}/").status_code == 404
    assert stranger.get(f"/jobs/{job.pk}/status/").status_code == 404
    assert stranger.get(f"/jobs/{job.pk}/download/").status_code == 404
    # Staff who are not the owner do not get the file either (the admin shows the record, not the file).
    staff_client = Client()
    staff_client.force_login(making.user("curator"))
    assert staff_client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/status/").json()["state"] == "succeeded"


def test_a_signed_in_users_export_job_is_theirs_from_any_browser(client):
    user = get_user_model().objects.create_user("reader", password="x-not-a-real-password")
    client.force_login(user)
    client.get("/export/", {**HUBEI, "format": "docx"})
    job = Job.objects.get()
    assert job.requested_by == user
    other_browser = Client()
    other_browser.force_login(user)
    assert other_browser.get(f"/jobs/{job.pk}/download/").status_code == 200


def test_the_file_is_kept_for_a_day_then_dropped(client):
    client.get("/export/", {**HUBEI, "format": "docx"})
    job = Job.objects.get()
    assert job.expires_at - timezone.now() > timedelta(hours=23)
    path = job.result_file.path
    assert os.path.exists(path)
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    running.reap_stale(force=True)
    assert not os.path.exists(path)
    assert "已过期" in client.get(f"/jobs/{job.pk}/").content.decode()


def test_a_small_export_that_misses_the_request_budget_becomes_a_job(client, settings):
    settings.KBASE_EXPORT_REQUEST_SECONDS = 0  # nothing fits: the request must hand over, not fail
    practice = Practice.objects.published().first()
    response = client.get("/export/", {"source": "practice", "id": practice.pk, "format": "docx"})
    assert response.status_code == 303
    assert Job.objects.get().state == Job.State.SUCCEEDED


def test_a_small_export_is_still_a_download_in_the_request(client):
    practice = Practice.objects.published().first()
    response = client.get("/export/", {"source": "practice", "id": practice.pk, "format": "docx"})
    assert response.status_code == 200
    assert not Job.objects.exists()


def test_one_person_may_not_queue_exports_without_end(client, settings, monkeypatch):
    settings.KBASE_EXPORT_ACTIVE_JOBS = 2
    monkeypatch.setattr("jobs.queue.dispatch", lambda job_id, **kwargs: None)  # nothing runs: they stay queued
    assert [client.get("/export/", {**HUBEI, "format": "docx"}).status_code for _ in range(2)] == [303, 303]
    refused = client.get("/export/", {**HUBEI, "format": "docx"})
    assert refused.status_code == 429
    assert "导出任务在进行中" in refused.content.decode()
    assert Job.objects.count() == 2


@needs_pdf
def test_a_pdf_too_long_to_be_a_briefing_is_refused_with_the_reason(client, settings):
    settings.KBASE_EXPORT_MAX_PDF_CHARS = 1000
    practice = Practice.objects.published().order_by("-pk").first()
    Practice.objects.filter(pk=practice.pk).update(body="长" * 5000)
    response = client.get("/export/", {"source": "practice", "id": practice.pk, "format": "pdf"})
    assert response.status_code == 400
    assert "超过 PDF 简报的上限" in response.content.decode()
    assert "导出 Word" in response.content.decode()


def test_a_queued_job_can_be_cancelled_by_its_owner(client, monkeypatch):
    monkeypatch.setattr("jobs.queue.dispatch", lambda job_id, **kwargs: None)
    client.get("/export/", {**HUBEI, "format": "docx"})
    job = Job.objects.get()
    assert "取消任务" in client.get(f"/jobs/{job.pk}/").content.decode()
    assert Client().post(f"/jobs/{job.pk}/cancel/").status_code == 404
    client.post(f"/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    running.execute(job.pk)  # a late delivery of its message does nothing
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
