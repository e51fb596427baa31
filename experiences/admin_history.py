"""History pages in the admin: an object's versions, any two compared field by field, a version restored."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from reversion.models import Revision, Version

from . import history


class HistoryAdmin(admin.ModelAdmin):
    """Adds /<pk>/versions/ (list and compare) and /<pk>/versions/<id>/restore/ to a registered model's admin."""

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path("<int:object_id>/versions/", self.admin_site.admin_view(self.versions_view), name=f"{name}_versions"),
            path(
                "<int:object_id>/versions/<int:version_id>/restore/",
                self.admin_site.admin_view(require_POST(self.restore_view)),
                name=f"{name}_restore",
            ),
            *super().get_urls(),
        ]

    def versions_view(self, request, object_id: int):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        versions = history.versions_of(obj)
        chosen = {v.pk: v for v in versions}
        newer, older = _chosen(request, chosen, versions)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": _("修改记录：%(obj)s") % {"obj": obj},
            "versions": [(v, v.field_dict.get("version") if _readable(v) else None) for v in versions],
            "newer": newer,
            "older": older,
            "rows": history.compare(self.model, older, newer) if newer is not None else [],
            "can_restore": self.has_change_permission(request, obj),
        }
        return TemplateResponse(request, "admin/experiences/versions.html", context)

    def restore_view(self, request, object_id: int, version_id: int):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = Version.objects.get_for_object(obj).filter(pk=version_id).select_related("revision").first()
        if version is None:
            raise Http404
        history.restore(obj, version, user=request.user)
        self.message_user(request, _("已恢复到所选版本；恢复本身也记为一个新版本。"), messages.SUCCESS)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_versions", args=[obj.pk]))


def _readable(version) -> bool:
    try:
        version.field_dict  # noqa: B018 - deserializes, or fails for data of an older schema
    except Exception:
        return False
    return True


def _chosen(request, chosen: dict, versions: list):
    """The two versions to compare: ?a=&b= (any two), else the newest against the one before it."""

    def pick(key):
        value = request.GET.get(key, "")
        return chosen.get(int(value)) if value.isdigit() else None

    a, b = pick("a"), pick("b")
    if a is not None and b is not None:
        return (a, b) if a.revision.date_created >= b.revision.date_created else (b, a)
    if not versions:
        return None, None
    return versions[0], versions[1] if len(versions) > 1 else None


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Every unit of work that changed content: who, when, why, and how many objects."""

    list_display = ["date_created", "user", "comment", "objects"]
    fields = ["date_created", "user", "comment", "changed_objects"]
    readonly_fields = fields
    list_filter = ["date_created", ("user", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["comment", "user__username"]
    date_hierarchy = "date_created"
    list_select_related = ["user"]
    show_full_result_count = False

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_objects=Count("version"))

    @admin.display(description=gettext_lazy("对象数"), ordering="_objects")
    def objects(self, obj):
        return obj._objects

    @admin.display(description=gettext_lazy("修改的对象"))
    def changed_objects(self, obj):
        """Each object of the revision, linked to its own 修改记录."""
        versions = obj.version_set.select_related("content_type").order_by("content_type", "pk")
        items = [(_versions_url(v), _label(v)) for v in versions[:SHOWN]]
        listed = format_html_join("", '<li><a href="{}">{}</a></li>', items)
        more = obj.version_set.count() - len(items)
        tail = format_html("<li>{}</li>", _("……另有 %(n)d 个") % {"n": more}) if more > 0 else ""
        return format_html("<ul>{}{}</ul>", listed, tail)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


SHOWN = 200


def _label(version) -> str:
    model = version.content_type.model_class()
    return f"{model._meta.verbose_name if model else version.content_type}：{version.object_repr}"


def _versions_url(version) -> str:
    model = version.content_type.model_class()
    if model is None:
        return "#"
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_versions", args=[int(version.object_id)])
    except NoReverseMatch:
        return "#"
