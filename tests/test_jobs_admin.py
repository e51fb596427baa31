"""Jobs in the admin and from the commands: visible, cancellable, rebuilds started from either."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from experiences.models import Practice, Recommendation, SearchEntry
from jobs.models import Job

from . import making

pytestmark = pytest.mark.django_db


def test_a_rebuild_started_in_the_admin_runs_as_a_job(admin_client):
    SearchEntry.objects.all().delete()
    page = admin_client.get(reverse("admin:jobs_job_changelist")).content.decode()
    assert "重建搜索索引" in page
    assert "重新统计数量" in page
    response = admin_client.post(reverse("admin:jobs_job_start", args=["rebuild_search_index"]))
    job = Job.objects.get()
    assert response.url == reverse("admin:jobs_job_change", args=[job.pk])
    assert job.state == Job.State.SUCCEEDED
    assert job.requested_by.username == "admin"
    assert (
        SearchEntry.objects.exclude(kind="section").count() == Practice.objects.count() + Recommendation.objects.count()
    )
    change = admin_client.get(response.url).content.decode()
    assert "搜索索引已重建" in change


def test_the_admin_can_cancel_a_queued_job(admin_client, monkeypatch):
    monkeypatch.setattr("jobs.queue.dispatch", lambda job_id, **kwargs: None)
    admin_client.post(reverse("admin:jobs_job_start", args=["rebuild_counts"]))
    job = Job.objects.get()
    assert job.state == Job.State.QUEUED
    admin_client.post(reverse("admin:jobs_job_changelist"), {"action": "cancel_jobs", "_selected_action": [job.pk]})
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED


def test_staff_without_job_permissions_cannot_start_rebuilds(client):
    user = making.user("reader-staff")
    client.force_login(user)
    client.post(reverse("admin:jobs_job_start", args=["rebuild_counts"]))
    assert not Job.objects.exists()


def test_the_rebuild_commands_record_a_job_or_queue_one(capsys, monkeypatch):
    call_command("rebuild_counts")
    assert "数量已重新统计" in capsys.readouterr().out
    assert Job.objects.get().state == Job.State.SUCCEEDED
    monkeypatch.setattr("jobs.queue.dispatch", lambda job_id, **kwargs: None)
    call_command("rebuild_search_index", "--background")
    assert "Queued job" in capsys.readouterr().out
    assert Job.objects.filter(state=Job.State.QUEUED, kind=Job.Kind.REBUILD_SEARCH_INDEX).count() == 1
