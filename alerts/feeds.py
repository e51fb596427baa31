"""Atom feeds of newly published lessons: all of them, a place's, a theme's, or a saved search's (private URL).

Entries carry plain text only: a summary is escaped here because Atom's
``<summary type="html">`` is read as HTML by feed readers.
"""

from __future__ import annotations

import re

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from experiences.filters import within_place, within_theme
from experiences.models import Place, Practice, Recommendation, Theme

from .matching import LIMIT, InvalidConditions, published_between
from .models import SavedSearch

ITEMS = 50


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text XML can carry: a vertical tab pasted from Word would make the feed writer fail."""
    return _NOT_XML.sub(" ", text or "")


def _newest(narrow=None) -> list:
    lessons = []
    for model in (Practice, Recommendation):
        rows = model.objects.published().exclude(published_at=None)
        if narrow is not None:
            rows = narrow(rows, model)
        lessons += rows.select_related("document").prefetch_related("themes").order_by("-published_at", "-pk")[:ITEMS]
    lessons.sort(key=lambda lesson: (lesson.published_at, lesson.pk), reverse=True)
    return lessons[:ITEMS]


class LessonFeed(Feed):
    feed_type = Atom1Feed
    subtitle = _("新发布的经验做法和启示建议")

    def title(self, obj=None) -> str:
        return _("经验借鉴知识库：最新发布")

    def link(self, obj=None) -> str:
        return reverse("experiences:home")

    def items(self, obj=None) -> list:
        return _newest()

    def item_title(self, item) -> str:
        return xml_text(str(item))

    def item_description(self, item) -> str:
        text = getattr(item, "summary", "") or item.body
        return escape(xml_text(Truncator(text).chars(300)))

    def item_link(self, item) -> str:
        return item.get_absolute_url()

    def item_guid(self, item) -> str:
        return f"{item._meta.model_name}-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item) -> list[str]:
        return [xml_text(theme.name) for theme in item.themes.all()]

    def item_author_name(self, item) -> str:
        return xml_text(item.document.organization or item.document.authors)


class PlaceFeed(LessonFeed):
    def get_object(self, request, adcode: str):
        return get_object_or_404(Place, adcode=adcode)

    def title(self, obj=None) -> str:
        return _("经验借鉴知识库：%(place)s 最新发布") % {"place": xml_text(obj.name)}

    def link(self, obj=None) -> str:
        return obj.get_absolute_url()

    def items(self, obj=None) -> list:
        return _newest(lambda rows, model: within_place(rows, place=obj, through=model.places.through))


class ThemeFeed(LessonFeed):
    def get_object(self, request, slug: str):
        return get_object_or_404(Theme, slug=slug)

    def title(self, obj=None) -> str:
        return _("经验借鉴知识库：%(theme)s 最新发布") % {"theme": xml_text(obj.name)}

    def link(self, obj=None) -> str:
        return obj.get_absolute_url()

    def items(self, obj=None) -> list:
        return _newest(lambda rows, model: within_theme(rows, theme=obj, through=model.themes.through))


class SavedSearchFeed(LessonFeed):
    """A saved search's matches: its URL's token is the only key (a feed reader cannot sign in); revocable."""

    def get_object(self, request, token: str):
        return get_object_or_404(SavedSearch.objects.select_related("user"), feed_token=token, user__is_active=True)

    def title(self, obj=None) -> str:
        return _("经验借鉴知识库：%(name)s") % {"name": xml_text(obj.name)}

    def link(self, obj=None) -> str:
        return obj.page_url()

    def items(self, obj=None) -> list:
        try:
            return published_between(obj, after=None, until=timezone.now()).lessons[: min(ITEMS, LIMIT)]
        except InvalidConditions:  # a removed place or theme: an empty feed, not an error page
            return []
