"""The Python-rendered <select> matches Django's own and escapes what it shows."""

from __future__ import annotations

import re

from django import forms

from experiences.widgets import QuickSelect


def options(html: str) -> list[tuple[str, bool, str]]:
    found = re.findall(r'<option value="([^"]*)"([^>]*)>(.*?)</option>', html, re.S)
    return [(value, "selected" in attrs, label.strip()) for value, attrs, label in found]


def test_quick_select_renders_the_options_django_renders_with_the_choice_selected():
    choices = [("", "全部主题"), ("talent", "人才 › 引进"), ("a&b", '<script>alert("x")</script>')]
    quick = QuickSelect(choices=choices).render("theme", "talent", attrs={"id": "id_theme"})
    plain = forms.Select(choices=choices).render("theme", "talent", attrs={"id": "id_theme"})
    assert options(quick) == options(plain)
    assert ("talent", True, "人才 › 引进") in options(quick)
    assert "<script>" not in quick
    assert quick.startswith('<select name="theme" id="id_theme">')


def test_quick_select_keeps_option_groups():
    choices = [("人才", [("talent", "引进"), ("training", "培养")]), ("", "其他")]
    html = QuickSelect(choices=choices).render("theme", None)
    assert '<optgroup label="人才">' in html
    assert options(html) == options(forms.Select(choices=choices).render("theme", None))
