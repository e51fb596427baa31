"""Briefings as Word documents: real heading styles (the navigation pane works in Word and WPS), named Chinese fonts."""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .assemble import Briefing, Lesson

BODY_FONT = "宋体"  # what a Chinese office's Word and WPS both have; Noto in the PDF
HEADING_FONT = "黑体"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    """Word's XML cannot hold control characters: they are dropped, everything else is kept literally."""
    return _NOT_XML.sub("", value or "")


def _set_fonts(style, *, east_asian: str, size: float | None = None, bold: bool | None = None) -> None:
    style.font.name = east_asian
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attribute), east_asian)
    # Theme font references win over names in Word: the template's headings carry them, so drop them.
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def _east_asian(run, font: str, *, size: float, bold: bool) -> None:
    run.font.name, run.font.size, run.font.bold = font, Pt(size), bold
    run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _chinese_language(document) -> None:
    """The template declares en-US for East Asian text; Word and WPS break lines and pick fonts by it."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if run_defaults is None:
        return
    language = run_defaults.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_defaults.append(language)
    language.set(qn("w:eastAsia"), "zh-CN")


def _styles(document) -> None:
    _chinese_language(document)
    styles = document.styles
    _set_fonts(styles["Normal"], east_asian=BODY_FONT, size=12)
    styles["Normal"].paragraph_format.line_spacing = 1.5
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12)):
        _set_fonts(styles[name], east_asian=HEADING_FONT, size=size, bold=True)
        styles[name].font.color.rgb = RGBColor(0, 0, 0)
    _set_fonts(styles["Quote"], east_asian=BODY_FONT, size=10.5)


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC) that Word and WPS compute when the document is opened."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, placeholder), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        else:
            element = OxmlElement("w:t")
            element.text = text or ""
        run._r.append(element)


def _update_fields_on_open(document) -> None:
    setting = OxmlElement("w:updateFields")
    setting.set(qn("w:val"), "true")
    document.settings.element.append(setting)


def _cover(document, briefing: Briefing) -> None:
    if briefing.organization:
        paragraph = document.add_paragraph(_text(briefing.organization))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = document.add_paragraph(_text(briefing.title), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in [*briefing.criteria, _("收录%(items)s") % {"items": briefing.count_display}, briefing.date_display]:
        paragraph = document.add_paragraph(_text(line))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _front_matter(document, briefing: Briefing) -> None:
    if briefing.introduction.strip():
        document.add_heading(_("导语"), level=1)
        for paragraph in briefing.introduction.splitlines():
            if paragraph.strip():
                document.add_paragraph(_text(paragraph.strip()))
    # Not a heading: the contents must not list itself.
    toc = document.add_paragraph()
    toc.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _east_asian(toc.add_run(_("目录")), HEADING_FONT, size=16, bold=True)
    _field(
        document.add_paragraph(),
        'TOC \\o "1-2" \\h \\z \\u',
        _("（打开文档时更新目录；如未更新，请右击此处选择“更新域”。）"),
    )
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _lesson(document, lesson: Lesson, *, level: int) -> None:
    heading = f"【{lesson.kind_label}】{lesson.title}" + (f"（{lesson.status}）" if lesson.status else "")
    document.add_heading(_text(heading), level=level)
    facts = [
        (_("地区"), "、".join(lesson.places)),
        (_("主题"), "、".join(lesson.themes)),
        (_("标签"), "、".join(lesson.tags)),
        (_("适用对象"), lesson.audience),
    ]
    meta = document.add_paragraph()
    for label, value in facts:
        if value:
            meta.add_run(f"{label}：").bold = True
            meta.add_run(_text(value) + "  ")
    if lesson.summary:
        document.add_paragraph().add_run(_text(lesson.summary)).bold = True
    for paragraph in lesson.paragraphs:
        document.add_paragraph(_text(paragraph))
    for point in lesson.sub_points:
        text = f"{point.label}{point.title}" + (f"：{point.body}" if point.body else "")
        # The labels (1)(2) are part of the text: a numbered list style would number them twice.
        point = document.add_paragraph(_text(text))
        point.paragraph_format.left_indent = Cm(0.74)
    if lesson.behind:
        document.add_paragraph().add_run(_("依据的经验做法")).bold = True
        for title in lesson.behind:
            document.add_paragraph(_text(title), style="List Bullet")
    if lesson.excerpt:
        document.add_paragraph(_text(f"“{lesson.excerpt}”"), style="Quote")
    document.add_paragraph(_text(_("出自 %(citation)s") % {"citation": lesson.citation.text()}), style="Quote")


def _running_head_and_foot(section, title: str) -> None:
    section.different_first_page_header_footer = True  # the cover has neither
    header = section.header.paragraphs[0]
    header.text = _text(title)
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE", "1")
    footer.add_run(" 页 / 共 ")
    _field(footer, "NUMPAGES", "1")
    footer.add_run(" 页")


def render_docx(briefing: Briefing) -> bytes:
    document = Document()
    _styles(document)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.start_type = WD_SECTION.NEW_PAGE
    _running_head_and_foot(section, briefing.title)
    document.core_properties.title = _text(briefing.title)
    document.core_properties.author = _text(briefing.organization)
    _cover(document, briefing)
    _front_matter(document, briefing)
    for group in briefing.groups:
        if group.title:
            document.add_heading(_text(group.title), level=1)
        for lesson in group.lessons:
            _lesson(document, lesson, level=2 if group.title else 1)
    _update_fields_on_open(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
