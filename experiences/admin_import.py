"""The curators' import page: upload a file, preview exactly what will be created, confirm or cancel."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .importing import ImportRefused, apply_plan, plan_import
from .models import ImportBatch, Place, Theme
from .readers import SUPPORTED_EXTENSIONS


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("支持 .txt(UTF-8、GBK、GB18030、UTF-16 均可)、.md、.html、.docx 和文字版 .pdf。"),
    )
    force = forms.BooleanField(label=gettext_lazy("允许导入与已有文献完全相同的文件"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in SUPPORTED_EXTENSIONS:
            raise forms.ValidationError(_("不支持的文件类型,请上传 .txt、.md、.html、.docx 或 .pdf 文件。"))
        if upload.size > settings.KBASE_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件太大(%(size).1f MB),上限为 %(limit).1f MB。")
                % {"size": upload.size / 1e6, "limit": settings.KBASE_IMPORT_MAX_BYTES / 1e6}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        return upload


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["original_name", "state", "size", "uploaded_by", "created_at", "document_count"]
    list_filter = ["state"]
    search_fields = ["original_name", "message"]
    readonly_fields = ["file", "original_name", "size", "state", "force", "message", "uploaded_by", "created_at",
                       "finished_at"]  # fmt: skip
    list_select_related = ["uploaded_by"]

    @admin.display(description=gettext_lazy("文献数"))
    def document_count(self, obj):
        return obj.documents.count()

    def has_add_permission(self, request):
        return request.user.has_perm("experiences.add_sourcedocument") and super().has_add_permission(request)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview"
        return [
            path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name=name),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            batch = ImportBatch.objects.create(
                file=upload, original_name=upload.name[:255], size=upload.size, force=form.cleaned_data["force"],
                uploaded_by=request.user,
            )  # fmt: skip
            return HttpResponseRedirect(reverse("admin:experiences_importbatch_preview", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("导入文献"),
            "max_mb": settings.KBASE_IMPORT_MAX_BYTES / 1e6,
        }
        return TemplateResponse(request, "admin/experiences/importbatch/upload.html", context)

    def preview_view(self, request: HttpRequest, pk: int):
        batch = get_object_or_404(ImportBatch, pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        if batch.state != ImportBatch.State.PENDING:
            return HttpResponseRedirect(reverse("admin:experiences_importbatch_change", args=[batch.pk]))
        if request.method == "POST" and request.POST.get("action") == "cancel":
            return self._finish(request, batch, ImportBatch.State.CANCELLED, _("已取消导入。"), level=messages.INFO)
        try:
            with batch.file.open("rb") as handle:
                plan = plan_import(name=batch.original_name, data=handle.read())
        except ImportRefused as error:
            return self._finish(request, batch, ImportBatch.State.FAILED, str(error), level=messages.ERROR)
        if request.method == "POST" and request.POST.get("action") == "confirm":
            try:
                result = apply_plan(plan, force=batch.force, batch=batch)
            except ImportRefused as error:
                return self._finish(request, batch, ImportBatch.State.FAILED, str(error), level=messages.ERROR)
            summary = _("已导入 %(docs)d 篇文献、%(sections)d 个章节、%(drafts)d 条草稿。") % {
                "docs": len(result.documents),
                "sections": result.sections,
                "drafts": result.practices + result.recommendations,
            }
            self._finish(request, batch, ImportBatch.State.IMPORTED, summary, level=messages.SUCCESS, keep_file=True)
            url = reverse("admin:experiences_sourcedocument_changelist") + f"?import_batch__id__exact={batch.pk}"
            return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "batch": batch,
            "plan": plan,
            "title": _("导入预览:%(name)s") % {"name": batch.original_name},
            "place_names": dict(Place.objects.filter(adcode__in=_plan_adcodes(plan)).values_list("adcode", "name")),
            "theme_names": dict(Theme.objects.values_list("slug", "name")),
        }
        return TemplateResponse(request, "admin/experiences/importbatch/preview.html", context)

    def _finish(self, request, batch, state, message, *, level, keep_file=False):
        batch.state = state
        batch.message = message
        batch.finished_at = timezone.now()
        if not keep_file and batch.file:
            batch.file.delete(save=False)
        batch.save()
        self.message_user(request, message, level)
        return HttpResponseRedirect(reverse("admin:experiences_importbatch_changelist"))


def _plan_adcodes(plan) -> set[str]:
    codes = set()
    for document in plan.documents:
        codes.update(document.places)
        codes.update(m.adcode for m in document.mentions)
        stack = list(document.drafts)
        while stack:
            draft = stack.pop()
            codes.update(draft.places)
            stack.extend(draft.children)
    return codes
