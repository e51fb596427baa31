"""Exported files as a reader opens them: PDF text, pages, contents, bookmarks and fonts; Word headings; CSV; JSON."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess

import docx
import pytest
from pypdf import PdfReader

from briefings import exporting, selection
from briefings.checks import pdf_problems
from experiences.models import Place, Practice, Recommendation, SourceDocument, Status

from . import making

pytestmark = pytest.mark.django_db

# Without Pango, the Noto CJK fonts or HarfBuzz a developer's machine skips the PDF tests; CI installs them all.
needs_pdf = pytest.mark.skipif(
    bool(pdf_problems()) and not os.environ.get("CI"), reason=f"PDF toolchain missing: {pdf_problems()}"
)


def export_place(adcode: str, fmt: str, **kwargs) -> exporting.ExportFile:
    place = Place.objects.select_related("parent__parent").get(adcode=adcode)
    return exporting.export(selection.for_place(place=place, user=None), fmt=fmt, user=None, **kwargs)


def hubei_counts() -> tuple[int, int]:
    """Published practices and top-level recommendations linked to 湖北 or a place under it, counted independently."""
    practices = Practice.objects.published().filter(places__adcode__startswith="42").distinct().count()
    recommendations = (
        Recommendation.objects.published()
        .filter(parent__isnull=True, places__adcode__startswith="42")
        .distinct()
        .count()
    )
    return practices, recommendations


def pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(scope="module")
def hubei_pdf(django_db_setup, django_db_blocker) -> bytes:
    """The 湖北 briefing, typeset once for the module (the seed is read-only here)."""
    with django_db_blocker.unblock():
        return export_place("420000", "pdf", grouping="theme").content


@needs_pdf
def test_pdf_text_extracts_back_as_the_chinese_of_the_lessons_and_their_citations(hubei_pdf):
    text = pdf_text(hubei_pdf)
    assert "湖北省经验借鉴汇编" in text
    assert "武汉" in text
    assert "孝感" in text
    assert "出自《兄弟城市党委办公室工作的主要经验和体会》" in text.replace(" ", "")
    for practice in Practice.objects.published().filter(places__adcode__startswith="42").distinct():
        assert practice.title[:12] in text.replace("\n", "").replace(" ", "")


@needs_pdf
def test_pdf_has_a_cover_contents_with_page_numbers_and_page_n_of_m_footers(hubei_pdf):
    reader = PdfReader(io.BytesIO(hubei_pdf))
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total >= 4
    assert "收录" in pages[0]
    assert "条" in pages[0]
    assert "第 1 页" not in pages[0]  # no footer on the cover
    assert "目录" in pages[1].replace(" ", "")
    # The contents give the page each group really starts on.
    group_page = next(i for i, text in enumerate(pages[2:], 3) if "党政办公室工作" in text)
    toc_line = next(line for line in pages[1].splitlines() if "党政办公室工作" in line)
    assert toc_line.replace(" ", "").endswith(str(group_page))
    assert f"第 2 页 / 共 {total} 页" in pages[1]
    assert f"第 {total} 页 / 共 {total} 页" in pages[-1]
    assert "湖北省经验借鉴汇编" in pages[2]  # running head


@needs_pdf
def test_pdf_bookmarks_follow_the_groups_and_the_lessons(hubei_pdf):
    outline = PdfReader(io.BytesIO(hubei_pdf)).outline
    titles = [item.title for item in outline if not isinstance(item, list)]
    assert "目录" in titles
    assert "党政办公室工作" in titles
    nested = [item for item in outline if isinstance(item, list)]
    assert nested
    assert any("武汉" in child.title for child in nested[0])


@needs_pdf
def test_pdf_embeds_noto_serif_and_sans_cjk_as_subsets():
    data = export_place("420000", "pdf").content
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add((str(font["/BaseFont"]).lstrip("/"), embedded))
    names = {name for name, _embedded in fonts}
    assert all(embedded for _name, embedded in fonts)
    assert any("Noto-Serif-CJK-SC" in name for name in names)
    assert any("Noto-Sans-CJK-SC" in name for name in names)
    assert all(name.split("+")[0].isalpha() and len(name.split("+")[0]) == 6 for name in names)  # ABCDEF+ = subset


@needs_pdf
def test_one_practice_exports_with_its_source_excerpt_and_recommendations_show_the_practices_behind_them():
    practice = Practice.objects.published().exclude(excerpt="").first()
    one = exporting.export(selection.for_lesson(kind="practice", pk=practice.pk, user=None), fmt="pdf", user=None)
    text = pdf_text(one.content).replace(" ", "").replace("\n", "")
    assert practice.excerpt[:15] in text
    recommendation = Recommendation.objects.published().filter(derived_from__isnull=False).first()
    behind = recommendation.derived_from.first()
    rec = exporting.export(
        selection.for_lesson(kind="recommendation", pk=recommendation.pk, user=None), fmt="pdf", user=None
    )
    text = pdf_text(rec.content).replace(" ", "").replace("\n", "")
    assert "依据的经验做法" in text
    assert behind.title[:10] in text


def test_docx_uses_real_heading_styles_and_names_chinese_fonts():
    document = docx.Document(io.BytesIO(export_place("420000", "docx", grouping="theme").content))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "湖北省经验借鉴汇编")
    assert ("Heading 1", "党政办公室工作") in headings
    assert sum(1 for style, _text in headings if style == "Heading 2") == sum(hubei_counts())
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for style in ("Title", "Heading 1", "Heading 2"):
        fonts = document.styles[style].element.rPr.rFonts
        assert fonts.get(f"{w}eastAsia") == "黑体"
        assert not [name for name in fonts.attrib if name.endswith("Theme")]  # theme fonts would override 黑体
    assert document.styles["Normal"].element.rPr.rFonts.get(f"{w}eastAsia") == "宋体"
    texts = "\n".join(p.text for p in document.paragraphs)
    assert "出自 《兄弟城市党委办公室工作的主要经验和体会》" in texts


def test_csv_opens_in_excel_as_utf8_and_round_trips_the_selection():
    data = export_place("420000", "csv").content
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    records = json.loads(export_place("420000", "json").content)["items"]
    assert len(rows) == len(records) == sum(hubei_counts())
    assert [row["标题"] for row in rows] == [record["title"] for record in records]
    assert [int(row["编号"]) for row in rows] == [record["id"] for record in records]
    assert rows[0]["来源文献"] == records[0]["document"]


def test_json_carries_metadata_and_full_citations():
    payload = json.loads(export_place("420000", "json").content)
    assert payload["title"] == "湖北省经验借鉴汇编"
    practices, recommendations = hubei_counts()
    assert payload["count"] == {"practices": practices, "recommendations": recommendations}
    assert practices
    assert recommendations
    item = payload["items"][0]
    assert item["kind"] == "practice"
    assert item["citation"].startswith("《")
    assert item["places"]
    assert item["themes"]


def test_csv_cells_excel_would_run_as_formulas_are_neutralised():
    practice = Practice.objects.published().first()
    Practice.objects.filter(pk=practice.pk).update(title='=HYPERLINK("http://evil","点我")')
    data = exporting.export(selection.for_lesson(kind="practice", pk=practice.pk, user=None), fmt="csv", user=None)
    row = next(csv.DictReader(io.StringIO(data.content.decode("utf-8-sig"))))
    assert row["标题"] == '\'=HYPERLINK("http://evil","点我")'


HOSTILE = '<script>alert("x")</script><b>粗体</b>&amp;'


@pytest.fixture
def hostile_practice(db):
    document = SourceDocument.objects.get(title="兄弟城市党委办公室工作的主要经验和体会")
    return making.lesson(
        Practice,
        title=HOSTILE,
        body=f"正文{HOSTILE}\x07响铃",
        excerpt=HOSTILE,
        document=document,
        status=Status.PUBLISHED,
    )


@needs_pdf
def test_html_in_titles_and_text_is_printed_literally_in_the_pdf(hostile_practice):
    data = exporting.export(
        selection.for_lesson(kind="practice", pk=hostile_practice.pk, user=None), fmt="pdf", user=None
    ).content
    text = pdf_text(data).replace(" ", "")
    assert '<script>alert("x")</script><b>粗体</b>&amp;'.replace(" ", "") in text


def test_html_in_titles_and_text_is_literal_in_word_csv_and_json(hostile_practice):
    chosen = selection.for_lesson(kind="practice", pk=hostile_practice.pk, user=None)
    document = docx.Document(io.BytesIO(exporting.export(chosen, fmt="docx", user=None).content))
    assert any(HOSTILE in p.text for p in document.paragraphs)
    assert any(p.text == "正文" + HOSTILE + "响铃" for p in document.paragraphs)  # control character dropped
    row = next(csv.DictReader(io.StringIO(exporting.export(chosen, fmt="csv", user=None).content.decode("utf-8-sig"))))
    assert row["标题"] == HOSTILE
    assert json.loads(exporting.export(chosen, fmt="json", user=None).content)["items"][0]["title"] == HOSTILE


def test_file_names_keep_the_chinese_title_and_drop_path_characters():
    import datetime

    name = exporting.filename_for('../湖北/"经验"汇编*', date=datetime.date(2026, 11, 26), fmt="pdf")
    assert name == "湖北经验汇编-20261126.pdf"


@needs_pdf
def test_no_line_of_the_pdf_starts_with_closing_chinese_punctuation(hubei_pdf):
    lines = [line.strip() for line in pdf_text(hubei_pdf).splitlines() if line.strip()]
    assert len(lines) > 100
    assert [line for line in lines if line[0] in "，。、；：？！）》」』”"] == []


def test_docx_sub_points_keep_their_own_labels_without_automatic_numbering():
    recommendation = Recommendation.objects.published().filter(children__isnull=False).distinct().first()
    chosen = selection.for_lesson(kind="recommendation", pk=recommendation.pk, user=None)
    document = docx.Document(io.BytesIO(exporting.export(chosen, fmt="docx", user=None).content))
    child = recommendation.children.order_by("order").first()
    point = next(p for p in document.paragraphs if p.text.startswith(f"{child.label}{child.title}"))
    assert point.style.name == "Normal"
    assert point._p.pPr is None or point._p.pPr.numPr is None


def test_lessons_hidden_from_the_reader_are_left_out_whatever_the_selection_says(draft_practice):
    from briefings.assemble import build_briefing

    visible = Practice.objects.published().first()
    items = [("practice", draft_practice.pk), ("practice", visible.pk)]
    briefing = build_briefing(selection.Selection(title="过期的索引", items=items), user=None)
    assert [lesson.pk for lesson in briefing.lessons] == [visible.pk]
