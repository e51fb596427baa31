"""The shipped seed content represents the whole seed compilation, faithfully."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from experiences.models import Place, PlaceAlias, Practice, Recommendation, Section, SourceDocument, Theme
from experiences.seeding import seed
from tests.paths import RAW_SEED

from . import making

pytestmark = pytest.mark.django_db

ARTICLE_TITLES = [
    "兄弟城市高新区创新发展的经验借鉴研究",
    "《陕西城市发展研究》",
    "驾校创新发展经验材料",
    "兄弟城市党委办公室工作的主要经验和体会",
]


def document(title: str, *, extended: bool = False) -> SourceDocument:
    documents = SourceDocument.objects.filter(title=title).order_by("pk")
    return documents.filter(subtitle__gt="").get() if extended else documents.first()


def test_all_five_seed_articles_are_documents_with_outlines():
    assert SourceDocument.objects.count() == 5
    for title in ARTICLE_TITLES:
        assert SourceDocument.objects.filter(title=title).exists(), title
    for doc in SourceDocument.objects.all():
        assert doc.sections.exists(), doc.title
        assert doc.status == "published"


def test_every_excerpt_occurs_verbatim_inside_its_section():
    lessons = [
        *Practice.objects.select_related("document", "section"),
        *Recommendation.objects.select_related("document", "section"),
    ]
    assert lessons
    for lesson in lessons:
        text = lesson.document.text
        assert lesson.excerpt, lesson.title
        assert lesson.excerpt in text, lesson.title
        section_text = text[lesson.section.start : lesson.section.end]
        assert lesson.excerpt in section_text, f"{lesson.title}: excerpt outside {lesson.section}"


def test_every_practice_has_a_place_a_theme_and_a_section():
    for practice in Practice.objects.prefetch_related("places", "themes"):
        assert practice.places.all(), practice.title
        assert practice.themes.all(), practice.title
        assert practice.section_id is not None, practice.title


def test_seed_has_the_expected_volume_of_curated_lessons():
    assert Practice.objects.count() >= 25
    assert Recommendation.objects.count() >= 30
    assert Recommendation.objects.filter(parent__isnull=False).count() >= 20
    assert Theme.objects.count() >= 12
    for doc in SourceDocument.objects.all():
        assert doc.practices.exists() or doc.recommendations.exists(), doc.title


def test_article_one_has_a_practice_for_each_peer_city():
    doc = document(ARTICLE_TITLES[0])
    for prefix in ["11", "3201", "4403", "31", "12", "3202"]:  # 北京 南京 深圳 上海 天津 无锡
        assert doc.practices.filter(places__adcode__startswith=prefix).exists(), prefix
    assert doc.practices.filter(places__adcode="110108").exists()  # 中关村 is in 海淀区
    assert doc.practices.filter(places__adcode="310115").exists()  # 张江 is in 浦东新区


def test_article_five_has_practices_of_wuhan_xiaogan_and_ezhou():
    doc = document(ARTICLE_TITLES[3])
    for adcode in ["420100", "420900", "420700"]:
        assert doc.practices.filter(places__adcode=adcode).exists(), adcode
    assert doc.organization == "荆州市委办公室"


def test_book_review_keeps_the_numbering_gap_of_chapter_six():
    doc = document(ARTICLE_TITLES[1])
    chapter_six = doc.sections.get(label="第六章")
    assert [s.label for s in chapter_six.children.order_by("start")] == ["(1)", "(2)", "(3)", "(5)"]
    parent = doc.recommendations.get(section=chapter_six, parent__isnull=True)
    assert [r.label for r in parent.children.order_by("order")] == ["(1)", "(2)", "(3)", "(5)"]
    assert "刘科伟" in doc.authors


def test_recommendations_of_articles_one_and_five_trace_back_to_practices():
    for title in (ARTICLE_TITLES[0], ARTICLE_TITLES[3]):
        points = document(title).recommendations.filter(parent=None)
        traced = [r for r in points if r.derived_from.exists()]
        # 体会1 (爱岗敬业) is the office's own reflection; every other numbered point names its source practices.
        assert len(traced) >= len(points) - 1, title
    linked = Recommendation.objects.filter(derived_from__isnull=False).distinct().count()
    assert linked >= 25


def test_derived_recommendations_come_from_the_same_document_as_their_practices():
    for recommendation in Recommendation.objects.prefetch_related("derived_from", "themes"):
        for source in recommendation.derived_from.all():
            assert source.document_id == recommendation.document_id, (recommendation.title, source.title)


def test_article_four_is_a_near_duplicate_of_article_three():
    original = SourceDocument.objects.get(title=ARTICLE_TITLES[2], subtitle="")
    extended = SourceDocument.objects.get(title=ARTICLE_TITLES[2], subtitle__gt="")
    assert extended.duplicate_of == original
    assert extended.similarity >= 0.8
    assert len(extended.text) > len(original.text)
    assert original.practices.filter(places__adcode="140600").exists()


def test_pdf_damage_in_article_five_is_repaired():
    text = document(ARTICLE_TITLES[3]).text
    for phrase in ["立即发出《催办通知》", "无处不体现着", "孝感市在收到来函后", "收集整理后呈送", "要“工作争先进"]:
        assert phrase in text
    assert not re.search(r"[\u4e00-\u9fff“”《》] +[\u4e00-\u9fff“”《》]", text)
    assert not re.search(r"[\u4e00-\u9fff] ?\d\n", text)  # no page number left at a line end
    for number in ["8个地级城市", "1-2个重要议题", "5个模块", "4个方面"]:
        assert number in text


def test_sections_nest_and_lie_inside_their_parent():
    for section in Section.objects.select_related("parent", "document"):
        assert 0 <= section.start <= section.end <= len(section.document.text)
        if section.parent:
            assert section.parent.start <= section.start
            assert section.end <= section.parent.end
        if section.label:
            assert section.document.text[section.start :].startswith(section.label + section.heading)


def test_gazetteer_covers_china_with_a_consistent_hierarchy():
    assert Place.objects.filter(level="province").count() == 34
    assert Place.objects.count() > 3000
    haidian = Place.objects.select_related("parent").get(adcode="110108")
    assert haidian.parent.name == "北京市"
    assert [p.name for p in Place.objects.get(adcode="611002").ancestors()] == ["陕西省", "商洛市"]
    orphans = Place.objects.exclude(level="province").filter(parent__isnull=True)
    assert not orphans.exists()
    for place in Place.objects.exclude(parent=None).select_related("parent"):
        assert place.adcode.startswith(place.parent.code_prefix), place.name


@pytest.mark.parametrize(
    ("alias", "adcode"), [("中关村", "110108"), ("张江", "310115"), ("商州", "611002"), ("滨海", "120116")]
)
def test_seed_aliases_point_at_real_places(alias, adcode):
    assert PlaceAlias.objects.get(name=alias).place.adcode == adcode


def test_seed_never_reverts_a_curators_edits():
    edited = Practice.objects.get(seed_key="wuxi-530-plan")
    making.save(edited, title="无锡:530计划(编辑改过的标题)", status="archived")
    renamed = Recommendation.objects.get(seed_key="jz-dedication")
    making.save(renamed, title="敬业是前提")
    counts = (Practice.objects.count(), Recommendation.objects.count())
    assert not seed().changed
    edited.refresh_from_db()
    renamed.refresh_from_db()
    assert (edited.title, edited.status) == ("无锡:530计划(编辑改过的标题)", "archived")
    assert renamed.title == "敬业是前提"
    assert (Practice.objects.count(), Recommendation.objects.count()) == counts


def test_running_seed_again_changes_nothing():
    before = {
        model.__name__: sorted(model.objects.values_list("pk", "updated_at"))
        for model in (Practice, Recommendation, SourceDocument)
    }
    counts = [m.objects.count() for m in (Place, PlaceAlias, Theme, Section, Practice, Recommendation)]
    report = seed()
    assert not report.changed, (report.created, report.updated)
    assert counts == [m.objects.count() for m in (Place, PlaceAlias, Theme, Section, Practice, Recommendation)]
    after = {
        model.__name__: sorted(model.objects.values_list("pk", "updated_at"))
        for model in (Practice, Recommendation, SourceDocument)
    }
    assert before == after


def test_the_repository_copy_of_the_raw_seed_is_the_shared_one():
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / RAW_SEED.name
    if not shared.exists():
        pytest.skip("shared/ is not beside this clone")
    assert RAW_SEED.read_bytes() == shared.read_bytes()
