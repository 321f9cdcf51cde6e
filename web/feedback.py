"""Thumbs up/down on an answer, appended as one JSON line per vote to the data dir's feedback log.

A vote may carry a comment and may be changed: each change is a new line with the same `answer_id`,
and `latest()` keeps the last line per answer, so the log stays append-only (no rewrite races).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from assistant.records import Answer

Rating = Literal["up", "down"]
RATINGS: frozenset[str] = frozenset({"up", "down"})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackLog:
    """Append-only JSON lines; one lock per log so concurrent votes never interleave within a line."""

    def __init__(self, path: Path, *, clock: Callable[[], str] = _now) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()

    def record(
        self,
        rating: str,
        answer: Answer,
        *,
        session: str = "",
        comment: str = "",
        answer_id: str = "",
    ) -> dict[str, Any]:
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {sorted(RATINGS)}")
        entry = {
            "timestamp": self._clock(),
            "rating": rating,
            "session": session,
            "answer_id": answer_id,
            "comment": comment.strip(),
            "question": answer.question,
            "answer": answer.answer,
            "answerable": answer.answerable,
            "mode": answer.mode,
            "citations": [c.to_dict() for c in answer.citations],
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
        return entry

    def read(self) -> list[dict[str, Any]]:
        """Every entry so far (tests and reporting)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def latest(self) -> list[dict[str, Any]]:
        """One entry per answer: the last vote wins (entries without an answer_id stay as they are)."""
        by_answer: dict[str, dict[str, Any]] = {}
        loose: list[dict[str, Any]] = []
        for entry in self.read():
            key = entry.get("answer_id") or ""
            if key:
                by_answer.pop(key, None)  # re-insert so the order is that of the last vote
                by_answer[key] = entry
            else:
                loose.append(entry)
        return loose + list(by_answer.values())
