"""The domain model: places, themes, source documents and the lessons drawn from them."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager


def detail_url(name: str, **kwargs) -> str:
    """``reverse()`` for the detail pages, resolved once per URL name and script prefix.

    A list page links every card to its lesson, places and themes: some 200 ``reverse()`` calls, ~10 ms
    of a 40 ms page. The URL patterns are fixed, so one is reversed with a marker that is then replaced.
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


def is_staff(user) -> bool:
    """Staff see drafts and use collections; everyone else (anonymous included) is a reader."""
    return bool(user is not None and user.is_active and user.is_staff)


class VisibilityQuerySet(models.QuerySet):
    """Readers see published items only; staff see everything."""

    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        if is_staff(user):
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
        help_text=_("随系统附带的示例内容的标识;再次加载示例内容时据此识别,不覆盖编辑过的内容。"),
    )


def SEED_KEY_UNIQUE(model_name: str) -> models.UniqueConstraint:  # noqa: N802
    return models.UniqueConstraint(fields=["seed_key"], condition=~Q(seed_key=""), name=f"{model_name}_unique_seed_key")


def code_prefix(*, adcode: str, level: str) -> str:
    """``Place.code_prefix`` from a place's code and level, without the model instance."""
    if level == Place.Level.PROVINCE:
        return adcode[:2]
    if level == Place.Level.PREFECTURE:
        return adcode[:4]
    return adcode


class Place(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        PREFECTURE = "prefecture", _("地级")
        COUNTY = "county", _("县级")

    adcode = models.CharField(
        _("行政区划代码"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", _("行政区划代码为6位数字(GB/T 2260)。"))],
    )
    name = models.CharField(_("名称"), max_length=50)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级地区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    pinyin = models.CharField(_("拼音"), max_length=120, blank=True, db_index=True)

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        ordering = ["pinyin", "adcode"]
        indexes = [models.Index(fields=["level", "pinyin"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.pinyin:
            # Imported here: pypinyin's phrase tables are ~200,000 Python objects that
            # every worker would otherwise hold, and that each full garbage collection
            # walks (a 70 ms pause), for a save that only curators adding a place make.
            from pypinyin import lazy_pinyin

            self.pinyin = "".join(lazy_pinyin(self.name)).lower()
        if not self.short_name:
            self.short_name = self.name
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return detail_url("experiences:place_detail", adcode=self.adcode)

    def clean(self) -> None:
        if not self.parent_id:
            return
        if self.parent_id == self.pk or self.parent.adcode == self.adcode:
            raise ValidationError({"parent": _("地区不能以自身为上级。")})
        if LEVEL_DEPTH[self.parent.level] >= LEVEL_DEPTH.get(self.level, 0):
            raise ValidationError({"parent": _("上级地区的级别必须高于本地区。")})
        if not self.adcode.startswith(self.parent.code_prefix):
            raise ValidationError({"parent": _("上级地区的代码必须是本地区代码的前缀。")})

    @property
    def code_prefix(self) -> str:
        """The adcode prefix shared by this place and every place under it.

        GB/T 2260 codes are hierarchical (42 湖北 → 4210 荆州 → 421002 沙市区),
        so "this place and its descendants" is one indexed prefix query.
        """
        return code_prefix(adcode=self.adcode, level=self.level)

    @property
    def qualified_name(self) -> str:
        """The name with its province and city before it, as a briefing prints it: 湖北武汉市."""
        return "".join(a.short_name for a in self.ancestors()) + self.name

    def ancestors(self) -> list[Place]:
        chain, node = [], self.parent
        while node is not None and node not in chain and len(chain) < 3:  # the hierarchy has three levels
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


LEVEL_DEPTH = {Place.Level.PROVINCE: 0, Place.Level.PREFECTURE: 1, Place.Level.COUNTY: 2}


class PlaceAlias(models.Model):
    """Another name for a place: a zone (中关村), an old name (商州), a nickname."""

    place = models.ForeignKey(Place, verbose_name=_("地区"), on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("别名"), max_length=50, unique=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("地区别名")
        verbose_name_plural = _("地区别名")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.place.name}"


class Theme(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    slug = models.SlugField(_("标识"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级主题"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    description = models.TextField(_("说明"), blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True, help_text=_("用于导入时推荐主题的关键词列表。"))
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.name} › {self.name}"
        return self.name

    def get_absolute_url(self) -> str:
        return detail_url("experiences:theme_detail", slug=self.slug)

    def clean(self) -> None:
        # The taxonomy has exactly two levels.
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("主题不能以自身为上级。")})
            if self.parent.parent_id:
                raise ValidationError({"parent": _("主题分类只有两级:上级主题必须是一级主题。")})
            if self.pk and self.children.exists():
                raise ValidationError({"parent": _("已有下级主题的一级主题不能再设上级。")})


class SourceDocument(models.Model):
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
    text = models.TextField(_("正文(已清洗)"))
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

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return detail_url("experiences:document_detail", pk=self.pk)

    def clean(self) -> None:
        if self.published_month and not self.published_year:
            raise ValidationError({"published_month": _("填写月份时必须同时填写年份。")})
        if self.duplicate_of_id and self.duplicate_of_id == self.pk:
            raise ValidationError({"duplicate_of": _("文献不能与自身重复。")})

    @property
    def published_display(self) -> str:
        if not self.published_year:
            return ""
        if self.published_month:
            return f"{self.published_year}年{self.published_month}月"
        return f"{self.published_year}年"

    @property
    def byline(self) -> str:
        """Author and office as a citation shows them: 刘科伟(西北大学城市与资源学系)."""
        if self.authors and self.organization:
            return f"{self.authors}({self.organization})"
        return self.authors or self.organization


class Section(models.Model):
    """One node of a document's outline, located by character offsets into its text."""

    document = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文献"), on_delete=models.CASCADE, related_name="sections"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级章节"), on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    label = models.CharField(_("编号"), max_length=20, blank=True, help_text=_("原文中的编号,如“一、”“1.”“(1)”。"))
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


class Practice(models.Model):
    """经验做法: what a city or organisation actually did, traced to its source passage."""

    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("摘要"), blank=True)
    body = models.TextField(_("正文"), blank=True)
    places = models.ManyToManyField(Place, verbose_name=_("地区"), blank=True, related_name="practices")
    themes = models.ManyToManyField(Theme, verbose_name=_("主题"), blank=True, related_name="practices")
    tags = TaggableManager(verbose_name=_("关键词"), blank=True)
    document = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文献"), on_delete=models.PROTECT, related_name="practices"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("章节"), on_delete=models.SET_NULL, null=True, blank=True, related_name="practices"
    )
    excerpt = models.TextField(_("原文摘录"), blank=True, help_text=_("逐字引用支撑该做法的原文段落。"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    seed_key = SEED_KEY()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = _("经验做法")
        verbose_name_plural = _("经验做法")
        ordering = ["-created_at", "-pk"]
        # document last: the reader's "document published" check and a deep page's
        # OFFSET are answered from the index alone, newest first, without reading rows.
        indexes = [models.Index(fields=["status", "-created_at", "-id", "document"], name="practice_listing")]
        constraints = [SEED_KEY_UNIQUE("practice")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return detail_url("experiences:practice_detail", pk=self.pk)

    def clean(self) -> None:
        clean_source_link(self)


class Recommendation(models.Model):
    """启示/建议/体会: what the authors concluded, traced to the practices behind it."""

    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("正文"), blank=True)
    audience = models.CharField(_("适用对象"), max_length=100, blank=True, help_text=_("例如:我市高新区。"))
    places = models.ManyToManyField(Place, verbose_name=_("地区"), blank=True, related_name="recommendations")
    themes = models.ManyToManyField(Theme, verbose_name=_("主题"), blank=True, related_name="recommendations")
    tags = TaggableManager(verbose_name=_("关键词"), blank=True)
    derived_from = models.ManyToManyField(
        Practice, verbose_name=_("依据的经验做法"), blank=True, related_name="recommendations"
    )
    document = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文献"), on_delete=models.PROTECT, related_name="recommendations"
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("章节"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendations",
    )
    excerpt = models.TextField(_("原文摘录"), blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级建议"), on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    label = models.CharField(_("编号"), max_length=20, blank=True, help_text=_("原文中的编号,如“(1)”“一是”。"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    seed_key = SEED_KEY()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = _("启示建议")
        verbose_name_plural = _("启示建议")
        ordering = ["document_id", "order", "pk"]
        indexes = [models.Index(fields=["status", "parent", "document", "order"], name="recommendation_listing")]
        constraints = [SEED_KEY_UNIQUE("recommendation")]

    def __str__(self) -> str:
        return f"{self.label}{self.title}" if self.label else self.title

    def get_absolute_url(self) -> str:
        return detail_url("experiences:recommendation_detail", pk=self.pk)

    def clean(self) -> None:
        clean_source_link(self)
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("建议不能以自身为上级。")})
            if self.document_id and self.parent.document_id != self.document_id:
                raise ValidationError({"parent": _("上级建议必须来自同一文献。")})


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
    size = models.PositiveIntegerField(_("大小(字节)"), default=0)
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


class LessonCount(models.Model):
    """A maintained count of lessons, per audience, behind the browsing pages' numbers.

    Recounting lessons per place prefix and theme over 100,000 practices takes
    a second; these rows are kept in step by experiences.counting (single
    writes through signals, bulk writes by a rebuild) so a page reads them.
    ``key`` is ``all``, ``place:<adcode prefix of 2, 4 or 6 digits>``,
    ``theme:<id>`` (filed directly) or ``top:<id>`` (a first-level theme with
    its sub-themes).
    """

    audience = models.CharField(max_length=10)  # "reader" or "staff"
    kind = models.CharField(max_length=20)  # "practice", "recommendation" or "document"
    key = models.CharField(max_length=30)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("计数")
        verbose_name_plural = _("计数")
        constraints = [models.UniqueConstraint(fields=["audience", "kind", "key"], name="lessoncount_unique")]

    def __str__(self) -> str:
        return f"{self.audience} {self.kind} {self.key}: {self.n}"


def clean_source_link(lesson: Practice | Recommendation) -> None:
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


__all__ = [
    "ImportBatch",
    "LessonCount",
    "Place",
    "PlaceAlias",
    "PlaceMention",
    "Practice",
    "Recommendation",
    "Section",
    "SourceDocument",
    "Status",
    "Theme",
]


class SearchEntry(models.Model):
    """One searchable item: a practice, a recommendation or a document section.

    The text columns hold the item's words as segmented by jieba (search mode)
    plus the tokens of its places and themes; the full-text index itself is
    engine specific and lives beside this table (an FTS5 table on SQLite, a
    generated tsvector column on PostgreSQL; see migration 0002). Kept in step
    by ``experiences.search``.
    """

    class Kind(models.TextChoices):
        PRACTICE = "practice", _("经验做法")
        RECOMMENDATION = "recommendation", _("启示建议")
        SECTION = "section", _("文献章节")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    document = models.ForeignKey(SourceDocument, verbose_name=_("来源文献"), on_delete=models.CASCADE, related_name="+")
    published = models.BooleanField(_("读者可见"), default=False)
    title = models.TextField(_("标题分词"), blank=True)
    body = models.TextField(_("正文分词"), blank=True)
    tags = models.TextField(_("地区与主题标记"), blank=True)
    chars = models.TextField(_("单字"), blank=True)

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="searchentry_unique_object")]
        indexes = [
            models.Index(fields=["published", "kind"]),
            models.Index(fields=["document", "published"]),
            # Each type's newest entry, where the search's facet sample of that type starts.
            models.Index(fields=["kind", "id"], name="searchentry_kind_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id}"
