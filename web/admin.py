"""What the documents tab does: list, upload, delete — each change checked against the admin token."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from errors import PolicyQAError
from ingest.pipeline import Ingestor
from settings import Settings
from web.admin_session import AdminSessions
from web.render_admin import document_label, render_documents, render_file_results, render_message
from web.security import check_admin_token_throttled
from web.throttle import FailureThrottle
from web.uploads import MAX_FILES, ingest_uploads

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class AdminResult:
    message: str  # HTML: what happened (per file for an upload)
    changed: bool  # the list of speeches changed: refresh the table and the dropdowns
    consumed: bool = True  # the uploaded files were read (and removed): clear the file input


class AdminService:
    def __init__(
        self,
        settings: Settings,
        ingestor: Ingestor,
        *,
        sessions: AdminSessions | None = None,
        throttle: FailureThrottle | None = None,
    ) -> None:
        self._settings = settings
        self._ingestor = ingestor
        self._sessions = sessions  # given: only files uploaded through the gate are read, then removed
        self._throttle = throttle

    def _check(self, token: str, client: str) -> None:
        check_admin_token_throttled(self._throttle, client, self._settings.admin_token, token)

    @property
    def writable(self) -> bool:
        return bool(self._settings.admin_token)

    def documents_html(self) -> str:
        try:
            return render_documents(self._ingestor.list_documents())
        except PolicyQAError as exc:
            return render_message(exc.message, ok=False)

    def choices(self) -> list[tuple[str, str]]:
        """(label, doc_id) for the dropdowns; empty when the store cannot be read."""
        try:
            return [(document_label(d), d.doc_id) for d in self._ingestor.list_documents()]
        except PolicyQAError:
            return []

    def upload(
        self,
        paths: Sequence[str] | None,
        replace: bool,
        token: str,
        progress: Progress | None = None,
        *,
        client: str = "",
    ) -> AdminResult:
        """`paths`: files Gradio received (its temporary copies; their names are the uploaded names).
        With sessions, files not uploaded through the gate are refused, and the uploads are removed."""
        files = list(paths or [])
        try:
            self._check(token, client)
        except PolicyQAError as exc:  # the uploads stay (until the sweep): the admin may retype the token
            return AdminResult(render_message(exc.message, ok=False), False, consumed=False)
        try:
            if self._sessions is not None and not all(self._sessions.known(p) for p in files):
                return AdminResult(render_message("只能导入本次会话上传的文件。", ok=False), False)
            return self._upload(files, replace, progress)
        except PolicyQAError as exc:
            return AdminResult(render_message(exc.message, ok=False), False, consumed=True)
        finally:
            if self._sessions is not None:
                self._sessions.release(files)

    def _upload(self, files: list[str], replace: bool, progress: Progress | None) -> AdminResult:
        if not files:
            return AdminResult(render_message("请先选择要上传的文件。", ok=False), False)
        if len(files) > MAX_FILES:
            return AdminResult(render_message(f"一次最多上传 {MAX_FILES} 个文件。", ok=False), False)
        loaded = [(Path(path).name, _read(path)) for path in files]

        def on_file(number: int, name: str) -> None:
            if progress is not None:
                progress(number / len(loaded), f"正在导入 {name}（{number + 1}/{len(loaded)}）")

        max_bytes = self._settings.max_upload_mb * 2**20
        reports = ingest_uploads(
            self._ingestor, loaded, replace=replace, max_bytes=max_bytes, on_file=on_file
        ).files
        changed = any(r.status == "ok" for r in reports)
        return AdminResult(render_file_results(reports), changed)

    def delete(self, doc_id: str | None, token: str, *, client: str = "") -> AdminResult:
        try:
            self._check(token, client)
            if not doc_id:
                return AdminResult(render_message("请先选择要删除的讲话。", ok=False), False)
            info = self._ingestor.delete(doc_id)
        except PolicyQAError as exc:
            return AdminResult(render_message(exc.message, ok=False), False)
        return AdminResult(render_message(f"已删除：{document_label(info)}", ok=True), True)

    def confirm_text(self, doc_id: str | None) -> str:
        """The question the confirmation step asks, naming the speech."""
        label = next((label for label, value in self.choices() if value == doc_id), doc_id or "")
        return f"确定要删除 {label} 吗？删除后将不能再检索到这篇讲话。"


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:  # reported as an empty file; the log says why
        log.warning("cannot read uploaded file %s: %s", Path(path).name, exc)
        return b""
