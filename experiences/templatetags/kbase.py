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

    /places/ lists every place that holds lessons, 3,000 links at scale, rendered
    again after every content change: nested template loops took about 45 ms of
    that page's 93, ``format_html`` 18 ms, this loop a few. Names and links go through
    ``html.escape`` (what Django's own escaping calls); counts are integers.
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
