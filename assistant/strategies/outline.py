"""A list (分几个部分, 第三部分有哪几条, 哪几个“到位”) → the best-matching list of the outline, whole."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant import templates as T
from assistant.citing import Citations, speech_label
from assistant.corpus import Corpus
from assistant.query import Query, list_head
from assistant.records import AnswerItem
from assistant.retriever import Ranked
from assistant.sentences import coverage, split_sentences
from assistant.strategies.base import Context, Draft
from assistant.strategies.common import clip, heading_at, labelled, mark, take
from assistant.synonyms import FOLLOW_UP_WORDS
from assistant.weights import LIMITS, LIST, THRESHOLDS
from core.normalize import fold_for_search
from core.numerals import CN_COUNT, count_word, to_chinese
from core.records import Document, ListCandidate

# "三点", "几层", "几项": how many, not what about
_COUNTED = re.compile(rf"^[{CN_COUNT}几]+[点项条层块件]")
# Words that ask for a list or name the speech, not what the list is about.
_LIST_WORDS = frozenset(
    [
        "部分",
        "方面",
        "几个",
        "几点",
        "意见",
        "各讲",
        "讲了",
        "主要",
        "内容",
        "结构",
        "提纲",
        "框架",
        "层次",
        "分为",
        "分成",
        "年市",
        "会上",
        "会议",
        "讲话",
        "几块",
        "大块",
        # what a speech's points are called when the question names only the speech ("唐书记提了哪几点
        # 要求", "吴副区长部署了哪几项工作"): its outline, not a list about 要求 or 工作
        "要求",
        "部署",
        "工作",
        "提了",
        "提出",
        "几项",
        "安排",
        "报告",
        "议了",
        "议题",
        "几件事",
        # when, not what: "茶岭县教育现在有哪些问题" asks for the list of problems
        "现在",
        "目前",
        "当前",
        "如今",
        "眼下",
    ]
)


class Outline:
    name = "outline"

    def answer(self, ctx: Context) -> Draft | None:
        query, corpus = ctx.query, ctx.corpus
        cues = ctx.cues
        if not (query.shape == "outline" or (cues.listing and (cues.item_count or not cues.quantity))):
            return None
        if query.part is not None:
            missing = _missing_part(query, corpus)
            if missing is not None:
                return missing
        scored = sorted(
            ((score_list(c, ctx), c) for c in _candidates(query, corpus, ctx.ranked)),
            key=lambda x: x[0],
            reverse=True,
        )
        if not scored or scored[0][0] < THRESHOLDS.list_score:
            return _part_body(query, corpus) if query.part is not None else None
        best = scored[0][1]
        cites = ctx.citations()
        doc = corpus.documents[best.doc_id]
        chosen = [best.items[i - 1] for i in query.ordinals if 1 <= i <= len(best.items)] or list(best.items)
        items = "；".join(labelled(cites, doc.doc_id, item.start, item.label) for item in chosen)
        n = count_word(len(best.items))
        if best.kind == "root":
            text = T.OUTLINE.format(speech=speech_label(corpus, best.doc_id), n=n, items=items)
        else:
            text = T.LIST.format(head=_list_head(doc, best), n=n, items=items)
        bodiless = [i.label for i in best.items if _has_no_body(doc, i.start)]
        notice = T.NOTICE_INCOMPLETE if bodiless and len(bodiless) == len(best.items) else ""
        listed = [AnswerItem(i.label, best.doc_id, i.start, heading_at(doc, i.start)) for i in chosen]
        return Draft(text, True, cites, notice, items=listed)


def score_list(cand: ListCandidate, ctx: Context) -> float:
    """How well a list answers the question. The question describes the list's parent
    ("推动基础教育优质均衡发展要加快推进哪几方面") and asks for its items, so the heading weighs most;
    words that only name the speech (its title, speaker) are left to the speech filter."""
    query, corpus, idf = ctx.query, ctx.corpus, ctx.idf
    doc = corpus.documents[cand.doc_id]
    naming = fold_for_search(
        f"{doc.title} {doc.speaker} {doc.speaker_post} {doc.meeting} {doc.publisher} {doc.date}"
    )
    # a place or body the speech speaks of ("嵩平县…的框架") scopes the speech, not the list
    places = {t.word for t in ctx.terms if t.named and ctx.speaks_of(cand.doc_id, t.word)}
    # one character ("分" of 分几部分) matches any heading ("充分肯定"): no evidence for a list
    tokens = [
        t
        for t in ctx.tokens
        if t not in naming
        and t not in places
        and t not in _LIST_WORDS
        and t not in FOLLOW_UP_WORDS  # "还有哪些问题": 还有 asks, it describes no list
        and len(t) >= 2
        and not _COUNTED.match(t)
        and t not in ctx.cues.markers
    ]
    items = " ".join(i.label for i in cand.items)
    if tokens:
        combined = coverage(tokens, f"{cand.head} {items}", idf)
        # Mostly the heading; but a word every item carries ("哪五个“到位”") describes the list too.
        score = max(
            LIST.head * coverage(tokens, cand.head, idf) + LIST.combined * combined,
            LIST.items_only * combined,
        )
    elif not query.doc_ids:
        return 0.0  # "帮我看看这几个讲话": no topic and no speech named, so no list is asked for
    else:
        score = LIST.name_only
    head = list_head(query.text)
    carrying = sum(head in i.label for i in cand.items) if head else 0
    if query.part is not None:
        score += LIST.part if cand.part == query.part else -LIST.part
    elif cand.kind == "root":
        # "周海涛在…推进会上讲了哪三点": a named speech and nothing else to list is its outline; so are
        # parts that each are what the question counts ("讲了哪几个关键": 第一个关键：… 第三个关键：…)
        outline = (
            query.shape == "outline"
            or bool(query.doc_ids and not tokens and ctx.cues.listing)
            # every topical word is in the lead-in of the parts ("会议要求，要扎实做好以下几项工作：")
            or bool(tokens and ctx.cues.listing and coverage(tokens, _lead_in(doc, cand), idf) >= 0.99)
            or bool(head and len(head) >= 2 and carrying == len(cand.items))
        )
        score += LIST.root_outline if outline else LIST.root_other
        if tokens and any(coverage(tokens, i.label, idf) >= 0.99 for i in cand.items):
            score -= LIST.root_outline  # "今年的重点任务分哪几块" names a part: its own list answers
    elif tokens and _names_a_parent_item(doc, cand, tokens, ctx):
        # "教师强基行动有哪几条" names an item that has its own list: that list answers
        score -= LIST.root_outline
    if cand.doc_id in query.doc_ids:
        score += LIST.named_doc
    if (cand.doc_id, cand.section_id) in query.sections and cand.kind != "root":
        score += LIST.named_section  # the question names the very section the list belongs to
    if head and head not in cand.head and carrying * 2 < len(cand.items):
        score += LIST.head_mismatch
    elif head and len(head) >= 2 and carrying == len(cand.items):
        score += LIST.head_in_items
    if len(cand.items) in ctx.cues.counts:
        score += LIST.count
    if ctx.cues.markers and cand.items:
        # "首先其次再次最后都是啥": the list whose items are marked so
        marked = doc.text.startswith(ctx.cues.markers[0], cand.items[0].start)
        score += LIST.markers if marked else -LIST.markers
    for rank, item in enumerate(ctx.ranked[:10]):
        chunk = item.chunk
        if chunk.doc_id == cand.doc_id and chunk.start < cand.end and chunk.end > cand.start:
            score += LIST.retrieved / (rank + 1)
            break
    return score


def _lead_in(doc: Document, cand: ListCandidate) -> str:
    """A root list's head without the words that name the speech: the sentence before its first part."""
    lead = cand.head
    for naming in (doc.title, doc.speaker, doc.meeting, doc.date):
        lead = lead.replace(naming, " ") if naming else lead
    return lead


def _names_a_parent_item(doc: Document, cand: ListCandidate, tokens: list[str], ctx: Context) -> bool:
    parents = {s.parent_id for s in doc.sections}
    starts = {s.start for s in doc.sections if s.section_id in parents}
    return any(i.start in starts and coverage(tokens, i.label, ctx.idf) >= 0.99 for i in cand.items)


def _candidates(query: Query, corpus: Corpus, ranked: Sequence[Ranked] = ()) -> list[ListCandidate]:
    """Lists of the named speeches; else of the speeches retrieval found (a list in a speech no
    passage of which ranks is not the answer, and scoring every list grows with the corpus)."""
    named, found = set(query.doc_ids), {r.chunk.doc_id for r in ranked[: LIMITS.list_docs]}
    # A speaker who gave hundreds of speeches names them all: then the ones retrieval found.
    docs = named if named and (len(named) <= LIMITS.list_docs or not found) else found
    return [c for c in corpus.lists if c.doc_id in docs] if docs else corpus.lists


def _missing_part(query: Query, corpus: Corpus) -> Draft | None:
    docs = query.doc_ids or []
    if len(docs) != 1 or query.part is None:
        return None
    doc = corpus.documents[docs[0]]
    tops = [s for s in doc.sections if s.parent_id is None]
    if tops and query.part > len(tops):
        text = T.NO_SUCH_PART.format(
            speech=speech_label(corpus, doc.doc_id), part=to_chinese(query.part), n=count_word(len(tops))
        )
        return Draft(text, False, Citations(corpus), T.NOTICE_NOT_FOUND)
    return None


def _part_body(query: Query, corpus: Corpus) -> Draft | None:
    if len(query.doc_ids) != 1 or query.part is None:
        return None
    doc = corpus.documents[query.doc_ids[0]]
    tops = [s for s in doc.sections if s.parent_id is None]
    if not 1 <= query.part <= len(tops):
        return None
    section = tops[query.part - 1]
    cites = Citations(corpus)
    body = split_sentences(doc.text[section.heading_end : section.end], section.heading_end)
    if not body:
        return None
    picked = take(body, LIMITS.answer_chars - 40, 3)
    head = labelled(cites, doc.doc_id, section.start, section.label)
    parts = [f"{clip(s.text, LIMITS.answer_chars)}{mark(cites, corpus, doc.doc_id, s)}" for s in picked]
    # "第三，深化改革…" names its part already: no "第三部分" before it
    part = "" if section.marker.startswith("第") else f"第{to_chinese(query.part)}部分"
    return Draft(T.PART_BODY.format(part=part, head=head, body="".join(parts)), True, cites)


def _list_head(doc: Document, cand: ListCandidate) -> str:
    section = doc.section(cand.section_id)
    if section is None:
        return "讲话"
    return section.label if cand.kind == "section" else f"{section.label}中"


def _has_no_body(doc: Document, start: int) -> bool:
    section = next((s for s in doc.sections if s.start == start), None)
    return section is not None and not doc.text[section.heading_end : section.end].strip()
