"""Cursor pagination by id: a page of a million-row list costs what the first page costs (no OFFSET)."""

from __future__ import annotations

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


class AdcodeCursorPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "adcode"
