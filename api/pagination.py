"""Cursor pagination by id: a page of a million-row list costs what the first page costs (no OFFSET)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Newest first (``-id``) unless the list's ``sort=oldest`` asks for the other way.

    The id is unique and indexed, so the cursor is a plain ``id < n`` that the
    database answers from the index whatever the depth.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"

    def get_ordering(self, request, queryset, view):
        return ("pk",) if request.query_params.get("sort") == "oldest" else ("-pk",)

    def decode_cursor(self, request):
        """A cursor is DRF's, which trusts its position: one that is not an id is refused, not a 500."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not str(cursor.position).isdigit():
            raise NotFound(_("无效的分页位置（cursor）。"))
        return cursor


class AdcodeCursorPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "adcode"
