"""On a phone (390 × 844): what the reader came for is on the first screen, and nothing pinned covers it."""

from __future__ import annotations

import pytest

from .browser import DESKTOP, PHONE, Watch, skip_marks

pytestmark = skip_marks()

# Height of what stays on screen while scrolling (position fixed or sticky), in CSS pixels.
PINNED_JS = """() => {
  let covered = 0;
  for (const el of document.querySelectorAll('body *')) {
    const position = getComputedStyle(el).position;
    if (position !== 'fixed' && position !== 'sticky') continue;
    const box = el.getBoundingClientRect();
    const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, window.innerHeight);
    if (bottom > top && box.width > 0) covered += bottom - top;
  }
  return covered;
}"""


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    watch = Watch.on(page)
    yield page
    watch.check()


def _document_path(site) -> str:
    return (
        "/documents/"
        + site.python(
            "from experiences.models import SourceDocument\n"
            "print(SourceDocument.objects.get(title='兄弟城市党委办公室工作的主要经验和体会').pk)"
        )
        + "/"
    )


def test_on_a_phone_the_first_search_result_is_on_the_first_screen(site, phone):
    phone.goto(site.base_url + "/search/?q=人才")
    assert phone.locator(".result").first.bounding_box()["y"] < PHONE["height"] - 100


def test_on_a_phone_the_first_practice_is_on_the_first_screen(site, phone):
    phone.goto(site.base_url + "/practices/")
    assert phone.locator(".cards .card").first.bounding_box()["y"] < PHONE["height"] - 100


def test_on_a_phone_the_filters_open_behind_a_filter_control_and_still_filter(site, phone):
    phone.goto(site.base_url + "/practices/")
    place = phone.get_by_label("地区", exact=True)
    assert not place.is_visible()
    phone.get_by_text("筛选", exact=True).first.click()
    place.fill("湖北")
    phone.locator(".filters button[type=submit]").click()
    phone.wait_for_url("**place=*")
    assert "地区：湖北省" in phone.locator(".active-filters").inner_text()


def test_on_a_desktop_the_filters_are_open_beside_the_results(site, page):
    page.set_viewport_size(DESKTOP)
    page.goto(site.base_url + "/practices/")
    assert page.get_by_label("地区", exact=True).is_visible()


def test_on_a_phone_the_outline_is_folded_and_nothing_pinned_covers_the_text(site, phone):
    phone.goto(site.base_url + _document_path(site))
    outline = phone.locator(".outline")
    assert outline.bounding_box()["height"] < 80  # folded: one line, 提纲
    phone.mouse.wheel(0, 2500)
    phone.wait_for_timeout(200)
    assert phone.evaluate(PINNED_JS) <= 100
    outline.locator("summary").click()
    first = outline.locator("a").first
    assert first.is_visible()
    first.click()
    phone.wait_for_url("**#sec-*")


def test_on_a_desktop_the_outline_is_open_and_follows_the_text(site, page):
    page.set_viewport_size(DESKTOP)
    page.goto(site.base_url + _document_path(site))
    assert page.locator(".outline a").first.is_visible()


def test_document_cards_have_no_stray_bullets_and_do_not_touch(site, phone):
    phone.goto(site.base_url + "/documents/")
    cards = phone.locator(".doc-cards > li")
    assert phone.locator(".doc-cards").evaluate("ul => getComputedStyle(ul).listStyleType") == "none"
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert second["y"] - (first["y"] + first["height"]) >= 8
    assert first["x"] >= 8


def test_arrow_down_enters_the_suggestions_and_enter_opens_one(site, page):
    page.set_viewport_size(DESKTOP)
    page.goto(site.base_url + "/")
    box = page.locator(".search-box input[name=q]")
    box.fill("武汉")
    page.locator(".search-box .suggestions [role=option]").first.wait_for()
    box.press("ArrowDown")
    first = page.locator(".search-box .suggestions [role=option]").first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert box.evaluate("el => el === document.activeElement")  # typing can go on
    href = first.locator("a").get_attribute("href")
    box.press("Enter")
    page.wait_for_url("**" + href)
