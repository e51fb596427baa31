"""The English interface: every text translated, the language chosen by the browser or the page's switch,
and ``<html lang>`` saying which."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3400-\u9fff]")

pytestmark = pytest.mark.django_db


def _msgids(po: Path) -> set[str]:
    text = po.read_text(encoding="utf-8")
    ids = set()
    for block in text.split("\n\n"):
        match = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if match:
            ids.add("".join(re.findall(r'"(.*)"', match.group(1))))
    return ids - {""}


@pytest.mark.skipif(not shutil.which("msgattrib"), reason="gettext tools not installed")
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_text_of_the_interface_has_an_english_translation(domain):
    po = LOCALE / f"{domain}.po"
    untranslated = subprocess.run(["msgattrib", "--untranslated", str(po)], capture_output=True, text=True, check=True)
    assert untranslated.stdout.count("msgid") <= 1, untranslated.stdout[:2000]  # at most the header
    assert "#, fuzzy" not in po.read_text(encoding="utf-8")


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext tools not installed")
def test_the_catalogues_hold_every_text_the_code_has(tmp_path, settings):
    """makemessages finds no text that the .po files lack: a new string needs its translation.

    Run on a copy of the sources and catalogues, so that the repository's files stay as they are.
    """
    from django.core.management import call_command

    for name in ("experiences", "briefings", "jobs", "backups", "kbase", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copytree(ROOT / "static" / "js", tmp_path / "static" / "js")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    catalogues = tmp_path / "locale" / "en" / "LC_MESSAGES"
    before = {domain: _msgids(catalogues / f"{domain}.po") for domain in ("django", "djangojs")}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for domain in ("django", "djangojs"):
            call_command("makemessages", locale=["en"], domain=domain, verbosity=0)
    finally:
        os.chdir(cwd)
    for domain, known in before.items():
        found = _msgids(catalogues / f"{domain}.po")
        assert found - known == set(), f"{domain}: texts without a translation: {sorted(found - known)[:20]}"


def test_an_english_browser_gets_an_english_page_that_says_so(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in html
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert not CJK.search(re.sub(r"<[^>]+>", "", nav)), nav
    assert "Practices" in nav


def test_a_chinese_browser_gets_chinese_and_says_so(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "经验做法" in html


def test_the_switch_on_the_page_changes_the_language(client):
    html = client.get("/practices/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'name="language" value="en"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/practices/"})
    assert response.status_code == 302
    html = client.get("/practices/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in html
    assert 'name="language" value="zh-hans"' in html  # and back


def test_the_admin_in_english_is_english_throughout(admin_client):
    html = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in html
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S))
    assert not CJK.search(text), CJK.findall(text)[:40]


def test_the_javascript_texts_are_served_translated(client):
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Generating" in response.content.decode() or "generating" in response.content.decode()
