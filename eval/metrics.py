"""Scoring one answer against a gold record (shared by `make eval` and `make bench`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_WS = re.compile(r"\s+")
_MARK = re.compile(r"\[\d+\]")


def squash(text: str) -> str:
    return _WS.sub("", text.replace("**", ""))


def recall_at(gold: list[dict[str, Any]], passages: list[str], k: int) -> float | None:
    """Share of gold quotes contained in one of the top-k passages (None: no gold)."""
    if not gold:
        return None
    top = [squash(p) for p in passages[:k]]
    found = sum(1 for g in gold if any(squash(g["quote"]) in p for p in top))
    return found / len(gold)


def reciprocal_rank(gold: list[dict[str, Any]], passages: list[str]) -> float | None:
    if not gold:
        return None
    quotes = [squash(g["quote"]) for g in gold]
    for rank, passage in enumerate(passages, 1):
        if any(q in squash(passage) for q in quotes):
            return 1.0 / rank
    return 0.0


def key_coverage(keys: list[str], answer: str) -> float | None:
    if not keys:
        return None
    text = squash(answer)
    return sum(1 for k in keys if squash(k) in text) / len(keys)


def answer_length(answer: str) -> int:
    return len(squash(_MARK.sub("", answer)))


@dataclass
class Scored:
    id: str
    shape: str
    answerable: bool
    refused: bool
    recall5: float | None
    recall: dict[int, float | None]
    rr: float | None
    coverage: float | None
    length: int
    latency_ms: float
    marks_ok: bool
    trap: str = ""
    stated_forbidden: bool = False  # the answer states an item of a formulation the speeches lack


def states_any(forbidden: list[str], answer: str, answerable: bool) -> bool:
    """An answer given as answerable that contains one of the forbidden item names: the items
    of another formulation, stated for one the speeches do not contain. A refusal that names the
    closest real formulations is fine."""
    if not answerable:
        return False
    text = squash(answer)
    return any(squash(f) in text for f in forbidden)
