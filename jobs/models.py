"""A Job: one piece of heavy work (an import, an export, a rebuild) run in the background, with its progress."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobFileStorage(FileSystemStorage):
    """Job files (import plans, export results) live outside MEDIA_ROOT: they are served only to their owner.

    The folder is read from the settings at each use, as MEDIA_ROOT is, so that tests can move it.
    With several machines it must be shared by the web and job workers, as MEDIA_ROOT must.
    """

    @property
    def base_location(self) -> str:
        return str(settings.KBASE_JOB_FILES_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Job files have no public URL: they are served by jobs:download to their owner.")


_storage = JobFileStorage()


def private_storage() -> JobFileStorage:
    return _storage


class JobQuerySet(models.QuerySet):
    def owned_by(self, request) -> JobQuerySet:
        """The jobs the person behind ``request`` asked for: by account, or by browser session when anonymous."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return self.filter(requested_by=user)
        session_key = request.session.session_key if hasattr(request, "session") else None
        return self.filter(requested_by=None, session_key=session_key) if session_key else self.none()

    def active(self) -> JobQuerySet:
        return self.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING])


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT_PLAN = "import_plan", _("解析导入文件")
        IMPORT_WRITE = "import_write", _("写入导入内容")
        EXPORT = "export", _("导出简报")
        REBUILD_SEARCH_INDEX = "rebuild_search_index", _("重建搜索索引")
        REBUILD_COUNTS = "rebuild_counts", _("重新统计数量")
        SEND_DIGESTS = "send_digests", _("发送订阅邮件摘要")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    title = models.CharField(_("说明"), max_length=200, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    session_key = models.CharField(_("会话"), max_length=40, blank=True, editable=False)
    client = models.CharField(_("来源"), max_length=64, blank=True, editable=False)  # account or address
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    step = models.CharField(_("当前步骤"), max_length=200, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    result_file = models.FileField(_("结果文件"), storage=private_storage, blank=True)
    result_name = models.CharField(_("下载文件名"), max_length=200, blank=True)
    result_type = models.CharField(_("文件类型"), max_length=120, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    worker = models.CharField(_("执行进程"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("派发时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("文件保留至"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="job_state_heartbeat")]
        permissions = [("cancel_job", _("可以取消后台任务"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", kwargs={"pk": self.pk})

    @property
    def finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED, self.State.CANCELLED)

    @property
    def downloadable(self) -> bool:
        return (
            self.state == self.State.SUCCEEDED
            and bool(self.result_file)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )

    @property
    def duration(self):
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at
