"""File → raw text. `load(path)` / `load_bytes(data, source)` pick a loader by the file's extension.

Cleaning (breadcrumbs, paywall notices, broken lines) is a separate step; loaders only decode.
"""

from __future__ import annotations

from pathlib import Path

from core.records import LoadedText
from errors import EmptyDocumentError, IngestError
from ingest.loaders.base import (
    DEFAULT_MAX_BYTES,
    Loader,
    LoaderRegistry,
    base_name,
    check_chars,
    check_size,
)
from ingest.loaders.docx import DocxLoader
from ingest.loaders.html import HtmlLoader
from ingest.loaders.pdf import PdfLoader
from ingest.loaders.text import TextLoader

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_EXTENSIONS",
    "Loader",
    "LoaderRegistry",
    "check_bounds",
    "default_registry",
    "load",
    "load_bytes",
]


def default_registry() -> LoaderRegistry:
    registry = LoaderRegistry()
    registry.register(TextLoader(), ".txt", ".md", ".markdown")
    registry.register(DocxLoader(), ".docx")
    registry.register(PdfLoader(), ".pdf")
    registry.register(HtmlLoader(), ".html", ".htm")
    return registry


_REGISTRY = default_registry()
SUPPORTED_EXTENSIONS: frozenset[str] = _REGISTRY.extensions


def load_bytes(data: bytes, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Raw text of an uploaded file named `source` (a directory part, if any, is dropped)."""
    source = base_name(source)
    loader = _REGISTRY.loader_for(source)
    check_size(len(data), source, max_bytes)
    if not data.strip():
        raise EmptyDocumentError(source, "文件是空的")
    loaded = loader.load(data, source)
    check_chars(len(loaded.text), source)  # whatever the format: ingest cost grows with the text
    return loaded


def check_bounds(data: bytes, source: str) -> None:
    """The cheap structural bounds of a file, without parsing it: a .docx's zip directory, a PDF's
    inflated streams. Raises FileTooLargeError (413) for a bomb; the loaders check the same again."""
    extension = Path(base_name(source)).suffix.lower()
    if extension == ".docx" and not data.startswith(b"\xd0\xcf\x11\xe0"):
        from ingest.loaders.docx import check_archive

        check_archive(data, source)
    elif extension == ".pdf":
        from ingest.loaders.pdf import check_streams

        check_streams(data, source)


def load(path: Path, *, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Raw text of the file at `path`; `source` (what users see) defaults to the file name.

    The loader is chosen by `source`'s extension, so a temporary upload file can be loaded under its
    original name.
    """
    path = Path(path)
    source = base_name(source or path.name)
    _REGISTRY.loader_for(source)  # refuse an unsupported type before touching the disk
    try:
        check_size(path.stat().st_size, source, max_bytes)  # before reading a huge file
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise IngestError(source, "找不到文件") from exc
    except IsADirectoryError as exc:
        raise IngestError(source, "这是一个文件夹，不是文件") from exc
    except OSError as exc:
        raise IngestError(source, f"无法读取文件（{exc.strerror or exc}）") from exc
    return load_bytes(data, source, max_bytes)
