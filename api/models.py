"""Personal API tokens: created and revoked by their owner, stored as a digest only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Neither revoked nor expired, and its owner still active."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)


class ApiToken(models.Model):
    """A key a program presents as ``Authorization: Token <key>``; acts as its owner, with the owner's rights.

    Only the key's SHA-256 digest is kept (the key is shown once, when made):
    a stolen database does not give working keys. The prefix tells a user's
    keys apart on their page and in logs.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100, help_text=_("用途，例如：办公系统同步。"))
    prefix = models.CharField(_("前缀"), max_length=12, editable=False)
    digest = models.CharField(_("摘要"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
