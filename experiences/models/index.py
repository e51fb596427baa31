"""Derived tables: maintained counts and the search index, both rebuilt from the content."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .documents import SourceDocument


class LessonCount(models.Model):
    """A maintained count of lessons, per audience, behind the browsing pages' numbers.

    Recounting lessons per place prefix and theme over 100,000 practices takes
    a second; these rows are kept in step by experiences.counting (each unit of
    work of experiences.content adjusts them, large ones rebuild) so a page reads them.
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


class SearchEntry(models.Model):
    """One searchable item: a practice, a recommendation or a document section.

    The text columns hold the item's words as segmented by jieba (search mode)
    plus the tokens of its places and themes; the full-text index itself is
    engine specific and lives beside this table: an FTS5 table on SQLite
    (migration 0003), a stored generated tsvector column on PostgreSQL
    (migration 0006) with a GIN index in two parts, public entries and the
    others (migration 0013). Kept in step by ``experiences.search``.

    Why the tsvector is not declared here (a ``GeneratedField`` with a
    ``SearchVectorField`` output and a ``GinIndex``): this one model serves
    both databases, and the column's expression (``to_tsvector``, ``setweight``,
    the id-block token) has no SQLite counterpart, so Django could not create
    the table on SQLite. Each engine's index is made by its own migration
    instead, and no query reads the column through the ORM.
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
