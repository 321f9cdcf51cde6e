"""What the documents tab does: list, upload (as an import job), follow / cancel / decide on jobs,
delete — each change checked against the admin token."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from errors import PolicyQAError
from ingest.audit import admin_name
from ingest.jobs import Action, JobQueue
from ingest.pipeline import Ingestor
from settings import Settings
from web.admin_review import ReviewService
from web.admin_session import AdminSessions
from web.feedback import FeedbackLog
from web.library_filter import LibraryFilter, parse_tags
from web.library_filter import choices as library_choices
from web.render_admin import document_label, render_documents, render_message
from web.render_jobs import conflict_label, job_label, render_jobs
from web.security import check_admin_token_throttled
from web.throttle import FailureThrottle
from web.uploads import MAX_FILES, submit_uploads
from web.versions import HistoryService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdminResult:
    message: str  # HTML: what happened (per file for an upload)
    changed: bool  # the list of speeches changed: refresh the table and the dropdowns
    consumed: bool = True  # the uploaded files were read (and removed): clear the file input
    job_id: str = ""  # the import job an upload (or a decision on a conflict) started


class AdminService:
    def __init__(
        self,
        settings: Settings,
        ingestor: Ingestor,
        jobs: JobQueue,
        *,
        sessions: AdminSessions | None = None,
        throttle: FailureThrottle | None = None,
        history: HistoryService | None = None,
        feedback: FeedbackLog | None = None,
    ) -> None:
        self._settings = settings
        self._ingestor = ingestor
        self._jobs = jobs
        self._sessions = sessions  # given: only files uploaded through the gate are read, then removed
        self._throttle = throttle
        self.history = history  # versions and originals; its recorder audits deletes
        self.review = ReviewService(history, feedback, self._check) if history and feedback else None

    def _check(self, token: str, client: str) -> None:
        check_admin_token_throttled(self._throttle, client, self._settings.admin_token, token)

    @property
    def jobs(self) -> JobQueue:
        return self._jobs

    @property
    def writable(self) -> bool:
        return bool(self._settings.admin_token)

    def _tags(self, doc_id: str) -> tuple[str, ...]:
        return self.history.tags(doc_id) if self.history is not None else ()

    def documents_html(self, keep: LibraryFilter | None = None) -> str:
        try:
            documents = self._ingestor.list_documents()
        except PolicyQAError as exc:
            return render_message(exc.message, ok=False)
        shown = (keep or LibraryFilter()).apply(documents, self._tags)
        tags = {d.doc_id: self._tags(d.doc_id) for d in documents}
        originals = self.history.recorder.archive.kept_docs() if self.history is not None else set()
        return render_documents(shown, total=len(documents), tags=tags, originals=originals)

    def current_of(self, doc_id: str | None) -> str | None:
        """`doc_id` while it is in the library; else the document now current in its version history."""
        live = {value for _, value in self.choices()}
        if not doc_id or doc_id in live:
            return doc_id
        if self.history is not None:
            return next((v.record.doc_id for v in self.history.versions(doc_id) if v.current), None)
        return None

    def filter_choices(self) -> dict[str, list[str]]:
        try:
            return library_choices(self._ingestor.list_documents(), self._tags)
        except PolicyQAError:
            return {"speaker": [], "year": [], "tag": []}

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
        *,
        client: str = "",
        actor: str = "",
        tags: str = "",
    ) -> AdminResult:
        """Queue the files as an import job (ingest/jobs.py) and return at once; the jobs panel shows
        its progress. `paths`: files Gradio received (its temporary copies; their names are the
        uploaded names). With sessions, files not uploaded through the gate are refused, and the
        uploads are removed once read."""
        files = list(paths or [])
        try:
            self._check(token, client)
        except PolicyQAError as exc:  # the uploads stay (until the sweep): the admin may retype the token
            return AdminResult(render_message(exc.message, ok=False), False, consumed=False)
        try:
            if self._sessions is not None and not all(self._sessions.known(p) for p in files):
                return AdminResult(render_message("只能导入本次会话上传的文件。", ok=False), False)
            return self._submit(files, replace, admin_name(actor), parse_tags(tags))
        except PolicyQAError as exc:
            return AdminResult(render_message(exc.message, ok=False), False, consumed=True)
        finally:
            if self._sessions is not None:
                self._sessions.release(files)

    def _submit(self, files: list[str], replace: bool, actor: str, tags: list[str]) -> AdminResult:
        if not files:
            return AdminResult(render_message("请先选择要上传的文件。", ok=False), False)
        if len(files) > MAX_FILES:
            return AdminResult(render_message(f"一次最多上传 {MAX_FILES} 个文件。", ok=False), False)
        loaded = [(Path(path).name, _read(path)) for path in files]
        max_bytes = self._settings.max_upload_mb * 2**20
        job = submit_uploads(self._jobs, loaded, replace=replace, max_bytes=max_bytes, actor=actor, tags=tags)
        message = f"已加入导入队列（任务 {job.job_id}，{len(loaded)} 个文件）：进度见下方“导入任务”。"
        return AdminResult(render_message(message, ok=True), False, job_id=job.job_id)

    # --- the jobs panel ----------------------------------------------------------------------------

    def jobs_html(self) -> str:
        return render_jobs(self._jobs.jobs())

    def running(self) -> bool:
        """A job is queued or running (the panel keeps refreshing)."""
        return any(j.state in ("queued", "running") for j in self._jobs.jobs())

    def finished_jobs(self) -> tuple[str, ...]:
        """Changes when a job finishes (the speech lists are then refreshed)."""
        return tuple(j.job_id for j in self._jobs.jobs() if j.finished.is_set())

    def cancellable(self) -> list[tuple[str, str]]:
        return [(job_label(j), j.job_id) for j in self._jobs.jobs() if j.state in ("queued", "running")]

    def conflicts(self) -> list[tuple[str, str]]:
        """(label, "job_id/file name") of the files waiting for a replace-or-keep decision."""
        return [(conflict_label(f), f"{j.job_id}/{f.name}") for j, f in self._jobs.pending_conflicts()]

    def cancel(self, job_id: str | None, token: str, *, client: str = "") -> AdminResult:
        try:
            self._check(token, client)
            if not job_id:
                return AdminResult(render_message("请先选择要取消的导入任务。", ok=False), False)
            job = self._jobs.cancel(job_id)
        except PolicyQAError as exc:
            return AdminResult(render_message(exc.message, ok=False), False)
        done = job.finished.is_set()
        text = (
            f"任务 {job.job_id} 已结束，无需取消。"
            if done
            else f"正在取消任务 {job.job_id}：未提交的文件不会改变索引。"
        )
        return AdminResult(render_message(text, ok=True), False)

    def resolve(
        self, choice: str | None, action: Action, token: str, *, client: str = "", actor: str = ""
    ) -> AdminResult:
        try:
            self._check(token, client)
            if not choice or "/" not in choice:
                return AdminResult(render_message("请先选择一个待确认的文件。", ok=False), False)
            job_id, _, name = choice.partition("/")
            job = self._jobs.resolve(job_id, name, action, actor=admin_name(actor))
        except PolicyQAError as exc:
            return AdminResult(render_message(exc.message, ok=False), False)
        what = "替换旧版本" if action == "replace" else "作为另一篇讲话保留"
        return AdminResult(
            render_message(f"{name}：{what}（任务 {job.job_id}）。", ok=True), False, job_id=job.job_id
        )

    def delete(self, doc_id: str | None, token: str, *, client: str = "", actor: str = "") -> AdminResult:
        try:
            self._check(token, client)
            if not doc_id:
                return AdminResult(render_message("请先选择要删除的讲话。", ok=False), False)
            info = self._ingestor.delete(doc_id)
        except PolicyQAError as exc:
            return AdminResult(render_message(exc.message, ok=False), False)
        if self.history is not None:
            self.history.recorder.deleted(info, actor=admin_name(actor))
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
