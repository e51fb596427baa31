"""Every public page in Chromium, at a phone's width and a desktop's: no console error, no failed asset,
nothing wider than the screen, and what the reader came for within the first screen."""

from __future__ import annotations

import pytest

from .browser import DESKTOP, PHONE, Watch, assert_fits, screenshot, skip_marks

pytestmark = skip_marks()

PAGES = {
    "home": "/",
    "search": "/search/?q=人才",
    "practices": "/practices/",
    "recommendations": "/recommendations/",
    "documents": "/documents/",
    "places": "/places/",
    "place": "/places/420000/",
    "themes": "/themes/",
    "theme": "/themes/talent/",
    "compare": "/compare/?places=420100,420900,330100,140600",
}


def _first_ids(site) -> dict[str, int]:
    out = site.python(
        "from experiences.models import Practice, Recommendation, SourceDocument\n"
        "print(Practice.objects.published().first().pk,"
        " Recommendation.objects.published().filter(parent=None).first().pk,"
        " SourceDocument.objects.published().first().pk)"
    )
    practice, recommendation, document = map(int, out.split())
    return {"practice": practice, "recommendation": recommendation, "document": document}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_public_page_fits_the_screen_without_errors(site, page, viewport):
    ids = _first_ids(site)
    pages = {
        **PAGES,
        "practice": f"/practices/{ids['practice']}/",
        "recommendation": f"/recommendations/{ids['recommendation']}/",
        "document": f"/documents/{ids['document']}/",
    }
    page.set_viewport_size(viewport)
    problems = {}
    watch = Watch.on(page)
    for name, path in [*pages.items(), ("export", None)]:
        path = path or pages["export"]
        watch.errors.clear()
        response = page.goto(site.base_url + path)
        assert response.status == 200, (path, response.status)
        screenshot(page, f"{name}-{viewport['width']}")
        if name == "place":  # the export page of a selection, as its link gives it
            pages.setdefault("export", page.locator(".export-links a").last.get_attribute("href"))
        try:
            watch.check()
            assert_fits(page)
        except AssertionError as error:
            problems[path] = str(error)
    assert not problems, problems
