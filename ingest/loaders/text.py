"""Plain text and markdown: detect the encoding from the bytes, never from the extension.

Order matters. A strict UTF-8 decode almost never succeeds on GBK text, and GB18030 (a superset of
GB2312/GBK) decodes nearly every Chinese legacy file; charset-normalizer comes last because on a short
GBK text it guesses cp949 or big5 (measured: "关于教育工作的讲话" → cp949, "教育" → big5).
"""

from __future__ import annotations

import re

from core.records import LoadedText
from errors import IngestError
from ingest.loaders.base import check_chars, normalize_newlines, require_text

# Checked longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Files users mistake for text (a renamed image, a zipped folder, a .doc saved as .txt).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"PK\x03\x04", "ZIP 压缩包或 Office 文档"),
    (b"%PDF-", "PDF 文件"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文档（.doc/.xls）"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"\x7fELF", "程序文件"),
)

# C0 controls other than tab, newline, vertical tab, form feed, carriage return and escape.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.01


class TextLoader:
    def load(self, data: bytes, source: str) -> LoadedText:
        text, encoding = decode_text(data, source)
        check_chars(len(text), source)  # before the newline pass copies it
        text = require_text(normalize_newlines(text), source)
        return LoadedText(source=source, text=text, encoding=encoding)


def decode_text(data: bytes, source: str, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding name). `declared` (e.g. an HTML meta charset) is tried after UTF-8.

    Raises IngestError("不是文本文件…") for binary data.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(_decode_or_fail(data, encoding, source), encoding, source)
    _reject_binary(data, source)
    for encoding in (e for e in ("utf-8", declared, "gb18030") if e):
        try:
            return _checked(data.decode(encoding), encoding, source)
        except (UnicodeDecodeError, LookupError):  # LookupError: a declared name Python does not know
            continue
    return _checked(*_best_guess(data, source), source)


def _decode_or_fail(data: bytes, encoding: str, source: str) -> str:
    try:
        # "utf-8-sig" drops its BOM; the UTF-16/32 codecs named with an endianness keep it.
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise IngestError(source, f"文件开头标明是 {encoding} 编码，但内容无法按此解码") from exc


def _reject_binary(data: bytes, source: str) -> None:
    head = data[:16]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise IngestError(source, f"不是文本文件（看起来是{kind}）")
    if b"\x00" in data[:65536]:
        raise IngestError(source, "不是文本文件（含有二进制数据）")


def _best_guess(data: bytes, source: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes  # only reached by unusual files

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(source, "不是文本文件（无法识别文字编码）")
    return str(best), best.encoding


def _checked(text: str, encoding: str, source: str) -> tuple[str, str]:
    """Rejects a decode that is mostly control characters: binary that happened to decode."""
    text = text.removeprefix("\ufeff")  # a GB18030 BOM decodes to U+FEFF
    sample = text[:200_000]
    if sample and len(_CONTROL.findall(sample)) > _MAX_CONTROL_SHARE * len(sample):
        raise IngestError(source, "不是文本文件（含有大量控制字符）")
    return text, encoding
