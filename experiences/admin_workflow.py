"""The workflow in the admin: status read-only on forms, transition buttons and bulk actions, who may edit what."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import workflow
from .lessons import is_lesson
from .models import Status

# The workflow's record on a change form, read-only: only transitions change it.
REVIEW_FIELDS = ["public", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "published_at", "review_note"]


def _report(modeladmin, request, outcome: workflow.Outcome, transition: workflow.Transition) -> None:
    if outcome.moved:
        modeladmin.message_user(
            request,
            _("已%(action)s %(n)d 条。") % {"action": transition.label, "n": len(outcome.moved)},
            messages.SUCCESS,
        )
    for document in outcome.also:
        modeladmin.message_user(
            request, _("来源文献《%(title)s》已同时审核发布。") % {"title": document.title}, messages.INFO
        )
    for obj, reason in outcome.refused:
        modeladmin.message_user(request, f"《{obj}》：{reason}", messages.ERROR)


def _bulk_action(action: str):
    transition = workflow.TRANSITIONS[action]

    def run(modeladmin, request, queryset):
        note = request.POST.get("note", "")
        if transition.needs_note and not (request.POST.get("apply") and note.strip()):
            return _confirmation(modeladmin, request, transition, list(queryset), bulk=True)
        outcome = workflow.apply(queryset, action=action, user=request.user, note=note)
        _report(modeladmin, request, outcome, transition)
        return None

    run.__name__ = f"workflow_{action}"
    return admin.action(description=gettext_lazy("%(action)s所选条目") % {"action": transition.label})(run)


def _confirmation(modeladmin, request, transition, objects: list, *, bulk: bool):
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": opts,
        "title": _("%(action)s：%(model)s") % {"action": transition.label, "model": opts.verbose_name},
        "transition": transition,
        "objects": objects,
        "bulk": bulk,
        "note": request.POST.get("note", ""),
        "missing_note": bool(request.POST.get("apply")) and transition.needs_note,
        "rows": [(obj, workflow.refusal(request.user, obj, transition.action)) for obj in objects],
    }
    return TemplateResponse(request, "admin/experiences/transition.html", context)


class WorkflowAdmin(admin.ModelAdmin):
    """For documents, practices and recommendations."""

    actions = [_bulk_action(action) for action in workflow.TRANSITIONS]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "status", *REVIEW_FIELDS]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Only the transitions this user may take at all.
        for action in workflow.TRANSITIONS:
            if not workflow.may(request.user, self.model, action):
                actions.pop(f"workflow_{action}", None)
        return actions

    def has_change_permission(self, request, obj=None):
        """Editors change drafts (returned ones included); what is submitted or published is the reviewers'."""
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or workflow.may_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or workflow.may_edit(request.user, obj)

    @admin.display(description=gettext_lazy("读者可见"))
    def public(self, obj):
        """Whether readers see it, and if not, why: the visibility rule made visible to curators."""
        if obj.status != Status.PUBLISHED:
            return format_html('<span class="kb-hidden">{}</span>', _("否（%(s)s）") % {"s": obj.get_status_display()})
        if is_lesson(obj) and obj.document.status != Status.PUBLISHED:
            return format_html(
                '<span class="kb-hidden">{}</span>',
                _("否：来源文献%(s)s") % {"s": obj.document.get_status_display()},
            )
        return _("是")

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<int:object_id>/transition/<str:action>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{opts.app_label}_{opts.model_name}_transition",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id: int, action: str):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        transition = workflow.TRANSITIONS.get(action)
        opts = self.model._meta
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        if transition is None or not self.has_view_permission(request, obj):
            return HttpResponseRedirect(change_url)
        if request.method != "POST" or (transition.needs_note and not request.POST.get("note", "").strip()):
            return _confirmation(self, request, transition, [obj], bulk=False)
        outcome = workflow.apply([obj], action=action, user=request.user, note=request.POST.get("note", ""))
        _report(self, request, outcome, transition)
        return HttpResponseRedirect(change_url)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["transitions"] = workflow.available(request.user, obj) if obj is not None else []
        context["workflow"] = True
        return super().render_change_form(request, context, add, change, form_url, obj)
