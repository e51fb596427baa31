"""What a reader sees of the filters in force: names, not codes, each removable on its own."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _chips(html: str) -> list[tuple[str, str]]:
    return [
        (re.sub(r"<[^>]+>", "", text).replace("×", "").replace("（去掉）", "").strip(), href.replace("&amp;", "&"))
        for href, text in re.findall(r'<a class="chip active" href="([^"]*)"[^>]*>(.*?)</a>', html, re.S)
    ]


def test_a_place_facet_shows_the_place_name_in_the_place_field(client):
    html = client.get("/search/", {"q": "人才", "place": "330000"}).content.decode()
    assert re.search(r'name="place" value="浙江省"', html)
    assert 'value="330000"' not in html


def test_each_search_filter_in_force_is_a_chip_that_removes_only_itself(client):
    html = client.get("/search/", {"q": "人才", "place": "330000", "type": "practice"}).content.decode()
    chips = dict(_chips(html))
    assert set(chips) == {"地区：浙江省", "类型：经验做法"}
    assert chips["地区：浙江省"] == "?q=%E4%BA%BA%E6%89%8D&type=practice"
    assert "全部清除" in html
    assert 'href="?q=%E4%BA%BA%E6%89%8D"' in html  # clearing keeps the query


def test_list_filters_in_force_are_chips(client):
    html = client.get("/practices/", {"place": "湖北", "theme": ""}).content.decode()
    assert [label for label, _ in _chips(html)] == ["地区：湖北省"]
    html = client.get("/practices/", {"place": "武汉"}).content.decode()
    assert [label for label, _ in _chips(html)] == ["地区：武汉市（湖北）"]
    assert "全部清除" not in html  # one filter: its own × is enough


def test_no_chips_without_filters(client):
    assert 'class="active-filters"' not in client.get("/practices/").content.decode()


def test_a_namesake_place_keeps_its_code_and_its_chip_says_where_it_is(client):
    # 鼓楼区 names four districts: typed as a name it means Nanjing's; Xuzhou's keeps its code.
    html = client.get("/practices/", {"place": "320302"}).content.decode()
    assert 'name="place" value="320302"' in html
    assert [label for label, _ in _chips(html)] == ["地区：鼓楼区（江苏·徐州）"]


def test_the_document_filter_is_a_titled_chip_not_a_number_to_type(client):
    from experiences.models import SourceDocument

    document = SourceDocument.objects.published().first()
    html = client.get("/practices/", {"document": document.pk}).content.decode()
    assert "来源文献编号" not in html
    assert f'<input type="hidden" name="document" value="{document.pk}"' in html
    assert [label for label, _ in _chips(html)] == [f"来源文献：{document.title}"]


def test_an_unknown_document_says_so_beside_the_filters(client):
    response = client.get("/practices/", {"document": 999999})
    assert response.status_code == 400
    assert "来源文献：没有这篇文献。" in response.content.decode()


def test_the_chosen_facet_is_marked_in_the_facet_list(client):
    html = client.get("/search/", {"q": "人才", "place": "330000"}).content.decode()
    facets = html.split('class="facets"')[1].split("</nav>")[0]
    assert re.search(r'<li class="selected"><a href="[^"]*place=330000" aria-current="true">浙江省</a>', facets)
    assert facets.count('class="selected"') == 1
