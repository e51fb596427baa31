from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from experiences.browsing import PlaceCount

register = template.Library()


@register.filter
def lookup(mapping, key):
    """``{{ names|lookup:code }}``: a dictionary value in a template, '' when missing."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.simple_tag
def place_items(places: Iterable[PlaceCount]) -> SafeString:
    """The ``<li>`` of a province's counted places (``browsing.PlaceCount``), counties after their city.

    /places/ lists every place that holds lessons, thousands of links at scale,
    rendered again after every content change, where nested template loops and
    ``format_html`` were most of the page's time (docs/performance.md). Names and
    links go through ``html.escape`` (what Django's own escaping calls); counts are integers.
    """
    return SafeString("".join(_place_item(item) for item in places))


def _place_item(item: PlaceCount) -> str:
    children = ""
    if item.children:
        links = "、".join(_place_link(child) for child in item.children)
        children = f' <span class="sub-places">({links})</span>'
    return f'<li class="level-{escape(item.place.level)}">{_place_link(item)}{children}</li>'


def _place_link(item: PlaceCount) -> str:
    return f'<a href="{escape(item.url)}">{escape(item.place.name)}</a> <span class="count">{int(item.total)}</span>'


@register.inclusion_tag("experiences/_active_filters.html", takes_context=True)
def active_filters(context, form, *, keep: str = "q") -> dict:
    """The filters in force, each a chip whose × removes it alone, and a link that clears them all.

    ``keep``: parameters that stay when everything else is cleared (the search's query).
    A place shows its name (湖北省), not what was typed or the code of a facet link (420000).
    """
    request = context["request"]
    kept = [name.strip() for name in keep.split(",") if name.strip()]
    data = getattr(form, "cleaned_data", None) or {}
    chips = []
    for field in form:
        raw = request.GET.get(field.name, "").strip()
        if not raw or field.name in kept or field.name == "page":
            continue
        value = data.get(field.name, raw)
        if hasattr(field.field, "choices") and not hasattr(value, "pk"):
            value = dict((str(k), v) for k, v in field.field.choices).get(raw, raw)
        elif hasattr(value, "full_name"):
            value = value.full_name
        elif hasattr(value, "name"):
            value = value.name
        elif hasattr(value, "pk") or isinstance(value, bool):
            value = str(value) if not isinstance(value, bool) else ""
        params = request.GET.copy()
        params.pop(field.name, None)
        params.pop("page", None)
        chips.append({"label": field.label, "value": value, "url": "?" + params.urlencode()})
    cleared = request.GET.copy()
    for name in list(cleared):
        if name not in kept:
            cleared.pop(name)
    return {"chips": chips, "clear_url": "?" + cleared.urlencode()}


@register.filter
def encoding_label(encoding: str) -> str:
    """``{{ plan.encoding|encoding_label }}``: UTF-8, GB18030, Word 文档（.docx）."""
    from experiences.readers import describe_encoding

    return describe_encoding(encoding or "")


@register.inclusion_tag("experiences/_pagination.html", takes_context=True)
def pagination(context, page_obj, param: str = "page") -> dict:
    """Page numbers (the first, the last, two either side of this one), previous/next, and a jump to any page.

    Every other parameter of the request is kept: filters, the search, and the
    other list's page on a place or theme page (``page`` and ``rpage``).
    """
    request = context["request"]
    if page_obj is None or page_obj.paginator.num_pages <= 1:
        return {"show": False}
    params = request.GET.copy()
    params.pop(param, None)
    base = params.urlencode()

    def link(number: int) -> str:
        return "?" + (f"{base}&" if base else "") + f"{param}={number}"

    numbers = page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    pages = [
        {"number": n, "url": link(n), "current": n == page_obj.number} if isinstance(n, int) else {"gap": True}
        for n in numbers
    ]
    kept = [(key, value) for key, values in params.lists() for value in values]
    return {
        "show": True,
        "page_obj": page_obj,
        "pages": pages,
        "previous": link(page_obj.previous_page_number()) if page_obj.has_previous() else "",
        "next": link(page_obj.next_page_number()) if page_obj.has_next() else "",
        "param": param,
        "kept": kept,
    }
