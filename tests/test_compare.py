"""对比: places side by side by theme, with the list's own selection rules, and its export."""

from __future__ import annotations

import re

import pytest

from experiences.comparing import compare
from experiences.filters import PracticeFilterSet
from experiences.models import Place, Practice, Theme

pytestmark = pytest.mark.django_db


def _table(html: str) -> dict[str, list[str]]:
    """Row header → the text of each cell (tags dropped)."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        header = re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)).strip()
        rows[header] = [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
    return rows


def test_two_places_side_by_side_by_theme(client):
    response = client.get("/compare/", {"places": "武汉、孝感"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<thead>.*武汉市（湖北）.*孝感市（湖北）.*</thead>", html, re.S)
    rows = _table(html)
    assert "党政办公室工作" in rows
    wuhan, xiaogan = rows["党政办公室工作"]
    assert "共" in wuhan
    assert "共" in xiaogan
    assert "每周提前征集下周市委常委会议题" in wuhan


def test_cell_counts_equal_the_lists_they_link_to(client):
    places = [Place.objects.get(adcode="420100"), Place.objects.get(adcode="330100")]
    result = compare(places=places, theme=None, query="", practices=Practice.objects.published())
    assert result.rows
    for row in result.rows:
        for column, cell in zip(result.columns, row.cells, strict=True):
            if row.theme is None:
                continue
            data = {"place": column.place.adcode, "theme": row.theme.slug}
            assert cell.count == PracticeFilterSet(data=data, queryset=Practice.objects.published()).qs.count()
            assert len(cell.practices) == min(cell.count, 5)
            if cell.count:
                assert f"place={column.place.adcode}" in cell.url


def test_a_theme_compares_its_sub_themes(client):
    theme = Theme.objects.get(slug="office-work")
    html = client.get("/compare/", {"places": "420100,420900", "theme": theme.slug}).content.decode()
    rows = _table(html)
    assert set(rows) <= {theme.name, *theme.children.values_list("name", flat=True)}
    assert "督查督办" in rows or "秘书与会务" in rows
    assert 'value="武汉市、孝感市"' in html  # the codes of a link show as names


def test_drafts_never_appear_in_a_readers_comparison(client, draft_practice):
    codes = ",".join(p.adcode for p in draft_practice.places.all()[:1]) + ",330100"
    html = client.get("/compare/", {"places": codes}).content.decode()
    assert draft_practice.title not in html


@pytest.mark.parametrize(
    ("places", "message"),
    [("武汉、火星", "没有找到地区：火星。"), ("北京 上海 广州 深圳 武汉 杭州", "最多对比 5 个地区。")],
)
def test_bad_places_get_a_clear_error_and_no_table(client, places, message):
    response = client.get("/compare/", {"places": places})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert '<table class="compare">' not in html


def test_one_place_asks_for_another(client):
    html = client.get("/compare/", {"places": "420100"}).content.decode()
    assert "请再填写至少一个地区" in html
    assert 'value="武汉市"' in html


def test_place_pages_and_search_facets_lead_to_a_comparison(client):
    assert "/compare/?places=420000" in client.get("/places/420000/").content.decode()
    html = client.get("/search/", {"q": "人才"}).content.decode()
    link = re.search(r'href="(/compare/\?places=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert client.get(link).status_code == 200


def test_a_comparison_exports_its_practices_by_place(client):
    html = client.get("/compare/", {"places": "武汉、孝感"}).content.decode()
    links = [a.replace("&amp;", "&") for a in re.findall(r'href="(/export/\?[^"]*source=compare[^"]*)"', html)]
    export = next(link for link in links if "format=" not in link)  # 更多选项…: the export page
    page = client.get(export).content.decode()
    assert "武汉、孝感经验对比" in page or "武汉市、孝感市经验对比" in page
    response = client.get(export + "&format=docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
