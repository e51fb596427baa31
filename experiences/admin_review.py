"""The review queue page in the admin (/admin/review/)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from . import reviewing
from .models import sees_unpublished


def review_queue(request):
    if not sees_unpublished(request.user):
        raise PermissionDenied
    queue = reviewing.queue(request.user)
    sections = [
        ("waiting", _("等待您审核"), _("编辑提交的内容，审核通过后读者才能看到。"), queue.waiting),
        ("returned", _("退回给您修改"), _("审核人退回并附了意见；修改后再次提交审核。"), queue.returned),
        ("submitted", _("您提交、尚在审核中"), _("由另一位审核人处理。"), queue.submitted),
    ]
    context = {
        **admin.site.each_context(request),
        "title": _("审核队列"),
        "sections": [
            (
                key,
                title,
                help_text,
                [(model._meta, items) for model, items in lists.items() if items],
                queue.counts[key],
            )
            for key, title, help_text, lists in sections
        ],
    }
    return TemplateResponse(request, "admin/review_queue.html", context)
