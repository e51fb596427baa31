"""List and detail pages run a bounded number of SQL queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from experiences.models import Place, Practice, Recommendation, SourceDocument, Theme

from . import making

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/places/",
    "/places/420000/",
    "/themes/",
    "/themes/office-work/",
    "/practices/",
    "/practices/?place=湖北&theme=office-work",
    "/recommendations/",
    "/recommendations/?theme=technology-transfer",
    "/places/110000/",
    "/themes/innovation-systems/",
    "/documents/",
]


def add_lessons(n: int) -> None:
    """More lessons everywhere the measured pages look: both documents, Hubei and Beijing, several themes."""
    for title, codes, slugs in [
        ("兄弟城市党委", ["420100", "420900", "421000"], ["supervision", "reception"]),
        ("兄弟城市高新区", ["110108", "320100"], ["industry-university-research", "technology-transfer"]),
    ]:
        _add_lessons(n, title=title, codes=codes, slugs=slugs)


def _add_lessons(n: int, *, title: str, codes: list[str], slugs: list[str]) -> None:
    doc = SourceDocument.objects.get(title__startswith=title)
    links = {
        "places": list(Place.objects.filter(adcode__in=codes)),
        "themes": list(Theme.objects.filter(slug__in=slugs)),
    }
    practices = making.lessons(
        Practice,
        [{"title": f"批量做法{title}{i}", "document": doc, "status": "published"} for i in range(n)],
        tags=lambda i: [f"标签{title}{i}", "共同标签"],
        **links,
    )
    parents = making.lessons(
        Recommendation,
        [{"title": f"批量建议{title}{i}", "document": doc, "status": "published"} for i in range(n)],
        derived_from=lambda i: [practices[i]],
        **links,
    )
    making.lessons(
        Recommendation,
        [
            {"title": f"分项{title}{i}", "document": doc, "parent": parent, "status": "published"}
            for i, parent in enumerate(parents)
        ],
    )


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize("url", PAGES)
def test_list_pages_run_a_constant_number_of_queries(client, url, django_assert_max_num_queries):
    add_lessons(3)
    few = queries_for(client, url)
    add_lessons(40)
    with django_assert_max_num_queries(few):
        client.get(url)
    assert few <= 20


def test_detail_pages_run_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    practice = Practice.objects.get(title__contains="中关村")
    recommendation = Recommendation.objects.filter(parent=None, children__isnull=False).first()
    document = SourceDocument.objects.get(title__startswith="兄弟城市高新区")
    urls = [practice.get_absolute_url(), recommendation.get_absolute_url(), document.get_absolute_url()]
    before = [queries_for(client, url) for url in urls]
    add_lessons(40)
    for url, count in zip(urls, before, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)
        assert count <= 20, url
