"""The gazetteer and the taxonomy: places (GB/T 2260), their aliases, themes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .common import Versioned, detail_url


def code_prefix(*, adcode: str, level: str) -> str:
    """``Place.code_prefix`` from a place's code and level, without the model instance."""
    if level == Place.Level.PROVINCE:
        return adcode[:2]
    if level == Place.Level.PREFECTURE:
        return adcode[:4]
    return adcode


class Place(Versioned):
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

    @property
    def full_name(self) -> str:
        """The name with the places above it, which tells namesakes apart: 鼓楼区（江苏·南京）, 南京市（江苏）."""
        above = [a.short_name or a.name for a in self.ancestors()]
        return f"{self.name}（{'·'.join(above)}）" if above else self.name

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

    @cached_property
    def qualified_name(self) -> str:
        """The name with its province and city before it, as a briefing prints it: 湖北武汉市.

        Kept on the instance: the taxonomy exports and the API share per content version
        (briefings.assemble) names each place for every lesson linked to it.
        """
        return "".join(a.short_name for a in self.ancestors()) + self.name

    def ancestors(self) -> list[Place]:
        chain, node = [], self.parent
        while node is not None and node not in chain and len(chain) < 3:  # the hierarchy has three levels
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


LEVEL_DEPTH = {Place.Level.PROVINCE: 0, Place.Level.PREFECTURE: 1, Place.Level.COUNTY: 2}


class PlaceAlias(Versioned):
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


class Theme(Versioned):
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
                raise ValidationError({"parent": _("主题分类只有两级：上级主题必须是一级主题。")})
            if self.pk and self.children.exists():
                raise ValidationError({"parent": _("已有下级主题的一级主题不能再设上级。")})
