"""The lessons drawn from documents: practices (经验做法) and recommendations (启示建议)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from .common import SEED_KEY, SEED_KEY_UNIQUE, LessonQuerySet, Reviewed, Status, detail_url
from .documents import Section, SourceDocument
from .places import Place, Theme


class Lesson(Reviewed):
    """What practices and recommendations share: a titled text traced to its source, placed and themed.

    The model is abstract (as taggit's ``TaggedItemBase``): each kind keeps its
    own table; code that treats both goes through ``experiences.lessons``.
    """

    body = models.TextField(_("正文"), blank=True)
    places = models.ManyToManyField(Place, verbose_name=_("地区"), blank=True, related_name="%(class)ss")
    themes = models.ManyToManyField(Theme, verbose_name=_("主题"), blank=True, related_name="%(class)ss")
    tags = TaggableManager(verbose_name=_("关键词"), blank=True)
    document = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文献"), on_delete=models.PROTECT, related_name="%(class)ss"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("章节"), on_delete=models.SET_NULL, null=True, blank=True, related_name="%(class)ss"
    )
    excerpt = models.TextField(_("原文摘录"), blank=True, help_text=_("逐字引用支撑该条目的原文段落。"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    seed_key = SEED_KEY()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return detail_url(f"experiences:{self._meta.model_name}_detail", pk=self.pk)

    def clean(self) -> None:
        clean_source_link(self)


class Practice(Lesson):
    """经验做法: what a city or organisation actually did, traced to its source passage."""

    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("摘要"), blank=True)

    class Meta:
        verbose_name = _("经验做法")
        verbose_name_plural = _("经验做法")
        ordering = ["-created_at", "-pk"]
        # document last: the reader's "document published" check and a deep page's
        # OFFSET are answered from the index alone, newest first, without reading rows.
        indexes = [models.Index(fields=["status", "-created_at", "-id", "document"], name="practice_listing")]
        constraints = [SEED_KEY_UNIQUE("practice")]
        permissions = [
            ("submit_practice", _("可提交经验做法审核")),
            ("review_practice", _("可审核、发布、退回和撤回经验做法")),
        ]


class Recommendation(Lesson):
    """启示/建议/体会: what the authors concluded, traced to the practices behind it."""

    title = models.CharField(_("标题"), max_length=300)
    audience = models.CharField(_("适用对象"), max_length=100, blank=True, help_text=_("例如：我市高新区。"))
    derived_from = models.ManyToManyField(
        Practice, verbose_name=_("依据的经验做法"), blank=True, related_name="recommendations"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级建议"), on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    label = models.CharField(_("编号"), max_length=20, blank=True, help_text=_("原文中的编号，如“(1)”“一是”。"))

    class Meta:
        verbose_name = _("启示建议")
        verbose_name_plural = _("启示建议")
        ordering = ["document_id", "order", "pk"]
        indexes = [models.Index(fields=["status", "parent", "document", "order"], name="recommendation_listing")]
        constraints = [SEED_KEY_UNIQUE("recommendation")]
        permissions = [
            ("submit_recommendation", _("可提交启示建议审核")),
            ("review_recommendation", _("可审核、发布、退回和撤回启示建议")),
        ]

    def __str__(self) -> str:
        return f"{self.label}{self.title}" if self.label else self.title

    def clean(self) -> None:
        super().clean()
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("建议不能以自身为上级。")})
            if self.document_id and self.parent.document_id != self.document_id:
                raise ValidationError({"parent": _("上级建议必须来自同一文献。")})
            # A recommendation is a point with its sub-points: two levels, as counted and listed.
            if self.parent.parent_id:
                raise ValidationError({"parent": _("上级建议本身是分项：分项下不能再设分项。")})
            if self.pk and Recommendation.objects.filter(parent_id=self.pk).exists():
                raise ValidationError({"parent": _("这条建议有自己的分项，不能再作为其他建议的分项。")})


def clean_source_link(lesson: Lesson) -> None:
    """The section and the excerpt must belong to the lesson's document."""
    if not lesson.document_id:
        return
    errors = {}
    if lesson.section_id and lesson.section.document_id != lesson.document_id:
        errors["section"] = _("所选章节不属于该来源文献。")
    if lesson.excerpt and lesson.excerpt not in lesson.document.text:
        errors["excerpt"] = _("原文摘录必须逐字出现在来源文献正文中。")
    if errors:
        raise ValidationError(errors)
