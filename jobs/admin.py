"""Jobs in the admin: what runs, what failed and why; cancel; start a rebuild."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import queue, running
from .models import Job

REBUILDS = {
    Job.Kind.REBUILD_SEARCH_INDEX: gettext_lazy("重建搜索索引"),
    Job.Kind.REBUILD_COUNTS: gettext_lazy("重新统计数量"),
}


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "state", "progress", "step", "requested_by", "created_at", "finished_at"]
    list_filter = ["state", "kind"]
    search_fields = ["title", "error", "requested_by__username"]
    list_select_related = ["requested_by"]
    date_hierarchy = "created_at"
    actions = ["cancel_jobs"]
    exclude = ["result_file"]  # a link to it would need a public URL; result_file_name says what it is
    readonly_fields = [f.name for f in Job._meta.fields if f.name not in ("id", "result_file")] + ["result_file_name"]
    change_list_template = "admin/jobs/job/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A job being run must be cancelled, not deleted: its supervisor and its import batch still refer to it.
        return super().has_delete_permission(request, obj) and (obj is None or obj.finished)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.exclude(state__in=[Job.State.QUEUED, Job.State.RUNNING]))

    @admin.display(description=gettext_lazy("结果文件"))
    def result_file_name(self, obj):
        # The file itself is served only to whoever asked for it (jobs:download), not through the admin.
        return obj.result_name if obj.result_file else "—"

    def changelist_view(self, request, extra_context=None):
        running.reap_stale()
        extra = {"rebuilds": REBUILDS.items() if request.user.has_perm("jobs.add_job") else []}
        return super().changelist_view(request, extra_context={**(extra_context or {}), **extra})

    def get_urls(self):
        return [
            path("start/<str:kind>/", self.admin_site.admin_view(self.start_view), name="jobs_job_start"),
            *super().get_urls(),
        ]

    @admin.action(description=gettext_lazy("取消所选任务"), permissions=["cancel"])
    def cancel_jobs(self, request, queryset):
        cancelled = sum(1 for job in queryset if running.cancel(job))
        self.message_user(request, _("已请求取消 %(n)d 个任务。") % {"n": cancelled}, messages.INFO)

    def has_cancel_permission(self, request):
        return request.user.has_perm("jobs.cancel_job")

    def start_view(self, request: HttpRequest, kind: str):
        """Start a rebuild (POST from the buttons above the list)."""
        back = reverse("admin:jobs_job_changelist")
        if not request.user.has_perm("jobs.add_job"):
            raise PermissionDenied
        if request.method != "POST" or kind not in REBUILDS:
            return HttpResponseRedirect(back)
        job = queue.submit(kind=kind, params={}, title=str(REBUILDS[kind]), user=request.user)
        self.message_user(request, _("已提交任务：%(job)s。") % {"job": job}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:jobs_job_change", args=[job.pk]))
