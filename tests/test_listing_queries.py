"""The reshaped listing queries return exactly what the plain ones do; only their plans differ."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection

from experiences import browsing
from experiences.caching import CachedCountPaginator
from experiences.models import Practice, Recommendation, SourceDocument, Status

from . import making

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Practice, Recommendation])
def test_visible_lessons_are_the_visible_ones(model, draft_practice):
    document = SourceDocument.objects.get(title__startswith="兄弟城市高新区")
    SourceDocument.objects.filter(pk=document.pk).update(status=Status.DRAFT)  # its lessons are hidden too
    reader = None
    staff = making.user("editor")
    for user in (reader, staff):
        expected = set(model.objects.visible_to(user).values_list("pk", flat=True))
        assert set(browsing.visible_lessons(model, user).values_list("pk", flat=True)) == expected
    assert browsing.visible_lessons(model, None).count() < model.objects.count()


def test_pages_located_by_key_hold_the_same_rows_in_the_same_order():
    listing = browsing.practices_for_listing(Practice.objects.order_by(*browsing.NEWEST_FIRST))
    plain, by_key = Paginator(listing, 3), CachedCountPaginator(listing, 3)
    assert by_key.num_pages == plain.num_pages > 2
    for number in plain.page_range:
        expected = [p.pk for p in plain.page(number)]
        page = by_key.page(number)
        assert [p.pk for p in page] == expected
        assert all(p.document.title for p in page)  # select_related kept
    assert list(CachedCountPaginator([1, 2, 3, 4], 3).page(2)) == [4]
    # Rows read by key through ``fetch`` (the cards' query without the list's filters): the same again.
    fetched = CachedCountPaginator(
        Practice.objects.order_by(*browsing.NEWEST_FIRST), 3, fetch=browsing.practices_for_listing, count=plain.count
    )
    for number in plain.page_range:
        page = fetched.page(number)
        assert [p.pk for p in page] == [p.pk for p in plain.page(number)]
        assert all(p.document.title for p in page)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_search_restores_the_planner_settings_it_changes(client):
    assert client.get("/search/", {"q": "创新"}).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')")
        assert cursor.fetchone() == ("on", "on")


def test_related_practices_rank_by_shared_themes_then_places_then_newest(draft_practice):
    from django.db.models import Count, Q

    visible = browsing.visible_lessons(Practice, None)
    for practice in Practice.objects.published()[:10]:
        theme_ids = [t.pk for t in practice.themes.all()]
        place_ids = [p.pk for p in practice.places.all()]
        expected = (
            visible.exclude(pk=practice.pk)
            .filter(Q(themes__in=theme_ids) | Q(places__in=place_ids))
            .annotate(
                shared_themes=Count("themes", filter=Q(themes__in=theme_ids), distinct=True),
                shared_places=Count("places", filter=Q(places__in=place_ids), distinct=True),
            )
            .order_by("-shared_themes", "-shared_places", "-created_at", "-pk")
        )
        assert [p.pk for p in browsing.related_practices(practice, visible=visible)] == [p.pk for p in expected[:5]]
