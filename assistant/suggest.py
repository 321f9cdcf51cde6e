"""Follow-up questions to offer under an answer, drawn from the speeches' structure, not from the words.

Three kinds, each written in a shape the assistant answers on its own (no earlier turn needed, measured on
the sample speeches in tests/integration/test_browser_suggest.py):
- the items of a formulation the answer listed (or the other items, when it answered one of them) that
  have a section of their own: "“两个保障”中的教师保障具体怎么做？"; an item that is itself a formulation (12881's 八项工程) is asked for
  as one: "“八项工程”是什么？";
- the next part of the outline after the part the answer cites: "杨生俊的讲话第三部分讲了什么？";
- the same formulation in other speeches: "各篇讲话里的“四有”分别指什么？", or the cited item's topic across
  speeches: "各篇讲话对教师保障分别怎么要求？".
Nothing here changes an answer; a question already asked in the conversation is not offered again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.corpus import Corpus
from assistant.records import Answer
from core.numerals import to_chinese
from core.records import Document, Formulation, FormulationItem

MAX_SUGGESTIONS = 3
MAX_LABEL_CHARS = 16  # longer item names make questions nobody would type
MAX_TOPIC_CHARS = 8  # a sub-section title short enough to be a topic, not a sentence
UNTITLED = "（无标题）"


@dataclass(frozen=True)
class _Listed:
    """A formulation the answer is about, and which of its items the answer dwelt on (none: all)."""

    doc: Document
    formulation: Formulation
    focus: frozenset[int]  # starts of the items the answer is about; empty when it listed them all


def suggest(answer: Answer, corpus: Corpus, asked: Iterable[str] = ()) -> list[str]:
    """Up to MAX_SUGGESTIONS questions, one of each kind first."""
    if not answer.answerable or not answer.citations:
        return []
    listed = _listed(answer, corpus)
    kinds = [_items(listed, corpus), _next_part(answer, corpus), _elsewhere(answer, listed, corpus)]
    seen = {_fold(q) for q in [answer.question, *asked]}
    out: list[str] = []
    for rank in range(MAX_SUGGESTIONS):
        for kind in kinds:
            if rank < len(kind) and _fold(kind[rank]) not in seen and len(out) < MAX_SUGGESTIONS:
                seen.add(_fold(kind[rank]))
                out.append(kind[rank])
    return out


def _listed(answer: Answer, corpus: Corpus) -> _Listed | None:
    """The formulation whose items the answer enumerated (in its first speech), else one item of which the
    answer names and cites (a follow-up answered from one item)."""
    first = answer.items[0].doc_id if answer.items else answer.citations[0].passage.doc_id
    starts = {i.start for i in answer.items if i.doc_id == first}
    spans = [(c.passage.doc_id, c.passage.start, c.passage.end) for c in answer.citations]
    focused: _Listed | None = None
    for doc_id, formulation in corpus.formulations:
        doc = corpus.documents.get(doc_id)
        if doc is None or len(formulation.items) < 2:
            continue
        own = {item.start for item in formulation.items}
        named = not starts and formulation.name in answer.question  # "四有是什么？" answered per speech
        if doc_id == first and ((starts and starts <= own) or named):
            return _Listed(doc, formulation, frozenset())
        hit = frozenset(
            i.start for i in formulation.items if i.label in answer.answer and _cited(doc_id, i, spans)
        )
        if focused is None and len(hit) == 1:
            focused = _Listed(doc, formulation, hit)
    return focused


def _cited(doc_id: str, item: FormulationItem, spans: Sequence[tuple[str, int, int]]) -> bool:
    return any(d == doc_id and start <= item.start < end for d, start, end in spans)


def _items(listed: _Listed | None, corpus: Corpus) -> list[str]:
    if listed is None:
        return []
    doc, formulation = listed.doc, listed.formulation
    nested = {f.name for d, f in corpus.formulations if d == doc.doc_id and f.items}
    out = []
    for item in formulation.items:
        if item.start in listed.focus or len(item.label) > MAX_LABEL_CHARS:
            continue
        if item.label in nested:
            out.append(f"“{item.label}”是什么？")
        elif item.section_id is not None:  # spelled out in a section of its own, not just named in a run
            out.append(f"“{formulation.name}”中的{item.label}具体怎么做？")
    return out


def _next_part(answer: Answer, corpus: Corpus) -> list[str]:
    passage = answer.citations[0].passage
    doc = corpus.documents.get(passage.doc_id)
    if doc is None:
        return []
    path = doc.section_path(passage.section_id)
    parts = [s for s in doc.sections if s.level == 1]
    if not path or path[0] not in parts:
        return []
    number = parts.index(path[0]) + 2  # the part after the cited one, counted from one
    if number > len(parts):
        return []
    part = f"第{to_chinese(number)}部分"
    if doc.speaker:
        return [f"{doc.speaker}的讲话{part}讲了什么？"]
    if doc.title and not doc.title.startswith(UNTITLED):
        return [f"{doc.title}的{part}有哪几条？"]
    return []


def _elsewhere(answer: Answer, listed: _Listed | None, corpus: Corpus) -> list[str]:
    if len({c.passage.doc_id for c in answer.citations}) > 1:
        return []  # the answer already spans speeches
    if listed is not None:
        name = listed.formulation.name
        speeches = {d for d, f in corpus.formulations if f.name == name}
        if len(speeches) > 1:
            return [f"各篇讲话里的“{name}”分别指什么？"]
        focus = [i.label for i in listed.formulation.items if i.start in listed.focus]
        if focus and len(focus[0]) <= MAX_LABEL_CHARS:
            return [f"各篇讲话对{focus[0]}分别怎么要求？"]
        return []
    # no formulation: the topic of the cited sub-section, when it is a short name ("经费保障")
    passage = answer.citations[0].passage
    doc = corpus.documents.get(passage.doc_id)
    leaf = doc.section(passage.section_id) if doc is not None else None
    if leaf is not None and leaf.level > 1 and 2 <= len(leaf.title) <= MAX_TOPIC_CHARS:
        return [f"各篇讲话对{leaf.title}分别怎么要求？"]
    return []


def _fold(question: str) -> str:
    return "".join(ch for ch in question if ch.isalnum())
