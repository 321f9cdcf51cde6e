"""PDF with a text layer: pypdf first, pdfminer.six when pypdf fails, finds nothing, or yields garbage.

Pages are joined with a blank line; the cleaner re-joins sentences broken across pages. A PDF without
any text (a scan) is refused with a hint to run OCR first: guessing text is not this loader's job.
"""

from __future__ import annotations

import io
import logging
import re
import zlib

from core.records import LoadedText
from errors import EmptyDocumentError, FileTooLargeError, IngestError
from ingest.loaders.base import MAX_TEXT_CHARS, check_chars, normalize_newlines

log = logging.getLogger(__name__)

SCANNED_REASON = "PDF 中没有可提取的文字（可能是扫描件），请先做文字识别（OCR）后再上传"
# Readers accept the end-of-file marker anywhere in the last kilobyte; allow a little more.
_EOF_WINDOW = 2048
# Glyphs without a Unicode mapping: pypdf yields private-use or replacement characters, pdfminer "(cid:12)".
_UNMAPPED = re.compile(r"[\ue000-\uf8ff\ufffd]|\(cid:\d+\)")
_MAX_UNMAPPED_SHARE = 0.1
# Bomb guards, checked before either parser runs: every Flate stream is inflated in 1 MB steps (nothing
# kept) and the file refused past these; pages and objects are counted from pypdf's cross-reference.
_MAX_STREAM_BYTES = 64 * 2**20
_MAX_INFLATED_BYTES = 256 * 2**20
_MAX_PAGES = 2000
_MAX_OBJECTS = 500_000
_STREAM = re.compile(rb"(?<!end)stream\r?\n")


class PdfLoader:
    def load(self, data: bytes, source: str) -> LoadedText:
        _check_container(data, source)
        check_streams(data, source)
        pages = _pages_with_pypdf(data, source)
        if _needs_fallback(pages):
            pages = _better(pages, _pages_with_pdfminer(data, source))
        if pages is None:
            raise IngestError(source, "无法读取 PDF 文件（文件可能已损坏）")
        text = "\n\n".join(page for page in pages if page)
        if not text.strip():
            raise EmptyDocumentError(source, SCANNED_REASON)
        return LoadedText(source=source, text=text, encoding="pdf")


def _check_container(data: bytes, source: str) -> None:
    if b"%PDF-" not in data[:1024]:
        raise IngestError(source, "不是有效的 PDF 文件")
    # A cut-off upload still parses partly; refusing it beats silently indexing half a speech.
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise IngestError(source, "PDF 文件不完整（可能下载或上传时被截断），请重新获取完整文件")


def check_streams(data: bytes, source: str) -> None:
    """Refuse a PDF whose Flate streams inflate past the bounds, without keeping what is inflated."""
    total = 0
    for match in _STREAM.finditer(data):
        end = data.find(b"endstream", match.end())
        segment = memoryview(data)[match.end() : end if end >= 0 else len(data)]
        inflater = zlib.decompressobj()
        size = 0
        try:
            while segment:
                size += len(inflater.decompress(segment, 2**20))
                segment = memoryview(inflater.unconsumed_tail)
                if size > _MAX_STREAM_BYTES or total + size > _MAX_INFLATED_BYTES:
                    raise FileTooLargeError(source, "PDF 解压后过大（可能是压缩炸弹），拒绝处理")
                if inflater.eof:
                    break
        except zlib.error:
            pass  # not a Flate stream (images, other filters): not inflated here
        total += size


def _pages_with_pypdf(data: bytes, source: str) -> list[str] | None:
    """Text of each page (stripped), or None when pypdf cannot read the file."""
    import pypdf  # lazy: pypdf takes ~0.9 s to import

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(source, "PDF 文件有打开密码，请去掉密码后再上传")
        objects = reader.trailer.get("/Size", 0)
        if isinstance(objects, int) and objects > _MAX_OBJECTS:
            raise FileTooLargeError(source, f"PDF 对象过多（{objects:,} 个），可能是恶意文件")
        check_chars(len(reader.pages), source, _MAX_PAGES, "页面", "页")
        pages: list[str] = []
        chars = 0
        for page in reader.pages:
            pages.append(_page_text(page.extract_text()))
            chars += len(pages[-1])
            check_chars(chars, source, MAX_TEXT_CHARS)  # stop extracting once over the limit
        return pages
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types on malformed files; pdfminer gets a try
        log.info("pypdf could not read %s: %s", source, exc)
        return None


def _pages_with_pdfminer(data: bytes, source: str) -> list[str] | None:
    from pdfminer.high_level import extract_text  # lazy: only for files pypdf cannot handle

    try:
        text = extract_text(io.BytesIO(data), maxpages=_MAX_PAGES)
    except Exception as exc:
        log.info("pdfminer could not read %s: %s", source, exc)
        return None
    return [_page_text(page) for page in text.split("\f")]  # pdfminer ends each page with a form feed


def _page_text(text: str) -> str:
    return normalize_newlines(text).strip("\n \t")


def _needs_fallback(pages: list[str] | None) -> bool:
    return pages is None or not "".join(pages).strip() or _unmapped_share(pages) > _MAX_UNMAPPED_SHARE


def _better(first: list[str] | None, second: list[str] | None) -> list[str] | None:
    """The extraction with more real (mapped, non-space) characters; None when both failed."""
    candidates = [pages for pages in (first, second) if pages is not None]
    return max(candidates, key=_mapped_chars) if candidates else None


def _unmapped_share(pages: list[str]) -> float:
    text = "".join(pages)
    visible = len("".join(text.split()))
    return len(_UNMAPPED.findall(text)) / visible if visible else 0.0


def _mapped_chars(pages: list[str]) -> int:
    text = "".join(pages)
    return len("".join(_UNMAPPED.sub("", text).split()))
