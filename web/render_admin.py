"""HTML for the documents tab: the list of speeches and the per-file result of an upload or delete.

The markup is in web/templates/ (documents.html, file_results.html with _outcome.html, message.html),
autoescaped.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from core.store import DocumentInfo
from ingest.pipeline import FileReport
from web.pages import render
from web.render import speech_title

STATUS_LABELS = {
    "ok": "已导入",
    "unchanged": "未变化（已是最新）",
    "failed": "失败",
    "cancelled": "已取消（索引未改变）",
    "conflict": "待确认（可能是已有讲话的新版本）",
}
MATCH_REASONS = {"same_source": "同名文件", "same_title": "标题、讲话人、日期相同"}


def render_documents(
    documents: Sequence[DocumentInfo],
    *,
    total: int | None = None,
    tags: Mapping[str, Sequence[str]] | None = None,
    originals: Collection[str] = (),
) -> str:
    """`total`: the library's size when `documents` is a filtered part of it; `tags` per doc id;
    `originals`: the doc ids whose original file can be downloaded."""
    return render(
        "documents.html",
        documents=documents,
        total=len(documents) if total is None else total,
        tags=tags or {},
        originals=set(originals),
    )


def render_file_results(files: Sequence[FileReport]) -> str:
    if not files:
        return ""
    return render("file_results.html", files=files, labels=STATUS_LABELS, reasons=MATCH_REASONS)


def render_message(message: str, *, ok: bool) -> str:
    kind = "qa-result-ok" if ok else "qa-result-bad"
    return render("message.html", cls=f"qa-result {kind}", message=message, summary=True)


def render_confirm(message: str) -> str:
    """The delete tab's "are you sure" line."""
    return render("message.html", cls="qa-confirm", message=message, summary=False)


def document_label(info: DocumentInfo) -> str:
    """How a speech is named in the dropdowns: 《title》 speaker date."""
    extras = " ".join(x for x in (info.speaker, info.date) if x)
    title = speech_title(info.title, ", ".join(info.sources))
    return f"{title} {extras}".strip()
