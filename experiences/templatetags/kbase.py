from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """``{{ names|lookup:code }}``: a dictionary value in a template, '' when missing."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
