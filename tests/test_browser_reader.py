"""A reader's journeys in Chromium: sign in, build and reorder a collection, print a practice."""

from __future__ import annotations

import pytest

from .browser import DESKTOP, PHONE, Watch, assert_fits, skip_marks

pytestmark = skip_marks()
PASSWORD = "reader-journey-password"


@pytest.fixture(scope="module")
def reader(site) -> str:
    site.python(
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.auth.models import Group\n"
        f"u, _ = get_user_model().objects.get_or_create(username='journey-reader')\n"
        f"u.set_password('{PASSWORD}'); u.save()\n"
        "u.groups.add(Group.objects.get(name='读者'))\n"
    )
    return "journey-reader"


def _sign_in(page, site, username: str) -> None:
    page.goto(site.base_url + "/accounts/login/?next=/practices/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/practices/")


def _practice_paths(site, n: int) -> list[str]:
    out = site.python(
        "from experiences.models import Practice\n"
        f"print(' '.join(p.get_absolute_url() for p in Practice.objects.published().order_by('pk')[:{n}]))"
    )
    return out.split()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_reader_builds_and_reorders_a_collection(site, page, reader, viewport):
    page.set_viewport_size(viewport)
    watch = Watch.on(page)
    _sign_in(page, site, reader)
    title = f"调研参考 {viewport['width']}"
    first, second = _practice_paths(site, 2)
    page.goto(site.base_url + first)
    form = page.locator("form.add-to-collection")
    form.locator("select[name=collection]").select_option(label="新建汇编…")
    form.locator("input[name=new_title]").fill(title)
    form.get_by_role("button", name="加入汇编").click()
    saved = page.locator(".messages .notice").first
    assert "success" in saved.get_attribute("class")  # green, not a warning's yellow
    assert saved.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(236, 248, 239)"
    page.goto(site.base_url + second)
    page.locator("form.add-to-collection select[name=collection]").select_option(label=title)
    page.locator("form.add-to-collection").get_by_role("button", name="加入汇编").click()
    page.goto(site.base_url + "/collections/")
    card = page.locator(".card", has_text=title)
    assert "2 条" in card.inner_text()
    card.get_by_role("link", name=title).click()
    items = page.locator(".collection-items > li")
    before = [items.nth(i).locator("a").first.inner_text() for i in range(2)]
    items.nth(1).get_by_title("上移").click()
    page.wait_for_load_state()
    after = [page.locator(".collection-items > li").nth(i).locator("a").first.inner_text() for i in range(2)]
    assert after == list(reversed(before))
    assert_fits(page)
    watch.check()


def test_a_printed_practice_carries_its_content_not_the_sites_controls(site, page):
    page.set_viewport_size(DESKTOP)
    (path,) = _practice_paths(site, 1)
    page.goto(site.base_url + path)
    page.emulate_media(media="print")
    for selector in (".site-header", ".export-links", ".search-box", ".site-footer"):
        assert not page.locator(selector).first.is_visible(), selector
    assert page.locator("h1").is_visible()
    assert page.locator("blockquote.passage").first.is_visible()
    pdf = page.pdf()  # Chromium prints it
    assert pdf.startswith(b"%PDF")
