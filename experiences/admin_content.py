"""The admin's write path: one unit of work per page, version-checked forms (experiences.editing)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from . import content
from .admin_history import HistoryAdmin
from .autocomplete import label_places
from .editing import TAKE_SAVED, VERSION_FIELD, VersionedForm, take_saved


def _take_saved(request, model_admin, object_id) -> None:
    """Apply the conflict table's choices to the submitted form before the admin binds it."""
    if not object_id or not request.POST.getlist(TAKE_SAVED):
        return
    saved = model_admin.get_object(request, object_id)
    if saved is not None:
        request.POST = take_saved(request.POST, model_admin.get_form(request, saved, change=True)(instance=saved))


class ContentAdmin(HistoryAdmin):
    """Every write of the admin's pages goes through one unit of work (experiences.content), version-checked."""

    change_form_template = "admin/experiences/content_change_form.html"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return label_places(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return label_places(super().formfield_for_manytomany(db_field, request, **kwargs))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None or not hasattr(obj, "version"):
            return form
        return type(form.__name__, (VersionedForm, form), {})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            _take_saved(request, self, object_id)
        try:
            with content.writing(user=request.user):
                return super().changeform_view(request, object_id, form_url, extra_context)
        except content.Conflict:
            # Saved by someone else between the form's check and the write: nothing was written.
            self.message_user(request, _("保存失败：这条内容刚刚被其他人修改，请重新打开后再改。"), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context.get("adminform").form if context.get("adminform") else None
        context["conflict"] = getattr(form, "conflict", None)
        context["saved_version"] = getattr(form, "saved_version", None)
        context["take_saved_field"] = TAKE_SAVED
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        # Actions and list_editable write from the list.
        with content.writing(user=request.user):
            return super().changelist_view(request, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with content.writing(user=request.user):
            return super().delete_view(request, object_id, extra_context)

    def save_model(self, request, obj, form, change):
        work = content.current()
        if change:
            labels = [str(form.fields[n].label) for n in form.changed_data if n in form.fields and n != VERSION_FIELD]
            work.comment = work.comment or _("后台修改：%(fields)s") % {"fields": "、".join(labels) or _("无字段变化")}
        else:
            work.comment = work.comment or _("后台新增")
        content.save(obj, user=request.user, expected_version=form.cleaned_data.get(VERSION_FIELD))

    def save_formset(self, request, form, formset, change):
        work = content.current()
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            work.deleting(obj)
            obj.delete()
        for obj in instances:
            content.save(obj, user=request.user)
        formset.save_m2m()

    def delete_model(self, request, obj):
        content.current().comment = _("后台删除")
        content.current().deleting(obj)
        obj.delete()

    def delete_queryset(self, request, queryset):
        content.current().comment = _("后台批量删除")
        content.current().deleting(queryset.model, list(queryset.values_list("pk", flat=True)))
        queryset.delete()
