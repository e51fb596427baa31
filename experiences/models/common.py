"""What every content model shares: statuses, visibility, seed keys, detail URLs."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _


def detail_url(name: str, **kwargs) -> str:
    """``reverse()`` for the detail pages, resolved once per URL name and script prefix.

    A list page links every card to its lesson, places and themes: some 200 ``reverse()`` calls, a
    quarter of the page's time (docs/performance.md). The URL patterns are fixed, so one is reversed
    with a marker that is then replaced.
    Values are adcodes, slugs and ids, which need no quoting.
    """
    ((key, value),) = kwargs.items()
    return _url_template(name, key, get_script_prefix()).replace(_MARKERS[key], str(value))


# Values each URL converter accepts and no URL of ours otherwise contains.
_MARKERS = {"adcode": "999999", "slug": "kbase-url-marker", "pk": "987654321"}


@functools.lru_cache(maxsize=64)
def _url_template(name: str, key: str, prefix: str) -> str:
    return reverse(name, kwargs={key: _MARKERS[key]})


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    ARCHIVED = "archived", _("已归档")


def sees_unpublished(user) -> bool:
    """Editors, reviewers and administrators see drafts, pending and withdrawn items; readers do not.

    The ``experiences.view_unpublished`` permission, which the 编辑, 审核 and
    管理员 groups hold (and superusers).
    """
    return bool(user is not None and user.is_active and user.has_perm("experiences.view_unpublished"))


class VisibilityQuerySet(models.QuerySet):
    """Readers see published items only; staff see everything."""

    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        if sees_unpublished(user):
            return self.all()
        return self.published()


class LessonQuerySet(VisibilityQuerySet):
    """Practices and recommendations: readers also need the source document to be published."""

    def published(self):
        return self.filter(status=Status.PUBLISHED, document__status=Status.PUBLISHED)


def SEED_KEY():  # noqa: N802 - a field factory, used like a field class
    return models.CharField(
        _("种子标识"),
        max_length=100,
        blank=True,
        editable=False,
        help_text=_("随系统附带的示例内容的标识；再次加载示例内容时据此识别，不覆盖编辑过的内容。"),
    )


def SEED_KEY_UNIQUE(model_name: str) -> models.UniqueConstraint:  # noqa: N802
    return models.UniqueConstraint(fields=["seed_key"], condition=~Q(seed_key=""), name=f"{model_name}_unique_seed_key")


class Versioned(models.Model):
    """``version`` counts saves: an edit form carries the version it was loaded at,
    and a save over a newer one is refused (experiences.content)."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class Reviewed(Versioned):
    """Who moved an item through the editorial workflow, and when (experiences.workflow writes these)."""

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, editable=False)
    review_note = models.TextField(_("审核意见"), blank=True, editable=False, help_text=_("退回意见或撤回原因。"))
    returned = models.BooleanField(_("已退回"), default=False, editable=False)

    class Meta:
        abstract = True
