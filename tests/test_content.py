"""The one write path: a unit of work indexes, counts and records once; bypassing it fails loudly."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Revision

from experiences import content
from experiences.models import Practice, SearchEntry, SourceDocument, Status

from . import making

pytestmark = pytest.mark.django_db


def document() -> SourceDocument:
    return SourceDocument.objects.get(title__startswith="兄弟城市党委")


def test_a_save_outside_the_service_fails_loudly():
    with pytest.raises(content.UnreportedWrite):
        Practice.objects.create(title="绕过服务的写入", document=document())


def test_a_save_inside_a_unit_that_is_never_reported_fails_at_its_end():
    with pytest.raises(content.UnreportedWrite), content.writing():
        Practice.objects.create(title="写了却没报告", document=document())
    assert not Practice.objects.filter(title="写了却没报告").exists()  # the whole unit rolled back


def test_nested_units_are_one_unit_with_one_revision():
    before = Revision.objects.count()
    with content.writing(comment="外层") as outer:
        first = Practice(title="萤火虫一", document=document(), status=Status.DRAFT)
        content.save(first)  # joins the open unit
        with content.writing(comment="内层") as inner:
            assert inner is outer
            content.save(Practice(title="萤火虫二", document=document(), status=Status.DRAFT))
        assert not SearchEntry.objects.filter(kind="practice", object_id=first.pk).exists()  # not yet
    assert Revision.objects.count() == before + 1
    assert Revision.objects.latest("pk").comment == "外层"
    assert SearchEntry.objects.filter(kind="practice", object_id=first.pk).exists()  # at the unit's end


def test_a_stale_save_is_refused_and_writes_nothing():
    practice = Practice.objects.published().first()
    stale = Practice.objects.get(pk=practice.pk)
    making.save(practice, title="先保存的标题")
    stale.title = "后保存的标题"
    with pytest.raises(content.Conflict):
        content.save(stale, expected_version=stale.version)
    practice.refresh_from_db()
    assert practice.title == "先保存的标题"


def test_many_lessons_in_one_unit_cost_a_bounded_number_of_queries():
    rows = [{"title": f"批量{i}", "document": document(), "status": Status.PUBLISHED} for i in range(10)]
    with CaptureQueriesContext(connection) as ten:
        making.lessons(Practice, rows, tags=["共同标签"])
    rows = [{"title": f"更多{i}", "document": document(), "status": Status.PUBLISHED} for i in range(100)]
    with CaptureQueriesContext(connection) as hundred:
        making.lessons(Practice, rows, tags=["共同标签"])
    assert len(hundred) <= len(ten) + 5  # indexing, counts and history work in batches, not per lesson


def test_a_unit_that_writes_nothing_leaves_cached_pages_alone(admin_client):
    from experiences import caching

    version = caching.content_version()
    practice = Practice.objects.published().first()
    admin_client.get(f"/admin/experiences/practice/{practice.pk}/change/")
    admin_client.get("/admin/experiences/practice/")
    assert caching.content_version() == version
    making.save(practice, title="改过的标题")
    assert caching.content_version() != version
