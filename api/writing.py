"""API writes of practices and recommendations: the admin's rules, through experiences.content and workflow.

A new lesson is a draft; its status then moves only through the workflow's
transitions (submit, approve, return, withdraw, reopen), each with the same
permission checks, history comment and index/count updates as the admin's
buttons. An edit carries the ``version`` it was read at: a newer saved
version refuses it (409) and nothing is written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as ModelValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from experiences import content, workflow
from experiences.models import (
    Place,
    Practice,
    Recommendation,
    Section,
    SourceDocument,
    Status,
    Theme,
    sees_unpublished,
)

COMMON = ["title", "body", "excerpt", "document", "section", "places", "themes", "tags", "version"]
FIELDS = {
    Practice: [*COMMON, "summary"],
    Recommendation: [*COMMON, "audience", "label", "order", "parent", "derived_from"],
}


class LessonInputSerializer(serializers.Serializer):
    """What an editor may set; links by key (adcodes, theme slugs, ids). Status and review fields are not here."""

    title = serializers.CharField(max_length=300)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    excerpt = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="原文摘录，须逐字出现在文献中"
    )
    document = serializers.PrimaryKeyRelatedField(queryset=SourceDocument.objects.all())
    section = serializers.PrimaryKeyRelatedField(queryset=Section.objects.all(), required=False, allow_null=True)
    places = serializers.SlugRelatedField(
        slug_field="adcode", queryset=Place.objects.all(), many=True, required=False, help_text="地区代码"
    )
    themes = serializers.SlugRelatedField(
        slug_field="slug", queryset=Theme.objects.all(), many=True, required=False, help_text="主题标识"
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    version = serializers.IntegerField(
        required=False, help_text="修改时必填：读取时的版本号；其后他人保存过则拒绝（409）"
    )
    # Practices only
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    # Recommendations only
    audience = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    label = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    order = serializers.IntegerField(required=False, min_value=0, default=0)
    parent = serializers.PrimaryKeyRelatedField(queryset=Recommendation.objects.all(), required=False, allow_null=True)
    derived_from = serializers.PrimaryKeyRelatedField(queryset=Practice.objects.all(), many=True, required=False)

    model: type = Practice

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in FIELDS[self.model]:
                self.fields.pop(name)
        if self.model is Practice:
            self.fields["title"].max_length = 200


class PracticeInputSerializer(LessonInputSerializer):
    model = Practice


class RecommendationInputSerializer(LessonInputSerializer):
    model = Recommendation


INPUTS = {Practice: PracticeInputSerializer, Recommendation: RecommendationInputSerializer}


class Refused(Exception):
    """The write is not allowed (403), with the reason."""


def check_allowed(*, model, user, instance=None) -> None:
    """Raise Refused unless ``user`` may create a ``model`` (no ``instance``) or change ``instance``, as the admin."""
    name = model._meta.model_name
    if not sees_unpublished(user):  # a writer sees the drafts they write (编辑, 审核 and 管理员 all do)
        raise Refused(_("您没有编辑内容的权限。"))
    if instance is None and not user.has_perm(f"experiences.add_{name}"):
        raise Refused(_("您没有新增%(kind)s的权限。") % {"kind": model._meta.verbose_name})
    if instance is not None and not (user.has_perm(f"experiences.change_{name}") and workflow.may_edit(user, instance)):
        raise Refused(_("只有审核人可以修改已提交、已发布或已归档的内容；编辑只能修改草稿。"))


def save_lesson(*, model, data: dict, user, instance=None) -> object:
    """Create a draft (``instance`` None) or change one lesson, with its links, in one unit of work.

    Raises Refused (not allowed), serializers.ValidationError (bad values, nothing written) or
    content.Conflict (saved by someone else since ``data['version']``).
    """
    check_allowed(model=model, user=user, instance=instance)
    if instance is not None and "version" not in data:
        raise serializers.ValidationError({"version": [_("修改时必须提供读取时的版本号（version）。")]})
    links = {key: data.pop(key) for key in ("places", "themes", "tags", "derived_from") if key in data}
    expected = data.pop("version", None)
    obj = instance or model(status=Status.DRAFT)
    for field, value in data.items():
        setattr(obj, field, value)
    _validate(obj)
    comment = _("接口修改") if instance is not None else _("接口新增")
    with content.writing(user=user, comment=comment) as work:
        content.save(obj, user=user, comment=comment, expected_version=expected if instance is not None else None)
        work.changing(obj)
        for key, value in links.items():
            getattr(obj, key).set(value)
        if model is Recommendation and instance is not None:
            content.move_sub_points(obj)  # as the admin does
    return obj


def _validate(obj) -> None:
    try:
        obj.full_clean(exclude=["status", "seed_key", "version"])
    except ModelValidationError as error:
        raise serializers.ValidationError(error.message_dict) from error
