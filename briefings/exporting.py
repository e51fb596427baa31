"""One entry point for every export: a selection and a format in, a named file out.

CSV and JSON are written in the request. PDF and Word are typeset in a forked
child under a time and a memory limit (jobs/limits.py), never by the web
worker itself: in the request when the selection is small (a few lessons,
a few tens of thousands of characters), as a background job otherwise, and
as a job too when a small one still does not fit the request's budget.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from jobs import limits
from jobs.kinds import JobFailed, JobKind, Outcome
from jobs.models import Job, private_storage

from .assemble import Briefing, build_briefing
from .selection import Selection, SelectionError

FORMATS = {
    "pdf": ("application/pdf", "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    "csv": ("text/csv; charset=utf-8", "CSV"),
    "json": ("application/json; charset=utf-8", "JSON"),
}
TYPESET_FORMATS = ("pdf", "docx")


class EmptySelection(SelectionError):
    pass


class NeedsJob(Exception):
    """Too much to typeset inside a request: the caller queues the export as a job instead."""


class TooManyJobs(Exception):
    """This client already has KBASE_EXPORT_ACTIVE_JOBS export jobs waiting or running; the message says so."""


@dataclass
class ExportFile:
    content: bytes
    content_type: str
    filename: str
    briefing: Briefing


def filename_for(title: str, *, date, fmt: str) -> str:
    """A safe file name that keeps the Chinese title: 湖北省经验借鉴汇编-20261126.pdf."""
    stem = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "", title).strip(" .")[:60] or "briefing"
    return f"{stem}-{date:%Y%m%d}.{fmt}"


def render(briefing: Briefing, fmt: str) -> bytes:
    """The file's bytes, made in this process. Typeset formats belong in a bounded child (``export``)."""
    if fmt == "pdf":
        from .pdf import render_pdf

        return render_pdf(briefing)
    if fmt == "docx":
        from .word import render_docx

        return render_docx(briefing)
    from .tabular import render_csv, render_json

    return render_csv(briefing) if fmt == "csv" else render_json(briefing)


def assemble(selection: Selection, *, fmt: str, user, grouping: str | None = None, title: str = "") -> Briefing:
    if fmt not in FORMATS:
        raise SelectionError(_("不支持的导出格式：%(fmt)s") % {"fmt": fmt[:20]})
    briefing = build_briefing(selection, user=user, grouping=grouping, title=title)
    if not briefing.lessons:
        raise EmptySelection(_("所选范围内没有可导出的经验做法或启示建议。"))
    if fmt == "pdf" and briefing.characters > settings.KBASE_EXPORT_MAX_PDF_CHARS:
        raise SelectionError(
            _("所选内容约 %(chars)d 万字，超过 PDF 简报的上限 %(limit)d 万字。请缩小范围，或改为导出 Word。")
            % {"chars": round(briefing.characters / 10000), "limit": settings.KBASE_EXPORT_MAX_PDF_CHARS // 10000}
        )
    return briefing


def runs_as_job(selection: Selection, fmt: str) -> bool:
    """Whether a request should queue this export instead of typesetting it (decided before loading anything)."""
    return fmt in TYPESET_FORMATS and len(selection.items) > settings.KBASE_EXPORT_INLINE_LESSONS


def request_limits() -> limits.Limits:
    return limits.Limits(
        seconds=settings.KBASE_EXPORT_REQUEST_SECONDS, memory_bytes=settings.KBASE_EXPORT_REQUEST_MEMORY_MB * 2**20
    )


def job_limits() -> limits.Limits:
    return limits.Limits(seconds=settings.KBASE_EXPORT_JOB_SECONDS, memory_bytes=settings.KBASE_JOB_MEMORY_MB * 2**20)


def export(
    selection: Selection,
    *,
    fmt: str,
    user,
    grouping: str | None = None,
    title: str = "",
    in_request: bool = False,
) -> ExportFile:
    """Assemble here, typeset in a bounded child. ``in_request``: raise NeedsJob rather than exceed its budget."""
    briefing = assemble(selection, fmt=fmt, user=user, grouping=grouping, title=title)
    if fmt in TYPESET_FORMATS:
        if in_request and briefing.characters > settings.KBASE_EXPORT_INLINE_CHARS:
            raise NeedsJob
        content = _typeset(
            briefing, fmt, bounds=request_limits() if in_request else job_limits(), in_request=in_request
        )
    else:
        content = render(briefing, fmt)
    return ExportFile(
        content=content,
        content_type=FORMATS[fmt][0],
        filename=filename_for(briefing.title, date=briefing.date, fmt=fmt),
        briefing=briefing,
    )


def _typeset(briefing: Briefing, fmt: str, *, bounds: limits.Limits, in_request: bool) -> bytes:
    if not limits.can_fork():
        return render(briefing, fmt)
    if fmt == "pdf":
        from .pdf import warm_up

        warm_up()
    try:
        return limits.run_bounded(render, briefing, fmt, limits=bounds)
    except (limits.LimitExceeded, limits.ChildCrashed) as error:
        if in_request:  # a job has more time and memory, and a crash of its own does not cost this request
            raise NeedsJob from error
        raise SelectionError(_("导出未能完成：%(reason)s请缩小范围后重试。") % {"reason": error}) from error


# --- exports as background jobs -----------------------------------------------------------


def start_job(
    selection: Selection,
    *,
    fmt: str,
    grouping: str | None,
    title: str,
    user,
    session_key: str = "",
    client: str = "",
) -> Job:
    """Queue the export of exactly this selection (the lessons the person saw), for that person only.

    ``client`` (an account, or an address behind the proxies) is capped at
    KBASE_EXPORT_ACTIVE_JOBS active export jobs: a reader who drops the session
    cookie is still the same client.
    """
    from jobs.queue import submit

    active = Job.objects.filter(kind=Job.Kind.EXPORT, client=client).active().count() if client else 0
    if active >= settings.KBASE_EXPORT_ACTIVE_JOBS:
        raise TooManyJobs(_("您已有 %(n)d 个导出任务在进行中，请等它们完成后再试。") % {"n": active})

    params = {
        "selection": dataclasses.asdict(selection),
        "format": fmt,
        "grouping": grouping,
        "title": title,
    }
    label = title or selection.title
    return submit(
        kind=Job.Kind.EXPORT,
        params=params,
        title=_("%(title)s（%(format)s）") % {"title": label[:150], "format": FORMATS[fmt][1]},
        user=user,
        session_key=session_key,
        client=client,
    )


def _run_job(job_id: int, *, report) -> Outcome:
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    params = job.params
    fmt = params["format"]
    selection = Selection(**{**params["selection"], "items": [tuple(item) for item in params["selection"]["items"]]})
    user = job.requested_by or AnonymousUser()
    report((5, _("读取内容")))
    try:
        # Visibility is checked again here: a lesson withdrawn since the request is left out.
        briefing = assemble(selection, fmt=fmt, user=user, grouping=params.get("grouping"), title=params.get("title"))
    except SelectionError as error:
        raise JobFailed(str(error)) from error
    report((20, _("排版 PDF") if fmt == "pdf" else _("生成 %(format)s") % {"format": FORMATS[fmt][1]}))
    content = render(briefing, fmt)
    report((95, _("保存文件")))
    name = private_storage().save(f"exports/job-{job.pk}.{fmt}", ContentFile(content))
    message = briefing.count_display
    if fmt == "pdf":
        from .pdf import page_count

        message = _("%(counts)s，共 %(pages)d 页。") % {"counts": message, "pages": page_count(content)}
    return Outcome(
        message=message,
        summary={"bytes": len(content), "lessons": len(briefing.lessons)},
        file_path=name,
        file_name=filename_for(briefing.title, date=briefing.date, fmt=fmt),
        content_type=FORMATS[fmt][0],
    )


def _prepare_job() -> None:
    from .pdf import warm_up

    warm_up()


def register() -> None:
    from jobs import kinds

    kinds.register(
        Job.Kind.EXPORT, JobKind(run=_run_job, seconds_setting="KBASE_EXPORT_JOB_SECONDS", prepare=_prepare_job)
    )
