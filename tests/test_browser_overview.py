"""The visual overview in Chromium: the map and the charts are drawn and every mark leads to its page."""

from __future__ import annotations

import pytest

from .browser import DESKTOP, PHONE, Watch, assert_fits, skip_marks

pytestmark = skip_marks()

# Where ECharts drew a city's bubble, in page coordinates: the chart's own conversion from data to pixels.
POINT_JS = """([id, seriesIndex, name]) => {
  const element = document.getElementById(id);
  const chart = echarts.getInstanceByDom(element);
  const item = chart.getOption().series[seriesIndex].data.find(d => d.name === name);
  const point = chart.convertToPixel({seriesIndex}, item.value.slice(0, 2));
  const box = element.getBoundingClientRect();
  return {x: box.left + point[0], y: box.top + point[1], url: item.url};
}"""


def _drawn(page, path: str, chart: str = "chart-map"):
    page.goto(path)
    page.locator(f"#{chart}").scroll_into_view_if_needed()
    page.wait_for_function("() => { const el = document.getElementById('chart-map');"
                           " return window.echarts && el && echarts.getInstanceByDom(el); }")  # fmt: skip
    page.wait_for_timeout(300)  # the first frame


def _click_chart(page, chart: str, point_js: str) -> None:
    """Click where ``point_js`` (an expression over ``chart``, the ECharts instance) puts a point."""
    point = page.evaluate(
        f"""([id]) => {{
          const element = document.getElementById(id);
          const chart = echarts.getInstanceByDom(element);
          const p = {point_js};
          const box = element.getBoundingClientRect();
          return {{x: box.left + p[0], y: box.top + p[1]}};
        }}""",
        [chart],
    )
    page.mouse.click(point["x"], point["y"])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_clicking_a_city_on_the_map_opens_its_place_page(site, page, viewport):
    page.set_viewport_size(viewport)
    watch = Watch.on(page)
    _drawn(page, site.base_url + "/")
    # Shenzhen stands alone on the map: the bubbles of Wuhan and Xiaogan overlap on a phone.
    point = page.evaluate(POINT_JS, ["chart-map", 1, "深圳市"])
    assert point["url"] == "/places/440300/"
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**/places/440300/")
    assert "深圳市" in page.locator("h1").inner_text()
    watch.check()


def test_clicking_a_shaded_province_opens_its_place_page(site, page):
    page.set_viewport_size(DESKTOP)
    _drawn(page, site.base_url + "/places/")
    # Zhejiang's shape holds no city bubble at its centre of view: click the map series there.
    _click_chart(page, "chart-map", "chart.convertToPixel({geoIndex: 0}, [120.0, 29.0])")
    page.wait_for_url("**/places/330000/")


def test_clicking_a_theme_bar_opens_the_theme(site, page):
    page.set_viewport_size(DESKTOP)
    _drawn(page, site.base_url + "/", chart="chart-themes")
    # The middle of the recommendations' part of 人才发展's stacked bar.
    _click_chart(
        page,
        "chart-themes",
        """(() => {
          const option = chart.getOption();
          const index = option.yAxis[0].data.indexOf('人才发展');
          const value = option.series[0].data[index].value + option.series[1].data[index].value;
          return chart.convertToPixel({seriesIndex: 1}, [value - 0.5, index]);
        })()""",
    )
    page.wait_for_url("**/themes/talent/")


def test_the_overview_table_folds_once_the_charts_are_drawn(site, page):
    page.set_viewport_size(PHONE)
    _drawn(page, site.base_url + "/")
    assert not page.locator(".overview-table").evaluate("d => d.open")
    page.get_by_text("以表格查看").click()
    assert page.get_by_role("link", name="湖北省").first.is_visible()
    assert_fits(page)
