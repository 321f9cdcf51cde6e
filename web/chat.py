"""What the chat tab does: stream an answer, take a vote, open a speech. No Gradio layout here."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assistant.corpus import Corpus
from assistant.records import Answer
from assistant.service import Turn
from assistant.suggest import suggest
from core.records import Document
from errors import DocumentNotFoundError, PolicyQAError
from web.feedback import RATINGS, FeedbackLog
from web.render import (
    COMMENT_CHARS,
    render_conversation,
    render_document,
    render_sources,
    render_viewer_error,
)
from web.session import ChatSession

log = logging.getLogger(__name__)

INTERNAL_ERROR = "抱歉，系统出现内部错误，请稍后再试。如果问题持续出现，请联系管理员。"


@dataclass(frozen=True)
class ChatView:
    """One refresh of the chat: the conversation and sources HTML, and the session behind them."""

    conversation: str
    sources: str | None  # None: leave the panel as it is (while an answer streams)
    session: ChatSession

    @classmethod
    def of(cls, session: ChatSession) -> ChatView:
        return cls(render_conversation(session), render_sources(session), session)


class Answering(Protocol):
    """What the chat needs of `assistant.service.PolicyAssistant`."""

    def stream(
        self,
        question: str,
        *,
        top_k: int = 5,
        doc_ids: Sequence[str] | None = None,
        history: Sequence[Turn] = (),
    ) -> Iterator[str | Answer]: ...

    def corpus(self) -> Corpus: ...


class ChatService:
    def __init__(
        self, assistant: Answering, feedback: FeedbackLog, *, top_k: int = 5, max_question_chars: int = 500
    ) -> None:
        self._assistant = assistant
        self._feedback = feedback
        self._top_k = top_k
        self.max_question_chars = max_question_chars

    def ask(self, question: str, doc_ids: Sequence[str] | None, session: ChatSession) -> Iterator[ChatView]:
        """Yield a view when the question appears, as the answer grows, and when it is final."""
        question = (question or "").strip()
        if not question:
            yield ChatView.of(session)
            return
        if len(question) > self.max_question_chars:  # the box stops at the limit; the queue API does not
            turn = session.add(question[: self.max_question_chars] + "…")
            turn.error = (
                f"问题太长（{len(question)} 个字），最多 {self.max_question_chars} 个字，请精简后再问。"
            )
            yield ChatView.of(session)
            return
        turn = session.add(question)
        history = session.history()
        yield ChatView.of(session)
        try:
            scope = self._known(doc_ids)
            for item in self._assistant.stream(question, top_k=self._top_k, doc_ids=scope, history=history):
                if isinstance(item, Answer):
                    turn.answer = item
                else:
                    turn.partial = item
                    yield ChatView(render_conversation(session), None, session)
        except PolicyQAError as exc:
            turn.error = exc.message
        except Exception:  # a bug: logged with its traceback, never shown in the chat
            log.exception("answering %r failed", question[:200])
            turn.error = INTERNAL_ERROR
        turn.suggestions = self._suggestions(turn.answer, session)
        yield ChatView.of(session)

    def _suggestions(self, answer: Answer | None, session: ChatSession) -> list[str]:
        """Follow-ups to offer under the answer; a failure here costs the offer, never the answer."""
        if answer is None:
            return []
        try:
            return suggest(answer, self._assistant.corpus(), [t.question for t in session.turns])
        except Exception:
            log.exception("suggesting follow-ups for %r failed", answer.question[:200])
            return []

    def _known(self, doc_ids: Sequence[str] | None) -> list[str] | None:
        """The filter without speeches deleted since the page loaded; an error if none is left."""
        if not doc_ids:
            return None
        known = [d for d in doc_ids if d in self._assistant.corpus().documents]
        if not known:
            raise DocumentNotFoundError(doc_ids[0])
        return known

    def speeches(self) -> dict[str, Document]:
        """Every speech in the index (the 提法库 reads their stored formulations and outlines)."""
        return self._assistant.corpus().documents

    def vote(self, session: ChatSession, data: dict[str, Any]) -> ChatView:
        """A 👍/👎 click (`data`: {"turn": int, "rating": "up"|"down"}) or a 👎's comment
        ({"action": "comment", "turn": int, "comment": str}). A vote may be changed: each change is a
        new line in the feedback log under the same answer id, and the log's latest() keeps the last."""
        try:
            index = int(data.get("turn", -1))
        except (TypeError, ValueError):
            index = -1
        turn = session.turn(index)
        if turn is None or turn.answer is None:
            return ChatView.of(session)
        if data.get("action") == "comment":
            rating, comment = turn.feedback, " ".join(str(data.get("comment", "")).split())[:COMMENT_CHARS]
            if rating != "down" or comment == turn.comment:
                return ChatView.of(session)
        else:
            rating, comment = str(data.get("rating", "")), ""
            if rating not in RATINGS or rating == turn.feedback:
                return ChatView.of(session)
        self._feedback.record(
            rating,
            turn.answer,
            session=session.session_id,
            comment=comment,
            answer_id=session.answer_id(index),
        )
        turn.feedback, turn.comment = rating, comment
        return ChatView.of(session)

    def open_document(self, data: dict[str, Any]) -> str:
        """The full-speech overlay for a "查看原文" click (`data`: doc_id, start, end, hl_start, hl_end)."""
        doc_id = str(data.get("doc_id", ""))
        try:
            doc = self._assistant.corpus().documents.get(doc_id)
            if doc is None:
                return render_viewer_error("这篇讲话已被删除或替换，请重新提问。")
            offsets = [int(data.get(k, -1)) for k in ("start", "end", "hl_start", "hl_end")]
        except PolicyQAError as exc:
            return render_viewer_error(exc.message)
        except (TypeError, ValueError):
            return render_viewer_error("链接无效。")
        return render_document(doc, *offsets)
