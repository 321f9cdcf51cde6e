"""HTML for the documents tab: the list of speeches and the per-file result of an upload or delete."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.pipeline import FileReport, Match
from vectorstore.base import DocumentInfo
from web.render import esc, speech_title

STATUS_LABELS = {
    "ok": "已导入",
    "unchanged": "未变化（已是最新）",
    "failed": "失败",
    "cancelled": "已取消（索引未改变）",
    "conflict": "待确认（可能是已有讲话的新版本）",
}
_MATCH_REASONS = {"same_source": "同名文件", "same_title": "标题、讲话人、日期相同"}


def render_documents(documents: Sequence[DocumentInfo]) -> str:
    if not documents:
        return '<div class="qa-docs-empty">还没有导入任何讲话。</div>'
    rows = "".join(
        "<tr>"
        f'<td class="qa-doc-title">{esc(d.title or "（无标题）")}</td>'
        f"<td>{esc(d.speaker or '—')}</td>"
        f"<td>{esc(d.date or '—')}</td>"
        f'<td class="qa-num">{d.chunks}</td>'
        f'<td class="qa-doc-sources">{"<br>".join(esc(s) for s in d.sources)}</td>'
        f"<td>{esc(_when(d.ingested_at))}</td>"
        f'<td class="qa-doc-id"><code>{esc(d.doc_id)}</code></td>'
        "</tr>"
        for d in documents
    )
    head = "".join(
        f"<th>{h}</th>" for h in ("标题", "讲话人", "日期", "段落数", "来源文件", "导入时间", "文档 ID")
    )
    return (
        f'<div class="qa-docs"><div class="qa-docs-count">共 {len(documents)} 篇讲话</div>'
        f'<div class="qa-table-wrap"><table class="qa-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></div>"
    )


def render_file_results(files: Sequence[FileReport]) -> str:
    if not files:
        return ""
    items = "".join(_file_result(f) for f in files)
    failed = sum(1 for f in files if f.status == "failed")
    summary = f"{len(files)} 个文件：{len(files) - failed} 个成功" + (f"，{failed} 个失败" if failed else "")
    kind = "qa-result-bad" if failed == len(files) else "qa-result-warn" if failed else "qa-result-ok"
    return (
        f'<div class="qa-result {kind}"><div class="qa-result-summary">{summary}</div><ul>{items}</ul></div>'
    )


def _file_result(report: FileReport) -> str:
    return f'<li class="qa-file qa-file-{esc(report.status)}"><b>{esc(report.source)}</b> — {file_outcome(report)}</li>'


def file_outcome(report: FileReport) -> str:
    """A file's status and what happened, as HTML (its name is shown by the caller)."""
    status = STATUS_LABELS.get(report.status, report.status)
    if report.status in ("failed", "cancelled"):
        detail = esc(report.error)
    elif report.status == "conflict":
        detail = "请在下方“待确认的新版本”中选择替换旧版本，或作为另一篇讲话保留。"
    else:
        detail = f"{report.docs} 篇讲话，新增 {report.chunks_added} 段"
        if report.chunks_removed:
            detail += f"，移除旧版本 {report.chunks_removed} 段"
        if report.replaced:
            detail += f"，替换了 {len(report.replaced)} 篇旧版本"
    if report.collapsed:
        detail += f"；合并了 {report.collapsed} 个连续重复的句子"
    notes = [*report.warnings] if report.status != "conflict" else []
    notes += [
        f"{_MATCH_REASONS[m.reason]}：{_described(m)}" for m in report.matches if report.status == "conflict"
    ]
    warnings = "".join(f'<div class="qa-result-warning">{esc(w)}</div>' for w in notes)
    return f'<span class="qa-file-status">{esc(status)}</span>：{detail}{warnings}'


def _described(match: Match) -> str:
    title = speech_title(match.title, "、".join(match.sources))
    extras = " ".join(x for x in (match.speaker, match.date) if x)
    return f"已有 {title} {extras}（文件 {'、'.join(match.sources)}，导入于 {_when(match.ingested_at)}）"


def render_message(message: str, *, ok: bool) -> str:
    kind = "qa-result-ok" if ok else "qa-result-bad"
    return f'<div class="qa-result {kind}"><div class="qa-result-summary">{esc(message)}</div></div>'


def document_label(info: DocumentInfo) -> str:
    """How a speech is named in the dropdowns: 《title》 speaker date."""
    extras = " ".join(x for x in (info.speaker, info.date) if x)
    title = speech_title(info.title, ", ".join(info.sources))
    return f"{title} {extras}".strip()


def _when(iso: str) -> str:
    return iso.replace("T", " ").replace("+00:00", " UTC")
