"""Typed records of the answer layer; `Answer.to_dict()` is the JSON contract in DESIGN.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with what a citation needs to show it."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    speaker: str
    date: str
    section: str  # section path, "三、强化“两个保障” > 一是经费保障"
    text: str
    start: int
    end: int
    score: float = 0.0
    section_id: str | None = None
    position: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("section_id")
        data.pop("position")
        data.pop("chunk_id")
        return data


@dataclass(frozen=True)
class Citation:
    n: int
    passage: Passage
    sentence: str = ""  # the cited sentence inside the passage (what the UI highlights)

    def to_dict(self) -> dict[str, Any]:
        data = self.passage.to_dict()
        data.pop("score")
        data["n"] = self.n
        data["sentence"] = self.sentence
        return {"n": self.n, **{k: v for k, v in data.items() if k != "n"}}


@dataclass(frozen=True)
class AnswerItem:
    """One item of a list or formulation an answer enumerates, in order: what "第二个" in the
    next question refers to."""

    label: str
    doc_id: str
    start: int  # offset of the item in the speech's text
    section_id: str | None = None


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    answerable: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    mode: str = "extractive"  # "extractive" | "generative"
    notice: str = ""  # e.g. why it was refused, or that a list is incomplete
    items: list[AnswerItem] = field(default_factory=list)  # the enumerated items, for follow-ups

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "answerable": self.answerable,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "mode": self.mode,
            "notice": self.notice,
        }
