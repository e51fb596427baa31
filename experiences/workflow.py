"""The editorial workflow: the only way a document or a lesson changes status, and who may move it.

草稿 → 待审核 → 已发布 → 已归档, plus 退回 (待审核 → 草稿, with the reviewer's
comment) and 重新编辑 (已归档 → 草稿). Editors (``submit_*`` permissions)
submit; reviewers (``review_*``) approve, return and withdraw. A reviewer may
not approve what they submitted themselves unless KBASE_ALLOW_SELF_APPROVAL.

The visibility rule, stated once: a lesson is public when it and its document
are published (``LessonQuerySet.published``). Approving a lesson whose
document is not published approves the document in the same step when it is
waiting for review and the same reviewer may approve it; otherwise the lesson
is refused with the reason. Nothing ends "published but invisible".

Every transition is one unit of work (experiences.content): the index, the
counts and a history revision with the user and comment follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import content
from .lessons import is_lesson
from .models import SourceDocument, Status


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    permission: str  # "submit" or "review": experiences.<permission>_<model>
    needs_note: bool = False


SUBMIT, APPROVE, RETURN, WITHDRAW, REOPEN = "submit", "approve", "return", "withdraw", "reopen"
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(SUBMIT, gettext_lazy("提交审核"), frozenset({Status.DRAFT}), Status.REVIEW, "submit"),
        Transition(APPROVE, gettext_lazy("审核通过并发布"), frozenset({Status.REVIEW}), Status.PUBLISHED, "review"),
        Transition(RETURN, gettext_lazy("退回修改"), frozenset({Status.REVIEW}), Status.DRAFT, "review", True),
        Transition(
            WITHDRAW, gettext_lazy("撤回（归档）"), frozenset({Status.PUBLISHED}), Status.ARCHIVED, "review", True
        ),
        Transition(REOPEN, gettext_lazy("重新编辑"), frozenset({Status.ARCHIVED}), Status.DRAFT, "submit"),
    )
}


@dataclass
class Outcome:
    moved: list = field(default_factory=list)
    refused: list[tuple[object, str]] = field(default_factory=list)
    also: list = field(default_factory=list)  # documents approved along with their lessons


def permission(model, transition: Transition) -> str:
    return f"{model._meta.app_label}.{transition.permission}_{model._meta.model_name}"


def may(user, model, action: str) -> bool:
    """Whether ``user`` holds the permission for ``action`` on this kind of item (status aside)."""
    return bool(user is not None and user.is_active and user.has_perm(permission(model, TRANSITIONS[action])))


def refusal(user, obj, action: str, *, system: bool = False) -> str | None:
    """Why ``user`` may not take ``action`` on ``obj`` now, or None."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return _("未知的操作。")
    if obj.status not in transition.sources:
        return _("当前状态为“%(status)s”，不能%(action)s。") % {
            "status": obj.get_status_display(),
            "action": transition.label,
        }
    if system:
        return None
    if not may(user, type(obj), action):
        return _("您没有权限%(action)s。") % {"action": transition.label}
    if action == APPROVE and not settings.KBASE_ALLOW_SELF_APPROVAL and obj.submitted_by_id == user.pk:
        return _("不能审核自己提交的内容，请由另一位审核人审核。")
    return None


def may_edit(user, obj) -> bool:
    """Whether ``user``'s change permission reaches ``obj`` now: editors change drafts (returned ones
    included); what is submitted, published or withdrawn is the reviewers' (the admin and the API)."""
    return obj.status == Status.DRAFT or may(user, type(obj), APPROVE)


def available(user, obj) -> list[Transition]:
    """The transitions ``user`` may take on ``obj`` now (the buttons of its page)."""
    return [t for t in TRANSITIONS.values() if refusal(user, obj, t.action) is None]


def missing_note(action: str, note: str) -> str | None:
    """Why ``action`` cannot be taken with this note (returning and withdrawing need a reason), or None."""
    transition = TRANSITIONS[action]
    if transition.needs_note and not note.strip():
        return _("请填写%(action)s的理由。") % {"action": transition.label}
    return None


def apply(items: Iterable, *, action: str, user=None, note: str = "", system: bool = False) -> Outcome:
    """Move each item (documents, practices or recommendations, of one model) if allowed; say why not otherwise.

    ``system``: the seeder and management commands, which act for nobody in particular.
    """
    transition = TRANSITIONS[action]
    note = note.strip()
    outcome = Outcome()
    items = list(items)
    if missing_note(action, note):
        outcome.refused = [(obj, missing_note(action, note)) for obj in items]
        return outcome
    comment = f"{transition.label}：{note}" if note else str(transition.label)
    with content.writing(user=user, comment=comment) as work:
        documents = _documents_to_approve(items, user=user, system=system) if action == APPROVE else {}
        for obj in items:
            reason = refusal(user, obj, action, system=system)
            if reason is None and action == APPROVE and is_lesson(obj):
                pending = documents.get(obj.document_id)  # the document to approve along, or why not
                reason = pending if isinstance(pending, str) else None
            if reason:
                outcome.refused.append((obj, reason))
            else:
                outcome.moved.append(obj)
        needed = {obj.document_id for obj in outcome.moved if is_lesson(obj)}
        ready = [d for d in documents.values() if isinstance(d, SourceDocument) and d.pk in needed]
        if ready:
            _move(ready, transition, user=user, note=note, work=work)
            outcome.also = ready
        if outcome.moved:
            _move(outcome.moved, transition, user=user, note=note, work=work)
    return outcome


def _documents_to_approve(items: list, *, user, system: bool) -> dict[int, object]:
    """For lessons being approved: each unpublished document → itself (approve it too) or the reason to refuse."""
    ids = {obj.document_id for obj in items if is_lesson(obj)}
    result: dict[int, object] = {}
    for document in SourceDocument.objects.filter(pk__in=ids).exclude(status=Status.PUBLISHED):
        reason = refusal(user, document, APPROVE, system=system)
        if reason is None:
            result[document.pk] = document
        else:
            result[document.pk] = _(
                "来源文献《%(title)s》尚未发布（%(status)s），发布后读者才能看到这条内容：%(reason)s"
            ) % {
                "title": document.title,
                "status": document.get_status_display(),
                "reason": reason,
            }
    # A document approved here is published: its lessons are no longer refused for it.
    return result


def _move(objs: list, transition: Transition, *, user, note: str, work) -> None:
    model = type(objs[0])
    ids = [obj.pk for obj in objs]
    now = timezone.now()
    who = user if getattr(user, "pk", None) else None
    fields: dict = {"status": transition.target, "version": F("version") + 1}
    if transition.action == SUBMIT:
        fields |= {"submitted_by": who, "submitted_at": now, "returned": False}
    elif transition.action == APPROVE:
        fields |= {"reviewed_by": who, "reviewed_at": now, "published_at": now, "review_note": "", "returned": False}
    elif transition.action == RETURN:
        fields |= {"reviewed_by": who, "reviewed_at": now, "review_note": note, "returned": True}
    elif transition.action == WITHDRAW:
        fields |= {"reviewed_by": who, "reviewed_at": now, "review_note": note}
    elif transition.action == REOPEN:
        fields |= {"returned": False}
    work.changing(model, ids)
    model.objects.filter(pk__in=ids).update(**fields)
    for obj in objs:  # the callers' instances, as now saved
        for name, value in fields.items():
            if name != "version":
                setattr(obj, name, value)
        obj.version += 1


def publish_new(items: Iterable, *, comment: str = "") -> None:
    """Publish freshly loaded items at once (the seeder's shipped content): submitted and approved by the system."""
    items = list(items)
    if not items:
        return
    with content.writing(comment=comment):
        for action in (SUBMIT, APPROVE):
            outcome = apply(items, action=action, system=True)
            if outcome.refused:
                raise ValueError(f"cannot {action}: {outcome.refused[0][1]}")


def submit_import(batch, *, user) -> Outcome:
    """Everything an import wrote that is still a draft, to review: its documents, their practices, and
    their recommendations with the sub-points (one unit of work per kind)."""
    from .models import Practice, Recommendation

    total = Outcome()
    for model in (SourceDocument, Practice, Recommendation):
        field = "import_batch" if model is SourceDocument else "document__import_batch"
        outcome = apply(model.objects.filter(**{field: batch}, status=Status.DRAFT).order_by("pk"), action=SUBMIT,
                        user=user)  # fmt: skip
        total.moved += outcome.moved
        total.refused += outcome.refused
    return total
