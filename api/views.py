"""The read side of /api/v1/: thin views over experiences' querying and the export's records."""

from __future__ import annotations

import math

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from briefings.models import Collection, CollectionItem
from experiences import browsing, content, search, workflow
from experiences.filters import SearchFilterSet
from experiences.models import Place, Practice, Recommendation, SearchEntry, SourceDocument, Theme, sees_unpublished
from experiences.search import results as search_results

from . import filters, records, writing
from . import serializers as api
from .pagination import AdcodeCursorPagination, IdCursorPagination


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    """A list and a detail whose rows become records a page at a time (``records``).

    The records are built in the shape their serializer declares (tests/test_api.py checks each
    kind against it), and go out as they are: copying 200 lessons field by field through the
    serializer took half of a page's time (docs/performance.md). The serializers describe the
    responses in the schema.
    """

    def page_records(self, rows: list) -> list[dict]:
        raise NotImplementedError

    def detail_record(self, obj) -> dict:
        return self.page_records([obj])[0]

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page
        data = self.page_records(rows)
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.detail_record(self.get_object()))


class TransitionSerializer(drf_serializers.Serializer):
    note = drf_serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="退回和撤回时必填")


class OutcomeSerializer(drf_serializers.Serializer):
    status = drf_serializers.CharField()
    also = drf_serializers.ListField(child=drf_serializers.IntegerField(), help_text="一并审核通过的来源文献")


class WorkflowMixin:
    """POST …/{id}/submit/, approve/, return/, withdraw/, reopen/: experiences.workflow, as the admin's buttons."""

    def _transition(self, request, pk, name: str):
        if not request.user.is_authenticated:
            raise PermissionDenied(_("请先登录或使用令牌。"))
        # What the caller may not see does not exist for them (404), whatever they may do to what they see.
        visible = self.model.objects.all() if sees_unpublished(request.user) else self.get_queryset()
        obj = get_object_or_404(visible, pk=pk)
        transition = workflow.TRANSITIONS[name]
        if not workflow.may(request.user, self.model, name):
            raise PermissionDenied(_("您没有权限%(action)s。") % {"action": transition.label})
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = body.validated_data.get("note", "")
        if workflow.missing_note(name, note):
            raise ValidationError({"note": [workflow.missing_note(name, note)]})
        outcome = workflow.apply([obj], action=name, user=request.user, note=note)
        if outcome.refused:
            return Response({"detail": outcome.refused[0][1]}, status=status.HTTP_409_CONFLICT)
        obj.refresh_from_db(fields=["status"])
        return Response({"status": obj.status, "also": [d.pk for d in outcome.also]})


def _transition_action(name: str):
    def view(self, request, pk=None):
        return self._transition(request, pk, name)

    view.__name__ = f"{name}_action"
    described = extend_schema(
        request=TransitionSerializer,
        responses={200: OutcomeSerializer},
        description=str(workflow.TRANSITIONS[name].label),
    )(view)
    return action(detail=True, methods=["post"], url_path=name, url_name=name)(described)


for _name in workflow.TRANSITIONS:
    setattr(WorkflowMixin, f"{_name}_action", _transition_action(_name))


PLACE_PARAMETERS = [
    OpenApiParameter("parent", str, description="只列出这个地区（代码）的直接下级"),
    OpenApiParameter("level", str, enum=["province", "prefecture", "county"]),
]


@extend_schema_view(list=extend_schema(parameters=PLACE_PARAMETERS))
class PlaceViewSet(RecordViewSet):
    """地区：省、地、县三级，每个地区带本级及下级的经验做法和启示建议数量。"""

    serializer_class = api.PlaceSerializer
    pagination_class = AdcodeCursorPagination
    lookup_field = "adcode"
    lookup_value_regex = "[0-9]{6}"

    def get_queryset(self):
        places = Place.objects.select_related("parent__parent")
        parent, level = self.request.query_params.get("parent"), self.request.query_params.get("level")
        if parent:
            places = places.filter(parent__adcode=parent)
        if level:
            if level not in Place.Level.values:
                raise ValidationError({"level": [_("级别应为 province、prefecture 或 county。")]})
            places = places.filter(level=level)
        return places

    def get_serializer_class(self):
        return api.PlaceDetailSerializer if self.action == "retrieve" else api.PlaceSerializer

    def page_records(self, rows):
        return records.place_records(rows, user=self.request.user)

    def detail_record(self, obj):
        return records.place_detail(obj, user=self.request.user)


class ThemeViewSet(RecordViewSet):
    """主题：两级分类，带各自的经验做法和启示建议数量（一级主题含其下级）。"""

    serializer_class = api.ThemeSerializer
    pagination_class = None  # a few dozen
    lookup_field = "slug"

    def get_queryset(self):
        return Theme.objects.select_related("parent").order_by("parent__order", "order", "pk")

    def page_records(self, rows):
        return records.theme_records(rows, user=self.request.user)


class DocumentViewSet(WorkflowMixin, RecordViewSet):
    """来源文献：读者只看到已发布的；详情含目录（章节树）、全文和所含条目的编号。"""

    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = api.DocumentSerializer
    pagination_class = IdCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.DocumentFilterSet
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    model = SourceDocument

    def get_queryset(self):
        return SourceDocument.objects.visible_to(self.request.user).defer("text", "fingerprint")

    def get_object(self):
        return get_object_or_404(SourceDocument.objects.visible_to(self.request.user), pk=self.kwargs["pk"])

    def get_serializer_class(self):
        return api.DocumentDetailSerializer if self.action == "retrieve" else api.DocumentSerializer

    def page_records(self, rows):
        return records.document_records(rows, user=self.request.user)

    def detail_record(self, obj):
        return records.document_detail(obj, user=self.request.user)


class LessonViewSet(WorkflowMixin, RecordViewSet, viewsets.ModelViewSet):
    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = api.LessonSerializer
    pagination_class = IdCursorPagination
    filter_backends = [DjangoFilterBackend]
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]
    model: type = Practice
    kind = "practice"

    def get_queryset(self):
        return browsing.visible_lessons(self.model, self.request.user)

    def paginate_queryset(self, queryset):
        # Only the ids of a page: its records are loaded by ``records`` with their links.
        return super().paginate_queryset(queryset.only("pk"))

    def page_records(self, rows):
        return records.lesson_records(self.kind, [row.pk for row in rows], user=self.request.user)

    def detail_record(self, obj):
        (record,) = self.page_records([obj])
        return record | {"version": obj.version}

    def _write(self, request, instance=None):
        try:
            writing.check_allowed(model=self.model, user=request.user, instance=instance)
        except writing.Refused as refused:
            raise PermissionDenied(str(refused)) from None
        body = writing.INPUTS[self.model](data=request.data, partial=instance is not None)
        body.is_valid(raise_exception=True)
        try:
            obj = writing.save_lesson(
                model=self.model, data=dict(body.validated_data), user=request.user, instance=instance
            )
        except writing.Refused as refused:
            raise PermissionDenied(str(refused)) from None
        except content.Conflict as conflict:
            detail = _("保存失败：读取之后，这条内容已被保存为第 %(n)d 版。请重新读取后再改。") % {
                "n": conflict.current
            }
            return Response({"detail": detail, "version": conflict.current}, status=status.HTTP_409_CONFLICT)
        obj.refresh_from_db()
        record = self.detail_record(obj)
        return Response(record, status=status.HTTP_200_OK if instance is not None else status.HTTP_201_CREATED)

    def create(self, request, *args, **kwargs):
        return self._write(request)

    def partial_update(self, request, *args, **kwargs):
        return self._write(request, instance=self.get_object())


def _writes(record, body):
    return extend_schema_view(
        create=extend_schema(request=body, responses={201: record}),
        partial_update=extend_schema(request=body, responses={200: record}),
    )


@_writes(api.PracticeSerializer, writing.PracticeInputSerializer)
class PracticeViewSet(LessonViewSet):
    """经验做法：与 JSON 导出相同的记录，另附 links（文献、章节、地区、主题、依据它的启示建议）。"""

    serializer_class = api.PracticeSerializer

    filterset_class = filters.PracticeFilterSet


@_writes(api.RecommendationSerializer, writing.RecommendationInputSerializer)
class RecommendationViewSet(LessonViewSet):
    """启示建议（含分项）：与 JSON 导出相同的记录，另附 links（上级建议、分项、依据的经验做法）。"""

    serializer_class = api.RecommendationSerializer
    filterset_class = filters.RecommendationFilterSet
    model = Recommendation
    kind = "recommendation"


class CollectionViewSet(RecordViewSet):
    """汇编：本人的汇编，工作人员还可看到共享的汇编；未登录时为空。"""

    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = api.CollectionSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        items = CollectionItem.objects.only("collection_id", "practice_id", "recommendation_id").order_by("order", "pk")
        return (
            Collection.objects.visible_to(self.request.user)
            .select_related("owner")
            .prefetch_related(Prefetch("items", queryset=items))
        )

    def page_records(self, rows):
        return records.collection_records(rows, user=self.request.user)


SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, required=True, description="搜索词，空格分隔多个词；引号内为短语"),
    OpenApiParameter("type", str, enum=[k for k, _label in SearchEntry.Kind.choices]),
    OpenApiParameter("place", str, description="地区名称或代码（含下级地区）"),
    OpenApiParameter("theme", str, description="主题标识（含下级主题）"),
    OpenApiParameter("document", int, description="来源文献编号"),
    OpenApiParameter("drafts", bool, description="包括草稿（仅工作人员）"),
    OpenApiParameter("sort", str, enum=["newest"], description="默认按相关度"),
    OpenApiParameter("page", int),
]


class SearchView(APIView):
    """全文搜索：与网站 /search/ 相同的引擎、摘要和分面。"""

    @extend_schema(parameters=SEARCH_PARAMETERS, responses=api.SearchSerializer)
    def get(self, request):
        filterset = SearchFilterSet(request.query_params, queryset=SearchEntry.objects.none(), request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        data = filterset.form.cleaned_data
        query = search.understand(data.get("q") or "")
        if query.empty:
            raise ValidationError({"q": [_("请输入搜索词。")]})
        filters_ = search.Filters.from_form(data, staff=sees_unpublished(request.user))
        per_page = settings.KBASE_PAGE_SIZE
        number = _page_number(request.query_params.get("page"))
        found = search.search(query, filters=filters_, offset=(number - 1) * per_page, limit=per_page)
        hits = search_results.hydrate(found.hits, query=query, published_only=not filters_.include_drafts)
        pages = max(1, math.ceil(found.total / per_page))
        payload = {
            "query": data.get("q"),
            "count": found.total,
            "page": number,
            "pages": pages,
            "next": _page_link(request, number + 1) if number < pages else None,
            "previous": _page_link(request, number - 1) if number > 1 else None,
            "facets": {name: found.facets.get(name, []) for name in ("type", "place", "theme", "document")},
            "approximate": bool(found.facets.get("approximate")),
            "results": [
                {
                    "kind": hit.kind,
                    "id": hit.obj.pk,
                    "title": hit.title,
                    "url": hit.url,
                    "document": hit.document_title,
                    "snippet": [{"text": f.text, "match": f.mark is not None} for f in hit.snippet if f.text],
                }
                for hit in hits
            ],
        }
        return Response(api.SearchSerializer(payload).data)


MAX_PAGE = 1000  # deep ranked pages cost an OFFSET; a program that wants everything pages the lists by cursor


def _page_number(value) -> int:
    try:
        number = int(value or 1)
    except ValueError:
        raise ValidationError({"page": [_("页码应为正整数。")]}) from None
    if not 1 <= number <= MAX_PAGE:
        raise ValidationError({"page": [_("页码应在 1 到 %(max)d 之间。") % {"max": MAX_PAGE}]})
    return number


def _page_link(request, number: int) -> str:
    query = request.query_params.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
