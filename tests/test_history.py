"""History and no lost edits: concurrent saves end in a merge, every change is recorded, any version restores."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from reversion.models import Revision, Version

from experiences.editing import submitted_value
from experiences.models import Place, Practice, SourceDocument

from . import making
from .paths import SAMPLES

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def curators():
    return making.user("curator-a", making.REVIEWER), making.user("curator-b", making.REVIEWER)


def loaded_form(client, url: str) -> dict:
    """The change form's values as the browser would submit them untouched."""
    form = client.get(url).context["adminform"].form
    data = {name: submitted_value(form, name) for name in form.fields}
    return {name: value for name, value in data.items() if value is not None}


def test_a_save_over_a_colleagues_newer_version_ends_in_a_merge_and_loses_nothing(curators):
    a, b = (signed_in(user) for user in curators)
    practice = Practice.objects.published().filter(tags__isnull=False).distinct().first()
    tags = sorted(practice.tags.names())
    url = reverse("admin:experiences_practice_change", args=[practice.pk])
    form_a, form_b = loaded_form(a, url), loaded_form(b, url)  # both open the page

    assert a.post(url, {**form_a, "title": "A 改过的标题"}).status_code == 302
    response = b.post(url, {**form_b, "summary": "B 改过的摘要"})
    assert response.status_code == 200  # refused, not saved over A's title
    page = response.content.decode()
    assert "两个版本对照" in page
    assert "curator-a 已保存了新的版本" in page
    assert "A 改过的标题" in page
    assert "B 改过的摘要" in page
    practice.refresh_from_db()
    assert (practice.title, practice.summary) != ("A 改过的标题", "B 改过的摘要")
    assert practice.title == "A 改过的标题"

    # B keeps their summary, takes A's title, and saves the merge.
    merged = {**form_b, "summary": "B 改过的摘要", "_take_saved": ["title"]}
    merged["loaded_version"] = response.context["adminform"].form["loaded_version"].value()
    assert b.post(url, merged).status_code == 302
    practice.refresh_from_db()
    assert (practice.title, practice.summary) == ("A 改过的标题", "B 改过的摘要")
    assert sorted(practice.tags.names()) == tags  # untouched fields stay as they were


def test_history_compares_any_two_versions_field_by_field_and_restores_one(curators, admin_client):
    practice = Practice.objects.published().filter(tags__isnull=False).first()
    original_title, original_tags = practice.title, sorted(practice.tags.names())
    wuhan = Place.objects.get(adcode="420100")
    making.save(practice, title="改过的标题", user=curators[0])
    making.link(practice, places=[wuhan], tags=["新关键词"], user=curators[1])
    versions = list(Version.objects.get_for_object(practice).order_by("revision__date_created", "pk"))
    assert len(versions) >= 3

    url = reverse("admin:experiences_practice_versions", args=[practice.pk])
    page = admin_client.get(url, {"a": versions[0].pk, "b": versions[-1].pk}).content.decode()
    assert original_title in page
    assert "改过的标题" in page
    assert "新关键词" in page
    assert "武汉市" in page
    assert "curator-a" in page
    assert "curator-b" in page

    restore = reverse("admin:experiences_practice_restore", args=[practice.pk, versions[0].pk])
    assert admin_client.post(restore).status_code == 302
    practice.refresh_from_db()
    assert practice.title == original_title
    assert sorted(practice.tags.names()) == original_tags
    assert wuhan not in practice.places.all()
    latest = Version.objects.get_for_object(practice).order_by("-revision__date_created", "-pk").first()
    assert latest.revision.comment.startswith("恢复到")
    assert latest.revision.user.username == "admin"
    found = Client().get("/search/", {"q": original_title[:4]}).content.decode()
    assert original_title in found  # the restore went through the index too


def test_bulk_actions_and_imports_are_in_history_with_their_users(admin_client, media):
    reviewer = making.user("reviewer", making.REVIEWER)
    practices = list(Practice.objects.published()[:3])
    signed_in(reviewer).post(
        reverse("admin:experiences_practice_changelist"),
        {**making.WITHDRAW, "_selected_action": [p.pk for p in practices]},
    )
    revision = Revision.objects.order_by("-pk").first()
    page = admin_client.get(reverse("admin:reversion_revision_change", args=[revision.pk])).content.decode()
    for practice in practices:
        assert practice.title in page
        assert reverse("admin:experiences_practice_versions", args=[practice.pk]) in page
    assert revision.user == reviewer
    assert "撤回" in revision.comment
    assert revision.version_set.count() == 3

    data = (SAMPLES / "unseen_report.txt").read_bytes()
    upload = admin_client.post(
        reverse("admin:experiences_importbatch_add"), {"file": SimpleUploadedFile("新报告.txt", data)}
    )
    admin_client.post(upload.url, {"action": "confirm"})
    document = SourceDocument.objects.get(import_batch__isnull=False)
    revision = Version.objects.get_for_object(document).get().revision
    assert revision.user.username == "admin"
    assert "上传人 admin" in revision.comment
    assert "确认人 admin" in revision.comment
    assert revision.version_set.count() > document.practices.count() + document.recommendations.count()


def test_a_lesson_page_shows_when_it_was_published_and_last_changed(client):
    practice = Practice.objects.published().first()
    page = client.get(practice.get_absolute_url()).content.decode()
    assert "发布于" in page
    assert "最近修改" in page


def test_a_collection_edited_in_two_tabs_keeps_both_edits_and_its_history():
    from briefings.models import Collection

    owner = making.user("owner", making.READER)
    client = signed_in(owner)
    collection = making.save(Collection(title="汇编", owner=owner))
    url = collection.get_absolute_url()
    first = client.get(url).context["form"]
    loaded = {"title": "汇编", "introduction": "", "loaded_version": str(first.initial["loaded_version"])}
    assert client.post(url, {**loaded, "title": "第一个标签页的标题"}).status_code == 302
    response = client.post(url, {**loaded, "introduction": "第二个标签页的导语"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "两个版本对照" in page
    assert "第一个标签页的标题" in page
    assert "第二个标签页的导语" in page
    merged = {
        **loaded,
        "introduction": "第二个标签页的导语",
        "_take_saved": ["title"],
        "loaded_version": response.context["form"]["loaded_version"].value(),
    }
    assert client.post(url, merged).status_code == 302
    collection.refresh_from_db()
    assert (collection.title, collection.introduction) == ("第一个标签页的标题", "第二个标签页的导语")
    comments = [v.revision.comment for v in Version.objects.get_for_object(collection)]
    assert comments.count("修改汇编") == 2
