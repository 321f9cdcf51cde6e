"""The loader interface, the registry that picks a loader by extension, and checks every loader shares.

A loader turns the bytes of one file into raw text (`LoadedText`); it never cleans. Loaders import their
parsing libraries lazily so that importing `ingest.loaders` stays cheap (pypdf alone takes ~0.9 s).
"""

from __future__ import annotations

import re
from typing import Protocol

from core.numerals import CN_NUMERAL
from core.records import LoadedText
from errors import EmptyDocumentError, FileTooLargeError, UnsupportedFileError

DEFAULT_MAX_BYTES = 20 * 2**20
# Bounds checked before anything is expanded (issue 13: a 1.8 MB .docx inflating to 520 MB took the app to
# 10 GB). A real speech is 5–50 thousand characters; a file of a few dozen speeches stays far below these.
MAX_TEXT_CHARS = 3_000_000  # characters of text any file may yield (≈ 9 MB of UTF-8 Chinese)
MAX_HTML_CHARS = 4_000_000  # markup parsed (BeautifulSoup: ≈ 0.7 s per million characters)
MAX_HTML_TAGS = 200_000  # tag-dense markup costs far more per character

# Line and paragraph separators that some editors write instead of \n; all become \n.
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")


# Bidirectional controls would let a name display as something else ("讲话\u202etxt.exe"): removed.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class Loader(Protocol):
    def load(self, data: bytes, source: str) -> LoadedText: ...


class LoaderRegistry:
    """Maps lower-case extensions (".pdf") to loaders."""

    def __init__(self) -> None:
        self._by_extension: dict[str, Loader] = {}

    def register(self, loader: Loader, *extensions: str) -> None:
        for extension in extensions:
            self._by_extension[extension.lower()] = loader

    @property
    def extensions(self) -> frozenset[str]:
        return frozenset(self._by_extension)

    def loader_for(self, source: str) -> Loader:
        extension = extension_of(source)
        loader = self._by_extension.get(extension)
        if loader is None:
            raise UnsupportedFileError(source, unsupported_reason(extension, self.extensions))
        return loader


def extension_of(source: str) -> str:
    name = base_name(source)
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def base_name(source: str) -> str:
    """The file name without any directory; browsers on Windows may send "C:\\dir\\a.txt"."""
    name = _BIDI_CONTROLS.sub("", re.split(r"[\\/]", source)[-1])
    if any("\ud800" <= ch <= "\udfff" for ch in name):
        # A name that was not UTF-8 on disk (GBK names from a Windows zip) arrives with surrogate
        # escapes: recover the bytes and read them as GB18030, else replace what cannot be read.
        try:
            raw = name.encode("utf-8", "surrogateescape")
            name = raw.decode("gb18030")
        except UnicodeError:
            name = name.encode("utf-8", "replace").decode("utf-8", "replace")
        name = "".join(ch if not "\ud800" <= ch <= "\udfff" else "\ufffd" for ch in name)
    return name


def unsupported_reason(extension: str, supported: frozenset[str]) -> str:
    listed = "、".join(sorted(supported))
    shown = f"“{extension}”" if extension else "（没有扩展名）"
    hint = "，请在 Word 中另存为 .docx" if extension in {".doc", ".wps", ".rtf"} else ""
    return f"不支持的文件类型{shown}{hint}。支持的类型：{listed}"


def check_size(size: int, source: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileTooLargeError(source, f"文件过大（{_mb(size)}），上限为 {_mb(max_bytes)}")


def check_chars(
    count: int, source: str, limit: int = MAX_TEXT_CHARS, what: str = "文字", unit: str = "个字符"
) -> None:
    if count > limit:
        raise FileTooLargeError(
            source, f"文件中的{what}过多（{count:,} {unit}），上限为 {limit:,} {unit}，请拆分后再上传"
        )


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def require_text(text: str, source: str, reason: str = "文件中没有文字内容") -> str:
    """Returns `text` unless it is empty or only whitespace."""
    if not text.strip():
        raise EmptyDocumentError(source, reason)
    return text


def normalize_newlines(text: str) -> str:
    return _NEWLINES.sub("\n", text)


# A part heading set only in bold (Word without heading styles, a web page's <p><strong>): short,
# unnumbered (numbered headings are found by their numbers, at the level the numbers say), no sentence.
_NUMBERED_RE = re.compile(rf"^\s*(?:——|[{CN_NUMERAL}]+[、.．]|[（(]|\d|第[{CN_NUMERAL}\d]+)")
_PROSE_END_RE = re.compile(r"[。！？；：:!?;]\s*$")


def could_be_bold_heading(line: str) -> bool:
    """The text of an all-bold paragraph may be a heading ("深刻认识清廉学校建设的重大意义")."""
    line = line.strip()
    return (
        4 <= len(line) <= 40
        and "\n" not in line
        and not _NUMBERED_RE.match(line)
        and not _PROSE_END_RE.search(line)
    )
