"""The 问答 tab: conversation, example questions, input, speech filter, sources panel, speech viewer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import gradio as gr

from web.assets import static_text
from web.chat import ChatService, ChatView
from web.chat_history import ChatHistory
from web.render import render_conversation, render_sources
from web.session import ChatSession

EXAMPLES = (
    "两个保障是什么？",
    "12881是什么意思？",
    "各篇讲话对职业教育提了哪些要求？",
    "杨生俊的讲话分几个部分？",
)
PRIVATE: dict[str, Any] = {"api_visibility": "private"}  # the documented API is /api/*, not Gradio's


class ChatTab(NamedTuple):
    scope: gr.Dropdown  # the speech filter (its choices are refreshed by the page)
    restore: Callable[[gr.Request], tuple[Any, ...]]  # on page load: the conversation used last
    outputs: list[Any]  # what `restore` fills


def chat_tab(chat: ChatService, history: ChatHistory, session: gr.State) -> ChatTab:
    """The 问答 tab's content."""
    empty = ChatSession()
    with gr.Row(equal_height=False, elem_id="qa-chat-row"):
        with gr.Column(scale=3, min_width=340, elem_id="qa-chat-column"):
            saved = gr.HTML(history.listing(None), elem_id="qa-history", js_on_load=static_text("history.js"))
            conversation = gr.HTML(
                render_conversation(empty),
                elem_id="qa-conversation",
                js_on_load=static_text("conversation.js"),
            )
            with gr.Row(elem_id="qa-examples") as examples_row:
                gr.HTML('<span class="qa-examples-label">试试这样问：</span>', js_on_load=None, min_width=0)
                examples = [gr.Button(q, size="sm", variant="secondary", min_width=0) for q in EXAMPLES]
            with gr.Row(elem_id="qa-input-row", equal_height=True):
                question = gr.Textbox(
                    placeholder="请输入问题，按 Enter 发送（Shift+Enter 换行）",
                    show_label=False,
                    lines=1,
                    max_lines=6,
                    max_length=chat.max_question_chars,  # the box takes no more than is answered
                    scale=6,
                    container=False,
                    autofocus=True,
                    elem_id="qa-question",
                )
                send = gr.Button("发送", variant="primary", scale=1, min_width=72, elem_id="qa-send")
            with gr.Row(elem_id="qa-options-row", equal_height=False):
                scope = gr.Dropdown(
                    choices=[],
                    value=[],
                    multiselect=True,
                    label="查找范围：只在选中的讲话中查找（不选则查找全部）",
                    scale=5,
                    elem_id="qa-scope",
                )
                new_chat = gr.Button("新对话", size="sm", scale=0, min_width=88, elem_id="qa-new-chat")
        with gr.Column(scale=2, min_width=300, elem_id="qa-sources-column"):
            sources = gr.HTML(
                render_sources(empty), elem_id="qa-sources", js_on_load=static_text("sources.js")
            )
    viewer = gr.HTML("", elem_id="qa-viewer", js_on_load=static_text("viewer.js"))

    def ask(
        text: str, doc_ids: Sequence[str] | None, state: ChatSession | None, request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        for number, view in enumerate(chat.ask(text, doc_ids, _current(state))):
            final = view.sources is not None and not any(t.pending for t in view.session.turns[-1:])
            yield (
                view.conversation,
                gr.skip() if view.sources is None else view.sources,
                view.session,
                "" if number == 0 else gr.skip(),
                gr.update(visible=not view.session.turns),
                history.remember(request, view.session) if final else gr.skip(),
            )

    outputs = [conversation, sources, session, question, examples_row, saved]
    common: dict[str, Any] = {
        "outputs": outputs,
        "show_progress": "hidden",
        "concurrency_id": "ask",
        "concurrency_limit": 4,
        **PRIVATE,
    }
    gr.on([question.submit, send.click], ask, inputs=[question, scope, session], **common)
    for button in examples:
        button.click(ask, inputs=[button, scope, session], **common)  # a button's value is its text

    def vote(
        state: ChatSession | None, event: gr.EventData, request: gr.Request
    ) -> tuple[str, ChatSession, str]:
        view = chat.vote(_current(state), event._data or {})
        return view.conversation, view.session, history.remember(request, view.session)

    conversation.click(
        vote, inputs=[session], outputs=[conversation, session, saved], show_progress="hidden", **PRIVATE
    )

    def shown(state: ChatSession, listing: str) -> tuple[Any, ...]:
        view = ChatView.of(state)
        return view.conversation, view.sources, state, gr.skip(), gr.update(visible=not state.turns), listing

    def restore(request: gr.Request) -> tuple[Any, ...]:
        return shown(*history.restore(request))

    def act(state: ChatSession | None, event: gr.EventData, request: gr.Request) -> tuple[Any, ...]:
        return shown(*history.act(request, _current(state), event._data or {}))

    saved.click(act, inputs=[session], outputs=outputs, show_progress="hidden", **PRIVATE)

    def open_document(event: gr.EventData) -> str:
        return chat.open_document(event._data or {})

    sources.click(open_document, outputs=[viewer], show_progress="hidden", **PRIVATE)

    def reset(request: gr.Request) -> tuple[Any, ...]:
        fresh = ChatSession()
        view = ChatView.of(fresh)
        listing = history.listing(history.owner(request), fresh.session_id)
        return view.conversation, view.sources, fresh, "", gr.update(visible=True), listing

    new_chat.click(reset, outputs=outputs, show_progress="hidden", **PRIVATE)
    return ChatTab(scope, restore, outputs)


def _current(state: ChatSession | None) -> ChatSession:
    """The session state is None until the page's load has restored one (an event may come first)."""
    return state if state is not None else ChatSession()
