"""The Gradio page: header, a 问答 tab (web/ui_chat.py), a 提法库 tab (web/ui_library.py) and a
文档管理 tab (web/ui_documents.py).

Layout and wiring only; what the buttons do lives in web/chat.py and web/admin.py, the HTML in
web/render*.py, the browser-side behaviour in web/static/*.js (run by gr.HTML's js_on_load).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from web.admin import AdminService
from web.assets import static_text
from web.chat import ChatService
from web.chat_history import ChatHistory
from web.library_filter import LibraryFilter
from web.ui_chat import PRIVATE, chat_tab
from web.ui_documents import documents_tab, filter_updates
from web.ui_library import library_tab

HEADER = (
    '<div class="qa-header"><div class="qa-header-title">政策讲话问答</div>'
    '<div class="qa-header-sub">根据已收录的领导讲话原文回答，每句话都标明出处；点击 [1] [2] 查看原文。</div></div>'
)
SYSTEM_FONTS = (
    "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
    "system-ui", "sans-serif",
)  # fmt: skip
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Consolas", "monospace")


def theme() -> gr.themes.Base:
    # System fonts only: Gradio's default theme would fetch its web fonts (and Chinese needs system fonts).
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS)


def head_html() -> str:
    return f"<script>{static_text('head.js')}</script>"


def build_ui(
    chat: ChatService, history: ChatHistory, admin: AdminService, *, queue_size: int = 32
) -> gr.Blocks:
    with gr.Blocks(title="政策讲话问答", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        # Set by the page's load (tab.restore: the conversation used last, or a new one). Not a function: Gradio
        # would run it in a load event of its own, racing restore's, and could empty a reopened conversation.
        session = gr.State(None)
        gr.HTML(HEADER, elem_id="qa-header", js_on_load=None)
        with gr.Tabs(elem_id="qa-tabs"):
            with gr.Tab("问答", id="chat", elem_id="qa-tab-chat"):
                tab = chat_tab(chat, history, session)
            library_tab(chat)
            with gr.Tab("文档管理", id="documents", elem_id="qa-tab-documents"):
                documents = documents_tab(admin)
        lists = [tab.scope, documents.delete_choice]
        outputs = [*lists, documents.table, *documents.filters, *documents.speeches]
        inputs = [*documents.filters, *documents.speeches]

        def refresh_lists(*chosen: str | None) -> list[Any]:
            choices = admin.choices()
            filters = filter_updates(admin, list(chosen[:3]))  # a value no longer offered falls back to 全部
            keep = LibraryFilter(*(f["value"] for f in filters))
            updates = [gr.update(choices=choices) for _ in lists]
            # a speech picked for its history stays picked when a new version replaced its document
            speeches = [gr.update(choices=choices, value=admin.current_of(v)) for v in chosen[3:]]
            return [*updates, admin.documents_html(keep), *filters, *speeches]

        demo.load(refresh_lists, inputs=inputs, outputs=outputs, **PRIVATE)
        # a reload (or a restart) shows the conversation used last, and the list of saved ones
        demo.load(tab.restore, outputs=tab.outputs, show_progress="hidden", **PRIVATE)
        for event in documents.changed:
            event.then(refresh_lists, inputs=inputs, outputs=outputs, **PRIVATE)
    # A bounded queue: beyond it a question is refused at once ("请稍后再试", web/gradio_gate.py)
    # instead of waiting behind a flood.
    demo.queue(max_size=queue_size)
    return demo
