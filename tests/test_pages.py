"""Every public page answers with what a reader must see, and nothing unpublished."""

from __future__ import annotations

import pytest

from experiences.models import Practice, Recommendation, SourceDocument, Theme

pytestmark = pytest.mark.django_db


def practice(title_part: str) -> Practice:
    return Practice.objects.get(title__contains=title_part)


def test_home_shows_counts_themes_places_and_latest_practices(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "经验借鉴知识库" in html
    assert f"<strong>{Practice.objects.count()}</strong>" in html
    assert f"<strong>{Recommendation.objects.count()}</strong>" in html
    assert "创新体系" in html
    assert "党政办公室工作" in html
    assert "杭州市" in html  # the place with most lessons
    assert 'name="q"' in html


def test_places_are_grouped_by_province_in_pinyin_order(client):
    html = client.get("/places/").content.decode()
    provinces = ["北京市", "广东省", "湖北省", "江苏省", "上海市", "山西省", "陕西省", "天津市", "浙江省"]
    positions = [html.index(f">{name}</a>") for name in provinces]
    assert positions == sorted(positions)
    assert "荆州市" in html
    assert "商州区" in html
    assert "河南省" not in html  # no lessons there


def test_province_page_includes_lessons_of_its_cities(client):
    response = client.get("/places/420000/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "湖北省" in html
    for title in ["武汉", "孝感", "鄂州"]:
        assert title in html
    assert "兄弟城市党委办公室工作的主要经验和体会" in html  # the document that mentions it


def test_district_page_shows_alias_and_breadcrumbs(client):
    html = client.get("/places/110108/").content.decode()
    assert "中关村" in html
    assert "北京市" in html
    assert "产学研" in html


def test_theme_tree_and_theme_page_include_sub_themes(client):
    html = client.get("/themes/").content.decode()
    assert "创新体系" in html
    assert "产学研合作" in html
    parent = Theme.objects.get(slug="office-work")
    html = client.get(parent.get_absolute_url()).content.decode()
    assert "督查" in html
    assert "接待" in html


def test_practice_list_filters_by_place_with_descendants(client):
    html = client.get("/practices/", {"place": "湖北"}).content.decode()
    assert "武汉" in html
    assert "孝感" in html
    assert "鄂州" in html
    assert "中关村" not in html
    html = client.get("/practices/", {"place": "中关村"}).content.decode()  # an alias
    assert "中关村" in html
    assert "武汉" not in html


def test_practice_list_filters_by_theme_tag_document_and_text(client):
    html = client.get("/practices/", {"theme": "office-work"}).content.decode()
    assert "武汉" in html
    assert "朔州" not in html
    tagged = Practice.objects.filter(tags__isnull=False).first()
    tag = tagged.tags.first()
    html = client.get("/practices/", {"tag": tag.name}).content.decode()
    assert tagged.title in html
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    html = client.get("/practices/", {"document": doc.pk}).content.decode()
    assert "鄂州" in html
    assert "中关村" not in html
    html = client.get("/practices/", {"q": "雨伞"}).content.decode()
    assert "鄂州" in html
    assert "中关村" not in html


@pytest.mark.parametrize(
    "params",
    [
        {"place": "不存在的地方"},
        {"place": "999999"},
        {"theme": "no-such-theme"},
        {"document": "abc"},
        {"document": "999999"},
        {"tag": "没有这个标签"},
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
    assert item.title in html
    assert f'<mark class="excerpt" data-lesson="excerpt">{item.excerpt}</mark>' in html
    assert item.section.heading in html
    assert "海淀区" in html
    assert "产学研合作" in html
    assert "以健全产学研合作机制为基点" in html  # the recommendation derived from it
    assert "南京" in html  # a related practice


def test_recommendation_detail_lists_sub_points_and_practices_behind_it(client):
    parent = Recommendation.objects.get(title__startswith="以技术转移政策创新为突破口")
    html = client.get(parent.get_absolute_url()).content.decode()
    for child in parent.children.all():
        assert child.title in html
    for source in Practice.objects.filter(recommendations__in=[parent, *parent.children.all()]).distinct():
        assert source.title in html


def test_recommendation_list_shows_top_level_items_with_sub_point_counts(client):
    html = client.get("/recommendations/").content.decode()
    assert "以健全产学研合作机制为基点" in html
    assert "条分项" in html


def test_document_reader_shows_outline_marks_and_duplicates(client):
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    html = client.get(doc.get_absolute_url()).content.decode()
    assert "提纲" in html
    assert "主要经验" in html
    assert "主要体会" in html
    assert 'class="excerpt"' in html
    assert "荆州市委办公室" in html
    original = SourceDocument.objects.get(title="驾校创新发展经验材料", subtitle="")
    html = client.get(original.get_absolute_url()).content.decode()
    assert "高度重复" in html
    duplicate = original.duplicates.get()
    html = client.get(duplicate.get_absolute_url()).content.decode()
    assert "高度重复" in html
    assert "推进创新发展 构建和谐驾校" in html


def test_document_list_lists_all_five_articles(client):
    html = client.get("/documents/").content.decode()
    assert html.count('class="card"') == 5
    assert "书评" in html
    assert "考察报告" in html


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "/practices/999999/",
        "/recommendations/999999/",
        "/documents/999999/",
        "/places/999999/",
        "/places/abc/",
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
    assert draft_practice.title in staff_client.get("/practices/").content.decode()


def test_unpublished_documents_are_hidden_and_not_filterable(client):
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    doc.status = "draft"
    doc.save()
    assert client.get(doc.get_absolute_url()).status_code == 404
    assert client.get("/practices/", {"document": doc.pk}).status_code == 400


def test_user_text_is_escaped_everywhere(client):
    doc = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    evil = Practice.objects.create(
        title='<script>alert("x")</script>标题',
        summary="<b>粗体</b>",
        body="<img src=x onerror=alert(1)>",
        document=doc,
        status="published",
    )
    for url in [evil.get_absolute_url(), "/practices/", "/"]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "<b>粗体" not in html
        assert "&lt;script&gt;" in html
    response = client.get("/practices/", {"place": "<script>x</script>"})
    assert b"<script>x</script>" not in response.content
