"""The 提法库 tab: every numbered formulation (searchable, one name's versions side by side) and each
speech's outline as a tree; every item and heading opens the speech at that place."""

from __future__ import annotations

from typing import Any

import gradio as gr

from web.assets import static_text
from web.chat import ChatService
from web.render_library import render_library, render_outlines

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def library_tab(chat: ChatService) -> gr.Tab:
    with gr.Tab("提法库", id="library", elem_id="qa-tab-library") as tab:
        with gr.Row(elem_id="qa-lib-search-row", equal_height=True):
            query = gr.Textbox(
                placeholder="按提法名称、内容、讲话标题或讲话人查找，如“保障”",
                show_label=False,
                max_length=100,
                scale=6,
                container=False,
                elem_id="qa-lib-query",
            )
            search = gr.Button("查找", variant="primary", scale=1, min_width=72, elem_id="qa-lib-search")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                library = gr.HTML("", elem_id="qa-library", js_on_load=static_text("sources.js"))
            with gr.Column(scale=2, min_width=280):
                gr.HTML('<h3 class="qa-lib-heading">讲话目录</h3>', js_on_load=None)
                outlines = gr.HTML("", elem_id="qa-outlines", js_on_load=static_text("sources.js"))
        viewer = gr.HTML("", elem_id="qa-lib-viewer", js_on_load=static_text("viewer.js"))

    def show(text: str) -> tuple[str, str]:
        documents = chat.speeches()
        return render_library(documents, text or ""), render_outlines(documents)

    def open_document(event: gr.EventData) -> str:
        return chat.open_document(event._data or {})

    common: dict[str, Any] = {"show_progress": "hidden", **PRIVATE}
    gr.on(
        [tab.select, query.submit, search.click], show, inputs=[query], outputs=[library, outlines], **common
    )
    library.click(open_document, outputs=[viewer], **common)
    outlines.click(open_document, outputs=[viewer], **common)
    return tab
