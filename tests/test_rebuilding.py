"""Rebuilding the search index from scratch: everything is found again, readers keep the old index
until the swap, and what is written during a rebuild is not lost."""

from __future__ import annotations

import multiprocessing

import pytest
from django.db import connection

from experiences import content, search
from experiences.models import Practice, SearchEntry, Status
from experiences.search import rebuilding
from jobs import pool

from . import making
from .test_search import results

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the swap is PostgreSQL's")


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [rebuilding.TABLE])
        return {name for (name,) in cursor.fetchall()}


def shadow_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [rebuilding.SHADOW])
        return cursor.fetchone()[0] is not None


def test_a_rebuild_restores_entries_missing_from_the_index(client):
    expected = SearchEntry.objects.count()
    SearchEntry.objects.filter(kind="practice").delete()
    assert results(client, "产学研", type="practice") == []
    assert search.rebuild() == expected
    assert results(client, "产学研", type="practice")
    assert SearchEntry.objects.count() == expected


@postgres_only
def test_the_rebuilt_table_keeps_every_index_and_constraint_under_its_name(client):
    before = index_names()
    search.rebuild()
    assert index_names() == before
    assert not shadow_exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [rebuilding.TABLE])
        assert cursor.fetchone()[0] == f"public.{rebuilding.TABLE}_id_seq"
    # The unique constraint holds: indexing an item again replaces its entry.
    practice = Practice.objects.published().first()
    search.index(practices=[practice.pk])
    assert SearchEntry.objects.filter(kind="practice", object_id=practice.pk).count() == 1


@postgres_only
def test_lessons_written_and_deleted_during_a_rebuild_are_carried_over(client):
    gone = Practice.objects.published().filter(title__contains="中关村").first()
    calls = []

    def meanwhile(done: int, total: int) -> None:
        # A curator saves while the rebuild runs: after the first batch has been indexed.
        if not calls:
            making.lesson(
                Practice, title="萤火虫夜游经济试点", body="夜间消费。", document=gone.document, status=Status.PUBLISHED
            )
            content.delete(gone, comment="during the rebuild")
        calls.append(done)

    search.rebuild(progress=meanwhile, workers=1)
    assert calls
    assert results(client, "萤火虫夜游") == ["萤火虫夜游经济试点"]
    assert not SearchEntry.objects.filter(kind="practice", object_id=gone.pk).exists()
    assert SearchEntry.objects.filter(kind="practice").count() == Practice.objects.count()


@postgres_only
def test_a_rebuild_that_fails_leaves_the_old_index_whole(client, monkeypatch):
    expected = SearchEntry.objects.count()

    def broken(**kwargs):
        raise RuntimeError("stopped")

    monkeypatch.setattr(rebuilding, "_swap", broken)
    with pytest.raises(RuntimeError):
        search.rebuild(workers=1)
    assert SearchEntry.objects.count() == expected
    assert results(client, "产学研")
    assert not shadow_exists()


def test_a_rebuild_in_a_daemonic_process_can_start_its_workers(monkeypatch):
    # A job runs in a child of Celery's (daemonic) pool process: multiprocessing refused it a pool.
    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    with pytest.raises(AssertionError):
        multiprocessing.get_context("fork").Pool(1)
    with pool.children_allowed(), multiprocessing.get_context("fork").Pool(1) as workers:
        assert workers.apply(abs, (-3,)) == 3
    assert multiprocessing.current_process()._config["daemon"] is True
