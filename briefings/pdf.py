"""Briefings typeset as PDF by WeasyPrint: A4, cover, contents with page numbers, bookmarks, running heads."""

from __future__ import annotations

from django.template.loader import render_to_string

from .assemble import Briefing
from .checks import pdf_problems


class PDFUnavailable(Exception):
    """This machine lacks what PDF export needs; the message names it."""


def briefing_html(briefing: Briefing) -> str:
    return render_to_string("briefings/briefing_pdf.html", {"briefing": briefing})


def render_pdf(briefing: Briefing) -> bytes:
    problems = pdf_problems()
    if problems:
        raise PDFUnavailable("、".join(problems))
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Everything a briefing needs is inline: no URL in it may reach the network or the disk.
    no_fetching = URLFetcher(allowed_protocols=(), allow_redirects=False)
    rendered = HTML(string=briefing_html(briefing), url_fetcher=no_fetching, base_url=".").render()
    rendered.metadata.title = briefing.title
    rendered.metadata.authors = [briefing.organization] if briefing.organization else []
    return rendered.write_pdf()


def page_count(data: bytes) -> int:
    """Pages in a PDF we wrote (for the benchmark and the command's summary)."""
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)
