"""Reading every supported format and encoding; refusing everything else with a reason."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document

from experiences.readers import UnreadableFile, decode_text, read_document

SAMPLES = Path(__file__).resolve().parent / "samples"
LIMIT = 20 * 1024 * 1024
TEXT = (
    "兄弟城市党委办公室工作的主要经验和体会\n"
    "一、主要经验\n"
    "1、秘书督查工作主动超前。武汉市委办公厅秘书处提前征求议题。\n"
)


def read(name: str, data: bytes, *, limit: int = LIMIT):
    return read_document(name=name, data=data, max_bytes=limit)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), "utf_8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf_8_sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("utf-16"), "utf_16"),  # with BOM
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf_16"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16-le-bom", "utf16-be-bom"],
)
def test_text_encodings_are_detected_not_assumed(data, expected):
    text, encoding = decode_text(data)
    assert text.lstrip("\ufeff") == TEXT
    assert encoding == expected


def test_utf16_without_bom_is_detected():
    text, _ = decode_text((TEXT * 3).encode("utf-16-le"))
    assert text == TEXT * 3


def test_gb18030_only_characters_survive():
    rare = "𠀀考察报告,涉及䶮字等扩展区汉字。" * 3
    text, _ = decode_text(rare.encode("gb18030"))
    assert text == rare


def test_markdown_markup_is_stripped():
    result = read("report.md", (SAMPLES / "markdown_report.md").read_bytes())
    assert "杭州市数字化改革经验材料" in result.text
    assert "#" not in result.text
    assert "**" not in result.text
    assert "](" not in result.text
    assert "1. 建设城市大脑。杭州市以城市大脑为平台" in result.text


def test_html_gives_visible_text_only():
    result = read("report.html", (SAMPLES / "html_report.html").read_bytes())
    assert "成都社区治理经验" in result.text
    assert "1、设立社区发展治理委员会。" in result.text
    assert "alert" not in result.text
    assert "color:red" not in result.text
    assert "<script>这是正文里的字面文字</script>" in result.text  # entities decode to literal text


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_tables_are_read_in_order():
    data = make_docx(
        ["赴宁波学习考察报告", "一、主要做法", "1、建设人才公寓。"], table=[["城市", "做法"], ["宁波", "人才公寓"]]
    )
    result = read("report.docx", data)
    assert result.format == "docx"
    assert result.text.index("一、主要做法") < result.text.index("宁波 | 人才公寓")
    assert "城市 | 做法" in result.text


def test_text_pdf_is_read():
    result = read("report.pdf", (SAMPLES / "study_tour_ningbo.pdf").read_bytes())
    assert "宁波市在" in result.text
    assert result.format == "pdf"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "空"),
        ("junk.txt", bytes(range(256)) * 40, "不是文本|不像文本"),
        ("zeros.txt", b"\x00" * 5000, "不是文本|不像文本"),
        ("program.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("old.doc", b"\xd0\xcf\x11\xe0", "不支持的文件类型"),
        ("noext", b"text", "不支持的文件类型"),
        ("fake.docx", "这其实是文本文件。".encode(), "不是 .docx"),
        ("fake.pdf", "这其实是文本文件。".encode(), "不是有效的 PDF"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "PDF"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(name, data, reason):
    with pytest.raises(UnreadableFile, match=reason):
        read(name, data)


def test_truncated_docx_is_refused():
    data = make_docx(["一、主要做法"])
    with pytest.raises(UnreadableFile, match="损坏"):
        read("cut.docx", data[: len(data) // 2])


def test_docx_that_expands_to_a_huge_size_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/bomb.xml", b"0" * (60 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 200_000
    with pytest.raises(UnreadableFile, match="解压后过大"):
        read("bomb.docx", data, limit=1024 * 1024)


def test_files_over_the_size_limit_are_refused():
    with pytest.raises(UnreadableFile, match="太大"):
        read("big.txt", "字".encode() * 1000, limit=100)


def test_a_scanned_pdf_without_text_is_refused():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnreadableFile, match="扫描件"):
        read("scan.pdf", buffer.getvalue())


def docx_with_xml_of(megabytes: float, *, runs: int = 1) -> bytes:
    """A small .docx whose document.xml inflates to about ``megabytes`` of real, parseable paragraphs.

    Many short runs per paragraph cost python-docx the most memory per byte of XML.
    """
    source = zipfile.ZipFile(io.BytesIO(make_docx(["占位"])))
    paragraph = "<w:p>" + f"<w:r><w:t>{'经验借鉴' * (50 // runs or 1)}</w:t></w:r>" * runs + "</w:p>"
    count = int(megabytes * 2**20 / len(paragraph.encode()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode()
                body = text.index("<w:body>") + len("<w:body>")
                data = (text[:body] + paragraph * count + text[body:]).encode()
            target.writestr(info.filename, data)
    return out.getvalue()


def test_a_docx_whose_xml_is_too_large_is_refused_before_parsing():
    bomb = docx_with_xml_of(60)
    assert len(bomb) < 2**20  # a small upload
    with pytest.raises(UnreadableFile, match="超过上限 50 MB"):
        read("bomb.docx", bomb)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="the memory limit needs fork")
def test_parsing_a_docx_runs_under_a_memory_limit():
    from jobs.limits import LimitExceeded, Limits, run_bounded

    # Under the size cap, but python-docx needs ~20 times that in memory: far more than the limit, plus
    # whatever free heap the child inherits from this (long-running) test process.
    heavy = docx_with_xml_of(20, runs=20)
    with pytest.raises(LimitExceeded, match="超过内存上限"):
        run_bounded(read, "heavy.docx", heavy, limits=Limits(seconds=120, memory_bytes=64 * 2**20))
