"""Source documents, their outline and place mentions, and the import batches that bring them in."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..text.fingerprint import Sketch, content_hash
from .common import SEED_KEY, SEED_KEY_UNIQUE, Reviewed, Status, Versioned, VisibilityQuerySet, detail_url
from .places import Place


class SourceDocument(Reviewed):
    class Kind(models.TextChoices):
        RESEARCH_REPORT = "research_report", _("调研报告")
        BOOK_REVIEW = "book_review", _("书评")
        EXPERIENCE_MATERIAL = "experience_material", _("经验材料")
        STUDY_TOUR_REPORT = "study_tour_report", _("考察报告")
        OTHER = "other", _("其他")

    title = models.CharField(_("标题"), max_length=200)
    subtitle = models.CharField(_("副标题"), max_length=200, blank=True)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    authors = models.CharField(_("作者"), max_length=200, blank=True, help_text=_("多位作者用顿号分隔。"))
    organization = models.CharField(_("发文单位或作者单位"), max_length=200, blank=True)
    published_year = models.PositiveSmallIntegerField(
        _("发表年份"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    published_month = models.PositiveSmallIntegerField(
        _("发表月份"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    publisher = models.CharField(_("出版单位或刊载处"), max_length=200, blank=True)
    text = models.TextField(_("正文（已清洗）"))
    original_file = models.FileField(_("原始文件"), upload_to="documents/%Y/%m/", blank=True)
    content_hash = models.CharField(_("内容哈希"), max_length=64, blank=True, db_index=True)
    fingerprint = models.JSONField(_("查重指纹"), default=dict, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    similarity = models.FloatField(
        _("相似度"), null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    places = models.ManyToManyField(Place, verbose_name=_("涉及地区"), blank=True, related_name="documents")
    notes = models.TextField(_("备注"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("导入批次"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    seed_key = SEED_KEY()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = VisibilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("来源文献")
        verbose_name_plural = _("来源文献")
        ordering = ["-created_at", "-pk"]
        constraints = [SEED_KEY_UNIQUE("sourcedocument")]
        permissions = [
            ("submit_sourcedocument", _("可提交来源文献审核")),
            ("review_sourcedocument", _("可审核、发布、退回和撤回来源文献")),
            ("view_unpublished", _("可查看未发布的内容（草稿、待审核、已归档）")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return detail_url("experiences:document_detail", pk=self.pk)

    def clean(self) -> None:
        if self.published_month and not self.published_year:
            raise ValidationError({"published_month": _("填写月份时必须同时填写年份。")})
        if self.duplicate_of_id and self.duplicate_of_id == self.pk:
            raise ValidationError({"duplicate_of": _("文献不能与自身重复。")})

    def fingerprint_text(self) -> None:
        """Hash and sketch ``text`` again after it changed: the duplicate check compares new imports with both."""
        self.content_hash = content_hash(self.text)
        self.fingerprint = Sketch.of(self.text).to_json()

    @property
    def published_display(self) -> str:
        if not self.published_year:
            return ""
        if self.published_month:
            return f"{self.published_year}年{self.published_month}月"
        return f"{self.published_year}年"

    @property
    def byline(self) -> str:
        """Author and office as a citation shows them: 刘科伟（西北大学城市与资源学系）."""
        if self.authors and self.organization:
            return f"{self.authors}（{self.organization}）"
        return self.authors or self.organization


class Section(Versioned):
    """One node of a document's outline, located by character offsets into its text."""

    document = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文献"), on_delete=models.CASCADE, related_name="sections"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级章节"), on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    label = models.CharField(_("编号"), max_length=20, blank=True, help_text=_("原文中的编号，如“一、”“1.”“(1)”。"))
    heading = models.CharField(_("标题"), max_length=300, blank=True)
    start = models.PositiveIntegerField(_("起始位置"))
    end = models.PositiveIntegerField(_("结束位置"))

    class Meta:
        verbose_name = _("章节")
        verbose_name_plural = _("章节")
        ordering = ["document", "start", "order"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="section_end_after_start")]

    def __str__(self) -> str:
        return f"{self.label}{self.heading}".strip() or str(_("正文"))

    def get_absolute_url(self) -> str:
        return detail_url("experiences:document_detail", pk=self.document_id) + f"#sec-{self.pk}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValidationError({"end": _("结束位置不能早于起始位置。")})
        if self.parent_id and self.document_id and self.parent.document_id != self.document_id:
            raise ValidationError({"parent": _("上级章节必须属于同一文献。")})
        if self.document_id and self.end is not None and self.end > len(self.document.text):
            raise ValidationError({"end": _("结束位置超出了正文长度。")})

    @property
    def text(self) -> str:
        return self.document.text[self.start : self.end]


class PlaceMention(models.Model):
    """Where the importer found a place named in a document's text."""

    document = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文献"), on_delete=models.CASCADE, related_name="mentions"
    )
    place = models.ForeignKey(Place, verbose_name=_("地区"), on_delete=models.CASCADE, related_name="mentions")
    surface = models.CharField(_("原文写法"), max_length=50)
    start = models.PositiveIntegerField(_("起始位置"))
    end = models.PositiveIntegerField(_("结束位置"))

    class Meta:
        verbose_name = _("地区提及")
        verbose_name_plural = _("地区提及")
        ordering = ["document", "start"]
        indexes = [models.Index(fields=["place", "document"])]

    def __str__(self) -> str:
        return f"{self.surface} → {self.place.name}"


class ImportBatch(models.Model):
    """One uploaded file on its way into the base: previewed, then imported or cancelled."""

    class State(models.TextChoices):
        PARSING = "parsing", _("解析中")
        PENDING = "pending", _("待确认")
        WRITING = "writing", _("导入中")
        IMPORTED = "imported", _("已导入")
        CANCELLED = "cancelled", _("已取消")
        FAILED = "failed", _("失败")

    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    force = models.BooleanField(_("允许导入完全重复的文献"), default=False)
    message = models.TextField(_("说明"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The analysis of the file, made once by a job and read by the preview and the write (jobs' private files).
    plan_file = models.CharField(_("解析结果"), max_length=255, blank=True, editable=False)
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("当前任务"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name
