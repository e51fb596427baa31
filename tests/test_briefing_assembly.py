"""Grouping, citations and loading of a briefing's lessons."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from briefings.assemble import Citation, Lesson, build_briefing, group_lessons
from briefings.selection import Selection
from experiences.models import Practice, Recommendation


def lesson(pk: int, *, theme: tuple, place: tuple) -> Lesson:
    return Lesson(
        kind="practice",
        pk=pk,
        title=f"做法{pk}",
        status="",
        places=[],
        themes=[],
        tags=[],
        summary="",
        body="",
        excerpt="",
        citation=Citation(document="文献"),
        url="",
        theme_group=theme,
        place_group=place,
    )


def test_citations_read_like_a_footnote():
    citation = Citation(document="兄弟城市经验", byline="刘科伟（西北大学）", date="2013年5月", section="一、创新")
    assert citation.text() == "《兄弟城市经验》，刘科伟（西北大学），2013年5月 · 一、创新"
    assert Citation(document="文献").text() == "《文献》"


def test_groups_follow_theme_or_place_order_and_keep_the_selection_order_inside():
    talent, office, other = ((0, 3, 7), "人才发展"), ((0, 1, 2), "党政办公室工作"), ((1,), "其他")
    wuhan, wuxi = ((0, "420100"), "湖北省武汉市"), ((0, "320200"), "江苏省无锡市")
    lessons = [
        lesson(1, theme=talent, place=wuhan),
        lesson(2, theme=other, place=wuxi),
        lesson(3, theme=office, place=wuhan),
        lesson(4, theme=talent, place=wuxi),
    ]
    by_theme = group_lessons(lessons, grouping="theme")
    assert [(g.title, [x.pk for x in g.lessons]) for g in by_theme] == [
        ("党政办公室工作", [3]),
        ("人才发展", [1, 4]),
        ("其他", [2]),
    ]
    by_place = group_lessons(lessons, grouping="place")
    assert [(g.title, [x.pk for x in g.lessons]) for g in by_place] == [
        ("江苏省无锡市", [2, 4]),
        ("湖北省武汉市", [1, 3]),
    ]
    assert [x.pk for x in group_lessons(lessons, grouping="none")[0].lessons] == [1, 2, 3, 4]
    assert group_lessons([], grouping="none") == []


@pytest.mark.django_db
def test_loading_a_briefing_takes_the_same_queries_for_five_lessons_as_for_all():
    def queries(selection: Selection) -> int:
        with CaptureQueriesContext(connection) as captured:
            build_briefing(selection, user=None)
        return len(captured)

    practices = [("practice", pk) for pk in Practice.objects.published().values_list("pk", flat=True)]
    recommendations = [
        ("recommendation", pk)
        for pk in Recommendation.objects.published().filter(parent__isnull=True).values_list("pk", flat=True)
    ]
    queries(Selection(title="预热", items=practices[:1]))  # the places and themes, read once per content version
    few = queries(Selection(title="少", items=practices[:3] + recommendations[:2]))
    everything = queries(Selection(title="全部", items=practices + recommendations))
    assert few == everything
    assert everything <= 20
