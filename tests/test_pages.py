"""Every public page answers with what a reader must see, and nothing unpublished."""

from __future__ import annotations

import re

import pytest

from experiences.models import Place, PlaceAlias, Practice, Recommendation, SourceDocument, Theme

from . import making

pytestmark = pytest.mark.django_db


def practice(title_part: str) -> Practice:
    return Practice.objects.get(title__contains=title_part)


def card_titles(html: str) -> list[str]:
    """The titles of the result cards on a page: what was found, not what was typed into the form."""
    found = re.findall(r'<article class="card [a-z]+"[^>]*>\s*<h3><a [^>]*>(.*?)</a>', html, re.S)
    return [re.sub(r"<[^>]+>", "", title) for title in found]


def test_home_shows_counts_themes_places_and_latest_practices(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<strong>{Practice.objects.count()}</strong>" in html
    # One count everywhere: a recommendation is a top-level point, its sub-points counted within it.
    points = Recommendation.objects.filter(parent=None).count()
    assert f"<strong>{points}</strong>" in html
    assert f"另含 {Recommendation.objects.exclude(parent=None).count()} 条分项" in html
    listed = re.search(r"共 (\d+) 条", client.get("/recommendations/").content.decode()).group(1)
    assert int(listed) == points
    assert "创新体系" in html
    assert "党政办公室工作" in html
    top = re.search(r'<ol class="top-places">(.*?)</ol>', html, re.S).group(1)
    # Ranked by lessons held, practices and recommendations alike: 杭州 gave recommendations only.
    assert "杭州市" in top
    assert "荆州市" in top
    rows = re.findall(r'>([^<>]+市)</a> <span class="count">做法 (\d+) · 建议 (\d+)', top)
    totals = [int(p) + int(r) for _, p, r in rows]
    assert totals == sorted(totals, reverse=True)
    assert any(int(r) for _, _, r in rows)
    assert len(card_titles(html)) == 6
    assert 'name="q"' in html


def test_places_are_grouped_by_province_in_pinyin_order(client):
    html = client.get("/places/").content.decode()
    html = html[html.index('<section class="province">') :]  # the list, after the overview
    provinces = ["北京市", "广东省", "湖北省", "江苏省", "上海市", "山西省", "陕西省", "天津市", "浙江省"]
    positions = [html.index(f">{name}</a>") for name in provinces]
    assert positions == sorted(positions)
    assert re.search(r">商洛市</a>.*?>商州区</a>", html)  # a district under its city
    assert "河南省" not in html  # no lessons there


def test_province_page_includes_lessons_of_its_cities(client):
    response = client.get("/places/420000/")
    assert response.status_code == 200
    html = response.content.decode()
    titles = card_titles(html)
    for city in ["武汉", "孝感", "鄂州"]:
        assert any(t.startswith(city) for t in titles), city
    assert not any("中关村" in t for t in titles)
    assert "兄弟城市党委办公室工作的主要经验和体会" in html  # the document that mentions it


def test_district_page_shows_alias_breadcrumbs_and_its_lessons(client):
    html = client.get("/places/110108/").content.decode()
    assert "又称：中关村" in html
    assert '<a href="/places/110000/">北京市</a>' in html
    assert card_titles(html) == ["中关村：与高校共建40多个产学研联盟"]


def test_theme_tree_and_theme_page_include_sub_themes(client):
    html = client.get("/themes/").content.decode()
    assert "创新体系" in html
    assert "产学研合作" in html
    parent = Theme.objects.get(slug="office-work")
    titles = card_titles(client.get(parent.get_absolute_url()).content.decode())
    assert any("督办" in t for t in titles)  # filed under the sub-theme 督查督办
    assert any("雨伞" in t for t in titles)  # filed under the sub-theme 公务接待
    assert not any("驾校" in t for t in titles)


def test_practice_list_filters_by_place_with_descendants(client):
    titles = card_titles(client.get("/practices/", {"place": "湖北"}).content.decode())
    assert {t.split("：")[0] for t in titles} == {"武汉", "孝感", "鄂州"}
    titles = card_titles(client.get("/practices/", {"place": "中关村"}).content.decode())  # an alias
    assert titles == ["中关村：与高校共建40多个产学研联盟"]
    titles = card_titles(client.get("/practices/", {"place": "110000"}).content.decode())  # 北京 includes 海淀
    assert "中关村：与高校共建40多个产学研联盟" in titles


def test_practice_list_filters_by_theme_tag_document_and_text(client):
    titles = card_titles(client.get("/practices/", {"theme": "office-work"}).content.decode())
    assert titles
    assert all(t.split("：")[0] in {"武汉", "孝感", "鄂州"} for t in titles)
    tagged = Practice.objects.get(tags__name="530计划")
    assert card_titles(client.get("/practices/", {"tag": "530计划"}).content.decode()) == [tagged.title]
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    titles = card_titles(client.get("/practices/", {"document": doc.pk}).content.decode())
    assert sorted(titles) == sorted(doc.practices.values_list("title", flat=True))
    titles = card_titles(client.get("/practices/", {"q": "雨伞"}).content.decode())
    assert titles == ["鄂州：天气突变时及时送上事先备好的雨伞"]


def test_every_tag_link_leads_to_its_lessons(client):
    item = Practice.objects.get(tags__name="530计划")
    links = re.findall(r'class="chip tag" href="([^"]+)"', client.get(item.get_absolute_url()).content.decode())
    assert len(links) == item.tags.count()
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200
        assert item.title in card_titles(response.content.decode())


def test_a_matching_sub_point_brings_its_point_and_is_never_listed_alone(client):
    html = client.get("/recommendations/", {"theme": "intellectual-property"}).content.decode()
    sub_point = Recommendation.objects.get(title__startswith="加大知识产权保护力度")
    assert sub_point.parent_id is not None
    titles = card_titles(html)
    assert str(sub_point.parent) in titles  # its point, filed under another theme
    assert str(sub_point) not in titles  # not a card of its own
    assert f'href="{sub_point.get_absolute_url()}"' in html  # shown within its point's card
    assert re.search(r"共 (\d+) 条", html).group(1) == str(len(titles))
    unfiltered = card_titles(client.get("/recommendations/").content.decode())
    assert unfiltered
    assert not any(t.startswith("(") for t in unfiltered)


def test_recommendations_are_listed_in_reading_order(client):
    html = client.get("/places/330100/").content.decode()
    titles = card_titles(html)
    assert titles[:2] == [
        "1.以健全产学研合作机制为基点，建立以企业为主体、以高校和科研院所为依托的产学研合作模式",
        "2.强化企业技术创新主体地位，促进创新资源有效向企业聚集",
    ]
    first_card = html.split('<article class="card recommendation"')[1]
    sub_points = re.findall(r'<li><a href="[^"]+"><span class="label">([^<]+)</span>', first_card)
    assert sub_points == ["(1)", "(2)", "(3)", "(4)"]  # in reading order, within their point


@pytest.mark.parametrize(
    "params",
    [
        {"place": "不存在的地方"},
        {"place": "999999"},
        {"theme": "no-such-theme"},
        {"document": "abc"},
        {"document": "999999"},
        {"tag": "x" * 101},
        {"q": "x" * 500},
    ],
)
def test_bad_filter_values_give_a_form_error_not_a_500(client, params):
    response = client.get("/practices/", params)
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()
    assert client.get("/recommendations/", params).status_code == 400


def test_bad_page_numbers_fall_back_to_a_real_page(client):
    assert client.get("/practices/", {"page": "abc"}).status_code == 200
    assert client.get("/practices/", {"page": "99999"}).status_code == 200


def test_practice_detail_shows_excerpt_highlighted_in_its_section(client):
    item = practice("中关村")
    html = client.get(item.get_absolute_url()).content.decode()
    assert f"<h1>{item.title}" in html
    assert f'<mark class="excerpt" data-lesson="excerpt">{item.excerpt}</mark>' in html
    assert item.section.heading in html
    assert "北京 › 海淀区" in html
    assert "创新体系 › 产学研合作" in html
    assert "以健全产学研合作机制为基点" in html  # the recommendation derived from it
    assert "南京高新区：与高校共建协同创新中心和院士工作站" in card_titles(html)  # a related practice


def test_recommendation_detail_lists_sub_points_and_practices_behind_it(client):
    parent = Recommendation.objects.get(title__startswith="以技术转移政策创新为突破口")
    html = client.get(parent.get_absolute_url()).content.decode()
    for child in parent.children.all():
        assert child.title in html
    behind = Practice.objects.filter(recommendations__in=[parent, *parent.children.all()]).distinct()
    assert behind.exists()
    assert sorted(card_titles(html)) == sorted(p.title for p in behind)


def test_recommendation_list_shows_top_level_items_with_sub_point_counts(client):
    html = client.get("/recommendations/").content.decode()
    assert "以健全产学研合作机制为基点" in html
    assert "4 条分项" in html


def test_document_reader_shows_outline_marks_and_duplicates(client):
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    html = client.get(doc.get_absolute_url()).content.decode()
    assert re.search(r'<details class="outline".*一、主要经验.*1、秘书督查工作主动超前.*二、主要体会', html, re.S)
    assert html.count('<mark class="excerpt"') >= doc.practices.count()
    assert "荆州市委办公室" in html
    original = SourceDocument.objects.get(title="驾校创新发展经验材料", subtitle="")
    html = client.get(original.get_absolute_url()).content.decode()
    assert "与本文高度重复" in html
    duplicate = original.duplicates.get()
    html = client.get(duplicate.get_absolute_url()).content.decode()
    assert "本文与《驾校创新发展经验材料》高度重复" in html
    assert "推进创新发展 构建和谐驾校" in html


def test_document_list_lists_all_five_articles(client):
    html = client.get("/documents/").content.decode()
    assert html.count('class="card"') == 5
    assert "书评" in html
    assert "考察报告" in html


def test_the_book_review_cites_the_reviewed_books_publisher_as_such(client):
    review = Recommendation.objects.filter(document__kind="book_review").first()
    assert "所评图书：西安地图出版社 1995年" in client.get(review.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/practices/999999/",
        "/recommendations/999999/",
        "/documents/999999/",
        "/places/999999/",
        "/places/abc/",
        "/places/%00/",
        "/places/4200001/",
        "/themes/no-such-theme/",
        "/no-such-page/",
    ],
)
def test_unknown_ids_and_slugs_give_a_chinese_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_drafts_are_hidden_from_readers(client, draft_practice):
    assert client.get(draft_practice.get_absolute_url()).status_code == 404
    assert draft_practice.title not in client.get("/practices/").content.decode()
    assert draft_practice.title not in client.get("/places/420000/").content.decode()
    assert draft_practice.title not in client.get(draft_practice.document.get_absolute_url()).content.decode()
    home = client.get("/").content.decode()
    assert f"<strong>{Practice.objects.published().count()}</strong>" in home


def test_drafts_are_visible_to_staff(staff_client, draft_practice):
    response = staff_client.get(draft_practice.get_absolute_url())
    assert response.status_code == 200
    assert "草稿" in response.content.decode()
    assert draft_practice.title in card_titles(staff_client.get("/practices/").content.decode())


def test_unpublished_documents_are_hidden_with_their_lessons(client):
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    lesson = doc.practices.first()
    making.save(doc, status="draft")
    assert client.get(doc.get_absolute_url()).status_code == 404
    assert client.get("/practices/", {"document": doc.pk}).status_code == 400
    assert client.get(lesson.get_absolute_url()).status_code == 404
    assert lesson.title not in card_titles(client.get("/practices/").content.decode())
    assert "兄弟城市党委办公室" not in client.get("/").content.decode()


def test_a_draft_original_is_not_named_by_its_published_duplicate(client):
    original = SourceDocument.objects.get(title="驾校创新发展经验材料", subtitle="")
    making.save(original, status="draft")
    duplicate = original.duplicates.get()
    assert "高度重复" not in client.get(duplicate.get_absolute_url()).content.decode()
    assert "高度重复" not in client.get("/documents/").content.decode()


def test_draft_sub_points_are_neither_listed_nor_counted(client):
    parent = Recommendation.objects.get(title__startswith="以技术转移政策创新为突破口")
    hidden = parent.children.order_by("order").last()
    making.save(hidden, status="draft")
    html = client.get(parent.get_absolute_url()).content.decode()
    subpoints = re.search(r'<ol class="subpoints">(.*?)</ol>', html, re.S).group(1)
    assert hidden.title not in subpoints
    listing = client.get("/recommendations/", {"document": parent.document_id}).content.decode()
    assert "4 条分项" in listing  # of 5
    assert hidden.title not in card_titles(listing)


def test_user_text_is_escaped_everywhere(client):
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    evil = making.lesson(
        Practice,
        title='<script>alert("x")</script>标题',
        summary="<b>粗体</b>",
        body="<img src=x onerror=alert(1)>",
        document=doc,
        status="published",
        places=[Place.objects.get(adcode="420100")],
        tags=["<b>标签</b>"],
    )
    making.save(PlaceAlias(name="<i>别名</i>", place=Place.objects.get(adcode="420100")))
    making.save(doc, title="<script>文献</script>")
    for url in [evil.get_absolute_url(), "/practices/", "/", "/places/420100/", doc.get_absolute_url(), "/documents/"]:
        html = client.get(url).content.decode()
        for raw in ["<script>alert", "<img src=x", "<b>粗体", "<script>文献", "<i>别名", "<b>标签"]:
            assert raw not in html, (url, raw)
    assert "&lt;script&gt;" in client.get(evil.get_absolute_url()).content.decode()
    response = client.get("/practices/", {"place": "<script>x</script>"})
    assert b"<script>x</script>" not in response.content


def test_cached_counts_follow_every_change(client, admin_client):
    def practices_on_home():
        return int(re.search(r"<strong>(\d+)</strong>条经验做法", client.get("/").content.decode()).group(1))

    before = practices_on_home()
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    created = making.lesson(Practice, title="新做法", document=doc, status="published")
    assert practices_on_home() == before + 1
    admin_client.post("/admin/experiences/practice/", {**making.WITHDRAW, "_selected_action": [created.pk]})
    assert practices_on_home() == before
    making.delete(created)
    hubei_before = client.get("/places/").content.decode()
    making.lesson(
        Practice, title="湖北新做法", document=doc, status="published", places=[Place.objects.get(adcode="421000")]
    )
    assert client.get("/places/").content.decode() != hubei_before


def test_place_names_are_escaped_on_the_place_list(client):
    wuhan = Place.objects.get(adcode="420100")
    making.save(wuhan, name='<b onmouseover="x">武汉市</b>')
    html = client.get("/places/").content.decode()
    assert "<b onmouseover" not in html
    assert '<a href="/places/420100/">&lt;b onmouseover=&quot;x&quot;&gt;武汉市&lt;/b&gt;</a>' in html


def test_home_and_places_carry_the_overview_as_tables_and_chart_data(client):
    import json

    for path in ("/", "/places/"):
        html = client.get(path).content.decode()
        data = json.loads(
            re.search(r'<script id="overview-data" type="application/json">(.*?)</script>', html, re.S).group(1)
        )
        provinces = {p["name"]: p for p in data["provinces"]}
        assert provinces["湖北省"]["url"] == "/places/420000/"
        assert (
            provinces["湖北省"]["total"]
            == provinces["湖北省"]["practices"] + provinces["湖北省"]["recommendations"]
            > 0
        )
        wuhan = next(c for c in data["cities"] if c["name"] == "武汉市")
        assert wuhan["longitude"]
        assert wuhan["latitude"]
        assert {t["label"] for t in data["themes"]} >= {"创新体系", "人才发展"}
        # Without JavaScript (and for screen readers) the same figures are a table, open.
        table = re.search(r'<details class="overview-table" open>(.*?)</details>', html, re.S).group(1)
        assert '<a href="/places/420000/">湖北省</a>' in table
        assert "vendor/echarts/echarts.min" in html
        top = ",".join(c["adcode"] for c in data["cities"][:5])
        assert f'href="/compare/?places={top}"' in html  # from the map to a comparison


def test_the_reader_sets_outline_headings_apart_and_links_passages_to_their_lessons(client):
    document = SourceDocument.objects.get(title="兄弟城市党委办公室工作的主要经验和体会")
    html = client.get(f"/documents/{document.pk}/").content.decode()
    assert re.search(r'<p class="heading level-1">(<span class="anchor"[^>]*></span>)?一、主要经验</p>', html)
    assert re.search(
        r'<p class="heading level-2">(<span class="anchor"[^>]*></span>)?1、秘书督查工作主动超前。</p>', html
    )
    practice = document.practices.published().first()
    link = re.search(rf'<a class="excerpt-link" href="{practice.get_absolute_url()}" title="([^"]*)"><mark', html)
    assert link is not None
    assert link.group(1) == practice.title


def test_lists_number_their_pages_keep_their_filters_and_jump(client, settings):
    settings.KBASE_PAGE_SIZE = 3
    html = client.get("/practices/", {"place": "湖北", "page": 2}).content.decode()
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S).group(0)
    assert '<span aria-current="page">2</span>' in nav
    assert 'href="?place=%E6%B9%96%E5%8C%97&amp;page=1"' in nav  # the filter kept, page 1 a link
    assert 'rel="next"' in nav
    assert '<input type="hidden" name="place" value="湖北">' in nav  # the jump keeps the filter too
    assert 'name="page" min="1"' in nav


def test_a_place_page_keeps_the_other_lists_page(client, settings):
    settings.KBASE_PAGE_SIZE = 2
    html = client.get("/places/420000/", {"rpage": 2}).content.decode()
    assert "rpage=2&amp;page=2" in html


def test_the_document_list_counts_filters_and_sorts(client):
    html = client.get("/documents/").content.decode()
    total = SourceDocument.objects.published().count()
    assert f"共 {total} 篇" in html
    html = client.get("/documents/", {"place": "湖北"}).content.decode()
    assert "兄弟城市党委办公室工作的主要经验和体会" in html
    assert "驾校" not in html.split('class="doc-cards"')[1]
    assert "地区：湖北省" in html
    by_title = client.get("/documents/", {"sort": "title"}).content.decode()
    titles = re.findall(r'<h3><a href="/documents/\d+/">([^<]+)</a>', by_title)
    assert titles == sorted(titles)
    assert client.get("/documents/", {"sort": "nonsense"}).status_code == 400


def test_places_can_be_found_by_name_pinyin_alias_and_code_with_or_without_lessons(client):
    html = client.get("/places/", {"q": "鼓楼"}).content.decode()
    results = html.split('class="place-results"')[1].split("</section>")[0]
    assert "鼓楼区（江苏·南京）" in results
    assert "鼓楼区（福建·福州）" in results
    assert "暂无内容" in results  # listed though nothing is filed there
    assert "宿州市（安徽）" in client.get("/places/", {"q": "suzhou"}).content.decode()
    assert "海淀区（北京）" in client.get("/places/", {"q": "中关村"}).content.decode()
    assert "武汉市（湖北）" in client.get("/places/", {"q": "4201"}).content.decode()
    assert "没有找到这个地区" in client.get("/places/", {"q": "火星"}).content.decode()


def test_practices_sort_newest_or_oldest_first(client):
    newest = card_titles(client.get("/practices/").content.decode())
    oldest = card_titles(client.get("/practices/", {"sort": "oldest"}).content.decode())
    expected = [p.title for p in Practice.objects.published().order_by("created_at", "pk")[:20]]
    assert oldest == expected
    assert newest[0] == Practice.objects.published().order_by("-created_at", "-pk").first().title
    assert client.get("/practices/", {"sort": "sideways"}).status_code == 400
