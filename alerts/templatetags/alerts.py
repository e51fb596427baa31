from django import template
from django.utils.translation import gettext as _

from briefings.selection import describe

register = template.Library()

TITLES = {"search": None, "practices": "经验做法", "recommendations": "启示建议"}


@register.inclusion_tag("alerts/_save_search.html", takes_context=True)
def save_search(context, source: str) -> dict:
    """The 保存并订阅 button of a search or list page, named after the page's conditions."""
    filterset = context.get("filter")
    fields = ("q", "type", "place", "theme", "tag", "document")
    form = filterset.form if filterset is not None and filterset.is_bound and filterset.is_valid() else None
    conditions = describe(form, tuple(n for n in fields if n in form.fields)) if form is not None else []
    title = _(TITLES[source]) if TITLES.get(source) else _("搜索")
    name = f"{title}：{'，'.join(conditions)}" if conditions else str(title)
    return {"request": context["request"], "user": context["user"], "source": source, "name": name[:200]}
