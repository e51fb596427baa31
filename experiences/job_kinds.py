"""The experiences app's background jobs: an upload's analysis and its write; index and count rebuilds.

Each ``run`` may execute in a forked child under the job's limits
(jobs/running.py): it reads what it needs from the database itself and
reports progress as ``(percent, step)``. What the web processes must learn
(a new content version in a per-process cache) is done in ``after_success``,
which runs in the supervising process.
"""

from __future__ import annotations

import pickle
import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs import kinds
from jobs.kinds import JobFailed, JobKind, Outcome
from jobs.limits import in_child
from jobs.models import Job, private_storage

from . import caching, content, importing, search, segmentation
from .importing import ImportPlan, ImportRefused, apply_plan, plan_import
from .models import ImportBatch

PLAN_FORMAT = 1  # bumped when ImportPlan changes shape: an older stored plan is then analysed again


# --- the analysis of an upload (the preview) ---------------------------------------------


def start_upload(upload, *, force: bool, user) -> ImportBatch:
    """A batch for an uploaded file, its analysis queued as a job (the admin's upload page and the API)."""
    batch = ImportBatch.objects.create(
        file=upload, original_name=upload.name[:255], size=upload.size, force=force,
        uploaded_by=user, state=ImportBatch.State.PARSING,
    )  # fmt: skip
    start_analysis(batch, user=user)
    return batch


def start_analysis(batch: ImportBatch, *, user) -> Job:
    from jobs.queue import submit

    with transaction.atomic():
        job = submit(
            kind=Job.Kind.IMPORT_PLAN,
            params={"batch": batch.pk},
            title=_("解析《%(name)s》") % {"name": batch.original_name},
            user=user,
        )
        ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    return job


def _analyse(job_id: int, *, report) -> Outcome:
    job = Job.objects.get(pk=job_id)
    batch = ImportBatch.objects.get(pk=job.params["batch"])
    with batch.file.open("rb") as handle:
        data = handle.read()
    try:
        plan = plan_import(name=batch.original_name, data=data, progress=lambda percent, step: report((percent, step)))
    except ImportRefused as error:
        raise JobFailed(str(error)) from error
    report((96, _("保存分析结果")))
    stored = ContentFile(pickle.dumps((PLAN_FORMAT, plan), protocol=pickle.HIGHEST_PROTOCOL))
    name = private_storage().save(f"imports/batch-{batch.pk}.plan", stored)
    message = _("共 %(docs)d 篇文献、%(drafts)d 条草稿，请查看预览后确认。") % {
        "docs": len(plan.documents),
        "drafts": sum(d.draft_count for d in plan.documents),
    }
    moved = ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.PARSING).update(
        state=ImportBatch.State.PENDING, plan_file=name, message=message
    )
    if not moved:
        private_storage().delete(name)
        raise JobFailed(_("导入已被取消。"))
    return Outcome(message=message, summary={"batch": batch.pk})


def _analysis_failed(job: Job, reason: str) -> None:
    batch = ImportBatch.objects.filter(pk=job.params.get("batch")).first()
    if batch is None:
        return
    state = ImportBatch.State.CANCELLED if job.state == Job.State.CANCELLED else ImportBatch.State.FAILED
    _close_batch(batch, state=state, message=reason, was=ImportBatch.State.PARSING)


# --- writing what the preview showed ------------------------------------------------------


def start_write(batch: ImportBatch, *, user, headers: dict | None = None) -> Job | None:
    """Confirm a pending batch: it moves to 'writing' once (a second click finds it taken) and a job writes it."""
    from jobs.queue import submit

    with transaction.atomic():
        taken = ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.PENDING).update(
            state=ImportBatch.State.WRITING
        )
        if not taken:
            return None
        job = submit(
            kind=Job.Kind.IMPORT_WRITE,
            # Header fields the curator corrected on the preview, by the document's position in the plan.
            params={"batch": batch.pk, "headers": headers or {}},
            title=_("导入《%(name)s》") % {"name": batch.original_name},
            user=user,
        )
        ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    return job


def load_plan(batch: ImportBatch) -> ImportPlan | None:
    """The stored analysis of a batch; None when it is missing or from an older version of the importer."""
    if not batch.plan_file:
        return None
    try:
        with private_storage().open(batch.plan_file, "rb") as handle:
            version, plan = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        return None
    return plan if version == PLAN_FORMAT else None


def _write(job_id: int, *, report) -> Outcome:
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    batch = ImportBatch.objects.get(pk=job.params["batch"])
    plan = load_plan(batch)
    if plan is None:
        raise JobFailed(_("找不到这个文件的解析结果，请重新上传。"))
    for index, values in job.params.get("headers", {}).items():
        _correct_header(plan.documents[int(index)], values)
    try:
        result = apply_plan(
            plan,
            force=batch.force,
            batch=batch,
            user=job.requested_by,
            progress=lambda percent, step: report((percent, step)),
        )
    except ImportRefused as error:
        raise JobFailed(str(error)) from error
    message = _("已导入 %(docs)d 篇文献、%(sections)d 个章节、%(drafts)d 条草稿。") % {
        "docs": len(result.documents),
        "sections": result.sections,
        "drafts": result.practices + result.recommendations,
    }
    if result.skipped:
        message += " " + " ".join(result.skipped)
    ImportBatch.objects.filter(pk=batch.pk).update(message=message)
    # The IDF table of a child dies with it: the supervising process adds the new documents to its own.
    handover = [d.term_frequencies for d in plan.documents] if in_child() else None
    return Outcome(
        message=message,
        summary={"batch": batch.pk, "documents": [d.pk for d in result.documents]},
        handover=handover,
    )


def _correct_header(document, values: dict) -> None:
    """What the curator corrected on the preview replaces what the importer read."""
    document.title = values["title"]
    document.subtitle = values.get("subtitle") or ""
    document.authors = [a for a in re.split(r"[、,，\s]+", values.get("authors") or "") if a]
    document.organization = values.get("organization") or ""
    document.year, document.month = values.get("year"), values.get("month")


def _written(job: Job, outcome: Outcome) -> None:
    caching.version_changed()
    segmentation.add_to_frequencies(outcome.handover or [])
    batch = ImportBatch.objects.filter(pk=job.params.get("batch")).first()
    if batch is not None and batch.plan_file:
        private_storage().delete(batch.plan_file)
        ImportBatch.objects.filter(pk=batch.pk).update(plan_file="")


def _write_failed(job: Job, reason: str) -> None:
    """The write's transaction rolled back. Cancelled: the preview stands. Failed: the batch fails, with why.

    Unless it committed after all (the job stopped between the commit and its
    report, or a second attempt found the batch imported): then it succeeded.
    """
    batch = ImportBatch.objects.filter(pk=job.params.get("batch")).first()
    if batch is None:
        return
    if batch.state == ImportBatch.State.IMPORTED:
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.SUCCEEDED, error="", progress=100, step=batch.message[:200],
            result={"message": batch.message, "batch": batch.pk},
        )  # fmt: skip
        _written(job, Outcome())
        return
    if job.state == Job.State.CANCELLED:
        ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.WRITING).update(state=ImportBatch.State.PENDING)
        return
    _close_batch(batch, state=ImportBatch.State.FAILED, message=reason, was=ImportBatch.State.WRITING)


def cancel_batch(batch: ImportBatch) -> bool:
    """The curator's 取消 on a pending batch: nothing was written; the upload and its analysis go."""
    return _close_batch(
        batch, state=ImportBatch.State.CANCELLED, message=_("已取消导入。"), was=ImportBatch.State.PENDING
    )


def _close_batch(batch: ImportBatch, *, state: str, message: str, was: str) -> bool:
    """End a batch that is still in state ``was`` (a confirmation in another tab may have moved it on)."""
    closed = ImportBatch.objects.filter(pk=batch.pk, state=was).update(
        state=state, message=message, plan_file="", file="", finished_at=timezone.now()
    )
    if not closed:
        return False
    if batch.plan_file:
        private_storage().delete(batch.plan_file)
    if batch.file:
        batch.file.delete(save=False)
    return True


# --- rebuilds -----------------------------------------------------------------------------


def _rebuild_index(job_id: int, *, report) -> Outcome:
    def progress(done: int, total: int) -> None:
        report((5 + 90 * done // max(total, 1), _("已索引 %(done)d / %(total)d 条") % {"done": done, "total": total}))

    report((1, _("清空旧索引")))
    count = search.rebuild(progress=progress)
    return Outcome(message=_("搜索索引已重建，共 %(n)d 条。") % {"n": count}, summary={"entries": count})


def _rebuild_counts(job_id: int, *, report) -> Outcome:
    report((10, _("统计各地区、各主题的数量")))
    content.recount()
    return Outcome(message=_("数量已重新统计。"))


def _content_changed(job: Job, outcome: Outcome) -> None:
    caching.version_changed()


def register() -> None:
    kinds.register(
        Job.Kind.IMPORT_PLAN,
        JobKind(
            run=_analyse,
            seconds_setting="KBASE_IMPORT_JOB_SECONDS",
            prepare=importing.warm_up,  # in the supervising worker: every analysis forked from it inherits it
            after_failure=_analysis_failed,
        ),
    )
    kinds.register(
        Job.Kind.IMPORT_WRITE,
        JobKind(
            run=_write,
            seconds_setting="KBASE_IMPORT_JOB_SECONDS",
            after_success=_written,
            after_failure=_write_failed,
        ),
    )
    kinds.register(
        Job.Kind.REBUILD_SEARCH_INDEX,
        JobKind(run=_rebuild_index, seconds_setting="KBASE_REBUILD_JOB_SECONDS", after_success=_content_changed),
    )
    kinds.register(
        Job.Kind.REBUILD_COUNTS,
        JobKind(run=_rebuild_counts, seconds_setting="KBASE_REBUILD_JOB_SECONDS", after_success=_content_changed),
    )
