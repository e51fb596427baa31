"""Form widgets rendered in Python.

Django renders a <select> through one template per option: about a quarter of
a millisecond each, so the theme filter (thirty-odd themes) cost more than the
rest of a list page's form. The HTML is the same as Django's own templates
produce; every attribute and label is escaped.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class QuickSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        context = self.get_context(name, value, attrs)["widget"]
        options = []
        for group_name, group, _ in context["optgroups"]:
            items = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((option["value"], flatatt(option["attrs"]), option["label"]) for option in group),
            )
            if group_name:
                items = format_html('<optgroup label="{}">{}</optgroup>', group_name, items)
            options.append(items)
        return format_html(
            '<select name="{}"{}>{}</select>', context["name"], flatatt(context["attrs"]), SafeString("".join(options))
        )
