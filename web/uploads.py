"""Checks on an uploaded file before it reaches the loaders: a safe name, a known type, a sane size."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from errors import EmptyDocumentError, FileTooLargeError, IngestError, UnsupportedFileError
from ingest.jobs import Job, JobQueue
from ingest.loaders import SUPPORTED_EXTENSIONS, check_bounds
from ingest.loaders.base import check_size, extension_of, unsupported_reason
from ingest.pipeline import FileReport
from web.http_status import status_of

MAX_FILES = 20  # per upload request
MAX_NAME_CHARS = 120
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
# Bidirectional controls make "讲话\u202etxt.exe" display as "讲话exe.txt": removed, never shown.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
DIRECTORY_REASON = "文件名不能带目录（如 ../ 或 /etc/）：请用文件本身的名字上传"


def sanitize_filename(name: str) -> str:
    """The last path component of `name`, without control or reserved characters.

    The name becomes the document's source (shown in the UI, used to replace a re-uploaded file),
    so it must never carry a directory, `..` or markup.
    """
    base = re.split(r"[\\/]", BIDI_CONTROLS.sub("", unicodedata.normalize("NFC", name or "")))[-1]
    base = _UNSAFE_CHARS.sub("_", base).strip().lstrip(".").strip()
    if len(base) > MAX_NAME_CHARS:
        stem, dot, extension = base.rpartition(".")
        keep = MAX_NAME_CHARS - len(extension) - 1
        base = f"{stem[:keep]}.{extension}" if dot and 0 < len(extension) < 10 else base[:MAX_NAME_CHARS]
    return base or "未命名文件"


def escapes_directory(name: str) -> bool:
    """A name with a ".." part or an absolute POSIX path: no browser sends one. (A Windows path,
    "C:\\Users\\me\\讲话.docx", is what old browsers send: its base name is kept.)"""
    return name.startswith("/") or ".." in re.split(r"[\\/]", name)


@dataclass(frozen=True)
class Upload:
    name: str  # sanitised
    data: bytes


def check_upload(name: str, data: bytes, max_bytes: int) -> Upload:
    """Raises the IngestError subclass that says what is wrong with the file (415, 413, 400)."""
    safe = sanitize_filename(name)
    if escapes_directory(name):  # "../x.txt" and "/etc/x.txt" would both become x.txt and replace it
        raise IngestError(safe, DIRECTORY_REASON)
    extension = extension_of(safe)
    if extension not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFileError(safe, unsupported_reason(extension, SUPPORTED_EXTENSIONS))
    check_size(len(data), safe, max_bytes)
    if not data.strip():
        raise EmptyDocumentError(safe, "文件是空的")
    try:
        check_bounds(data, safe)  # a zip or stream bomb is a 413 here, before any parser expands it
    except FileTooLargeError:
        raise
    except IngestError:
        pass  # a broken file: the loader reports it with its reason
    return Upload(safe, data)


def submit_uploads(
    jobs: JobQueue,
    files: Sequence[tuple[str, bytes]],
    *,
    replace: bool,
    max_bytes: int,
    ask: bool = True,
    actor: str = "",
    tags: Sequence[str] = (),
) -> Job:
    """Check each file on its own (one bad file never stops the others) and queue the good ones as
    one import job; the refused ones are listed in the job with their reason and HTTP status.
    `ask`: a file that would replace or duplicate a speech waits for the administrator's decision."""
    accepted: list[tuple[str, bytes]] = []
    rejected: list[tuple[FileReport, int]] = []
    for name, data in files:
        try:
            upload = check_upload(name, data, max_bytes)
            if any(upload.name == taken for taken, _ in accepted):  # the name is the source key
                raise IngestError(upload.name, "与本次上传的另一个文件同名，请改名后再上传")
        except IngestError as exc:
            rejected.append(
                (
                    FileReport(source=sanitize_filename(name), status="failed", error=exc.reason),
                    status_of(exc),
                )
            )
            continue
        accepted.append((upload.name, upload.data))
    return jobs.submit(accepted, replace=replace, ask=ask, rejected=rejected, actor=actor, tags=tags)
