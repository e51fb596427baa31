"""One entry point for every export: a selection and a format in, a named file out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .assemble import Briefing, build_briefing
from .selection import Selection, SelectionError

FORMATS = {
    "pdf": ("application/pdf", "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    "csv": ("text/csv; charset=utf-8", "CSV"),
    "json": ("application/json; charset=utf-8", "JSON"),
}


class EmptySelection(SelectionError):
    pass


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
    if fmt == "pdf":
        from .pdf import render_pdf

        return render_pdf(briefing)
    if fmt == "docx":
        from .word import render_docx

        return render_docx(briefing)
    from .tabular import render_csv, render_json

    return render_csv(briefing) if fmt == "csv" else render_json(briefing)


def export(selection: Selection, *, fmt: str, user, grouping: str | None = None, title: str = "") -> ExportFile:
    if fmt not in FORMATS:
        raise SelectionError(_("不支持的导出格式：%(fmt)s") % {"fmt": fmt[:20]})
    briefing = build_briefing(selection, user=user, grouping=grouping, title=title)
    if not briefing.lessons:
        raise EmptySelection(_("所选范围内没有可导出的经验做法或启示建议。"))
    return ExportFile(
        content=render(briefing, fmt),
        content_type=FORMATS[fmt][0],
        filename=filename_for(briefing.title, date=briefing.date, fmt=fmt),
        briefing=briefing,
    )
