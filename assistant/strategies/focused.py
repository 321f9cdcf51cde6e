"""A follow-up about one item of the previous answer, asking for the item itself.

"第三个具体怎么做", "第二句话里有哪几件实事", "托幼一体化那块具体怎么推": the answer is what the item's
own passage says — the list it holds when it has one (its sub-headings, 一是…二是…), else its opening
sentences. A follow-up that asks something narrower inside the item ("第三句话里老师住房怎么解决")
is left to the fact strategy, which reads the item's passage first.
"""

from __future__ import annotations

from assistant import templates as T
from assistant.query import compact
from assistant.records import AnswerItem
from assistant.sentences import split_sentences
from assistant.strategies.base import Context, Draft
from assistant.strategies.common import clip, focus_region, heading_at, labelled, mark, take
from assistant.synonyms import FOLLOW_UP_WORDS
from assistant.topic import GENERIC
from assistant.weights import LIMITS
from core.normalize import fold_for_search
from core.numerals import count_word
from core.records import ListCandidate
from core.tokens import tokenize_query


class Focused:
    name = "focused"

    def answer(self, ctx: Context) -> Draft | None:
        region = focus_region(ctx)
        if region is None:
            return None
        doc_id, start, body_start, end = region
        doc = ctx.corpus.documents[doc_id]
        heading = doc.text[start:body_start] if body_start > start else doc.text[start : start + 60]
        inner = _inner_list(ctx, doc_id, start, end)
        if not (asks_whole_item(ctx.query.asked, heading) or (inner is not None and ctx.cues.listing)):
            return None
        cites = ctx.citations()
        if inner is not None:
            items = "；".join(labelled(cites, doc_id, item.start, item.label) for item in inner.items)
            head = clip(heading.strip().lstrip("#").strip(), 40) or clip(inner.head, 40)
            listed = [AnswerItem(i.label, doc_id, i.start, heading_at(doc, i.start)) for i in inner.items]
            text = T.LIST.format(head=head, n=count_word(len(inner.items)), items=items)
            return Draft(text, True, cites, items=listed)
        body = split_sentences(doc.text[body_start:end], body_start)
        picked = take(body, LIMITS.focus_chars, LIMITS.focus_sentences)
        if not picked:
            return None
        text = "".join(
            f"{clip(s.text, LIMITS.answer_chars)}{mark(cites, ctx.corpus, doc_id, s)}" for s in picked
        )
        label = ctx.query.item_label
        if label and compact(label) not in compact(text):  # say which item this is ("师资保障：…")
            text = f"{label}：{text}"
        return Draft(text, True, cites)


def _inner_list(ctx: Context, doc_id: str, start: int, end: int) -> ListCandidate | None:
    """The first list inside the item: its sub-sections, or an inline 一是…二是… run."""
    inside = [
        c
        for c in ctx.corpus.lists
        if c.doc_id == doc_id and c.kind != "root" and start <= c.start and c.end <= end and len(c.items) >= 2
    ]
    return min(inside, key=lambda c: (c.start, -(c.end - c.start)), default=None)


def asks_whole_item(asked: str, heading: str) -> bool:
    """The follow-up asks for the item as a whole: each of its words is a follow-up word
    ("具体怎么做") or already in the item's heading ("县中振兴工程具体咋搞")."""
    folded = fold_for_search(heading)
    words = [w for w in tokenize_query(asked) if not _asking(w)]
    return all(w in folded or all(ch in folded for ch in w) for w in words)


def _asking(word: str) -> bool:
    """A word that only asks ("具体", "任务", and compounds of them: "具体任务", "有啥要求")."""
    if word in FOLLOW_UP_WORDS or word in GENERIC:
        return True
    return any(_asking(word[:cut]) and _asking(word[cut:]) for cut in range(1, len(word)))
