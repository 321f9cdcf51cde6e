"""HTML for the chat: the conversation, the sources panel and the full-speech viewer.

The markup is in web/templates/ (conversation.html, sources.html, document.html, parts.html), rendered with
autoescape: the pages set it with innerHTML, so a `<script>` or `<img onerror>` in a question or a speech
must arrive as text, and it does without any escaping here. This module only chooses what to show.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from markupsafe import Markup

from assistant.records import Answer, Citation, Passage
from core.records import Document
from web.answer_layout import answer_blocks
from web.pages import environment, render
from web.session import ChatSession
from web.sources_text import sources_footer

COMMENT_CHARS = 500  # a 👎's comment: the box stops there, the server cuts there
MAX_SOURCE_TURNS = 10  # the sources panel keeps the last N answers (older [n] marks then do nothing)
NOTICES = {
    "incomplete": "讲话中只列出了其中一部分内容，回答可能不完整。",
    "llm_unavailable": "生成模型暂时不可用，以下内容直接摘自讲话原文。",
}


def shown_question(question: str, limit: int = 600) -> str:
    """A very long question (a pasted document) is shown cut, with its length."""
    return question if len(question) <= limit else f"{question[:limit]}…（共 {len(question)} 字）"


def _helpers() -> dict[str, object]:
    return {
        "shown_question": shown_question,
        "answer_blocks": answer_blocks,
        "tip_meta": tip_meta,
        "comment_chars": COMMENT_CHARS,
        "passage_title": _title,
        "notices": NOTICES,
        "answer_tools": answer_tools,
    }


# --- the conversation ---------------------------------------------------------------------------


def render_conversation(session: ChatSession) -> str:
    return render("conversation.html", turns=list(session.numbered()), **_helpers())


def tip_meta(citation: Citation) -> str:
    """The line under a mark's preview: 《title》 · speaker · section."""
    passage = citation.passage
    return " · ".join(x for x in (_title(passage), passage.speaker, passage.section) if x)


def answer_html(answer: Answer, turn: int) -> str:
    """The answer text with each `[n]` that has a citation turned into a button."""
    return render_macro("answer_text", answer, turn)


def answer_tools(turn: int, answer: Answer, notice: str) -> Markup:
    """Copy and export buttons (answer_tools.html); the export data is the answer JSON that
    POST /api/export takes."""
    exported = answer.to_dict()
    exported.pop("passages")
    exported["notice"] = notice
    exported["question"] = shown_question(answer.question)
    return Markup(
        render(
            "answer_tools.html",
            turn=turn,
            text=answer.answer,
            with_sources=answer.answer + sources_footer(answer),
            export_json=json.dumps(exported, ensure_ascii=False),
        )
    )


def render_macro(name: str, *args: object) -> str:
    """One macro of parts.html on its own (an answer's text, one source card)."""
    template = environment().get_template("parts.html")
    module = template.make_module(vars=_helpers())
    return str(getattr(module, name)(*args))


# --- the sources panel --------------------------------------------------------------------------


def render_sources(session: ChatSession) -> str:
    answered = [(i, t.answer) for i, t in session.numbered() if t.answer is not None][-MAX_SOURCE_TURNS:]
    rows = [(i, answer, _uncited(answer.passages, answer.citations)) for i, answer in answered]
    latest = answered[-1][0] if answered else -1
    return render("sources.html", answered=rows, latest=latest, **_helpers())


def _uncited(passages: Sequence[Passage], citations: Iterable[Citation]) -> list[Passage]:
    cited = {(c.passage.doc_id, c.passage.start, c.passage.end) for c in citations}
    return [p for p in passages if (p.doc_id, p.start, p.end) not in cited]


def source_card(passage: Passage, turn: int, *, n: int | None = None, sentence: str = "") -> str:
    return render_macro("source_card", passage, turn, n, sentence)


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
    return render(
        "document.html",
        text=text,
        start=start,
        end=end,
        hl_start=hl_start,
        hl_end=hl_end,
        title=speech_title(doc.title, doc.source),
        meta=" · ".join(x for x in (doc.speaker, doc.date, doc.source) if x),
    )


def render_viewer_error(message: str) -> str:
    return render("viewer_error.html", message=message)


def _clamp(offset: int, size: int) -> int:
    return max(0, min(int(offset), size))
