"""Cached aggregates for the public pages, invalidated by a content version.

Counting lessons per place or theme, or the rows of a filtered list, is the
expensive part of a page at 100,000 practices. These numbers only change when
content does, so they are cached under a key that includes a content version;
every write path (saves and deletes through signals, imports, admin bulk
actions, seeding) bumps the version. With a shared cache (Redis, REDIS_URL)
invalidation is immediate for every worker; with the per-process default a
worker may serve counts up to CACHE_SECONDS old.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

VERSION_KEY = "kbase:content-version"
CACHE_SECONDS = 300
T = TypeVar("T")


def read_version(key: str, *, keep: int | None = None) -> int:
    """The version stored under ``key`` in the shared cache, started when missing.

    Missing means never set, or culled (the per-process cache drops entries
    when full): ``keep``, the version this worker holds, is put back if given,
    else a new one starts.
    """
    version = cache.get(key)
    if version is None:
        version = keep or time.time_ns()
        cache.add(key, version, None)
        # With the cache down (Redis stopped: errors are ignored), get() answers None: keep our own.
        version = cache.get(key) or version
    return version


def bump_version(key: str) -> None:
    cache.set(key, time.time_ns(), None)


def content_version() -> int:
    return read_version(VERSION_KEY)


def version_changed() -> None:
    """Drop every cached page value (counts, rendered fragments) by moving to a new content version."""
    bump_version(VERSION_KEY)


# This process's copies of cached values: the counts behind /places/ hold thousands
# of objects, and unpickling them from the shared cache on every request costs
# more than the rest of the page. Keys carry the content version, so a stale
# copy is never found, only dropped.
_local: dict[str, tuple[float, object]] = {}
LOCAL_ENTRIES = 64


def cached(name: str, compute: Callable[[], T], *, variant: str = "", shared: bool = True) -> T:
    """``compute()``, kept per content version in this process and (``shared``) in the shared cache.

    Not shared: values of thousands of objects, whose pickling costs more than
    recomputing them from the maintained counts.
    """
    key = f"kbase:{name}:{variant}:{content_version()}"
    now = time.monotonic()
    hit = _local.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = cache.get(key) if shared else None
    if value is None:
        value = compute()
        if shared:
            cache.set(key, value, CACHE_SECONDS)
    if len(_local) >= LOCAL_ENTRIES:
        _local.clear()
    _local[key] = (now, value)
    return value


class CachedCountPaginator(Paginator):
    """A Paginator whose row count (the costly COUNT(*) of a filtered list) is cached per query.

    ``count``: the number of rows when the caller already knows it (from the
    maintained counts), sparing the COUNT on the first request after a change.
    ``fetch``: builds the query that reads a page's rows given their keys
    (select_related, prefetches, annotations); without it the listed queryset
    itself is filtered by key, which makes the database evaluate its filters
    (a theme's or place's subquery) a second time.
    """

    def __init__(self, object_list, per_page, *, count: int | None = None, fetch=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.fetch = fetch
        if count is not None:
            self.__dict__["count"] = count

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        sql, params = query.sql_with_params()
        digest = hashlib.sha256(repr((sql, params)).encode("utf-8")).hexdigest()
        return cached("count", lambda: Paginator.count.func(self), variant=digest)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self._rows(bottom, top), number, self)

    def _rows(self, bottom: int, top: int) -> list:
        """The page's rows, located by their keys first.

        Ordering a filtered list and skipping to a deep page sorts or walks
        every matching row; done on the keys alone, that stays narrow, and
        only the page's own rows (with their long texts) are then read. One
        more query per page, whatever the base's size.
        """
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or top <= bottom:
            return list(queryset[bottom:top])
        located = queryset.values_list("pk", flat=True)[bottom:top]
        # The keys are cached per content version like the count: a place's or theme's first page
        # walks thousands of links to find its twenty rows, again for every reader otherwise.
        sql, params = located.query.sql_with_params()
        digest = hashlib.sha256(repr((sql, params)).encode("utf-8")).hexdigest()
        keys = cached("page-keys", lambda: list(located), variant=digest)
        rows = (
            self.fetch(queryset.model._default_manager.filter(pk__in=keys))
            if self.fetch
            else queryset.filter(pk__in=keys)
        )
        found = {row.pk: row for row in rows.order_by()}
        return [found[key] for key in keys if key in found]
