"""The curators' admin: every model is there, in Chinese, and the workflow actions work."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from experiences.models import Place, PlaceAlias, Practice, Recommendation, Section, SourceDocument, Status, Theme

pytestmark = pytest.mark.django_db

MODELS = [Place, PlaceAlias, Theme, SourceDocument, Section, Practice, Recommendation]


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.cn", "x-not-a-real-password")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_has_a_changelist_add_and_change_page(admin_client, model):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    assert str(opts.verbose_name_plural) in changelist.content.decode()
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
    obj = model.objects.order_by("pk").first()
    change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200


def test_admin_search_and_filters(admin_client):
    url = reverse("admin:experiences_practice_changelist")
    html = admin_client.get(url, {"q": "雨伞"}).content.decode()
    assert "鄂州" in html
    assert admin_client.get(url, {"status__exact": "published"}).status_code == 200


def test_place_autocomplete_finds_places_by_name_and_alias(admin_client):
    url = reverse("admin:autocomplete")
    params = {"app_label": "experiences", "model_name": "practice", "field_name": "places"}
    results = admin_client.get(url, params | {"term": "荆州"}).json()["results"]
    assert any(r["text"] == "荆州市" for r in results)
    results = admin_client.get(url, params | {"term": "中关村"}).json()["results"]
    assert any(r["text"] == "海淀区" for r in results)


def test_publish_and_unpublish_actions(admin_client):
    practice = Practice.objects.order_by("pk").first()
    url = reverse("admin:experiences_practice_changelist")
    admin_client.post(url, {"action": "unpublish", "_selected_action": [practice.pk]})
    practice.refresh_from_db()
    assert practice.status == Status.DRAFT
    admin_client.post(url, {"action": "publish", "_selected_action": [practice.pk]})
    practice.refresh_from_db()
    assert practice.status == Status.PUBLISHED


def test_recommendation_page_shows_sub_points_inline(admin_client):
    parent = Recommendation.objects.filter(children__isnull=False).first()
    html = admin_client.get(reverse("admin:experiences_recommendation_change", args=[parent.pk])).content.decode()
    assert "分项建议" in html
    for child in parent.children.all():
        assert child.title in html


def test_document_page_shows_sections_inline(admin_client):
    document = SourceDocument.objects.get(title__startswith="兄弟城市党委")
    html = admin_client.get(reverse("admin:experiences_sourcedocument_change", args=[document.pk])).content.decode()
    assert "主要经验" in html
    assert "章节" in html
