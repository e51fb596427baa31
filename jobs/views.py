"""A job's page (progress, then the result), its status as JSON for the progress bar, its download, its cancel."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import running
from .models import Job

IMPORT_KINDS = (Job.Kind.IMPORT_PLAN, Job.Kind.IMPORT_WRITE)


def visible_job(request: HttpRequest, pk: int) -> Job:
    """A job is shown to whoever asked for it, to staff who may view jobs (the admin's view), and an
    import's jobs to every curator who may import (another curator may open the same batch)."""
    user = request.user
    if user.has_perm("jobs.view_job"):
        jobs = Job.objects.all()
    elif user.has_perm("experiences.add_sourcedocument"):
        jobs = Job.objects.owned_by(request) | Job.objects.filter(kind__in=IMPORT_KINDS)
    else:
        jobs = Job.objects.owned_by(request)
    return get_object_or_404(jobs.select_related("requested_by"), pk=pk)


def status_data(job: Job) -> dict:
    return {
        "id": job.pk,
        "state": job.state,
        "state_display": job.get_state_display(),
        "finished": job.finished,
        "progress": job.progress,
        "step": job.step,
        "error": job.error,
        "download": job.downloadable,
    }


@never_cache
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    running.reap_stale()
    job = visible_job(request, pk)
    owned = Job.objects.owned_by(request).filter(pk=pk).exists()
    return render(request, "jobs/job_detail.html", {"job": job, "owned": owned})


@never_cache
def status(request: HttpRequest, pk: int) -> JsonResponse:
    running.reap_stale()
    return JsonResponse(status_data(visible_job(request, pk)))


@never_cache
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """Only the person who asked gets the file, and only while it is kept (KBASE_JOB_RESULT_SECONDS)."""
    job = get_object_or_404(Job.objects.owned_by(request), pk=pk)
    if not job.downloadable:
        raise Http404(_("文件已过期或尚未生成。"))
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("文件已过期或尚未生成。")) from error
    response = FileResponse(handle, content_type=job.result_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, job.result_name or "download")
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.owned_by(request), pk=pk)
    if running.cancel(job):
        messages.info(request, _("已请求取消任务。"))
    return redirect(job)
