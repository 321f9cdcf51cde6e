"""What every answer JSON owes its reader, checked on the dict alone (in-process `Answer.to_dict()` or
the HTTP API's body), so load tests at both levels share one definition of "well-formed"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from core.records import Chunk

ANSWER_FIELDS = {"question", "answer", "answerable", "citations", "passages", "mode", "notice"}
PASSAGE_FIELDS = {"doc_id", "source", "title", "speaker", "date", "section", "text", "start", "end", "score"}
CITATION_FIELDS = (PASSAGE_FIELDS - {"score"}) | {"n", "sentence"}
_MARK_RE = re.compile(r"\[(\d+)\]")

Span = tuple[str, int, int, str]  # (doc_id, start, end, text): what identifies a cited passage


def problems(answer: Mapping[str, Any]) -> list[str]:
    """Everything wrong with one answer dict; [] when it is well-formed."""
    found: list[str] = []
    if set(answer) != ANSWER_FIELDS:
        return [f"fields {sorted(answer)}"]
    if not isinstance(answer["answer"], str) or not isinstance(answer["answerable"], bool):
        found.append("answer/answerable types")
    citations = answer["citations"]
    numbers = [c.get("n") for c in citations]
    if numbers != list(range(1, len(citations) + 1)):
        found.append(f"citations numbered {numbers}")
    marks = {int(n) for n in _MARK_RE.findall(str(answer["answer"]))}
    if not marks <= set(numbers):
        found.append(f"marks {sorted(marks)} without a citation")
    for item in citations:
        found += _passage_problems(item, CITATION_FIELDS)
    for item in answer["passages"]:
        found += _passage_problems(item, PASSAGE_FIELDS)
    if answer["answerable"] and not citations:
        found.append("answerable without a citation")
    if not answer["answerable"] and not answer["notice"]:
        found.append("refusal without a notice")
    return found


def _passage_problems(item: Mapping[str, Any], fields: set[str]) -> list[str]:
    if set(item) != fields:
        return [f"passage fields {sorted(item)}"]
    if not (
        isinstance(item["start"], int) and isinstance(item["end"], int) and 0 <= item["start"] <= item["end"]
    ):
        return [f"passage offsets {item['start']}..{item['end']}"]
    return []


def cited_spans(answer: Mapping[str, Any]) -> set[Span]:
    return {(c["doc_id"], c["start"], c["end"], c["text"]) for c in answer["citations"]}


def chunk_spans(chunks: Iterable[Chunk]) -> set[Span]:
    return {(c.doc_id, c.start, c.end, c.text) for c in chunks}
