"""Chinese full-text search: the expected seed results, any input at all, escaping, facets, index sync."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from experiences import segmentation
from experiences.models import Place, PlaceAlias, Practice, Recommendation, SearchEntry, SourceDocument, Status
from experiences.search.engines import backend
from experiences.text.query import parse_query

from . import making

pytestmark = pytest.mark.django_db


def results(client, q: str, **params) -> list[str]:
    response = client.get("/search/", {"q": q, **params})
    assert response.status_code == 200
    html = response.content.decode()
    return [
        re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<li class="card result">.*?<h3><a [^>]*>(.*?)</a>', html, re.S)
    ]


def practices_found(client, q: str) -> list[str]:
    return [t for t in results(client, q, type="practice")]


def test_chanxueyan_finds_beijing_and_nanjing_and_the_recommendation_near_the_top(client):
    titles = results(client, "产学研")
    top = titles[:6]
    assert any(t.startswith("1.以健全产学研合作机制为基点") for t in top)
    practices = practices_found(client, "产学研")
    assert any(t.startswith("中关村") for t in practices[:4])
    assert any(t.startswith("南京") or t.startswith("北京、南京") for t in practices[:4])


def test_talent_finds_wuxi_and_the_talent_recommendations(client):
    titles = results(client, "人才")
    assert any(t.startswith("无锡") for t in titles[:5])
    assert any("高层次人才引进和培养" in t for t in titles[:5])
    assert any("人才评价制度" in t for t in titles)


def test_supervision_finds_wuhan_and_xiaogan(client):
    practices = practices_found(client, "督查")
    assert any(t.startswith("孝感") for t in practices)
    assert any(t.startswith("武汉") for t in results(client, "督办", type="practice"))
    assert any("秘书督查工作主动超前" in t for t in results(client, "督查"))


def test_reception_finds_xiaogan_and_ezhou(client):
    practices = practices_found(client, "接待")
    assert {t.split("：")[0] for t in practices} >= {"孝感", "鄂州"}


def test_training_car_finds_the_driving_school(client):
    practices = practices_found(client, "教练车")
    assert practices
    assert all(t.startswith("朔州某驾校") for t in practices)


def test_baoji_finds_the_shaanxi_books_recommendations(client):
    titles = results(client, "宝鸡", type="recommendation")
    assert titles[0] == "加快发展宝鸡、汉中、渭南、榆林、延安、商州、安康等区域中心城市"


def test_traditional_characters_find_simplified_text(client):
    assert results(client, "創新")
    assert results(client, "產學研")[:3] == results(client, "产学研")[:3]


@pytest.mark.parametrize("q", ["人才", "督查", "创新", "人"])
def test_one_and_two_character_queries_work(client, q):
    assert results(client, q)


def test_several_words_mean_and(client):
    both = practices_found(client, "人才 无锡")
    assert both
    assert all(t.startswith("无锡") for t in both)
    assert len(both) < len(practices_found(client, "人才"))


def test_quotes_mean_a_phrase(client):
    assert any("催办通知" in t for t in results(client, '"催办通知"'))
    assert results(client, "“催办 督查”") == []  # not adjacent in any text


def test_a_place_query_finds_lessons_linked_to_the_place_and_below_it(client):
    hubei = practices_found(client, "湖北")  # the word 湖北 appears in no practice
    assert {t.split("：")[0] for t in hubei} == {"武汉", "孝感", "鄂州"}
    assert practices_found(client, "中关村") == ["中关村：与高校共建40多个产学研联盟"]
    assert practices_found(client, "张江")[0] == "上海张江：部市共建国家上海生物医药科技产业基地"


@pytest.mark.parametrize(
    "q",
    [
        'NEAR(创新 人才) OR "',
        "产学研 AND NOT 人才 *",
        "'; DROP TABLE experiences_practice; --",
        "title:创新 ^ {} [] ()",
        "a & b | !c <-> d:*",
        "😀🎉",
        "\x00\x07\x1b[31m创新",
        "创新" * 5000,
        '""',
        "   ",
        "\\",
    ],
)
def test_any_input_gives_results_or_nothing_found_never_an_error(client, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    assert "找到" in html or "没有找到" in html or "请输入" in html
    assert Practice.objects.exists()  # nothing dropped


def test_results_are_paginated_and_counted(client):
    response = client.get("/search/", {"q": "创新"})
    html = response.content.decode()
    total = int(re.search(r"找到 (\d+) 条", html).group(1))
    assert total > 20
    assert len(results(client, "创新")) == 20
    assert len(results(client, "创新", page=2)) == min(20, total - 20)


def test_snippets_mark_the_words_and_escape_everything_else(client):
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    making.lesson(
        Practice,
        title="<script>alert(1)</script>示范做法",
        body="正文里有<b>标签</b>和创新驱动的做法。",
        document=doc,
        status=Status.PUBLISHED,
    )
    html = client.get("/search/", {"q": "创新驱动 <script>"}).content.decode()
    assert "<script>alert" not in html
    assert "<b>标签" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;示范做法" in html
    assert "<mark>创新驱动</mark>" in html or "<mark>创新</mark>" in html


def test_facets_count_types_places_themes_and_documents(client):
    html = client.get("/search/", {"q": "创新"}).content.decode()
    facets = re.search(r'<nav class="facets".*?</nav>', html, re.S).group(0)
    for label in ["经验做法", "启示建议", "文献章节"]:
        assert label in facets
    assert "浙江省" in facets  # the recommendations for 杭州
    assert "创新体系" in facets
    assert "兄弟城市高新区创新发展的经验借鉴研究" in facets
    counts = [int(n) for n in re.findall(r'<span class="count">(\d+)</span>', facets)]
    assert all(n > 0 for n in counts)


def test_facet_filters_narrow_the_results(client):
    everything = results(client, "创新")
    only_practices = results(client, "创新", type="practice")
    assert only_practices
    assert set(only_practices) < set(everything) or len(only_practices) < len(everything)
    hubei = results(client, "创新", place="湖北")
    assert hubei
    assert all(not t.startswith("深圳") for t in hubei)
    themed = results(client, "创新", theme="talent", type="practice")
    assert themed
    assert all("无锡" in t or "人才" in t for t in themed)


def test_bad_facet_values_give_a_form_error(client):
    assert client.get("/search/", {"q": "创新", "place": "火星"}).status_code == 400
    assert client.get("/search/", {"q": "创新", "type": "bogus"}).status_code == 400


def test_readers_never_see_drafts_and_staff_may_include_them(staff_client):
    client = Client()  # an anonymous reader beside the logged-in curator
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    draft = making.lesson(Practice, title="草稿：独一无二的萤火虫做法", document=doc, status=Status.DRAFT)
    assert results(client, "萤火虫") == []
    assert results(client, "萤火虫", drafts="on") == []  # readers cannot ask for drafts
    assert results(staff_client, "萤火虫", drafts="on") == [draft.title]
    assert results(staff_client, "萤火虫") == []


def test_the_index_follows_creates_updates_deletes_and_bulk_actions(client, admin_client):
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    practice = making.lesson(Practice, title="萤火虫计划", document=doc, status=Status.PUBLISHED)
    assert results(client, "萤火虫") == ["萤火虫计划"]
    making.save(practice, title="蜻蜓计划")
    assert results(client, "萤火虫") == []
    assert results(client, "蜻蜓") == ["蜻蜓计划"]
    admin_client.post("/admin/experiences/practice/", {**making.WITHDRAW, "_selected_action": [practice.pk]})
    assert results(client, "蜻蜓") == []
    practice.refresh_from_db()
    making.republish(practice)
    assert results(client, "蜻蜓") == ["蜻蜓计划"]
    making.save(doc, status=Status.DRAFT)  # unpublishing a document hides its lessons and sections
    assert results(client, "蜻蜓") == []
    making.save(doc, status=Status.PUBLISHED)
    making.delete(practice)
    assert results(client, "蜻蜓") == []
    assert not SearchEntry.objects.filter(kind="practice", object_id=practice.pk).exists()


def test_linking_a_place_reindexes_the_lesson(client):
    practice = Practice.objects.get(seed_key="wuxi-530-plan")
    assert "无锡" not in " ".join(practices_found(client, "湖北"))
    from experiences.models import Place

    making.link(practice, places=[Place.objects.get(adcode="420100")])
    assert any(t.startswith("无锡") for t in practices_found(client, "湖北"))


def test_rebuild_search_index_rebuilds_everything(client, capsys):
    SearchEntry.objects.all().delete()
    assert results(client, "产学研") == []
    call_command("rebuild_search_index")
    assert "搜索索引已重建" in capsys.readouterr().out
    assert results(client, "产学研")
    expected = Practice.objects.count() + Recommendation.objects.count()
    assert SearchEntry.objects.exclude(kind="section").count() == expected


def test_imported_documents_are_indexed_as_drafts(staff_client):
    from experiences.importing import import_file
    from tests.paths import SAMPLES

    import_file(name="report.txt", data=(SAMPLES / "unseen_report.txt").read_bytes())
    assert results(staff_client, "营商环境", drafts="on")
    assert results(staff_client, "营商环境") == []


def test_query_parsing_quotes_every_word_as_a_literal():
    query = parse_query('"a b" c OR d', cut=lambda text: text.split())
    assert [t.words for t in query.terms] == [("a", "b"), ("c",), ("or",), ("d",)]
    assert query.terms[0].phrase
    expression = backend().match_expression(query.terms)
    # The typed OR is a quoted word, never an operator: every word is a quoted literal.
    assert expression in {'("a b" AND "c" AND "or" AND "d")', "(('a' <-> 'b') & 'c' & 'or' & 'd')"}


def test_facets_of_a_very_common_word_are_estimated_and_say_so(client, monkeypatch):
    from experiences.search.engines import base

    monkeypatch.setattr(base, "FACET_SAMPLE", 3)
    html = client.get("/search/", {"q": "创新"}).content.decode()
    assert "数字为估算" in html
    assert "≈" in html
    exact_total = int(re.search(r"找到 (\d+) 条", html).group(1))
    assert exact_total > 3  # the total itself stays exact


def test_suggestions_offer_themes_places_aliases_and_titles(client):
    labels = [s["label"] for s in client.get("/search/suggest", {"q": "武汉"}).json()["suggestions"]]
    assert "武汉市" in labels
    assert any(label.startswith("武汉：") for label in labels)
    labels = [s["label"] for s in client.get("/search/suggest", {"q": "中关"}).json()["suggestions"]]
    assert "中关村（海淀区）" in labels
    kinds = {s["kind"] for s in client.get("/search/suggest", {"q": "人才"}).json()["suggestions"]}
    assert "theme" in kinds
    for q in ["", "\x00", '"', "x" * 5000]:
        assert client.get("/search/suggest", {"q": q}).status_code == 200


def test_suggestions_never_reveal_drafts(client):
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    making.lesson(Practice, title="萤火虫草稿做法", document=doc, status=Status.DRAFT)
    labels = [s["label"] for s in client.get("/search/suggest", {"q": "萤火虫"}).json()["suggestions"]]
    assert labels == []


def test_a_very_common_word_is_ranked_in_a_window_and_every_match_stays_reachable(client, monkeypatch):
    from experiences.search.engines import postgres, sqlite

    exact = results(client, "人才")
    monkeypatch.setattr(sqlite, "RANK_WINDOW", 5)  # rank only the 5 most recent matches
    monkeypatch.setattr(postgres, "POSTGRES_RANK_WINDOW", 5)
    windowed = results(client, "人才")
    assert len(windowed) == len(exact)  # every match is still listed

    def urls(page):
        html = client.get("/search/", {"q": "人才", "page": page}).content.decode()
        return re.findall(r'<li class="card result">.*?<h3><a href="([^"]+)"', html, re.S)

    first, second = urls(1), urls(2)
    assert second
    assert not set(first) & set(second)  # no match listed twice across pages


def test_a_draft_documents_text_is_searchable_by_staff_and_by_readers_once_published(staff_client, client):
    from experiences.importing import import_file
    from tests.paths import SAMPLES

    _, result = import_file(name="report.txt", data=(SAMPLES / "unseen_report.txt").read_bytes())
    [document] = result.documents
    entries = SearchEntry.objects.filter(kind="section", document=document)
    assert entries.count() == document.sections.count()
    assert not entries.filter(published=True).exists()  # hidden, like every draft
    found = staff_client.get("/search/", {"q": "不见面审批", "drafts": "on", "type": "section"}).content.decode()
    assert document.title in found  # a curator finds what a new report says
    assert document.title not in client.get("/search/", {"q": "不见面审批", "type": "section"}).content.decode()
    making.save(document, status=Status.PUBLISHED)
    assert entries.filter(published=True).count() == document.sections.count()
    assert document.title in client.get("/search/", {"q": "不见面审批", "type": "section"}).content.decode()


def test_an_entry_holds_its_keywords_places_and_themes_and_indexing_runs_few_queries(django_assert_max_num_queries):
    from experiences import search
    from experiences.models import Place

    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    theme = doc.practices.first().themes.first()
    practices = making.lessons(
        Practice,
        [{"title": f"萤火虫计划{i}", "document": doc, "status": Status.PUBLISHED} for i in range(5)],
        places=[Place.objects.get(adcode="420100")],
        themes=[theme],
        tags=["夜间经济"],
    )
    # Three kinds of links and the lessons themselves: a fixed number of queries, however many lessons.
    with django_assert_max_num_queries(10):
        assert search.index(practices=[p.pk for p in practices]) == 5
    entry = SearchEntry.objects.get(kind="practice", object_id=practices[0].pk)
    assert {"p420100", "p420000", f"t{theme.pk}", "vis1", "kpractice", f"d{doc.pk}"} <= set(entry.tags.split())
    assert "夜间" in entry.body.split()  # the keyword, segmented like the rest of the body
    if theme.parent_id:
        assert f"t{theme.parent_id}" in entry.tags.split()


def test_index_rows_are_made_without_the_database_so_they_can_stream_into_copy(django_assert_num_queries, request):
    from experiences.search import indexing

    request.addfinalizer(segmentation.reset)
    segmentation.reset()  # the next row's segmenter must be built (from the database) before any row is made
    document = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    sections = list(document.sections.values_list("pk", flat=True))
    rows = indexing.entries(SearchEntry.Kind.SECTION, sections)
    with django_assert_num_queries(0):  # what a PostgreSQL COPY in progress requires of its rows
        made = list(rows)
    assert len(made) == len(sections)
    assert {row[0] for row in made} == {SearchEntry.Kind.SECTION}


def test_rows_from_a_generator_are_all_inserted_across_statements():
    from taggit.models import Tag

    from experiences.bulk import insert_rows

    tags = ((f"测试标签{n}", f"test-tag-{n}") for n in range(1203))
    assert insert_rows(Tag, ["name", "slug"], tags, chunk=500) == 1203
    assert Tag.objects.filter(slug__startswith="test-tag-").count() == 1203
    assert insert_rows(Tag, ["name", "slug"], iter([])) == 0


def test_rows_that_query_the_database_are_refused_rather_than_left_waiting():
    from django.db import transaction
    from taggit.models import Tag

    from experiences.bulk import RowsQueriedDatabase, insert_rows

    def rows():
        yield ("测试标签甲", "test-tag-a")
        Tag.objects.count()  # on PostgreSQL, would wait for ever on the connection the COPY holds
        yield ("测试标签乙", "test-tag-b")

    with pytest.raises(RowsQueriedDatabase), transaction.atomic():
        insert_rows(Tag, ["name", "slug"], rows())
    assert not Tag.objects.filter(slug__startswith="test-tag-").exists()


def test_an_alias_added_by_a_curator_is_understood_by_the_next_search(
    client, django_capture_on_commit_callbacks, request
):
    request.addfinalizer(segmentation.reset)  # the alias is rolled back: so must the segmenter be
    assert practices_found(client, "光谷") == []  # this worker's segmenter is loaded, without the alias
    with django_capture_on_commit_callbacks(execute=True):
        making.save(PlaceAlias(name="光谷", place=Place.objects.get(adcode="420100")))
    assert {t.split("：")[0] for t in practices_found(client, "光谷")} == {"武汉"}


def test_a_culled_cache_entry_does_not_make_a_worker_rebuild_its_segmenter():
    from django.core.cache import cache

    cache.set(segmentation.VERSION_KEY, 123, None)  # places changed at some point
    built = segmentation.segmenter()
    cache.delete(segmentation.VERSION_KEY)  # the per-process cache culls entries when full
    assert segmentation.segmenter() is built


def test_a_lesson_passage_repeated_in_its_excerpt_is_indexed_once():
    from experiences.search import searched_text

    body = "无锡市设立人才专项资金。每年安排一亿元。"
    assert searched_text(["", body, "无锡市设立人才专项资金。", "基层干部"]) == f"{body}\n基层干部"
    assert searched_text(["摘要", "摘要"]) == "摘要"


def test_words_of_an_excerpt_outside_the_body_are_still_found(client):
    document = SourceDocument.objects.first()
    making.lesson(
        Practice, title="萤光试点", body="设立专项资金。", excerpt="夜读计划覆盖全市。", document=document,
        status=Status.PUBLISHED,
    )  # fmt: skip
    assert "萤光试点" in practices_found(client, "夜读计划")


def test_a_search_with_no_result_offers_ways_on(client):
    html = client.get("/search/", {"q": "人才 萤火虫乐园", "place": "650000"}).content.decode()
    assert "没有找到" in html
    assert "去掉筛选条件" in html
    assert "分开搜索" in html
    assert "“人才”" in html
    html = client.get("/search/", {"q": "人才萤火虫乐园"}).content.decode()
    assert 'class="alternatives"' in html


def test_no_result_suggestions_name_what_the_words_begin(client):
    html = client.get("/search/", {"q": "武汉 萤火虫乐园"}).content.decode()
    assert "您是不是要找" in html
    assert "/places/420100/" in html.split('class="alternatives"')[1]


def test_results_sort_by_relevance_or_newest_first(client):
    from experiences import search

    query = search.understand("创新")
    ranked = search.search(query, filters=search.Filters(), limit=20).hits
    newest = search.search(query, filters=search.Filters(newest_first=True), limit=20).hits
    later = search.search(query, filters=search.Filters(newest_first=True), offset=20, limit=20).hits
    ids = [hit.entry_id for hit in newest + later]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids) == 20 + len(later)
    assert [h.entry_id for h in ranked] != ids[:20]  # relevance is another order
    html = client.get("/search/", {"q": "创新", "sort": "newest"}).content.decode()
    assert '<option value="newest" selected>' in html
    assert len(results(client, "创新", sort="newest")) == 20
    assert client.get("/search/", {"q": "创新", "sort": "oldest"}).status_code == 400
