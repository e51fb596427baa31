"""Long work through the API: an import (upload, then confirm) and an export run as jobs; their progress and file.

The same job kinds, limits and ownership as the site's: experiences.job_kinds
for imports, briefings.exporting for exports, jobs.views for who may see a job.
"""

from __future__ import annotations

from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from briefings import exporting, selection, throttling
from experiences import job_kinds
from experiences.admin_import import UploadForm
from experiences.models import ImportBatch
from jobs import running
from jobs import views as job_pages
from kbase.clients import client_key


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_display = serializers.CharField()
    finished = serializers.BooleanField()
    progress = serializers.IntegerField(help_text="0–100")
    step = serializers.CharField()
    error = serializers.CharField()
    download = serializers.BooleanField(help_text="文件可下载")
    url = serializers.CharField()
    download_url = serializers.CharField(allow_null=True)


def job_record(request, job) -> dict:
    return job_pages.status_data(job) | {
        "url": request.build_absolute_uri(reverse("api:job", args=[job.pk])),
        "download_url": request.build_absolute_uri(reverse("api:job_download", args=[job.pk]))
        if job.downloadable
        else None,
    }


class JobView(APIView):
    """任务的状态和进度（导入、导出）。"""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=JobSerializer)
    def get(self, request, pk: int):
        running.reap_stale()
        return Response(job_record(request, job_pages.visible_job(request, pk)))


class JobDownloadView(APIView):
    """任务生成的文件（只给发起人，保留期内）。"""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk: int):
        return job_pages.download(request, pk)


class ImportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.CharField()
    state_display = serializers.CharField()
    message = serializers.CharField()
    documents = serializers.ListField(child=serializers.IntegerField(), help_text="导入后生成的文献（草稿）")
    job = JobSerializer(allow_null=True)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=".txt、.md、.html、.docx 或文字版 .pdf")
    force = serializers.BooleanField(required=False, default=False)


def import_record(request, batch: ImportBatch) -> dict:
    return {
        "id": batch.pk,
        "name": batch.original_name,
        "state": batch.state,
        "state_display": batch.get_state_display(),
        "message": batch.message,
        "documents": list(batch.documents.order_by("pk").values_list("pk", flat=True)),
        "job": job_record(request, batch.job) if batch.job_id else None,
    }


def _may_import(request) -> None:
    if not request.user.has_perm("experiences.add_sourcedocument"):
        raise PermissionDenied(_("您没有导入文献的权限。"))


class ImportListView(APIView):
    """上传文件导入：先解析（任务），解析完成后确认写入（任务）；导入的内容都是草稿。"""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=UploadSerializer, responses={202: ImportSerializer})
    def post(self, request):
        _may_import(request)
        form = UploadForm(data=request.data, files=request.FILES)
        if not form.is_valid():
            raise ValidationError(form.errors)
        batch = job_kinds.start_upload(form.cleaned_data["file"], force=form.cleaned_data["force"], user=request.user)
        batch.refresh_from_db()
        return Response(import_record(request, batch), status=status.HTTP_202_ACCEPTED)


class ImportDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ImportSerializer)
    def get(self, request, pk: int):
        _may_import(request)
        return Response(import_record(request, get_object_or_404(ImportBatch, pk=pk)))


class ImportConfirmView(APIView):
    """确认写入解析好的导入（与后台“确认导入”相同）。"""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={202: ImportSerializer})
    def post(self, request, pk: int):
        _may_import(request)
        batch = get_object_or_404(ImportBatch, pk=pk)
        if batch.state != ImportBatch.State.PENDING:
            return Response(
                {
                    "detail": _("只有解析完成、等待确认的导入可以写入（当前：%(s)s）。")
                    % {"s": batch.get_state_display()}
                },
                status=status.HTTP_409_CONFLICT,
            )
        if job_kinds.start_write(batch, user=request.user) is None:
            return Response({"detail": _("这个导入已经在写入或已取消。")}, status=status.HTTP_409_CONFLICT)
        batch.refresh_from_db()
        return Response(import_record(request, batch), status=status.HTTP_202_ACCEPTED)


EXPORT_PARAMETERS = [
    OpenApiParameter("format", str, enum=list(exporting.FORMATS), required=True),
    OpenApiParameter(
        "source",
        str,
        required=True,
        description="practice、recommendation、place、theme、list、search、collection、compare",
    ),
]


class ExportView(APIView):
    """导出：与网站导出页相同的参数（source 及该页面的筛选条件、format、group、title），作为任务生成文件。"""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=EXPORT_PARAMETERS, request=None, responses={202: JobSerializer})
    def post(self, request):
        data = QueryDict(mutable=True)
        data.update(request.query_params)
        fmt = data.get("format", "")
        if fmt not in exporting.FORMATS:
            raise ValidationError({"format": [_("格式应为 %(f)s 之一。") % {"f": "、".join(exporting.FORMATS)}]})
        try:
            chosen = selection.from_parameters(data, user=request.user)
        except selection.NotFound as error:
            return Response({"detail": str(error)}, status=status.HTTP_404_NOT_FOUND)
        except selection.SelectionError as error:
            raise ValidationError({"detail": str(error)}) from None
        if chosen.empty:
            raise ValidationError({"detail": _("没有可导出的内容。")})
        if fmt in exporting.TYPESET_FORMATS:
            allowed, retry_after = throttling.allow(request)
            if not allowed:
                return Response(
                    {"detail": _("导出太频繁，请稍后再试。")},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(retry_after)},
                )
        try:
            job = exporting.start_job(
                chosen, fmt=fmt, grouping=data.get("group"), title=data.get("title", "")[:200],
                user=request.user, client=client_key(request),
            )  # fmt: skip
        except exporting.TooManyJobs as error:
            return Response({"detail": str(error)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        job.refresh_from_db()
        return Response(job_record(request, job), status=status.HTTP_202_ACCEPTED)
