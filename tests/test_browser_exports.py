"""Exports in Chromium from a place page: PDF and Word files, with the wait shown while they are made.

A small selection is typeset during the request (the page shows that it is
working, then that the file came); a larger one becomes a job whose page
shows its progress, then the download.
"""

from __future__ import annotations

import pytest

from .browser import DESKTOP, Watch, skip_marks

pytestmark = skip_marks()
MAGIC = {"PDF": b"%PDF", "Word": b"PK\x03\x04"}


def _check_file(download, label: str, name: str) -> None:
    with open(download.path(), "rb") as file:
        assert file.read(4).startswith(MAGIC[label])
    assert download.suggested_filename.startswith(name)


@pytest.mark.parametrize("label", ["PDF", "Word"])
def test_a_small_places_file_downloads_from_its_page_with_the_wait_shown(site, page, label):
    page.set_viewport_size(DESKTOP)
    watch = Watch.on(page)
    page.goto(site.base_url + "/places/420900/")  # 孝感市: a few lessons, made in the request
    with page.expect_download(timeout=60_000) as download:
        page.locator(".export-links a", has_text=label).first.click()
        page.locator(".download-status").first.wait_for()
    _check_file(download.value, label, "湖北孝感市")
    page.locator(".download-status", has_text="文件已生成").wait_for(timeout=10_000)
    assert page.url.endswith("/places/420900/")
    watch.check()


@pytest.mark.parametrize("label", ["PDF", "Word"])
def test_a_large_places_file_is_a_job_with_progress_then_the_download(site, page, label):
    page.set_viewport_size(DESKTOP)
    watch = Watch.on(page)
    page.goto(site.base_url + "/places/420000/")  # 湖北省: past the request's budget
    page.locator(".export-links a", has_text=label).first.click()
    page.wait_for_url("**/jobs/*/")
    button = page.locator("a.button", has_text="下载")
    button.wait_for(timeout=90_000)  # the job page follows its progress and shows the link when done
    with page.expect_download(timeout=30_000) as download:
        button.click()
    _check_file(download.value, label, "湖北")
    watch.check()
