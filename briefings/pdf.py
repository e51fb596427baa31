"""Briefings typeset as PDF by WeasyPrint: A4, cover, contents with page numbers, bookmarks, running heads.

WeasyPrint keeps every page's boxes in memory until the PDF is written: a
100-page briefing peaks near 1 GB, and a Python process seldom gives such
memory back. So the typesetting runs in a forked child that exits when the
file is done; the web worker keeps its size, and a render that runs past
KBASE_PDF_TIMEOUT is stopped instead of holding the worker. Briefings of a
few lessons, whose peak is small, are typeset in the worker itself.
"""

from __future__ import annotations

import functools
import gc
import io
import logging
import multiprocessing

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .assemble import Briefing
from .checks import pdf_problems

logger = logging.getLogger(__name__)


class PDFUnavailable(Exception):
    """This machine lacks what PDF export needs, or the typesetting failed; the message says which."""


def briefing_html(briefing: Briefing) -> str:
    return render_to_string("briefings/briefing_pdf.html", {"briefing": briefing})


@functools.cache
def _font_config():
    """One Pango font map for the process: a new one per PDF loads the CJK faces again (~0.1 s)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def typeset(html: str, *, title: str, author: str) -> bytes:
    """HTML to PDF bytes, in this process. No database access: safe in a forked child."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Everything a briefing needs is inline: no URL in it may reach the network or the disk.
    no_fetching = URLFetcher(allowed_protocols=(), allow_redirects=False)
    rendered = HTML(string=html, url_fetcher=no_fetching, base_url=".").render(font_config=_font_config())
    rendered.metadata.title = title
    rendered.metadata.authors = [author] if author else []
    return rendered.write_pdf()


# The briefing's three faces, typeset once in the worker so that every forked child starts with Pango,
# fontconfig and the CJK fonts loaded (about 0.1 s less per PDF, for ~100 MB shared by all children).
_WARM_UP = (
    "<p style=\"font-family: 'Noto Serif CJK SC'\">中</p><p style=\"font-family: 'Noto Sans CJK SC'\">中<b>中</b></p>"
)
_warm = False
INLINE_LESSONS = 10


def _warm_up() -> None:
    """Once per process: load the faces, then move everything alive into the permanent generation.

    Later full collections (below, after each PDF) then only look at the objects created since, not at
    Django's and the segmenter's hundreds of thousands: ~5 ms instead of ~100 ms.
    """
    global _warm
    if not _warm:
        typeset(_WARM_UP, title="", author="")
        gc.collect()
        gc.freeze()
        _warm = True


def _typeset_in_child(html: str, *, title: str, author: str) -> bytes:
    _warm_up()
    context = multiprocessing.get_context("fork")
    # Objects frozen at warm-up are also left alone by the child's garbage collector, so it does not
    # write to (and copy) every page it shares with the worker: that copying cost ~20% of a long PDF.
    with context.Pool(processes=1, maxtasksperchild=1) as pool:
        pending = pool.apply_async(typeset, (html,), {"title": title, "author": author})
        try:
            return pending.get(timeout=settings.KBASE_PDF_TIMEOUT)
        except multiprocessing.TimeoutError:
            pool.terminate()
            raise PDFUnavailable(_("排版超时，请缩小选择范围后重试。")) from None
        except Exception as error:  # the child's exception, re-raised here: log it, tell the user plainly
            logger.exception("PDF typesetting failed")
            raise PDFUnavailable(_("PDF 排版失败，请稍后重试或改用 Word 导出。")) from error


def render_pdf(briefing: Briefing) -> bytes:
    problems = pdf_problems()
    if problems:
        raise PDFUnavailable("、".join(problems))
    html = briefing_html(briefing)
    # A few lessons take little memory: typeset them here and spare the fork (~0.15 s of a 0.3 s PDF).
    if settings.KBASE_PDF_IN_CHILD and len(briefing.lessons) > INLINE_LESSONS:
        return _typeset_in_child(html, title=briefing.title, author=briefing.organization)
    _warm_up()
    data = typeset(html, title=briefing.title, author=briefing.organization)
    # WeasyPrint's font objects hold whole CJK font files in reference cycles (~60 MB a PDF): free them now,
    # not at the next full collection, or a worker grows by that much with every PDF.
    gc.collect()
    return data


def page_count(data: bytes) -> int:
    """Pages in a PDF we wrote (for the benchmark and the command's summary)."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)
