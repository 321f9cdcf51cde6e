"""A citation as one line of plain text: speech title, speaker, date and section. The same line in the
OpenAI API's content, the Markdown and Word exports and the chat's "copy with sources"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from assistant.records import Answer


def source_label(citation: Mapping[str, Any]) -> str:
    """《title》，speaker，date，section — the parts a citation has, in that order."""
    title = str(citation.get("title") or citation.get("source") or "").strip()
    if title and not title.startswith("《"):
        title = f"《{title}》"
    parts = [title, *(str(citation.get(k) or "").strip() for k in ("speaker", "date", "section"))]
    return "，".join(p for p in parts if p)


def sources_lines(citations: Iterable[Mapping[str, Any]]) -> list[str]:
    return [f"[{c.get('n')}] {source_label(c)}" for c in citations]


def sources_footer(answer: Answer) -> str:
    """ "\n\n来源：\n[1] …" for an answer with citations, else ""."""
    lines = sources_lines(c.to_dict() for c in answer.citations)
    return "\n\n来源：\n" + "\n".join(lines) if lines else ""
