"""What the documents tab's review panels do: the audit log, the feedback review, version history (list,
diff, restore). Each needs the admin token (they show administrators' names and staff questions); each
returns HTML in which every user-supplied text is autoescaped (web/templates/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from errors import PolicyQAError
from web.feedback import FeedbackLog
from web.pages import render
from web.render_admin import render_message
from web.review import FeedbackFilter, audit_rows, feedback_rows, local_time, parse_day
from web.version_diff import changed
from web.versions import HistoryService, Version

Check = Callable[[str, str], None]  # (token, client) → raises NotAuthorizedError / ReadOnlyError
SHOWN_AUDIT = 200
SHOWN_FEEDBACK = 100


class ReviewService:
    def __init__(self, history: HistoryService, feedback: FeedbackLog, check: Check) -> None:
        self._history = history
        self._feedback = feedback
        self._check = check

    def audit_html(self, token: str, *, client: str = "") -> str:
        try:
            self._check(token, client)
            entries = self._history.recorder.audit.read()
        except PolicyQAError as exc:
            return render_message(exc.message, ok=False)
        return render("audit.html", rows=audit_rows(entries, limit=SHOWN_AUDIT), total=len(entries))

    def feedback_html(
        self,
        token: str,
        rating: str = "",
        with_comment: bool = False,
        since: str = "",
        until: str = "",
        text: str = "",
        *,
        client: str = "",
    ) -> str:
        try:
            self._check(token, client)
            keep = FeedbackFilter(rating, with_comment, parse_day(since), parse_day(until), text)
        except PolicyQAError as exc:
            return render_message(exc.message, ok=False)
        except ValueError:
            return render_message("日期格式应为 YYYY-MM-DD，如 2026-12-03。", ok=False)
        rows = feedback_rows(self._feedback.latest(), keep)
        ups = sum(1 for r in rows if r.get("rating") == "up")
        return render("feedback_review.html", rows=rows, ups=ups, downs=len(rows) - ups, shown=SHOWN_FEEDBACK)

    def versions(
        self, doc_id: str | None, token: str, *, client: str = ""
    ) -> tuple[str, list[tuple[str, str]]]:
        """The history table and the (label, version_id) choices of the speech `doc_id` belongs to."""
        if not doc_id:
            return render_message("请先选择一篇讲话。", ok=False), []
        try:
            self._check(token, client)
            found = self._history.versions(doc_id)
        except PolicyQAError as exc:
            return render_message(exc.message, ok=False), []
        return render("versions.html", versions=found), [
            (version_label(v), v.record.version_id) for v in found
        ]

    def diff_html(self, old_id: str | None, new_id: str | None, token: str, *, client: str = "") -> str:
        if not old_id or not new_id:
            return render_message("请选择要比较的两个版本。", ok=False)
        try:
            self._check(token, client)
            found = self._history.diff(old_id, new_id)
        except PolicyQAError as exc:
            return render_message(exc.message, ok=False)
        return render(
            "diff.html", old=found.old, new=found.new, blocks=found.blocks, changed=changed(found.blocks)
        )

    def restore(self, version_id: str | None, token: str, *, actor: str, client: str = "") -> tuple[str, Any]:
        """(message, the job id or "") — the jobs panel follows the import."""
        if not version_id:
            return render_message("请先选择要恢复的版本。", ok=False), ""
        try:
            self._check(token, client)
            job = self._history.restore(version_id, actor=actor)
        except PolicyQAError as exc:
            return render_message(exc.message, ok=False), ""
        message = f"正在恢复该版本（导入任务 {job.job_id}）：进度见“导入任务”，完成后记入审计日志。"
        return render_message(message, ok=True), job.job_id


def version_label(version: Version) -> str:
    record = version.record
    state = "当前" if version.current else "历史"
    return f"版本 {version.number}（{state}）{record.source} · {local_time(record.saved_at)[:16]}"
