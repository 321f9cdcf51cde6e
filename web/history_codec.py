"""A conversation as JSON and back, for the history store (web/history.py).

`Answer.to_dict()` is the public contract and leaves out what only follow-ups need (the enumerated
items, a passage's section id and position); a reopened conversation must still resolve "第二个具体怎么做？"
against its earlier turns, so the stored form keeps every field of the records.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from assistant.records import Answer, AnswerItem, Citation, Passage
from web.session import ChatSession, ChatTurn

FORMAT = 1


def session_to_dict(session: ChatSession) -> dict[str, Any]:
    """Finished turns only: a turn still waiting for its answer is not history yet."""
    return {
        "format": FORMAT,
        "id": session.session_id,
        "name": session.name,
        "first_index": session.first_index,
        "turns": [_turn_to_dict(t) for t in session.turns if not t.pending],
    }


def session_from_dict(data: dict[str, Any]) -> ChatSession:
    """Raises ValueError (or KeyError/TypeError) on a malformed record."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown conversation format {data.get('format')!r}")
    return ChatSession(
        session_id=str(data["id"]),
        turns=[_turn_from_dict(t) for t in data["turns"]],
        first_index=int(data.get("first_index", 0)),
        name=str(data.get("name", "")),
    )


def _turn_to_dict(turn: ChatTurn) -> dict[str, Any]:
    return {
        "question": turn.question,
        "answer": None if turn.answer is None else asdict(turn.answer),
        "error": turn.error,
        "feedback": turn.feedback,
        "comment": turn.comment,
        "suggestions": turn.suggestions,
    }


def _turn_from_dict(data: dict[str, Any]) -> ChatTurn:
    answer = data.get("answer")
    return ChatTurn(
        question=str(data["question"]),
        answer=None if answer is None else answer_from_dict(answer),
        error=str(data.get("error", "")),
        feedback=str(data.get("feedback", "")),
        comment=str(data.get("comment", "")),
        suggestions=[str(q) for q in data.get("suggestions", [])],
    )


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """The inverse of `dataclasses.asdict(answer)`; fields a later version added are ignored."""
    values = _known(Answer, data)
    values["citations"] = [
        Citation(**{**_known(Citation, c), "passage": Passage(**_known(Passage, c["passage"]))})
        for c in data.get("citations", [])
    ]
    values["passages"] = [Passage(**_known(Passage, p)) for p in data.get("passages", [])]
    values["items"] = [AnswerItem(**_known(AnswerItem, i)) for i in data.get("items", [])]
    return Answer(**values)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}
