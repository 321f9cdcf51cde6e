"""Word .docx: body paragraphs and table cells in document order; Word headings become markdown headings.

Walks the XML rather than python-docx's `Paragraph.text`, because that property drops tracked insertions
(`w:ins`), content controls (`w:sdt`, often the cover page title) and fields. Text boxes, headers,
footers, footnotes and comments are left out: in speeches they hold page numbers and letterheads.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lxml import etree

from core.records import LoadedText
from errors import FileTooLargeError, IngestError
from ingest.loaders.base import could_be_bold_heading, require_text

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

# Word stores built-in style names in English ("heading 1"); files made with some Chinese editors name
# them "标题 1". "Title" is deliberately not a heading: it is the speech title, not an outline part.
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
# A table of contents is a generated copy of the headings ("一、强化保障\t3"); it would duplicate the
# outline with page numbers attached, so its entries ("toc 1", "目录 1") and its title are skipped.
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*(?:\d|heading|标题)", re.IGNORECASE)
_MAX_HEADING_LEVEL = 3  # the outline has three levels; deeper Word headings stay body text
_BODY_TEXT_OUTLINE_LEVEL = 9
# Zip bomb guards, checked on the archive's directory before anything is inflated. python-docx reads every
# part into memory and lxml builds a tree of each XML part (≈ 10× its size), so the XML parts are bounded
# tighter than pictures. zipfile stops each entry at its declared size (a lying entry fails its CRC).
_MAX_UNZIPPED_BYTES = 64 * 2**20  # all parts together; real speeches unzip to a few MB
_MAX_XML_PART_BYTES = 16 * 2**20  # one XML part (document.xml of a 300-page report is ≈ 5 MB)
_MAX_ENTRIES = 1000
_MAX_RATIO = 100  # inflated / compressed, for parts over 1 MB (Word's own XML compresses ≈ 5–15×)
_RATIO_FLOOR_BYTES = 2**20

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + _W_NS + "}"
_NAMESPACES = {"w": _W_NS, "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
# Runs inside a text box, at the old place of a moved passage, or in a compatibility fallback (a copy of
# a text box for old Word versions) are not part of the reading order.
_RUN_TEXT = etree.XPath(
    ".//w:r[not(ancestor::w:txbxContent) and not(ancestor::w:moveFrom) and not(ancestor::mc:Fallback)]"
    "/*[self::w:t or self::w:tab or self::w:br or self::w:cr]",
    namespaces=_NAMESPACES,
)


class DocxLoader:
    def load(self, data: bytes, source: str) -> LoadedText:
        document = _open(data, source)
        blocks = list(_blocks(document.element.body, _Styles(document)))
        return LoadedText(source=source, text=require_text("\n\n".join(blocks), source), encoding="docx")


def _open(data: bytes, source: str) -> DocxDocument:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(source, "这是旧版 Word 文档（.doc），请在 Word 中另存为 .docx 后再上传")
    check_archive(data, source)
    import docx  # lazy: keeps `import ingest.loaders` cheap

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors … on broken parts
        raise IngestError(source, "无法读取 Word 文档（文件可能已损坏）") from exc


def check_archive(data: bytes, source: str) -> None:
    """Refuse a zip bomb from its directory alone: entry count, inflated sizes, compression ratio."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise IngestError(source, "不是有效的 Word 文档（.docx），文件可能已损坏或不完整") from exc
    if len(entries) > _MAX_ENTRIES:
        raise FileTooLargeError(source, f"Word 文档内部文件过多（{len(entries)} 个），可能是恶意文件")
    if sum(info.file_size for info in entries) > _MAX_UNZIPPED_BYTES:
        raise FileTooLargeError(source, "Word 文档解压后过大（超过 64 MB），请删去图片或拆分后再上传")
    for info in entries:
        if info.filename.lower().endswith((".xml", ".rels")) and info.file_size > _MAX_XML_PART_BYTES:
            raise FileTooLargeError(source, "Word 文档的正文部分解压后过大，请拆分后再上传")
        if info.file_size > _RATIO_FLOOR_BYTES and info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise FileTooLargeError(source, "Word 文档的压缩比异常（可能是压缩炸弹），拒绝处理")


class _Styles:
    """Heading level (1-based) of each paragraph style, resolved once per document, and TOC styles."""

    def __init__(self, document: DocxDocument) -> None:
        styles = document.styles.element
        self._by_id = {s.styleId: s for s in styles.iterfind(f"{_W}style") if s.styleId}
        default = next(
            (
                s
                for s in self._by_id.values()
                if s.get(f"{_W}default") in {"1", "true"} and s.get(f"{_W}type") == "paragraph"
            ),
            None,
        )
        self._default_id = default.styleId if default is not None else None
        self._levels: dict[str, int | None] = {}

    def is_toc(self, style_id: str | None) -> bool:
        style = self._by_id.get(style_id or "")
        return style is not None and bool(_TOC_STYLE.match(style.name_val or ""))

    def level(self, style_id: str | None) -> int | None:
        style_id = style_id or self._default_id
        if style_id is None:
            return None
        if style_id not in self._levels:
            self._levels[style_id] = self._resolve(style_id)
        return self._levels[style_id]

    def _resolve(self, style_id: str) -> int | None:
        style = self._by_id.get(style_id)
        for _ in range(10):  # basedOn chains are short; the bound guards against a cycle
            if style is None:
                return None
            match = _HEADING_STYLE.match(style.name_val or "")
            if match:
                return int(match.group(1))
            level = _outline_level(style.pPr)
            if level is not None:
                return level
            style = self._by_id.get(style.basedOn_val or "")
        return None


def _blocks(container: Any, styles: _Styles) -> Iterator[str]:
    """Non-empty paragraphs of a body or table cell, recursing into tables and content controls."""
    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            block = _paragraph_block(child, styles)
            if block:
                yield block
        elif child.tag == f"{_W}tbl":
            for row in child.iterfind(f"{_W}tr"):
                yield from _row_blocks(row, styles)
        elif child.tag == f"{_W}sdt":
            for content in child.iterfind(f"{_W}sdtContent"):
                yield from _blocks(content, styles)


def _row_blocks(row: Any, styles: _Styles) -> Iterator[str]:
    """A data row (one paragraph per cell) is one block, a line per cell, so a value stays next to its
    label; a layout row (cells holding whole passages) is flattened into its paragraphs."""
    # Physical cells only: a merged cell is stored once, so nothing repeats.
    cells = [list(_blocks(cell, styles)) for cell in row.iterfind(f"{_W}tc")]
    if all(len(blocks) <= 1 for blocks in cells):
        line = "\n".join(blocks[0] for blocks in cells if blocks)
        if line:
            yield line
    else:
        for blocks in cells:
            yield from blocks


def _paragraph_block(p: Any, styles: _Styles) -> str:
    text = "".join(_run_text(element) for element in _RUN_TEXT(p))
    if not text.strip() or styles.is_toc(p.style):
        return ""
    # The paragraph's own outline level wins over its style's (9 = "body text" un-heads a heading style).
    level = _outline_level(p.pPr)
    if level is None:
        level = styles.level(p.style)
    if level is None and _bold_heading(p, text):
        level = 1
    if level is None or not 1 <= level <= _MAX_HEADING_LEVEL:
        return text
    return "#" * level + " " + " ".join(text.split())


def _bold_heading(p: Any, text: str) -> bool:
    """A short paragraph set all in bold, unnumbered and not a sentence: how editors without
    heading styles mark a part ("深刻认识清廉学校建设的重大意义")."""
    if not could_be_bold_heading(text):
        return False
    runs = [r for r in p.iterfind(f"{_W}r") if "".join(t.text or "" for t in r.iterfind(f"{_W}t")).strip()]
    return bool(runs) and all(_is_bold(r) for r in runs)


def _is_bold(run: Any) -> bool:
    props = run.find(f"{_W}rPr")
    bold = props.find(f"{_W}b") if props is not None else None
    return bold is not None and bold.get(f"{_W}val") not in ("0", "false")


def _run_text(element: Any) -> str:
    tag = element.tag.removeprefix(_W)
    if tag == "t":
        return str(element.text or "")
    return "\t" if tag == "tab" else "\n"


def _outline_level(pPr: Any) -> int | None:
    """Word's outline level is 0-based and 9 means body text; returns 1-based (0 = body), or None."""
    if pPr is None:
        return None
    element = pPr.find(f"{_W}outlineLvl")
    if element is None:
        return None
    try:
        value = int(element.get(f"{_W}val"))
    except (TypeError, ValueError):
        return None
    return value + 1 if value < _BODY_TEXT_OUTLINE_LEVEL else 0
