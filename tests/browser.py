"""Browser journeys: Debian's chromium driven by pytest-playwright against the production stack.

The stack (tests/stack.py) is the README's deployment: gunicorn with DEBUG
off, a Celery worker, Redis. Chromium speaks plain HTTP to it as a browser
behind a TLS-terminating proxy would (``X-Forwarded-Proto: https``).

``Watch`` records what a reader would notice and a page test must not
tolerate: an error in the console, an uncaught exception, a stylesheet,
script or image that failed (4xx/5xx), and any element wider than the
viewport (the page scrolls sideways on a phone).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("KBASE_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = Path(os.environ.get("KBASE_SCREENSHOTS", "")) if os.environ.get("KBASE_SCREENSHOTS") else None

# Elements wider than the viewport, ignoring those inside a scrolling container (a wide table
# that scrolls on its own is fine) and those hidden.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (!box.width || box.right <= width + 1) continue;
    let scrolled = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden'].includes(style.overflowX)) { scrolled = true; break; }
    }
    const name = el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '');
    if (!scrolled) wide.push(name + ' ' + Math.round(box.right) + 'px');
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


def skip_marks() -> list:
    """Browser journeys need chromium and Redis, and run once: on SQLite (the pages are the same on PostgreSQL)."""
    import pytest

    from .stack import REDIS_DEFAULT, redis_answers, same_engine_as_tests

    return [
        pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM}"),
        pytest.mark.skipif(not redis_answers(REDIS_DEFAULT), reason=f"no Redis at {REDIS_DEFAULT}"),
        pytest.mark.skipif(
            same_engine_as_tests() is not None and not os.environ.get("KBASE_BROWSER_ON_POSTGRES"),
            reason="browser journeys run on SQLite (KBASE_BROWSER_ON_POSTGRES=1 runs them on PostgreSQL too)",
        ),
    ]


@dataclass
class Watch:
    """Console errors, page errors and failed assets seen on a page since it was watched."""

    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # every 4xx/5xx answer, pages too: says which a console error was

    @classmethod
    def on(cls, page) -> Watch:
        watch = cls()
        page.on("console", lambda m: watch.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: watch.errors.append(f"page error: {e}"))
        # net::ERR_ABORTED: a request the browser dropped itself, leaving the page (a favicon, a prefetch).
        page.on(
            "requestfailed",
            lambda r: (
                None if "ERR_ABORTED" in (r.failure or "") else watch.errors.append(f"failed: {r.url} {r.failure}")
            ),
        )

        def response(r):
            if r.status >= 400:
                watch.failed.append(f"{r.status}: {r.url}")
                if r.request.resource_type != "document":
                    watch.errors.append(f"{r.status}: {r.url}")

        page.on("response", response)
        return watch

    def check(self) -> None:
        assert not self.errors, (self.errors, self.failed)


def overflow(page) -> dict:
    return page.evaluate(OVERFLOW_JS)


def assert_fits(page) -> None:
    """Nothing makes the page scroll sideways."""
    seen = overflow(page)
    assert seen["scrollWidth"] <= seen["width"] + 1, seen
    assert not seen["wide"], seen


def screenshot(page, name: str) -> None:
    """Kept for a person to look at when KBASE_SCREENSHOTS names a folder."""
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
