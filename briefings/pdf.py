"""Briefings typeset as PDF by WeasyPrint: A4, cover, contents with page numbers, bookmarks, running heads.

WeasyPrint keeps every page's boxes in memory until the PDF is written, and
a Python process seldom gives such memory back; a long selection takes
minutes. So a PDF is never typeset by a web worker itself: exporting.py runs
``render_pdf`` in a forked child under a time and a memory limit
(jobs/limits.py), in the request for a few lessons, in a background job
otherwise. The child exits when the file is done and takes its memory with it.
"""

from __future__ import annotations

import functools
import gc
import io
import logging

from django.template.loader import render_to_string

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


def warm_up() -> None:
    """Once per process, before forking typesetting children: load the faces, then freeze what is alive.

    Objects frozen here are left alone by the children's garbage collector, so a child does not write
    to (and copy) every page it shares with the worker: that copying cost ~20% of a long PDF.
    """
    global _warm
    if not _warm and not pdf_problems():
        typeset(_WARM_UP, title="", author="")
        gc.collect()
        gc.freeze()
        _warm = True


def render_pdf(briefing: Briefing) -> bytes:
    """The briefing's PDF, typeset in this process: call it in a bounded child (exporting.py), not a worker."""
    problems = pdf_problems()
    if problems:
        raise PDFUnavailable("、".join(problems))
    html = briefing_html(briefing)
    data = typeset(html, title=briefing.title, author=briefing.organization)
    # WeasyPrint's font objects hold whole CJK font files in reference cycles: free them now.
    gc.collect()
    return data


def page_count(data: bytes) -> int:
    """Pages in a PDF we wrote (for the benchmark and the command's summary)."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)
