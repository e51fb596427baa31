"""The curators' import page: upload a file, preview exactly what will be created, confirm or cancel."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.running import cancel

from . import job_kinds, workflow
from .models import ImportBatch, Place, Practice, Recommendation, SourceDocument, Status, Theme
from .readers import SUPPORTED_EXTENSIONS


class HeaderForm(forms.Form):
    """A planned document's header as the importer read it, for the curator to correct before writing."""

    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    subtitle = forms.CharField(label=gettext_lazy("副标题"), max_length=200, required=False)
    authors = forms.CharField(label=gettext_lazy("作者"), max_length=200, required=False, help_text="、")
    organization = forms.CharField(label=gettext_lazy("单位"), max_length=200, required=False)
    year = forms.IntegerField(label=gettext_lazy("年"), min_value=1900, max_value=2100, required=False)
    month = forms.IntegerField(label=gettext_lazy("月"), min_value=1, max_value=12, required=False)

    def clean(self):
        data = super().clean()
        if data.get("month") and not data.get("year"):
            raise forms.ValidationError(_("填写月份时必须同时填写年份。"))
        return data

    @classmethod
    def for_plan(cls, plan, documents, data=None) -> list[tuple[int, HeaderForm]]:
        """One form per document to be written, keyed by its position in the plan."""
        forms_ = []
        for document in documents:
            index = next(i for i, planned in enumerate(plan.documents) if planned is document)
            initial = {
                "title": document.title,
                "subtitle": document.subtitle,
                "authors": "、".join(document.authors),
                "organization": document.organization,
                "year": document.year,
                "month": document.month,
            }
            prefix = f"doc-{index}"
            # Bound only when the page sent this document's fields: a bare 确认导入 keeps what was read.
            bound = data if data is not None and f"{prefix}-title" in data else None
            forms_.append((index, cls(bound, initial=initial, prefix=prefix)))
        return forms_


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("支持 .txt（UTF-8、GBK、GB18030、UTF-16 均可）、.md、.html、.docx 和文字版 .pdf。"),
    )
    force = forms.BooleanField(label=gettext_lazy("允许导入与已有文献完全相同的文件"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in SUPPORTED_EXTENSIONS:
            raise forms.ValidationError(_("不支持的文件类型，请上传 .txt、.md、.html、.docx 或 .pdf 文件。"))
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
    list_display = ["original_name", "state", "size", "uploaded_by", "confirmed_by", "created_at", "document_count"]
    list_filter = ["state"]
    search_fields = ["original_name", "message"]
    readonly_fields = ["file", "original_name", "size", "state", "force", "message", "uploaded_by", "created_at",
                       "confirmed_by", "confirmed_at", "finished_at", "job"]  # fmt: skip
    list_select_related = ["uploaded_by", "confirmed_by"]

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
            # The analysis is a job: this request returns at once, to a page whose progress bar fills as it goes.
            batch = job_kinds.start_upload(
                form.cleaned_data["file"], force=form.cleaned_data["force"], user=request.user
            )
            return HttpResponseRedirect(reverse("admin:experiences_importbatch_preview", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("导入文献"),
            "max_size": settings.KBASE_IMPORT_MAX_BYTES,
        }
        return TemplateResponse(request, "admin/experiences/importbatch/upload.html", context)

    def preview_view(self, request: HttpRequest, pk: int):
        """The batch's page while it moves: analysis progress, the preview, the write's progress, the result."""
        batch = get_object_or_404(ImportBatch.objects.select_related("job"), pk=pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        if batch.state in (ImportBatch.State.PARSING, ImportBatch.State.WRITING):
            if request.method == "POST" and request.POST.get("action") == "cancel" and batch.job:
                cancel(batch.job)
                self.message_user(request, _("已请求取消。"), messages.INFO)
            return self._progress(request, batch)
        if batch.state == ImportBatch.State.IMPORTED:
            return self._imported(request, batch)
        if batch.state != ImportBatch.State.PENDING:
            failed = batch.state == ImportBatch.State.FAILED
            self.message_user(request, batch.message, messages.ERROR if failed else messages.INFO)
            return HttpResponseRedirect(reverse("admin:experiences_importbatch_change", args=[batch.pk]))
        return self._pending(request, batch)

    def _pending(self, request: HttpRequest, batch: ImportBatch):
        here = reverse("admin:experiences_importbatch_preview", args=[batch.pk])
        if request.method == "POST" and request.POST.get("action") == "cancel":
            if job_kinds.cancel_batch(batch):
                self.message_user(request, _("已取消导入。"), messages.INFO)
                return HttpResponseRedirect(reverse("admin:experiences_importbatch_changelist"))
            return HttpResponseRedirect(here)  # confirmed meanwhile (another tab): show where it is
        plan = job_kinds.load_plan(batch)
        if plan is None:  # stored by an older importer, or lost: analyse the file again
            if ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.PENDING).update(
                state=ImportBatch.State.PARSING
            ):
                job_kinds.start_analysis(batch, user=request.user)
            return HttpResponseRedirect(here)
        writing = plan.to_write(force=batch.force)
        confirming = request.method == "POST" and request.POST.get("action") == "confirm"
        headers = HeaderForm.for_plan(plan, writing, request.POST if confirming else None)
        if confirming and all(form.is_valid() for _, form in headers if form.is_bound):
            corrected = {
                str(index): form.cleaned_data for index, form in headers if form.is_bound and form.has_changed()
            }
            # A second click finds the batch taken: no double write.
            job_kinds.start_write(batch, user=request.user, headers=corrected)
            return HttpResponseRedirect(here)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "batch": batch,
            "plan": plan,
            "writing": writing,
            "headers": dict(headers),
            "title": _("导入预览：%(name)s") % {"name": batch.original_name},
            "place_names": dict(Place.objects.filter(adcode__in=_plan_adcodes(plan)).values_list("adcode", "name")),
            "theme_names": dict(Theme.objects.values_list("slug", "name")),
        }
        status = 400 if confirming else 200  # confirming with a header the form refuses: shown again
        return TemplateResponse(request, "admin/experiences/importbatch/preview.html", context, status=status)

    def _imported(self, request: HttpRequest, batch: ImportBatch):
        """Where an import lands: its new drafts, each a link to edit, and one step to submit them all for review."""
        documents = list(
            SourceDocument.objects.filter(import_batch=batch)
            .order_by("pk")
            .prefetch_related(
                Prefetch("practices", queryset=Practice.objects.order_by("pk")),
                Prefetch(
                    "recommendations",
                    queryset=Recommendation.objects.filter(parent=None)
                    .order_by("order", "pk")
                    .prefetch_related("children"),
                ),
            )
        )
        if request.method == "POST" and request.POST.get("action") == "submit":
            self._submit_all(request, batch)
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "batch": batch,
            "documents": documents,
            "drafts": any(d.status == Status.DRAFT for d in documents),
            "may_submit": workflow.may(request.user, SourceDocument, "submit"),
            "title": _("已导入：%(name)s") % {"name": batch.original_name},
        }
        return TemplateResponse(request, "admin/experiences/importbatch/result.html", context)

    def _submit_all(self, request: HttpRequest, batch: ImportBatch) -> None:
        """The batch's drafts to review: its documents, practices, and recommendations with their sub-points."""
        outcome = workflow.submit_import(batch, user=request.user)
        for obj, reason in outcome.refused:
            self.message_user(request, _("%(item)s：%(reason)s") % {"item": obj, "reason": reason}, messages.WARNING)
        if outcome.moved:
            self.message_user(request, _("已提交审核 %(n)d 项。") % {"n": len(outcome.moved)}, messages.SUCCESS)

    def _progress(self, request: HttpRequest, batch: ImportBatch):
        writing = batch.state == ImportBatch.State.WRITING
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "batch": batch,
            "job": batch.job,
            "next_url": request.path,
            "title": (_("正在导入：%(name)s") if writing else _("正在解析：%(name)s")) % {"name": batch.original_name},
        }
        return TemplateResponse(request, "admin/experiences/importbatch/progress.html", context)


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
