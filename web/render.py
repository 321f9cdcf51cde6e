"""HTML for the chat: the conversation, the sources panel and the full-speech viewer.

Every piece of text (questions, answers, speech text, titles) goes through `esc()`: the pages set it
with innerHTML, so a `<script>` or `<img onerror>` in a question or a speech must arrive as text.
The only markup is what this module writes; `[n]` marks become buttons after escaping.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence

from assistant.records import Answer, Citation, Passage
from ingest.records import Document
from web.session import ChatSession, ChatTurn
from web.sources_text import sources_footer
from web.templates import render

# An inline icon, not an emoji: intranet PCs often lack a colour emoji font.
_THUMB = (
    '<svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true"><path fill="currentColor" '
    'd="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 1.5 0 0 0-.4-1L13.2 1 6.6 7.6A2 2 0 0 0 6 9v10a2 2 '
    '0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z"/></svg>'
)
MAX_SOURCE_TURNS = 10  # the sources panel keeps the last N answers (older [n] marks then do nothing)
_MARK_RE = re.compile(r"\[(\d{1,3})\]")
NOTICES = {
    "incomplete": "讲话中只列出了其中一部分内容，回答可能不完整。",
    "llm_unavailable": "生成模型暂时不可用，以下内容直接摘自讲话原文。",
}
WELCOME = (
    "您好！我可以回答关于已收录讲话的问题。回答中的 <b>[1]</b> <b>[2]</b> 等标记可以点击，"
    "右侧会显示讲话原文出处。"
)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def multiline(text: str) -> str:
    return esc(text).replace("\n", "<br>")


def shown_question(question: str, limit: int = 600) -> str:
    """A very long question (a pasted document) is shown cut, with its length."""
    return question if len(question) <= limit else f"{question[:limit]}…（共 {len(question)} 字）"


# --- the conversation ---------------------------------------------------------------------------


def render_conversation(session: ChatSession) -> str:
    if not session.turns:
        return f'<div class="qa-conv"><div class="qa-welcome">{WELCOME}</div></div>'
    turns = "".join(_turn_html(index, turn) for index, turn in session.numbered())
    return f'<div class="qa-conv">{render("conversation_tools.html")}{turns}</div>'


def _turn_html(index: int, turn: ChatTurn) -> str:
    user = f'<div class="qa-msg qa-user"><div class="qa-bubble">{multiline(shown_question(turn.question))}</div></div>'
    return f'<div class="qa-turn" data-turn="{index}">{user}{_reply_html(index, turn)}</div>'


def _reply_html(index: int, turn: ChatTurn) -> str:
    if turn.error:
        body = f'<div class="qa-bubble"><span class="qa-tag">出错了</span>{multiline(turn.error)}</div>'
        return f'<div class="qa-msg qa-bot qa-error">{body}</div>'
    if turn.answer is None:
        text = multiline(turn.partial) if turn.partial else '<span class="qa-typing">正在查找讲话原文…</span>'
        return f'<div class="qa-msg qa-bot qa-pending"><div class="qa-bubble">{text}</div></div>'
    answer = turn.answer
    if not answer.answerable:
        body = (
            '<span class="qa-tag">未找到答案</span>'
            f"{multiline(answer.answer)}"
            '<div class="qa-hint">右侧“相关内容”列出了最接近的讲话段落，可帮助您换个问法。</div>'
        )
        kind = "qa-refusal"
    else:
        body = answer_html(answer, index)
        kind = "qa-answer"
    notice = NOTICES.get(answer.notice, "")
    if notice:
        body += f'<div class="qa-notice">{esc(notice)}</div>'
    tools = answer_tools(index, answer, NOTICES.get(answer.notice, ""))
    return f'<div class="qa-msg qa-bot {kind}"><div class="qa-bubble">{body}</div>{tools}{_votes(index, turn)}</div>'


def answer_html(answer: Answer, turn: int) -> str:
    """The answer text with each `[n]` that has a citation turned into a button."""
    cited = {c.n: c for c in answer.citations}

    def mark(match: re.Match[str]) -> str:
        citation = cited.get(int(match.group(1)))
        if citation is None:
            return match.group(0)
        label = esc(f"查看出处 {citation.n}：{_title(citation.passage)}")
        return (
            f'<button type="button" class="qa-cite" data-turn="{turn}" data-n="{citation.n}" '
            f'title="{label}" aria-label="{label}">[{citation.n}]</button>'
        )

    return _MARK_RE.sub(mark, multiline(answer.answer))


def answer_tools(turn: int, answer: Answer, notice: str) -> str:
    """Copy and export buttons; the export data is the answer JSON that POST /api/export takes."""
    exported = answer.to_dict()
    exported.pop("passages")
    exported["notice"] = notice
    exported["question"] = shown_question(answer.question)
    return render(
        "answer_tools.html",
        turn=turn,
        text=answer.answer,
        with_sources=answer.answer + sources_footer(answer),
        export_json=json.dumps(exported, ensure_ascii=False),
    )


def _votes(index: int, turn: ChatTurn) -> str:
    if turn.feedback:
        thanks = "感谢反馈！" if turn.feedback == "up" else "感谢反馈，我们会改进。"
        return f'<div class="qa-votes qa-voted" data-voted="{esc(turn.feedback)}">{thanks}</div>'
    buttons = "".join(
        f'<button type="button" class="qa-vote" data-feedback="{rating}" data-turn="{index}" '
        f'title="{label}">{icon}<span>{label}</span></button>'
        for rating, icon, label in (("up", _THUMB, "有帮助"), ("down", _THUMB, "没帮助"))
    )
    return f'<div class="qa-votes"><span class="qa-votes-q">回答有帮助吗？</span>{buttons}</div>'


# --- the sources panel --------------------------------------------------------------------------


def render_sources(session: ChatSession) -> str:
    answered = [(i, t) for i, t in session.numbered() if t.answer is not None][-MAX_SOURCE_TURNS:]
    if not answered:
        return (
            '<div class="qa-sources"><div class="qa-src-empty">'
            "<b>出处</b><p>提问后，这里会列出回答所依据的讲话原文：讲话标题、讲话人、日期、所在章节，"
            "被引用的句子会高亮显示。</p></div></div>"
        )
    latest = answered[-1][0]
    sections = "".join(_turn_sources(i, t.answer, i == latest) for i, t in answered if t.answer)
    return f'<div class="qa-sources">{sections}</div>'


def _turn_sources(index: int, answer: Answer, visible: bool) -> str:
    hidden = "" if visible else " hidden"
    head = f'<div class="qa-src-question">问：{esc(shown_question(answer.question, 120))}</div>'
    if answer.answerable and answer.citations:
        cards = "".join(
            source_card(c.passage, index, n=c.n, sentence=c.sentence)
            for c in sorted(answer.citations, key=lambda c: c.n)
        )
        body = f'<h3 class="qa-src-title">出处（{len(answer.citations)}）</h3>{cards}'
        others = _uncited(answer.passages, answer.citations)
        if others:
            more = "".join(source_card(p, index) for p in others)
            body += (
                f'<details class="qa-more"><summary>其他相关段落（{len(others)}）</summary>{more}</details>'
            )
    else:
        cards = "".join(source_card(p, index) for p in answer.passages)
        body = (
            '<div class="qa-src-refusal">讲话中没有直接回答这个问题。</div>'
            f'<h3 class="qa-src-title">相关内容（{len(answer.passages)}）</h3>'
            + (cards or '<p class="qa-src-none">没有找到相关段落。</p>')
        )
    return f'<section class="qa-src-turn" data-turn="{index}"{hidden}>{head}{body}</section>'


def _uncited(passages: Sequence[Passage], citations: Iterable[Citation]) -> list[Passage]:
    cited = {(c.passage.doc_id, c.passage.start, c.passage.end) for c in citations}
    return [p for p in passages if (p.doc_id, p.start, p.end) not in cited]


def source_card(passage: Passage, turn: int, *, n: int | None = None, sentence: str = "") -> str:
    number = f'<span class="qa-card-n">[{n}]</span>' if n is not None else ""
    card_id = f' id="qa-src-{turn}-{n}"' if n is not None else ""
    meta = " · ".join(esc(x) for x in (passage.speaker, passage.date) if x)
    section = f'<div class="qa-card-section">{esc(passage.section)}</div>' if passage.section else ""
    found = passage.text.find(sentence) if sentence else -1
    if found >= 0:
        text = (
            esc(passage.text[:found])
            + f'<mark class="qa-hl">{esc(sentence)}</mark>'
            + esc(passage.text[found + len(sentence) :])
        )
    else:
        text = esc(passage.text)
    hl_start, hl_end = (
        (passage.start + found, passage.start + found + len(sentence)) if found >= 0 else (-1, -1)
    )
    return (
        f'<article class="qa-card"{card_id} data-doc-id="{esc(passage.doc_id)}">'
        f'<div class="qa-card-head">{number}<span class="qa-card-title">{esc(_title(passage))}</span></div>'
        + (f'<div class="qa-card-meta">{meta}</div>' if meta else "")
        + f'{section}<div class="qa-card-text">{text}</div>'
        f'<button type="button" class="qa-open-doc" data-doc-id="{esc(passage.doc_id)}" '
        f'data-start="{passage.start}" data-end="{passage.end}" data-hl-start="{hl_start}" '
        f'data-hl-end="{hl_end}">查看原文</button></article>'
    )


def _title(passage: Passage) -> str:
    return speech_title(passage.title, passage.source)


def speech_title(title: str, source: str) -> str:
    """《title》; an untitled speech (the ingest layer writes "（无标题）…") is named as it is."""
    if not title:
        return f"（无标题）{source}"
    return title if title.startswith("（") else f"《{title}》"


# --- the full speech ----------------------------------------------------------------------------


def render_document(doc: Document, start: int, end: int, hl_start: int = -1, hl_end: int = -1) -> str:
    """The whole cleaned speech in an overlay, [start, end) marked and the cited sentence inside it
    marked more strongly; `#qa-viewer-hit` is what the page scrolls to."""
    text = doc.text
    start, end = _clamp(start, len(text)), _clamp(end, len(text))
    if end <= start:
        start, end = _clamp(hl_start, len(text)), _clamp(hl_end, len(text))
    if not start <= hl_start < hl_end <= end:
        hl_start = hl_end = -1
    body = (
        esc(text[:start])
        + '<mark class="qa-passage" id="qa-viewer-hit">'
        + (
            esc(text[start:hl_start]) + f'<mark class="qa-hl">{esc(text[hl_start:hl_end])}</mark>'
            + esc(text[hl_end:end])
            if hl_start >= 0
            else esc(text[start:end])
        )
        + "</mark>"
        + esc(text[end:])
    )  # fmt: skip
    meta = " · ".join(esc(x) for x in (doc.speaker, doc.date, doc.source) if x)
    title = esc(speech_title(doc.title, doc.source))
    return (
        '<div class="qa-viewer" role="dialog" aria-modal="true" aria-label="讲话原文">'
        '<div class="qa-viewer-box"><div class="qa-viewer-head">'
        f'<div><div class="qa-viewer-title">{title}</div><div class="qa-viewer-meta">{meta}</div></div>'
        '<button type="button" class="qa-viewer-close" data-close="1" aria-label="关闭原文">关闭 ✕</button>'
        f'</div><div class="qa-viewer-body">{body}</div></div></div>'
    )


def render_viewer_error(message: str) -> str:
    return (
        '<div class="qa-viewer" role="dialog" aria-modal="true"><div class="qa-viewer-box">'
        '<div class="qa-viewer-head"><div class="qa-viewer-title">无法打开原文</div>'
        '<button type="button" class="qa-viewer-close" data-close="1">关闭 ✕</button></div>'
        f'<div class="qa-viewer-body">{esc(message)}</div></div></div>'
    )


def _clamp(offset: int, size: int) -> int:
    return max(0, min(int(offset), size))
