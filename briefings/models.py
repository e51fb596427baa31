"""Collections (汇编): a signed-in user's ordered selection of lessons, exported as a briefing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from experiences.models import Practice, Recommendation, Versioned, sees_unpublished


class CollectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> CollectionQuerySet:
        """Everyone signed in sees their own; editors and reviewers also those shared among staff.

        Readers do not see shared collections: a curator's collection may list drafts.
        """
        if user is None or not user.is_authenticated:
            return self.none()
        if sees_unpublished(user):
            return self.filter(Q(owner=user) | Q(shared=True))
        return self.filter(owner=user)

    def editable_by(self, user) -> CollectionQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)


class Collection(Versioned):
    title = models.CharField(_("标题"), max_length=200)
    introduction = models.TextField(_("导语"), blank=True, help_text=_("印在简报目录之前的说明文字。"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.CASCADE, related_name="collections"
    )
    shared = models.BooleanField(
        _("共享给其他工作人员"), default=False, help_text=_("共享后其他工作人员可以查看和导出，但不能修改。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("汇编")
        verbose_name_plural = _("汇编")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("briefings:collection_detail", kwargs={"pk": self.pk})


class CollectionItem(models.Model):
    """One lesson in a collection: exactly one of practice and recommendation is set."""

    collection = models.ForeignKey(Collection, verbose_name=_("汇编"), on_delete=models.CASCADE, related_name="items")
    practice = models.ForeignKey(
        Practice, verbose_name=_("经验做法"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recommendation = models.ForeignKey(
        Recommendation, verbose_name=_("启示建议"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    added_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("汇编条目")
        verbose_name_plural = _("汇编条目")
        ordering = ["collection", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(practice__isnull=False, recommendation__isnull=True)
                | Q(practice__isnull=True, recommendation__isnull=False),
                name="collection_item_one_lesson",
            ),
            models.UniqueConstraint(fields=["collection", "practice"], name="collection_item_unique_practice"),
            models.UniqueConstraint(
                fields=["collection", "recommendation"], name="collection_item_unique_recommendation"
            ),
        ]

    def __str__(self) -> str:
        return str(self.lesson)

    @property
    def lesson(self) -> Practice | Recommendation:
        return self.practice if self.practice_id else self.recommendation

    @property
    def kind(self) -> str:
        return "practice" if self.practice_id else "recommendation"
