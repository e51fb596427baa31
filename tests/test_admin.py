"""The curators' admin: every model is there, in Chinese, and the workflow actions work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from experiences import content
from experiences.models import (
    ImportBatch,
    Place,
    PlaceAlias,
    Practice,
    Recommendation,
    Section,
    SourceDocument,
    Status,
    Theme,
)
from tests.paths import RAW_SEED

pytestmark = pytest.mark.django_db

MODELS = [Place, PlaceAlias, Theme, SourceDocument, Section, Practice, Recommendation]
# ImportBatch has no add form of its own: its add page is the upload page, tested below.


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


@pytest.mark.parametrize("name", ["placemention", "searchentry", "importbatch"])
def test_supporting_models_have_a_changelist(admin_client, name):
    assert admin_client.get(reverse(f"admin:experiences_{name}_changelist")).status_code == 200


def test_admin_search_and_filters(admin_client):
    url = reverse("admin:experiences_practice_changelist")
    html = admin_client.get(url, {"q": "雨伞"}).content.decode()
    assert "鄂州" in html
    assert admin_client.get(url, {"status__exact": "published"}).status_code == 200


def test_place_autocomplete_finds_places_by_name_and_alias(admin_client):
    url = reverse("admin:autocomplete")
    params = {"app_label": "experiences", "model_name": "practice", "field_name": "places"}
    results = admin_client.get(url, params | {"term": "荆州"}).json()["results"]
    assert any(r["text"] == "荆州市（湖北）" for r in results)
    results = admin_client.get(url, params | {"term": "中关村"}).json()["results"]
    assert any(r["text"] == "海淀区（北京）" for r in results)


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


SEED = RAW_SEED
SAMPLES = Path(__file__).resolve().parent / "samples"


def upload(admin_client, name: str, data: bytes, **extra):
    return admin_client.post(
        reverse("admin:experiences_importbatch_add"), {"file": SimpleUploadedFile(name, data), **extra}
    )


def test_upload_shows_a_preview_and_writes_nothing_until_confirmed(admin_client, media):
    before = SourceDocument.objects.count()
    response = upload(admin_client, "苏州昆山考察.txt", (SAMPLES / "unseen_report.txt").read_bytes())
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    preview = admin_client.get(response.url)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "关于赴苏州、昆山学习考察开发区建设的报告" in html
    assert "坚持规划引领" in html  # a draft practice
    assert "昆山市" in html  # a detected place
    assert "要把规划放在首位" in html  # a draft recommendation
    assert SourceDocument.objects.count() == before
    response = admin_client.post(response.url, {"action": "confirm"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.IMPORTED
    document = batch.documents.get()
    assert document.status == Status.DRAFT
    assert document.practices.count() == 3
    assert document.original_file.name == batch.file.name


def test_cancel_discards_the_upload(admin_client, media):
    response = upload(admin_client, "a.txt", (SAMPLES / "unseen_report.txt").read_bytes())
    before = SourceDocument.objects.count()
    admin_client.post(response.url, {"action": "cancel"})
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.CANCELLED
    assert not batch.file
    assert SourceDocument.objects.count() == before


def test_a_duplicate_of_the_seed_is_flagged_in_the_preview_and_refused(admin_client, media):
    response = upload(admin_client, SEED.name, SEED.read_bytes())
    html = admin_client.get(response.url).content.decode()
    assert "完全相同" in html
    assert "没有可导入的内容" in html
    assert re.search(r'value="confirm"[^>]*disabled', html)  # nothing new: confirming is not offered
    before = SourceDocument.objects.count()
    admin_client.post(response.url, {"action": "confirm"})
    assert ImportBatch.objects.get().state == ImportBatch.State.FAILED
    assert SourceDocument.objects.count() == before


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [("a.exe", b"MZ", "不支持的文件类型"), ("empty.txt", b"", "空")],
)
def test_bad_uploads_get_a_form_error(admin_client, media, name, data, error):
    response = upload(admin_client, name, data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_unreadable_file_fails_with_its_reason_not_a_500(admin_client, media):
    response = upload(admin_client, "junk.txt", bytes(range(256)) * 40)
    response = admin_client.get(response.url, follow=True)
    assert response.status_code == 200
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.FAILED
    assert "文本" in batch.message


def test_readers_cannot_reach_the_import_pages(client):
    response = client.get(reverse("admin:experiences_importbatch_add"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def child_formset(rf, admin_user, parent, *, excerpt: str):
    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry[Recommendation]
    request = rf.post("/")
    request.user = admin_user
    inline = model_admin.get_inline_instances(request, parent)[0]
    formset_class = inline.get_formset(request, parent)
    prefix = formset_class.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-order": "9",
        f"{prefix}-0-label": "(9)",
        f"{prefix}-0-title": "新增分项",
        f"{prefix}-0-body": "",
        f"{prefix}-0-excerpt": excerpt,
        f"{prefix}-0-status": "draft",
    }
    return formset_class(data, instance=parent, prefix=prefix)


def test_a_new_sub_point_is_validated_against_its_parents_document(rf, db):
    user = get_user_model().objects.create_superuser("chief", "chief@example.cn", "x-not-a-real-password")
    parent = Recommendation.objects.filter(children__isnull=False).first()
    bad = child_formset(rf, user, parent, excerpt="原文中根本没有这句话")
    assert not bad.is_valid()
    assert "逐字出现" in str(bad.errors)
    good = child_formset(rf, user, parent, excerpt=parent.excerpt)
    assert good.is_valid(), good.errors
    with content.writing(user=user) as work:
        child = good.save()[0]
        work.created(child)
    assert child.document_id == parent.document_id


def test_the_place_picker_tells_namesakes_apart_and_finds_pinyin(admin_client):
    def texts(term: str) -> list[str]:
        response = admin_client.get(
            "/admin/autocomplete/",
            {"term": term, "app_label": "experiences", "model_name": "practice", "field_name": "places"},
        )
        assert response.status_code == 200
        return [r["text"] for r in response.json()["results"]]

    gulou = texts("鼓楼")
    assert "鼓楼区（江苏·南京）" in gulou
    assert "鼓楼区（江苏·徐州）" in gulou
    assert len(set(gulou)) == len(gulou)
    suzhou = texts("suzhou")
    assert "苏州市（江苏）" in suzhou
    assert "宿州市（安徽）" in suzhou


def test_a_selected_place_shows_its_full_name_in_the_form(admin_client):
    from experiences.models import Place, Practice

    practice = Practice.objects.filter(places__adcode="420100").first()
    html = admin_client.get(f"/admin/experiences/practice/{practice.pk}/change/").content.decode()
    assert Place.objects.get(adcode="420100").full_name == "武汉市（湖北）"
    assert "武汉市（湖北）" in html


def test_the_document_form_shows_its_outline_without_offsets_or_raw_ids(admin_client):
    from experiences.models import SourceDocument

    document = SourceDocument.objects.get(title="兄弟城市党委办公室工作的主要经验和体会")
    html = admin_client.get(f"/admin/experiences/sourcedocument/{document.pk}/change/").content.decode()
    assert 'name="sections-0-heading"' in html
    assert 'name="sections-0-start"' not in html
    assert 'name="sections-0-parent"' not in html
    assert "上级章节" in html
    assert "一、主要经验" in html  # a sub-section names the section it sits under


def test_a_document_text_edited_in_the_admin_is_hashed_again_for_the_duplicate_check(rf, admin_user):
    from django.contrib import admin as django_admin
    from django.forms.models import model_to_dict

    from experiences.duplicates import stored_documents
    from experiences.text.fingerprint import Sketch, content_hash

    old, new = "原来的正文讲人才政策。" * 30, "改过的正文讲产学研合作。" * 30
    with content.writing():
        document = SourceDocument(title="一篇文献", text=old)
        document.fingerprint_text()
        content.save(document)
    model_admin = django_admin.site._registry[SourceDocument]
    request = rf.post("/")
    request.user = admin_user
    data = {k: v for k, v in model_to_dict(document).items() if v is not None}
    data |= {"text": new, "places": [], "version": document.version}
    form = model_admin.get_form(request, document, change=True)(data, instance=document)
    assert form.is_valid(), form.errors
    with content.writing(user=admin_user):
        model_admin.save_model(request, form.save(commit=False), form, change=True)
    document.refresh_from_db()
    assert document.content_hash == content_hash(new)
    assert stored_documents().sketch(document.pk) == Sketch.of(new)
