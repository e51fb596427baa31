"""The admin's place picker: namesakes told apart by the places above them.

Four districts are called 鼓楼区 and "suzhou" matches 苏州市, 宿州市 and 肃州区:
a picker that shows bare names lets a curator tag the wrong one. Suggestions
and selected values read "鼓楼区（江苏·南京）"; the search itself (names, short
names, pinyin, aliases, codes) is PlaceAdmin's ``search_fields``.
"""

from __future__ import annotations

from django.contrib.admin.views.autocomplete import AutocompleteJsonView

from .models import Place


class PlaceAwareAutocompleteView(AutocompleteJsonView):
    """Django's autocomplete view, with places labelled by their full name."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if queryset.model is Place:
            queryset = queryset.select_related("parent__parent")
        return queryset

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, Place):
            result["text"] = obj.full_name
        return result


def label_places(formfield):
    """Selected places in a form show their full name too (the widget labels them with the field)."""
    queryset = getattr(formfield, "queryset", None)
    if queryset is not None and queryset.model is Place:
        formfield.label_from_instance = lambda place: place.full_name
    return formfield
