"""The editorial workflow as editors, reviewers and readers live it: roles, review, visibility, the queue."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from experiences import workflow
from experiences.models import Practice, SourceDocument, Status

from . import making

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return making.user("editor", making.EDITOR)


@pytest.fixture
def reviewer():
    return making.user("reviewer", making.REVIEWER)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(obj) -> str:
    return reverse(f"admin:experiences_{obj._meta.model_name}_change", args=[obj.pk])


def transition_url(obj, action: str) -> str:
    return reverse(f"admin:experiences_{obj._meta.model_name}_transition", args=[obj.pk, action])


def published_document() -> SourceDocument:
    return SourceDocument.objects.get(title="兄弟城市党委办公室工作的主要经验和体会")


def add_draft(client, document, title="萤火虫：夜间经济的做法") -> Practice:
    response = client.post(
        reverse("admin:experiences_practice_add"),
        {"title": title, "summary": "摘要", "body": "正文", "document": document.pk, "excerpt": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Practice.objects.get(title=title)


def test_an_editors_draft_reaches_readers_only_after_another_reviewer_approves_it(editor, reviewer, client):
    as_editor, as_reviewer = signed_in(editor), signed_in(reviewer)
    practice = add_draft(as_editor, published_document())
    assert practice.status == Status.DRAFT
    assert client.get(practice.get_absolute_url()).status_code == 404

    as_editor.post(transition_url(practice, "submit"))
    practice.refresh_from_db()
    assert (practice.status, practice.submitted_by) == (Status.REVIEW, editor)
    assert client.get(practice.get_absolute_url()).status_code == 404
    # The editor may not approve (no permission), nor the reviewer their own submission (next test).
    as_editor.post(transition_url(practice, "approve"))
    practice.refresh_from_db()
    assert practice.status == Status.REVIEW

    as_reviewer.post(transition_url(practice, "approve"))
    practice.refresh_from_db()
    assert (practice.status, practice.reviewed_by) == (Status.PUBLISHED, reviewer)
    page = client.get(practice.get_absolute_url()).content.decode()
    assert practice.title in page
    assert "发布于" in page
    assert "最近修改" in page

    # Every step is in history, with who took it.
    revisions = [v.revision for v in Version.objects.get_for_object(practice).order_by("revision__date_created", "pk")]
    steps = [(r.user.get_username(), r.comment) for r in revisions]
    assert steps[0] == ("editor", "后台新增")
    assert ("editor", "提交审核") in steps
    assert ("reviewer", "审核通过并发布") in steps


def test_a_reviewer_may_not_approve_their_own_submission_unless_the_office_allows_it(reviewer, settings):
    practice = making.lesson(Practice, title="自己提交的做法", document=published_document())
    workflow.apply([practice], action=workflow.SUBMIT, user=reviewer)
    outcome = workflow.apply([practice], action=workflow.APPROVE, user=reviewer)
    assert outcome.refused
    assert "不能审核自己提交的内容" in outcome.refused[0][1]
    practice.refresh_from_db()
    assert practice.status == Status.REVIEW
    settings.KBASE_ALLOW_SELF_APPROVAL = True
    assert workflow.apply([practice], action=workflow.APPROVE, user=reviewer).moved == [practice]


def test_a_returned_draft_carries_the_reviewers_comment_back_to_its_editor(editor, reviewer):
    as_editor, as_reviewer = signed_in(editor), signed_in(reviewer)
    practice = add_draft(as_editor, published_document())
    as_editor.post(transition_url(practice, "submit"))
    assert "等待您审核" in as_reviewer.get(reverse("review_queue")).content.decode()
    header = as_reviewer.get("/").content.decode()
    assert 'title="等待您审核">1<' in header

    page = as_reviewer.post(transition_url(practice, "return"), {"note": ""}).content.decode()
    assert "请填写理由" in page or "理由（必填" in page  # a return needs the reviewer's comment
    practice.refresh_from_db()
    assert practice.status == Status.REVIEW
    as_reviewer.post(transition_url(practice, "return"), {"note": "请补充原文摘录。"})
    practice.refresh_from_db()
    assert (practice.status, practice.returned, practice.review_note) == (Status.DRAFT, True, "请补充原文摘录。")

    queue = as_editor.get(reverse("review_queue")).content.decode()
    assert "退回给您修改（1）" in queue
    assert "请补充原文摘录。" in queue
    assert "请补充原文摘录。" in as_editor.get(change_url(practice)).content.decode()
    assert "退回 1" in as_editor.get("/").content.decode()


def test_withdrawing_needs_a_reason_and_keeps_the_lesson_hidden(reviewer, client):
    practice = Practice.objects.published().first()
    as_reviewer = signed_in(reviewer)
    changelist = reverse("admin:experiences_practice_changelist")
    page = as_reviewer.post(changelist, {"action": "workflow_withdraw", "_selected_action": [practice.pk]})
    assert "理由（必填" in page.content.decode()  # asks for the reason first
    as_reviewer.post(changelist, {**making.WITHDRAW, "_selected_action": [practice.pk]})
    practice.refresh_from_db()
    assert (practice.status, practice.review_note) == (Status.ARCHIVED, "内容已过时")
    assert client.get(practice.get_absolute_url()).status_code == 404
    assert Practice.objects.filter(pk=practice.pk).exists()  # kept
    revision = Version.objects.get_for_object(practice).order_by("-revision__date_created", "-pk").first().revision
    assert (revision.user, revision.comment) == (reviewer, "撤回（归档）：内容已过时")


def test_approving_a_lesson_of_an_unpublished_document_publishes_both_or_refuses_with_the_reason(editor, reviewer):
    document = making.save(SourceDocument(title="新报告", text="合肥市的做法。", status=Status.DRAFT))
    practice = making.lesson(Practice, title="合肥：做法", document=document)
    workflow.apply([practice], action=workflow.SUBMIT, user=editor)
    refused = workflow.apply([practice], action=workflow.APPROVE, user=reviewer)
    assert "来源文献《新报告》尚未发布" in refused.refused[0][1]
    assert not Practice.objects.published().filter(pk=practice.pk).exists()

    workflow.apply([document], action=workflow.SUBMIT, user=editor)
    outcome = workflow.apply([practice], action=workflow.APPROVE, user=reviewer)
    assert outcome.moved == [practice]
    assert outcome.also == [document]
    assert Practice.objects.published().filter(pk=practice.pk).exists()


def test_status_changes_only_through_transitions_and_editors_leave_published_items_to_reviewers(editor):
    practice = Practice.objects.published().first()
    as_editor = signed_in(editor)
    page = as_editor.get(change_url(practice)).content.decode()
    assert 'name="title"' not in page  # read-only for an editor
    draft = add_draft(as_editor, published_document())
    data = {"title": "改过的标题", "summary": "", "body": "", "document": draft.document_id, "status": "published"}
    as_editor.post(change_url(draft), data)
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("改过的标题", Status.DRAFT)  # the status field is not in the form
    assert "审核通过并发布" not in as_editor.get(change_url(draft)).content.decode()


def test_readers_sign_in_on_the_site_and_keep_private_collections(client):
    making.user("reader", making.READER, password="a-long-reader-password")
    page = client.get("/accounts/login/").content.decode()
    assert "登录" in page
    assert "admin" not in page.split("<main")[1][:2000]
    response = client.post("/accounts/login/", {"username": "reader", "password": "a-long-reader-password"})
    assert response.status_code == 302
    practice = Practice.objects.published().first()
    client.post(
        reverse("briefings:collection_add"),
        {"kind": "practice", "pk": practice.pk, "collection": "", "new_title": "我的汇编"},
    )
    collections = client.get(reverse("briefings:collection_list")).content.decode()
    assert "我的汇编" in collections
    home = client.get("/").content.decode()
    assert "退出" in home
    assert 'href="/admin/"' not in home  # a reader has no admin link
    assert client.get("/admin/").status_code == 302  # and the admin sends them to its own login


def test_a_draft_only_tag_is_indistinguishable_from_an_unknown_one(client, draft_practice):
    making.link(draft_practice, tags=["只在草稿里的标签"])
    secret = client.get("/practices/", {"tag": "只在草稿里的标签"})
    unknown = client.get("/practices/", {"tag": "根本没有的标签"})
    assert secret.status_code == unknown.status_code == 200

    # The page echoes what was typed (the field, the chip that removes it) and nothing more.
    def main(response) -> str:
        return response.content.decode().split("<main")[1].split("</main>")[0]

    assert main(secret).replace("只在草稿里的标签", "根本没有的标签") == main(unknown)
    assert secret.context["page_obj"].paginator.count == unknown.context["page_obj"].paginator.count == 0
