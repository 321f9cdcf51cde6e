"""Citation check for both answer modes: a [n] stays only where passage n supports its sentence.

"Supports" = most of the sentence's content (character bigrams, after folding and dropping the
template's connective words) occurs in the passage. Extractive answers quote passages, so they
pass; a generative answer's marks are checked the same way, and a sentence left with no
supported mark is dropped.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.records import Citation
from core.normalize import fold_for_search

MARK_RE = re.compile(r"\[(\d{1,3})\]")
# A claim runs back to the previous sentence end or colon: "《讲话》：“两个保障”是指：一是经费保障[1]"
# is checked as "一是经费保障", not diluted by the label in front of it.
_SEGMENT_RE = re.compile(r"[^。；！？：\n]*?(?:\[\d{1,3}\])+[。；！？：]?|[^。；！？：\n]+[。；！？：]?|\n")
_NOISE_RE = re.compile(
    r"[\s，。、；：:！？!?“”\"'‘’（）()《》…—\-]|是指|一是|二是|三是|四是|五是|六是|七是|八是|九是|十是"
)
SUPPORT = 0.5


def bigrams(text: str) -> set[str]:
    folded = _NOISE_RE.sub("", fold_for_search(MARK_RE.sub("", text)))
    return {folded[i : i + 2] for i in range(len(folded) - 1)}


def supports(passage_text: str, claim: str) -> bool:
    grams = bigrams(claim)
    if not grams:
        return True  # nothing to check (e.g. a bare label)
    haystack = re.sub(r"\s+", "", fold_for_search(passage_text))  # "2023 年 4 月" reads as "2023年4月"
    found = sum(1 for g in grams if g in haystack)
    return found / len(grams) >= SUPPORT


_MARKS_AFTER_STOP_RE = re.compile(r"([。；！？])((?:\[\d{1,3}\])+)")


def verify(answer: str, citations: list[Citation], *, drop_unsupported: bool) -> tuple[str, list[Citation]]:
    """Remove marks that do not point at a supporting passage; renumber what remains 1..m."""
    # "…。[1]" and "…[1]。" mean the same; one form lets every mark be checked against its sentence.
    answer = _MARKS_AFTER_STOP_RE.sub(r"\2\1", answer)
    by_n = {c.n: c for c in citations}
    kept_text: list[str] = []
    for segment in _SEGMENT_RE.findall(answer):
        marks = [int(n) for n in MARK_RE.findall(segment)]
        if not marks:
            kept_text.append(segment)
            continue
        claim = MARK_RE.sub("", segment)
        good = [n for n in marks if n in by_n and supports(by_n[n].passage.text, claim)]
        if drop_unsupported and not bigrams(claim):
            good = []  # model text with no content ("”或“……[2]") cites nothing
        if not good and drop_unsupported:
            continue
        kept_text.append(claim.rstrip("。；！？：") + "".join(f"[{n}]" for n in good) + _tail(segment))
    # a dropped sentence may leave an empty line behind
    return _renumber(re.sub(r"\n\s*\n+", "\n", "".join(kept_text)).strip(), by_n)


def _tail(segment: str) -> str:
    stripped = segment.rstrip()
    return stripped[-1] if stripped and stripped[-1] in "。；！？：" else ""


def _renumber(text: str, by_n: dict[int, Citation]) -> tuple[str, list[Citation]]:
    order: dict[int, int] = {}
    for n in (int(m) for m in MARK_RE.findall(text)):
        order.setdefault(n, len(order) + 1)
    renumbered = MARK_RE.sub(lambda m: f"[{order[int(m.group(1))]}]", text)
    citations = [replace(by_n[old], n=new) for old, new in order.items()]
    return renumbered, citations


def marked_claims(answer: str) -> list[tuple[str, int]]:
    """(claim, n) for every mark, claims cut exactly as `verify` cuts them (shared with tests and eval)."""
    answer = _MARKS_AFTER_STOP_RE.sub(r"\2\1", answer)
    out: list[tuple[str, int]] = []
    for segment in _SEGMENT_RE.findall(answer):
        claim = MARK_RE.sub("", segment)
        out.extend((claim, int(n)) for n in MARK_RE.findall(segment))
    return out
