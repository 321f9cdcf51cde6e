"""The documents tab's review panels: version history (list, diff, restore), the audit log and the
feedback review, with their exports. Layout and wiring only: web/admin_review.py does the work.

Exports are fetched by the browser from the JSON API with the token typed in the tab (never through
Gradio's file route), and saved under a fixed file name.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from web.admin import AdminService
from web.admin_review import ReviewService
from web.ui_chat import PRIVATE

# (token, query) → fetch api/<path>?<query> with the token, save the body as a file
_EXPORT_JS = """(token, %(args)s) => {
  const query = %(query)s;
  fetch("api/%(path)s?" + new URLSearchParams(query), {headers: {Authorization: "Bearer " + token}})
    .then(r => r.ok ? r.blob() : r.json().then(b => { throw new Error(b.error || r.status); }))
    .then(blob => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob); a.download = "%(name)s";
      document.body.appendChild(a); a.click(); a.remove();
    })
    .catch(e => alert("导出失败：" + e.message));
  return [];
}"""


def _export_js(path: str, name: str, args: list[str], query: str) -> str:
    return _EXPORT_JS % {"path": path, "name": name, "args": ", ".join(args) or "_", "query": query}


def _client(request: gr.Request | None) -> str:
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "?")


def review_panels(
    admin: AdminService, token: gr.Textbox, name: gr.Textbox, result: gr.HTML, jobs_timer: gr.Timer
) -> gr.Dropdown:
    """Returns the speech dropdown of the version panel (its choices are refreshed with the lists).
    `jobs_timer`: started by a restore, so the jobs panel follows its import."""
    review = admin.review
    assert review is not None
    speech = _versions_panel(review, token, name, result, jobs_timer)
    _audit_panel(review, token)
    _feedback_panel(review, token)
    return speech


def _versions_panel(
    review: ReviewService, token: gr.Textbox, name: gr.Textbox, result: gr.HTML, jobs_timer: gr.Timer
) -> gr.Dropdown:
    with gr.Accordion("版本历史", open=False, elem_id="qa-versions-box"):
        with gr.Row(equal_height=True):
            # a custom value: a document just replaced (by a restore) still names its speech's history
            speech = gr.Dropdown(
                choices=[], label="讲话", elem_id="qa-versions-speech", scale=3, allow_custom_value=True
            )
            show = gr.Button("查看版本", elem_id="qa-versions-show", scale=1)
        table = gr.HTML("", elem_id="qa-versions")
        with gr.Row(equal_height=True):
            old = gr.Dropdown(
                choices=[], label="旧版本（比较；恢复的也是它）", elem_id="qa-versions-old", scale=2
            )
            new = gr.Dropdown(choices=[], label="新版本", elem_id="qa-versions-new", scale=2)
            compare = gr.Button("比较", elem_id="qa-versions-diff", scale=1)
            restore = gr.Button("恢复旧版本", variant="stop", elem_id="qa-versions-restore", scale=1)
        diff = gr.HTML("", elem_id="qa-versions-changes")

    def do_show(doc_id: str | None, secret: str, request: gr.Request) -> tuple[str, Any, Any]:
        html, choices = review.versions(doc_id, secret, client=_client(request))
        newest = choices[0][1] if choices else None
        older = choices[1][1] if len(choices) > 1 else None
        return html, gr.update(choices=choices, value=older), gr.update(choices=choices, value=newest)

    show.click(do_show, inputs=[speech, token], outputs=[table, old, new], **PRIVATE)

    def do_diff(a: str | None, b: str | None, secret: str, request: gr.Request) -> str:
        return review.diff_html(a, b, secret, client=_client(request))

    compare.click(do_diff, inputs=[old, new, token], outputs=[diff], **PRIVATE)

    def do_restore(version_id: str | None, secret: str, actor: str, request: gr.Request) -> tuple[str, Any]:
        message, job_id = review.restore(version_id, secret, actor=actor, client=_client(request))
        return message, gr.Timer(active=True) if job_id else gr.skip()

    restore.click(do_restore, inputs=[old, token, name], outputs=[result, jobs_timer], **PRIVATE)
    return speech


def _audit_panel(review: ReviewService, token: gr.Textbox) -> None:
    with gr.Accordion("审计日志", open=False, elem_id="qa-audit-box"):
        with gr.Row(equal_height=True):
            show = gr.Button("显示审计日志", elem_id="qa-audit-show")
            jsonl = gr.Button("导出 JSONL", size="sm", elem_id="qa-audit-jsonl")
            csv = gr.Button("导出 CSV", size="sm", elem_id="qa-audit-csv")
        table = gr.HTML("", elem_id="qa-audit")

    def do_show(secret: str, request: gr.Request) -> str:
        return review.audit_html(secret, client=_client(request))

    show.click(do_show, inputs=[token], outputs=[table], **PRIVATE)
    for button, fmt in ((jsonl, "jsonl"), (csv, "csv")):
        js = _export_js("audit", f"audit.{fmt}", [], f'{{format: "{fmt}"}}')
        button.click(None, inputs=[token], js=js, **PRIVATE)


def _feedback_panel(review: ReviewService, token: gr.Textbox) -> None:
    with gr.Accordion("反馈审阅", open=False, elem_id="qa-feedback-box"):
        with gr.Row(equal_height=True):
            rating = gr.Dropdown(
                choices=[("全部", ""), ("不满意", "down"), ("满意", "up")],
                value="",
                label="评价",
                elem_id="qa-feedback-rating",
            )
            commented = gr.Checkbox(label="只看带意见的", elem_id="qa-feedback-commented")
            since = gr.Textbox(label="起始日期", placeholder="YYYY-MM-DD", elem_id="qa-feedback-since")
            until = gr.Textbox(label="截止日期", placeholder="YYYY-MM-DD", elem_id="qa-feedback-until")
            text = gr.Textbox(label="包含文字", elem_id="qa-feedback-text")
        with gr.Row(equal_height=True):
            show = gr.Button("筛选", elem_id="qa-feedback-show")
            export = gr.Button("导出为评测用例（JSONL）", size="sm", elem_id="qa-feedback-export")
        listing = gr.HTML("", elem_id="qa-feedback")

    filters = [rating, commented, since, until, text]

    def do_show(secret: str, *values: Any) -> str:
        return review.feedback_html(secret, *values)

    show.click(do_show, inputs=[token, *filters], outputs=[listing], **PRIVATE)
    query = "{rating: rating || '', with_comment: commented ? 'true' : 'false', since, until, q: text, format: 'jsonl'}"
    js = _export_js(
        "feedback", "feedback_eval.jsonl", ["rating", "commented", "since", "until", "text"], query
    )
    export.click(None, inputs=[token, *filters], js=js, **PRIVATE)
