"""Reading uploaded files into text: .txt (any Chinese encoding), .md, .html, .docx, .pdf.

Every refusal raises :class:`UnreadableFile` with a reason a curator can act
on (in Chinese); nothing here touches the database.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePath

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .text.clean import normalize_characters, remove_page_edges

TEXT_EXTENSIONS = {".txt", ".text"}
MARKDOWN_EXTENSIONS = {".md", ".markdown"}
HTML_EXTENSIONS = {".html", ".htm"}
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | MARKDOWN_EXTENSIONS | HTML_EXTENSIONS | {".docx", ".pdf"}
# Encodings Chinese office files actually come in; GBK and GB2312 are read as
# their superset GB18030 so that rare characters do not fail.
CANDIDATE_ENCODINGS = ["utf_8", "gb18030", "utf_16", "utf_16_le", "utf_16_be", "big5"]
DOCX_EXPANSION_LIMIT = 50  # a .docx whose parts inflate beyond 50x the size limit is refused
# python-docx parses every XML part into memory at about 20 times its size: 150 MB of XML took 2.8 GB.
DOCX_MAX_XML_BYTES = 50 * 2**20


class UnreadableFile(Exception):
    """The file cannot be imported; the message says why."""


@dataclass
class ReadResult:
    text: str
    encoding: str  # for text formats; the container format otherwise ("docx", "pdf")
    format: str
    removed_page_edges: list[str] = field(default_factory=list)  # a PDF's running headers and footers


ENCODING_LABELS = {
    "utf_8": "UTF-8",
    "utf_8_sig": "UTF-8",
    "utf-8": "UTF-8",
    "utf_16": "UTF-16",
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
    "gb18030": "GB18030",
    "gbk": "GBK",
    "gb2312": "GB2312",
    "big5": "Big5",
    "docx": gettext_lazy("Word 文档（.docx）"),
    "pdf": gettext_lazy("PDF 文档"),
}


def describe_encoding(encoding: str) -> str:
    """How the preview names what a file was read as: 'UTF-8', 'GB18030', 'Word 文档（.docx）'."""
    return str(ENCODING_LABELS.get(encoding.lower().replace("-", "_"), encoding.upper().replace("_", "-")))


def read_document(*, name: str, data: bytes, max_bytes: int, max_xml_bytes: int = DOCX_MAX_XML_BYTES) -> ReadResult:
    extension = PurePath(name).suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        raise UnreadableFile(
            _("不支持的文件类型“%(ext)s”。支持：.txt、.md、.html、.docx、.pdf。") % {"ext": extension or _("无扩展名")}
        )
    if not data:
        raise UnreadableFile(_("文件是空的。"))
    if len(data) > max_bytes:
        raise UnreadableFile(
            _("文件太大(%(size).1f MB),上限为 %(limit).1f MB。") % {"size": len(data) / 1e6, "limit": max_bytes / 1e6}
        )
    if extension == ".docx":
        result = ReadResult(read_docx(data, max_bytes=max_bytes, max_xml_bytes=max_xml_bytes), "docx", "docx")
    elif extension == ".pdf":
        text, edges = read_pdf_pages(data)
        result = ReadResult(text, "pdf", "pdf", removed_page_edges=edges)
    else:
        text, encoding = decode_text(data)
        if extension in MARKDOWN_EXTENSIONS:
            text = markdown_to_text(text)
        elif extension in HTML_EXTENSIONS:
            text = html_to_text(text)
        result = ReadResult(text, encoding, extension.lstrip("."))
    if not result.text.strip():
        raise UnreadableFile(_("文件中没有可读取的文字。"))
    return result


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding; refuse binary data rather than guess garbage."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf_8_sig"),
        (codecs.BOM_UTF16_LE, "utf_16"),
        (codecs.BOM_UTF16_BE, "utf_16"),
    ):
        if data.startswith(bom):
            return _checked(data.decode(encoding, errors="strict"), encoding), encoding
    try:
        return _checked(data.decode("utf_8"), "utf_8"), "utf_8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=CANDIDATE_ENCODINGS).best()
    if best is None:
        raise UnreadableFile(_("无法识别文件的文字编码，它可能不是文本文件。"))
    encoding = best.encoding
    if encoding in {"gbk", "gb2312", "cp936"}:
        encoding = "gb18030"
    try:
        text = data.decode(encoding, errors="strict")
    except (UnicodeDecodeError, LookupError) as error:
        raise UnreadableFile(_("无法识别文件的文字编码，它可能不是文本文件。")) from error
    return _checked(text, encoding), encoding


def _checked(text: str, encoding: str) -> str:
    """Refuse decoded text that is mostly control characters or private-use code points: binary junk."""
    sample = text[:20000]
    if not sample:
        return text
    bad = sum(
        1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t\f") or 0xE000 <= ord(ch) <= 0xF8FF or ch == "\ufffd"
    )
    if bad / len(sample) > 0.02:
        raise UnreadableFile(_("文件内容不像文本（含有大量控制字符），可能是二进制文件或编码错误。"))
    return text


def markdown_to_text(text: str) -> str:
    """Strip Markdown markup that would otherwise end up in the document text."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s{0,3}#{1,6}\s*", "", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        line = re.sub(r"^\s*[-*+]\s+", "", line)
        line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)
        line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
        line = re.sub(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
        if re.fullmatch(r"\s*([-*_=])\1{2,}\s*", line):
            line = ""
        lines.append(line)
    return "\n".join(lines)


class _HTMLText(HTMLParser):
    BLOCKS = {
        "p", "div", "section", "article", "header", "footer", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3",
        "h4", "h5", "h6", "blockquote", "pre", "br", "hr", "dd", "dt", "figcaption", "title",
    }  # fmt: skip
    SKIP = {"script", "style", "noscript", "template", "svg", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one block element per paragraph; scripts and styles dropped."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


def read_docx(data: bytes, *, max_bytes: int, max_xml_bytes: int = DOCX_MAX_XML_BYTES) -> str:
    """Paragraphs and table rows of a .docx, in document order, one per paragraph.

    The sizes the archive declares are checked before anything is parsed; the
    zip module also stops reading a member at its declared size, so a forged
    size cannot smuggle more in.
    """
    from docx import Document

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        expanded = sum(info.file_size for info in archive.infolist())
        if expanded > max_bytes * DOCX_EXPANSION_LIMIT:
            raise UnreadableFile(_("Word 文档解压后过大，已拒绝（可能是恶意构造的文件）。"))
        xml = sum(info.file_size for info in archive.infolist() if info.filename.lower().endswith((".xml", ".rels")))
        if xml > max_xml_bytes:
            raise UnreadableFile(
                _("Word 文档的内容解压后有 %(size).0f MB，超过上限 %(limit).0f MB，已拒绝。请拆分成几个文件后再导入。")
                % {"size": xml / 2**20, "limit": max_xml_bytes / 2**20}
            )
        if "word/document.xml" not in archive.namelist():
            raise UnreadableFile(_("文件不是有效的 Word(.docx)文档。"))
        document = Document(io.BytesIO(data))
    except (UnreadableFile, MemoryError):
        raise
    except Exception as error:  # python-docx and lxml raise many kinds of errors on corrupt input
        if _out_of_memory(error):
            raise MemoryError(str(error)) from error
        raise UnreadableFile(_("Word 文档已损坏或不是 .docx 格式，无法读取。")) from error
    blocks = []
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            for row in item.rows:
                cells = []
                for cell in row.cells:
                    text = cell.text.strip()
                    if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                        cells.append(text)
                if cells:
                    blocks.append(" | ".join(cells))
        else:
            blocks.append(item.text)
    # A blank line between blocks: Word paragraphs are real paragraphs, never to be joined.
    return "\n\n".join(blocks)


def _out_of_memory(error: Exception) -> bool:
    """Whether lxml failed for want of memory (the job's limit), not because the file is corrupt.

    libxml2 reports a failed allocation as "Memory allocation failed" or, in
    the middle of a document, as an XMLSyntaxError with the text "unknown
    error"; a corrupt document gets a real message (a line, a tag).
    """
    text = str(error).lower()
    return "memory" in text or (type(error).__name__ == "XMLSyntaxError" and text.startswith("unknown error"))


def read_pdf(data: bytes) -> str:
    """Text of a text-based PDF, page by page, running headers and footers removed."""
    return read_pdf_pages(data)[0]


def read_pdf_pages(data: bytes) -> tuple[str, list[str]]:
    """Text of a text-based PDF and the running headers and footers removed from its pages.

    Scanned or encrypted PDFs are refused.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadableFile(_("文件不是有效的 PDF。"))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UnreadableFile(_("PDF 已加密，无法读取。请先取消密码保护。"))
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        raise UnreadableFile(_("PDF 已损坏，无法读取。")) from error
    pages, edges = remove_page_edges([normalize_characters(page) for page in pages])
    text = "\n".join(pages)
    if len(re.sub(r"\s", "", text)) < 10:
        raise UnreadableFile(_("PDF 中没有可提取的文字（可能是扫描件），请先进行文字识别。"))
    return text, edges
