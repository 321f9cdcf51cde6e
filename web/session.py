"""One browser session's conversation (kept in a gr.State, so sessions never share turns)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from assistant.records import Answer
from assistant.service import Turn

HISTORY_TURNS = 4  # earlier turns passed to the assistant: enough for "第二个具体怎么做？"
MAX_TURNS = 50  # older turns are dropped from the page (and from memory)


@dataclass
class ChatTurn:
    question: str
    answer: Answer | None = None
    partial: str = ""  # the answer text streamed so far
    error: str = ""  # a readable message when the question could not be answered
    feedback: str = ""  # "up" / "down" once the user voted (a later vote replaces it)
    comment: str = ""  # what the user wrote with a 👎
    suggestions: list[str] = field(default_factory=list)  # follow-up questions offered under the answer

    @property
    def pending(self) -> bool:
        return self.answer is None and not self.error


@dataclass
class ChatSession:
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    turns: list[ChatTurn] = field(default_factory=list)
    first_index: int = 0  # index of turns[0] since the session began (ids in the page stay stable)
    name: str = ""  # the name the user gave it in the history list ("" = its first question)

    def add(self, question: str) -> ChatTurn:
        turn = ChatTurn(question)
        self.turns.append(turn)
        if len(self.turns) > MAX_TURNS:
            dropped = len(self.turns) - MAX_TURNS
            del self.turns[:dropped]
            self.first_index += dropped
        return turn

    def numbered(self) -> list[tuple[int, ChatTurn]]:
        return [(self.first_index + i, turn) for i, turn in enumerate(self.turns)]

    def turn(self, index: int) -> ChatTurn | None:
        position = index - self.first_index
        return self.turns[position] if 0 <= position < len(self.turns) else None

    def answer_id(self, index: int) -> str:
        """The feedback log's key of turn `index`: a vote changed later replaces this one."""
        return f"{self.session_id}:{index}"

    def history(self) -> list[Turn]:
        """Answered turns before the current (last) one, oldest first."""
        answered = [Turn(t.question, t.answer) for t in self.turns[:-1] if t.answer is not None]
        return answered[-HISTORY_TURNS:]
