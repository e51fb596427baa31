"""A curator's journey in Chromium: upload a report, read the preview, confirm, correct a draft, submit it;
a reviewer approves it; a reader finds it on the public pages."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from .browser import DESKTOP, Watch, assert_fits, skip_marks

pytestmark = skip_marks()
PASSWORD = "curator-journey-password"
REPORT = (Path(__file__).resolve().parent / "samples" / "unseen_report.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def staff(site) -> None:
    site.python(
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.auth.models import Group\n"
        "for name, role in (('journey-editor', '编辑'), ('journey-reviewer', '审核')):\n"
        "    u, _ = get_user_model().objects.get_or_create(username=name, defaults={'is_staff': True})\n"
        f"    u.set_password('{PASSWORD}'); u.is_staff = True; u.save()\n"
        "    u.groups.add(Group.objects.get(name=role))\n"
    )


def _admin_sign_in(page, site, username: str) -> None:
    page.context.clear_cookies()
    page.goto(site.base_url + "/admin/login/?next=/admin/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


def test_upload_preview_confirm_correct_submit_approve_and_find(site, page, staff, tmp_path):
    page.set_viewport_size(DESKTOP)
    watch = Watch.on(page)
    marker = uuid.uuid4().hex[:6]
    report = tmp_path / "苏州昆山考察.txt"
    report.write_text(REPORT + f"\n(本文编号 {marker})\n", encoding="utf-8")  # new content each run

    # The editor uploads; the analysis runs as a job and the preview follows.
    _admin_sign_in(page, site, "journey-editor")
    page.goto(site.base_url + "/admin/experiences/importbatch/add/")
    page.locator("input[name=file]").set_input_files(str(report))
    page.locator("input[type=submit]").click()
    confirm = page.get_by_role("button", name="确认导入")
    confirm.wait_for(timeout=60_000)
    assert "读取为 UTF-8" in page.content()
    assert "坚持规划引领" in page.content()  # a draft practice, shown before anything is written
    assert_fits(page)
    confirm.click()

    # The write is a job too; its page lands on the new drafts.
    page.get_by_role("button", name="全部提交审核").wait_for(timeout=60_000)
    result = page.url
    page.get_by_role("link", name="坚持规划引领").first.click()
    title = f"苏州工业园区坚持规划引领 {marker}"
    page.locator("input#id_title").fill(title)
    assert page.locator("input#id_title").evaluate("el => el.getBoundingClientRect().width") > 400
    page.locator("input[name=_save]").first.click()
    page.wait_for_url("**/practice/")
    page.goto(result)
    page.get_by_role("button", name="全部提交审核").click()
    page.locator(".messagelist", has_text="已提交审核").wait_for()

    # The reviewer approves the corrected practice (its document is published with it).
    _admin_sign_in(page, site, "journey-reviewer")
    page.goto(site.base_url + "/admin/review/")
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("link", name="审核通过并发布").click()
    page.locator("input[name=apply]").click()
    page.locator(".messagelist").wait_for()

    # A reader (signed out) finds it.
    page.context.clear_cookies()
    page.goto(site.base_url + f"/search/?q={marker}")
    page.get_by_role("link", name=title).first.click()
    assert page.locator("h1").inner_text().endswith(title) or title in page.locator("h1").inner_text()
    # Filed under the city the importer read from its heading (一、苏州、昆山的主要做法).
    places = page.locator("dl.facts dd").first.inner_text()
    assert "苏州市" in places or "昆山市" in places, places
    watch.check()
