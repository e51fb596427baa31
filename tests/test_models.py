"""Model rules a curator relies on in the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from experiences.models import Place, Practice, Section, SourceDocument, Theme
from experiences.places import resolve_place

from . import making

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("term", "adcode"),
    [
        ("420100", "420100"),
        ("武汉市", "420100"),
        ("武汉", "420100"),
        ("湖北", "420000"),
        ("中关村", "110108"),
        ("张江", "310115"),
        ("商州", "611002"),
        ("朝阳", "211300"),
    ],
)
def test_places_resolve_from_codes_names_short_names_and_aliases(term, adcode):
    assert resolve_place(term).adcode == adcode


@pytest.mark.parametrize("term", ["", "不存在", "12345678", "x" * 100])
def test_unknown_places_resolve_to_none(term):
    assert resolve_place(term) is None


def test_code_prefix_covers_descendants():
    assert Place.objects.get(adcode="420000").code_prefix == "42"
    assert Place.objects.get(adcode="421000").code_prefix == "4210"
    assert Place.objects.get(adcode="421002").code_prefix == "421002"


def test_new_place_gets_pinyin_and_short_name():
    place = making.save(
        Place(adcode="429099", name="测试新区", level="county", parent=Place.objects.get(adcode="420000"))
    )
    assert place.pinyin == "ceshixinqu"
    assert place.short_name == "测试新区"


def test_place_parent_must_match_its_code():
    place = Place(adcode="429098", name="错位县", level="county", parent=Place.objects.get(adcode="110000"))
    with pytest.raises(ValidationError):
        place.full_clean()


def test_themes_have_only_two_levels():
    child = Theme.objects.get(slug="supervision")
    grandchild = Theme(name="三级主题", slug="third-level", parent=child)
    with pytest.raises(ValidationError):
        grandchild.full_clean()


def test_excerpt_must_come_from_the_document():
    document = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    practice = Practice(title="测试", document=document, excerpt="原文中没有的句子")
    with pytest.raises(ValidationError) as error:
        practice.full_clean()
    assert "excerpt" in error.value.error_dict


def test_section_must_belong_to_the_document():
    document = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    other_section = Section.objects.exclude(document=document).first()
    practice = Practice(title="测试", document=document, section=other_section)
    with pytest.raises(ValidationError) as error:
        practice.full_clean()
    assert "section" in error.value.error_dict


def test_citation_shows_year_and_month_when_known():
    document = SourceDocument(
        title="t", text="x", published_year=1999, published_month=12, authors="刘科伟", organization="西北大学"
    )
    assert document.published_display == "1999年12月"
    assert document.byline == "刘科伟（西北大学）"


def test_detail_urls_equal_reverse_whatever_the_script_prefix():
    from django.urls import clear_script_prefix, reverse, set_script_prefix

    from experiences.models import Place, Practice, Theme, detail_url

    place, theme, practice = Place.objects.get(adcode="420100"), Theme.objects.first(), Practice.objects.first()
    try:
        for prefix in ("/", "/kbase/"):
            set_script_prefix(prefix)
            assert place.get_absolute_url() == reverse("experiences:place_detail", kwargs={"adcode": "420100"})
            assert theme.get_absolute_url() == reverse("experiences:theme_detail", kwargs={"slug": theme.slug})
            assert practice.get_absolute_url() == reverse("experiences:practice_detail", kwargs={"pk": practice.pk})
            assert detail_url("experiences:document_detail", pk=99) == reverse(
                "experiences:document_detail", kwargs={"pk": 99}
            )
    finally:
        clear_script_prefix()
        set_script_prefix("/")


@pytest.mark.django_db
def test_a_recommendation_is_a_point_with_sub_points_two_levels_no_more():
    from django.core.exceptions import ValidationError

    from experiences.models import Recommendation

    sub_point = Recommendation.objects.exclude(parent=None).first()
    point = sub_point.parent
    deeper = Recommendation(title="更深一层", document=point.document, parent=sub_point)
    with pytest.raises(ValidationError, match="分项下不能再设分项"):
        deeper.clean()
    other = Recommendation.objects.filter(parent=None, document=point.document).exclude(pk=point.pk).first()
    point.parent = other
    with pytest.raises(ValidationError, match="不能再作为其他建议的分项"):
        point.clean()
