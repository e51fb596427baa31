"""The maintained counts (experiences.counting) always equal a fresh recount, whatever the write."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse

from experiences import browsing, content, counting
from experiences.importing import import_file
from experiences.models import LessonCount, Place, Practice, Recommendation, SourceDocument, Status, Theme

from . import making

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent / "samples"


def shape(places, themes, totals) -> tuple:
    """Counts as plain data, to compare a recount with the maintained rows."""
    return (
        {code: (c.practices, c.recommendations) for code, c in places.items()},
        [
            (
                n.theme.slug,
                n.practices,
                n.recommendations,
                [(c.theme.slug, c.practices, c.recommendations) for c in n.children],
            )
            for n in themes
        ],
        totals,
    )


def recount(user) -> tuple:
    practices = browsing.visible_lessons(Practice, user)
    recommendations = browsing.visible_lessons(Recommendation, user)
    # A recommendation counts as its top-level point (sub-points within it).
    totals = (
        practices.count(),
        recommendations.filter(parent=None).count(),
        SourceDocument.objects.visible_to(user).count(),
    )
    return shape(
        browsing.place_counts(practices=practices, recommendations=recommendations),
        browsing.theme_tree(practices=practices, recommendations=recommendations),
        totals,
    )


def maintained(audience: str) -> tuple:
    counts = counting.read(audience)
    totals = tuple(counts.get((kind, "all"), 0) for kind in ("practice", "recommendation", "document"))
    return shape(browsing.place_counts_from(counts), browsing.theme_tree_from(counts), totals)


def assert_in_step() -> None:
    staff = counting._Staff()
    assert maintained(counting.READER) == recount(None)
    assert maintained(counting.STAFF) == recount(staff)


@pytest.fixture
def lesson():
    document = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    return making.lesson(
        Practice,
        title="新做法",
        document=document,
        status=Status.PUBLISHED,
        places=Place.objects.filter(adcode__in=["420100", "420102", "110108"]),
        themes=Theme.objects.filter(slug__in=["supervision", "reception", "talent"]),
    )


def test_seeded_counts_equal_a_recount():
    assert LessonCount.objects.filter(n__gt=0).count() > 100
    assert_in_step()


def test_single_writes_keep_the_counts_in_step(lesson):
    assert_in_step()
    making.save(lesson, status=Status.DRAFT)
    assert_in_step()
    with content.writing() as work:
        work.changing(lesson)
        lesson.status = Status.PUBLISHED
        lesson.save()
        lesson.places.remove(Place.objects.get(adcode="420102"))
        lesson.themes.add(Theme.objects.get(slug="technology-transfer"))
    assert_in_step()
    with content.writing() as work:
        work.changing(lesson)
        lesson.themes.clear()
    assert_in_step()
    with content.writing() as work:
        work.changing(Practice, Place.objects.get(adcode="110108").practices.values_list("pk", flat=True))
        Place.objects.get(adcode="110108").practices.clear()  # from the place's side
        work.changing(lesson)
        Theme.objects.get(slug="reception").practices.add(lesson)
    assert_in_step()
    making.delete(lesson)
    assert_in_step()


def test_recommendations_and_their_sub_points(lesson):
    parent = making.lesson(
        Recommendation,
        title="建议",
        document=lesson.document,
        status=Status.PUBLISHED,
        places=[Place.objects.get(adcode="420900")],
    )
    child = making.lesson(
        Recommendation,
        title="分项",
        document=lesson.document,
        parent=parent,
        status="published",
        themes=[Theme.objects.get(slug="supervision")],
    )
    assert_in_step()
    with content.writing() as work:
        work.deleting(Recommendation, [parent.pk, child.pk])
        parent.delete()  # the sub-point goes with it
    assert_in_step()


def test_a_documents_status_decides_for_its_lessons(lesson):
    document = lesson.document
    making.save(document, status=Status.DRAFT)
    assert_in_step()
    making.save(document, status=Status.PUBLISHED)
    making.save(lesson, document=SourceDocument.objects.exclude(pk=document.pk).first())
    assert_in_step()


def test_taxonomy_changes_rebuild(lesson):
    theme = Theme.objects.get(slug="reception")
    making.save(theme, parent=Theme.objects.filter(parent=None).exclude(pk=theme.parent_id).first())
    assert_in_step()


def test_bulk_writes_rebuild(admin_client, lesson):
    url = reverse("admin:experiences_practice_changelist")
    admin_client.post(url, {**making.WITHDRAW, "_selected_action": [lesson.pk]})
    assert_in_step()
    url = reverse("admin:experiences_sourcedocument_changelist")
    admin_client.post(url, {**making.WITHDRAW, "_selected_action": [lesson.document_id]})
    assert_in_step()
    import_file(name="report.txt", data=(SAMPLES / "unseen_report.txt").read_bytes())
    assert_in_step()


def test_an_unbuilt_table_is_rebuilt_on_first_read(lesson):
    LessonCount.objects.all().delete()  # as after the migration that adds it
    assert_in_step()


@pytest.mark.parametrize("staff", [False, True])
def test_list_pages_counted_from_the_table_count_what_they_list(client, staff, lesson, draft_practice):
    user = making.user("curator") if staff else None
    if user:
        client.force_login(user)
    practices = browsing.visible_lessons(Practice, user)
    recommendations = browsing.visible_lessons(Recommendation, user)
    for place in Place.objects.filter(adcode__in=["420000", "420100", "420102", "110108"]):
        context = client.get(place.get_absolute_url()).context
        assert (
            context["practices"].paginator.count
            == practices.filter(places__adcode__startswith=place.code_prefix).distinct().count()
        )
        # Points whose point or a sub-point (both visible) is linked there: each counted once.
        points = set(recommendations.filter(parent=None).values_list("pk", flat=True))
        linked = recommendations.filter(places__adcode__startswith=place.code_prefix)
        expected = {parent or pk for pk, parent in linked.values_list("pk", "parent_id")} & points
        assert context["recommendations"].paginator.count == len(expected)
        assert {r.pk for r in context["recommendations"]} == expected
    for theme in Theme.objects.filter(slug__in=["talent", "supervision", "reception"]):
        context = client.get(theme.get_absolute_url()).context
        within = practices.filter(Q(themes=theme) | Q(themes__parent=theme)).distinct()
        assert context["practices"].paginator.count == within.count()
        listed = client.get("/practices/", {"theme": theme.slug}).context["page_obj"].paginator.count
        assert listed == within.count()
    assert client.get("/practices/").context["page_obj"].paginator.count == practices.count()
    for code in ["420000", "420102"]:
        listed = client.get("/practices/", {"place": code}).context["page_obj"].paginator.count
        assert (
            listed
            == practices.filter(places__adcode__startswith=Place.objects.get(adcode=code).code_prefix)
            .distinct()
            .count()
        )


def test_the_rebuild_command_repairs_counts_after_a_write_that_bypassed_the_service(lesson):
    Practice.objects.filter(pk=lesson.pk).update(status=Status.DRAFT)  # an update() reports nothing
    assert maintained(counting.READER) != recount(None)
    call_command("rebuild_counts", stdout=io.StringIO())
    assert_in_step()


def test_single_place_readings_agree_with_the_full_map(lesson):
    counts = counting.read(counting.READER, "places")
    full = browsing.place_counts_from(counts)
    place_count, top = browsing.home_places_from(counts)
    assert place_count == len(full) > 0
    assert [(c.place.adcode, c.practices) for c in top] == [
        (c.place.adcode, c.practices) for c in browsing.top_places(full)
    ]
    for place in Place.objects.filter(adcode__in=["420000", "420100", "110000", "110108", "650000"]):
        expected = sorted(
            (c for c in full.values() if c.place.parent_id == place.pk), key=lambda c: (c.place.pinyin, c.place.adcode)
        )
        assert [(c.place.adcode, c.total) for c in browsing.sub_place_counts_from(place, counts)] == [
            (c.place.adcode, c.total) for c in expected
        ]
        own = browsing.place_count_from(place, counts)
        assert (own.total if own else None) == (full[place.adcode].total if place.adcode in full else None)


def test_sub_points_count_within_their_point_through_every_kind_of_write():
    point = Recommendation.objects.published().filter(parent=None, children__isnull=False).distinct().first()
    other = Recommendation.objects.published().filter(parent=None).exclude(pk=point.pk).first()
    xinjiang = Place.objects.get(adcode="650100")  # nothing is filed in Urumqi
    # A new sub-point, reported only as created (its point is not reported): linked somewhere new.
    (sub_point,) = making.lessons(
        Recommendation,
        [{"title": "新的分项", "document": point.document, "parent": point, "order": 99, "status": Status.PUBLISHED}],
        places=[xinjiang],
    )
    assert_in_step()
    assert counting.read(counting.READER, "places")[("recommendation", "place:6501")] == 1
    # A draft sub-point brings its point to staff counts only.
    making.save(sub_point, status=Status.DRAFT)
    assert_in_step()
    assert ("recommendation", "place:6501") not in {k for k, n in counting.read(counting.READER).items() if n}
    # Moved under another point: two families change.
    making.save(sub_point, status=Status.PUBLISHED, parent=other)
    assert_in_step()
    making.delete(sub_point)
    assert_in_step()
    assert counting.read(counting.STAFF, "places").get(("recommendation", "place:6501"), 0) == 0
