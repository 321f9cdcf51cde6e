"""The 文档管理 tab: token, upload (several files, per-file result), delete with confirmation, the list.

Without POLICY_QA_ADMIN_TOKEN the tab only lists the speeches and says how to enable changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from ingest.jobs import Action
from ingest.loaders import SUPPORTED_EXTENSIONS
from web.admin import AdminService
from web.library_filter import LibraryFilter
from web.render_admin import render_confirm
from web.ui_chat import PRIVATE
from web.ui_review import review_panels

_OPEN_SESSION_JS = """(token) => {
  if (token) {
    fetch("api/admin/session", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify({token: token})});
  }
  return [];
}"""


def _client(request: gr.Request | None) -> str:
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "?")


@dataclass
class DocumentsTab:
    delete_choice: gr.Dropdown
    table: gr.HTML
    changed: list[Any] = field(default_factory=list)  # events after which the speech lists are stale
    filters: list[gr.Dropdown] = field(default_factory=list)  # speaker, year, tag of the library list
    speeches: list[gr.Dropdown] = field(default_factory=list)  # other dropdowns listing the speeches


def documents_tab(admin: AdminService) -> DocumentsTab:
    changed: list[Any] = []
    speeches: list[gr.Dropdown] = []
    if not admin.writable:
        gr.HTML(
            '<div class="qa-readonly"><b>文档管理当前为只读：</b>可以查看已收录的讲话，但不能上传或删除。'
            "<br>要启用，请在服务器上设置管理员令牌（环境变量 <code>POLICY_QA_ADMIN_TOKEN</code>）后重启服务，例如："
            "<code>POLICY_QA_ADMIN_TOKEN=一段足够长的随机字符串 make run</code></div>",
            elem_id="qa-readonly",
        )
        delete_choice = gr.Dropdown(choices=[], visible=False)
    else:
        with gr.Row(equal_height=True):
            token = gr.Textbox(
                type="password",
                label="管理员令牌",
                placeholder="输入服务器上 POLICY_QA_ADMIN_TOKEN 的值",
                elem_id="qa-admin-token",
                scale=3,
            )
            name = gr.Textbox(
                label="管理员姓名（记入审计日志）",
                placeholder="如：张三",
                max_length=40,
                elem_id="qa-admin-name",
                scale=2,
            )
        with gr.Row(equal_height=False):
            with gr.Column(elem_id="qa-upload-column"):
                gr.HTML('<h3 class="qa-h3">上传讲话</h3>')
                files = gr.File(
                    file_count="multiple",
                    file_types=sorted(SUPPORTED_EXTENSIONS),
                    type="filepath",
                    label="选择文件（"
                    + "、".join(sorted(e.lstrip(".") for e in SUPPORTED_EXTENSIONS))
                    + "，可多选）",
                    elem_id="qa-upload-files",
                )
                replace = gr.Checkbox(
                    label="作为修订版直接替换旧版本（同名文件，或标题、讲话人、日期都相同的已有讲话）；"
                    "不勾选时，遇到这样的讲话会先请您确认",
                    elem_id="qa-upload-replace",
                )
                tags = gr.Textbox(
                    label="标签（可选，逗号分隔，用于筛选）",
                    placeholder="如：职业教育，2025年",
                    max_length=200,
                    elem_id="qa-upload-tags",
                )
                upload = gr.Button("导入", variant="primary", elem_id="qa-upload")
            with gr.Column(elem_id="qa-delete-column"):
                gr.HTML('<h3 class="qa-h3">删除讲话</h3>')
                delete_choice = gr.Dropdown(choices=[], label="选择要删除的讲话", elem_id="qa-delete-choice")
                delete = gr.Button("删除…", variant="stop", elem_id="qa-delete")
                with gr.Group(visible=False, elem_id="qa-delete-confirm-box") as confirm_box:
                    confirm_text = gr.HTML("", elem_id="qa-delete-confirm-text")
                    with gr.Row():
                        confirm = gr.Button("确认删除", variant="stop", elem_id="qa-delete-confirm")
                        cancel = gr.Button("取消", elem_id="qa-delete-cancel")
        result = gr.HTML("", elem_id="qa-admin-result")
        jobs = _jobs_panel(admin, token, name, result, changed)

        # The token also opens an admin session (a cookie): Gradio's upload route takes files only
        # from such a session (web/gradio_gate.py). JS only: the token never passes through Gradio here.
        for event in (token.blur, token.submit):
            event(None, inputs=[token], js=_OPEN_SESSION_JS, **PRIVATE)

        def do_upload(
            paths: list[str] | None,
            replace_old: bool,
            secret: str,
            actor: str,
            labels: str,
            request: gr.Request,
        ) -> tuple[str, Any, Any, str]:
            outcome = admin.upload(
                paths, replace_old, secret, client=_client(request), actor=actor, tags=labels
            )
            cleared = None if outcome.consumed else gr.skip()
            return outcome.message, cleared, gr.Timer(active=admin.running()), admin.jobs_html()

        upload.click(
            do_upload,
            inputs=[files, replace, token, name, tags],
            outputs=[result, files, jobs.timer, jobs.panel],
            **PRIVATE,
        )

        def ask_confirm(doc_id: str | None) -> tuple[Any, str]:
            if not doc_id:
                return gr.update(visible=False), ""
            return gr.update(visible=True), render_confirm(admin.confirm_text(doc_id))

        delete.click(ask_confirm, inputs=[delete_choice], outputs=[confirm_box, confirm_text], **PRIVATE)
        cancel.click(lambda: gr.update(visible=False), outputs=[confirm_box], **PRIVATE)

        def do_delete(doc_id: str | None, secret: str, actor: str, request: gr.Request) -> tuple[str, Any]:
            outcome = admin.delete(doc_id, secret, client=_client(request), actor=actor)
            return outcome.message, gr.update(visible=False)

        changed.append(
            confirm.click(
                do_delete, inputs=[delete_choice, token, name], outputs=[result, confirm_box], **PRIVATE
            )
        )
        if admin.review is not None:
            speeches.append(review_panels(admin, token, name, result, jobs.timer))
    with gr.Row(elem_id="qa-documents-head", equal_height=True):
        gr.HTML('<h3 class="qa-h3">已收录的讲话</h3>')
        refresh = gr.Button("刷新", size="sm", scale=0, min_width=72, elem_id="qa-documents-refresh")
    with gr.Row(equal_height=True, elem_id="qa-library-filters"):
        filters = [
            gr.Dropdown(choices=[("全部", "")], value="", label=label, elem_id=f"qa-filter-{key}")
            for key, label in (("speaker", "讲话人"), ("year", "年份"), ("tag", "标签"))
        ]
    table = gr.HTML('<div class="qa-docs-empty">正在读取…</div>', elem_id="qa-documents")  # filled on load

    def shown(speaker: str | None, year: str | None, tag: str | None) -> str:
        return admin.documents_html(LibraryFilter(speaker or "", year or "", tag or ""))

    refresh.click(shown, inputs=filters, outputs=[table], **PRIVATE)
    for dropdown in filters:
        dropdown.input(shown, inputs=filters, outputs=[table], **PRIVATE)
    return DocumentsTab(delete_choice, table, changed, filters, speeches)


def filter_updates(admin: AdminService, chosen: list[str | None]) -> list[dict[str, Any]]:
    """The filters' choices from the library as it is now, each keeping its value while still offered."""
    offered = admin.filter_choices()
    updates = []
    for key, value in zip(("speaker", "year", "tag"), chosen, strict=True):
        values = offered[key]
        updates.append(
            gr.update(
                choices=[("全部", ""), *((v, v) for v in values)], value=value if value in values else ""
            )
        )
    return updates


@dataclass
class JobsPanel:
    panel: gr.HTML
    timer: gr.Timer


def _jobs_panel(
    admin: AdminService, token: gr.Textbox, name: gr.Textbox, result: gr.HTML, changed: list[Any]
) -> JobsPanel:
    """The import queue: every job's files with their stage, "n/m passages" and result, refreshed
    every second while a job runs (the timer stops when none does: idle pages send nothing);
    cancelling a job, and the replace-or-keep decision on a file that matches an existing speech."""
    with gr.Row(elem_id="qa-jobs-head", equal_height=True):
        gr.HTML('<h3 class="qa-h3">导入任务</h3>')
        reload = gr.Button("刷新", size="sm", scale=0, min_width=72, elem_id="qa-jobs-refresh")
    panel = gr.HTML(admin.jobs_html(), elem_id="qa-jobs")
    # shown only while there is something to cancel or to decide on
    with gr.Row(equal_height=True, visible=bool(admin.cancellable())) as running_row:
        running = gr.Dropdown(choices=[], label="进行中的任务", elem_id="qa-job-choice", scale=3)
        cancel = gr.Button("取消任务", variant="stop", elem_id="qa-job-cancel", scale=1)
    with gr.Row(equal_height=True, visible=bool(admin.conflicts())) as pending_row:
        pending = gr.Dropdown(choices=[], label="待确认的新版本", elem_id="qa-conflict-choice", scale=3)
        replace = gr.Button("替换旧版本", variant="primary", elem_id="qa-conflict-replace", scale=1)
        keep = gr.Button("保留两篇", elem_id="qa-conflict-keep", scale=1)
    timer = gr.Timer(1.0, active=False)
    finished = gr.State(())  # the finished jobs: when it changes, the speech lists are refreshed

    def tick(
        chosen_job: str | None, chosen_file: str | None
    ) -> tuple[str, Any, Any, Any, Any, Any, tuple[str, ...]]:
        cancellable, conflicts = admin.cancellable(), admin.conflicts()
        return (
            admin.jobs_html(),
            gr.Timer(active=admin.running()),
            gr.update(choices=cancellable, value=_kept(chosen_job, cancellable)),
            gr.update(visible=bool(cancellable)),
            gr.update(choices=conflicts, value=_kept(chosen_file, conflicts)),
            gr.update(visible=bool(conflicts)),
            admin.finished_jobs(),
        )

    outputs = [panel, timer, running, running_row, pending, pending_row, finished]
    quiet: dict[str, Any] = {**PRIVATE, "show_progress": "hidden"}
    chosen = [running, pending]
    timer.tick(tick, inputs=chosen, outputs=outputs, **quiet)
    reload.click(tick, inputs=chosen, outputs=outputs, **PRIVATE)
    changed.append(finished.change(lambda: None, **quiet))

    def do_cancel(job_id: str | None, secret: str, request: gr.Request) -> str:
        return admin.cancel(job_id, secret, client=_client(request)).message

    def decide(action: Action) -> Any:
        def do_decide(choice: str | None, secret: str, actor: str, request: gr.Request) -> tuple[str, Any]:
            outcome = admin.resolve(choice, action, secret, client=_client(request), actor=actor)
            return outcome.message, gr.Timer(active=admin.running())

        return do_decide

    cancel.click(do_cancel, inputs=[running, token], outputs=[result], **PRIVATE).then(
        tick, inputs=chosen, outputs=outputs, **quiet
    )
    decisions: tuple[tuple[gr.Button, Action], ...] = ((replace, "replace"), (keep, "keep"))
    for button, action in decisions:
        button.click(decide(action), inputs=[pending, token, name], outputs=[result, timer], **PRIVATE).then(
            tick, inputs=chosen, outputs=outputs, **quiet
        )
    return JobsPanel(panel, timer)


def _kept(chosen: str | None, choices: list[tuple[str, str]]) -> str | None:
    """The administrator's choice while it is still offered, else the first one (the refresh every second
    must not undo a selection)."""
    values = [value for _, value in choices]
    return chosen if chosen in values else (values[0] if values else None)
