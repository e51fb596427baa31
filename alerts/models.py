"""A reader's saved search or filtered list, with its digest frequency and its private feed's token."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class SavedSearch(models.Model):
    class Source(models.TextChoices):
        SEARCH = "search", _("搜索")
        LESSONS = "lessons", _("经验做法和启示建议")
        PRACTICES = "practices", _("经验做法")
        RECOMMENDATIONS = "recommendations", _("启示建议")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("每天")
        WEEKLY = "weekly", _("每周")
        OFF = "off", _("不发送邮件")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("名称"), max_length=200)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    query = models.CharField(
        _("条件"), max_length=1000, blank=True, help_text=_("页面的查询参数，如 q=人才&place=江苏。")
    )
    frequency = models.CharField(_("邮件摘要"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    feed_token = models.CharField(_("订阅源令牌"), max_length=64, unique=True, default=new_feed_token, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # What the last digest covered: lessons published up to this moment. The next one lists what came after.
    sent_until = models.DateTimeField(_("已发送至"), default=timezone.now, editable=False)
    last_sent_at = models.DateTimeField(_("最近发送时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("保存的搜索")
        verbose_name_plural = _("保存的搜索")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def page_url(self) -> str:
        """The page the search was saved from, with its conditions."""
        name = {
            self.Source.SEARCH: "experiences:search",
            self.Source.RECOMMENDATIONS: "experiences:recommendation_list",
        }.get(self.source, "experiences:practice_list")
        return f"{reverse(name)}?{self.query}" if self.query else reverse(name)

    def feed_url(self) -> str:
        return reverse("alerts:saved_feed", kwargs={"token": self.feed_token})
