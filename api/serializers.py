"""What the API returns. Lessons are the JSON export's records (briefings.tabular.record) plus their links by key.

Records are plain dicts built for a whole page at once (a fixed number of
queries per page); these serializers declare their shape for the schema and
copy them out.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class PlaceSerializer(serializers.Serializer):
    adcode = serializers.CharField(help_text=_("行政区划代码（GB/T 2260）"))
    name = serializers.CharField()
    short_name = serializers.CharField()
    qualified_name = serializers.CharField(help_text=_("带上级地区的名称，如“鼓楼区（江苏·南京）”"))
    level = serializers.ChoiceField(choices=["province", "prefecture", "county"])
    parent = serializers.CharField(allow_null=True, help_text=_("上级地区的代码"))
    practices = serializers.IntegerField(help_text=_("本地区及下级地区的经验做法数"))
    recommendations = serializers.IntegerField(help_text=_("本地区及下级地区的启示建议数"))
    url = serializers.CharField()


class PlaceDetailSerializer(PlaceSerializer):
    ancestors = PlaceSerializer(many=True)
    children = PlaceSerializer(many=True)


class ThemeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text=_("上级主题的标识"))
    description = serializers.CharField()
    practices = serializers.IntegerField()
    recommendations = serializers.IntegerField()
    url = serializers.CharField()


class SectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    heading = serializers.CharField()
    start = serializers.IntegerField(help_text=_("在全文中的起始位置（字符）"))
    end = serializers.IntegerField()
    children = serializers.ListField(child=serializers.DictField(), help_text=_("下级章节，结构相同"))


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    authors = serializers.CharField()
    organization = serializers.CharField()
    publisher = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    month = serializers.IntegerField(allow_null=True)
    byline = serializers.CharField()
    status = serializers.CharField()
    places = serializers.ListField(child=serializers.CharField(), help_text=_("涉及地区的代码"))
    practices = serializers.IntegerField()
    recommendations = serializers.IntegerField()
    url = serializers.CharField()


class DocumentDetailSerializer(DocumentSerializer):
    text = serializers.CharField()
    outline = SectionSerializer(many=True)
    practice_ids = serializers.ListField(child=serializers.IntegerField())
    recommendation_ids = serializers.ListField(child=serializers.IntegerField())
    duplicate_of = serializers.IntegerField(allow_null=True)


class LessonLinksSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    section = serializers.IntegerField(allow_null=True)
    places = serializers.ListField(child=serializers.CharField(), help_text=_("地区代码"))
    themes = serializers.ListField(child=serializers.CharField(), help_text=_("主题标识"))


class PracticeLinksSerializer(LessonLinksSerializer):
    recommendations = serializers.ListField(child=serializers.IntegerField(), help_text=_("依据它的启示建议"))


class RecommendationLinksSerializer(LessonLinksSerializer):
    parent = serializers.IntegerField(allow_null=True, help_text=_("上级建议"))
    sub_points = serializers.ListField(child=serializers.IntegerField())
    based_on = serializers.ListField(child=serializers.IntegerField(), help_text=_("依据的经验做法"))


class LessonSerializer(serializers.Serializer):
    """The JSON export's record of a lesson, plus ``links``."""

    kind = serializers.ChoiceField(choices=["practice", "recommendation"])
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    group = serializers.CharField()
    places = serializers.ListField(child=serializers.CharField())
    themes = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()
    body = serializers.CharField()
    audience = serializers.CharField()
    sub_points = serializers.ListField(child=serializers.CharField())
    based_on = serializers.ListField(child=serializers.CharField())
    excerpt = serializers.CharField(help_text=_("原文摘录"))
    document = serializers.CharField()
    byline = serializers.CharField()
    date = serializers.CharField()
    publisher = serializers.CharField()
    section = serializers.CharField()
    citation = serializers.CharField(help_text=_("完整出处"))
    url = serializers.CharField()
    version = serializers.IntegerField(required=False, help_text=_("详情中提供：修改时须回传的版本号"))


class PracticeSerializer(LessonSerializer):
    links = PracticeLinksSerializer()


class RecommendationSerializer(LessonSerializer):
    links = RecommendationLinksSerializer()


class FragmentSerializer(serializers.Serializer):
    text = serializers.CharField()
    match = serializers.BooleanField(help_text=_("是否为命中的搜索词"))


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["practice", "recommendation", "section"])
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    document = serializers.CharField()
    snippet = FragmentSerializer(many=True)


class FacetSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    more = serializers.BooleanField(help_text=_("为真时 count 是下限：实际更多"))
    share = serializers.IntegerField(allow_null=True, help_text=_("总数只是下限时，占匹配结果的百分比"))


class SearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    facets = serializers.DictField(child=FacetSerializer(many=True), help_text=_("type、place、theme、document"))
    approximate = serializers.BooleanField(help_text=_("分面数字是否为抽样估计"))
    results = SearchResultSerializer(many=True)


class CollectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    introduction = serializers.CharField()
    owner = serializers.CharField()
    shared = serializers.BooleanField()
    updated_at = serializers.DateTimeField()
    items = serializers.ListField(child=serializers.DictField(), help_text=_("[{kind, id}]，按汇编顺序"))
