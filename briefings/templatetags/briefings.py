"""Export links and the "加入汇编" form, for the pages of the experiences app."""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.urls import reverse

from ..models import Collection

register = template.Library()


@register.simple_tag(takes_context=True)
def export_url(context, source: str, **identity) -> str:
    """The export page for this page's selection: the list and search pages pass their own query on."""
    query = QueryDict(mutable=True)
    query["source"] = source
    if source in ("practices", "recommendations", "search", "compare"):
        for key, values in context["request"].GET.lists():
            if key not in ("page", "rpage", "source"):
                query.setlist(key, values)
    for key, value in identity.items():
        query[key] = str(value)
    return f"{reverse('briefings:export')}?{query.urlencode()}"


@register.inclusion_tag("briefings/_add_to_collection.html", takes_context=True)
def add_to_collection(context, kind: str, lesson) -> dict:
    request = context["request"]
    user = request.user
    signed_in = user.is_authenticated
    collections = list(Collection.objects.editable_by(user).only("pk", "title")[:50]) if signed_in else []
    return {
        "signed_in": signed_in,
        "kind": kind,
        "lesson": lesson,
        "collections": collections,
        "next": request.get_full_path(),
    }
