"""Searching in Chromium: a query, a place facet, the chip that undoes it, page numbers."""

from __future__ import annotations

from .browser import DESKTOP, PHONE, Watch, assert_fits, skip_marks

pytestmark = skip_marks()


def test_search_narrow_by_a_facet_undo_it_and_page_through(site, page):
    page.set_viewport_size(DESKTOP)
    watch = Watch.on(page)
    page.goto(site.base_url + "/")
    page.locator(".hero-search input[name=q]").fill("创新")
    page.locator(".hero-search button").click()
    page.wait_for_url("**/search/?q=*")
    total = page.locator("text=/找到 \\d+ 条/").first.inner_text()
    page.locator(".facets a", has_text="浙江省").first.click()
    page.wait_for_url("**place=330000*")
    assert page.locator(".facets li.selected a").first.inner_text() == "浙江省"
    chip = page.locator(".active-filters a.chip", has_text="浙江省")
    assert chip.is_visible()
    assert page.locator("input[name=place]").input_value() == "浙江省"
    narrowed = page.locator("text=/找到 \\d+ 条/").first.inner_text()
    assert narrowed != total
    chip.click()
    page.wait_for_load_state()
    assert "place=" not in page.url
    page.locator(".pagination a", has_text="2").first.click()
    page.wait_for_url("**page=2*")
    assert page.locator('.page-numbers [aria-current="page"]').inner_text() == "2"
    assert page.locator(".result").count() > 0
    watch.check()


def test_a_recommendations_sub_points_are_numbered_once(site, page):
    page.set_viewport_size(PHONE)
    path = site.python(
        "from experiences.models import Recommendation\n"
        "print(Recommendation.objects.published().filter(parent=None, children__isnull=False).first()"
        ".get_absolute_url())"
    )
    page.goto(site.base_url + path)
    points = page.locator("ol.subpoints")
    assert points.evaluate("ol => getComputedStyle(ol).listStyleType") == "none"  # only their own (1) (2)
    assert points.locator("li .label").first.inner_text().startswith("(")
    assert_fits(page)
