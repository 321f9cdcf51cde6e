"""Facts and explanations: the best sentence first, then the sentences that carry it on.

A fact question gets the lead sentence and what directly follows it; a why/how question gets the
lead and the best reason or measure sentences of its section. The lead must cover the question's
topic and hold a value of the asked kind (a number, a date), else the answer is a refusal.
"""

from __future__ import annotations

import re

from assistant import templates as T
from assistant.citing import speech_label
from assistant.cues import HOW_CUES, WHY_CUES
from assistant.refusal import rarest_of, term_presence
from assistant.retriever import Ranked
from assistant.sentences import Keywords, Sentence, coverage, split_sentences
from assistant.strategies.base import Context, Draft, Found
from assistant.strategies.common import (
    HEADING_RE,
    candidate_sentences,
    ceremonial,
    clip,
    explains,
    focus,
    focus_region,
    folded_chunk,
    innermost_label,
    mark,
    own_place_first,
    paragraph,
    region,
    same,
    take,
)
from assistant.strategies.fit import acceptable
from assistant.values import holds_asked
from assistant.weights import LIMITS, REGION, THRESHOLDS
from core.normalize import fold_for_search
from core.records import Chunk, Document

_PRONOUNS = frozenset("我你您他她它咱")
_MASK_RE = re.compile(r"\*+|[XＸ]{2,}")  # the scrape hides names and numbers behind * and XX


class Facts:
    name = "facts"

    def answer(self, ctx: Context) -> Draft | None:
        corpus, query = ctx.corpus, ctx.query
        cites = ctx.citations()
        candidates = own_place_first(
            ctx, _within_section(ctx, candidate_sentences(ctx, _section_first(ctx), depth=12))
        )
        # "帮我看看这几个讲话": no word of a topic, only "我" matching every "我代表…"
        wordless = not ctx.terms and all(t in _PRONOUNS for t in ctx.tokens)
        lead = None if wordless else next((f for f in candidates if acceptable(ctx, f)), None)
        if lead is None:
            return Draft(T.REFUSAL, False, cites, T.NOTICE_NOT_FOUND)
        lead = _of_first_kind(ctx, candidates, lead)
        # the asked value hidden in the lead or in a sentence nearly as good ("总投资XX万元")
        near = [lead, *(c for c in candidates[:6] if c.score >= lead.score * THRESHOLDS.lead_near)]
        masked = next((f for f in near if _masked_answer(ctx, f) is not None), None)
        if masked is not None:
            text = T.MASKED.format(
                mention=clip(masked.sentence.text, 120),
                mark=mark(cites, corpus, masked.chunk.doc_id, masked.sentence),
            )
            return Draft(text, False, cites, T.NOTICE_INCOMPLETE)
        if explains(ctx):
            leads = [f for f in candidates[:12] if f.score >= lead.score * THRESHOLDS.lead_near]
            lead = _best_region(ctx, [lead, *(f for f in leads if f is not lead and acceptable(ctx, f))])
        doc = corpus.documents[lead.chunk.doc_id]
        each = _each(ctx, candidates, lead)
        if each:
            return Draft(
                "".join(
                    f"{clip(f.sentence.text, LIMITS.answer_chars)}{mark(cites, corpus, f.chunk.doc_id, f.sentence)}"
                    for f in each
                ),
                True,
                cites,
            )
        chosen = (
            _from_region(ctx, doc, lead) if explains(ctx) else [lead.sentence, *_continuation(ctx, doc, lead)]
        )
        # a reason is argued within one speech; facts and measures may differ from speech to speech
        several = not query.doc_ids and not ctx.cues.why
        others = _other_speeches(ctx, lead, candidates) if several else []
        extra = _extra(chosen, lead, candidates, bool(others))
        # the lead's speech in reading order, then any other speech that answers as well
        own = sorted(
            [*chosen, *(e.sentence for e in extra if e.chunk.doc_id == lead.chunk.doc_id)],
            key=lambda x: x.start,
        )
        parts = [(x, lead.chunk.doc_id) for x in own]
        parts += [(e.sentence, e.chunk.doc_id) for e in extra if e.chunk.doc_id != lead.chunk.doc_id]
        body = "".join(f"{clip(x.text, LIMITS.answer_chars)}{mark(cites, corpus, d, x)}" for x, d in parts)
        if others:  # the same thing in several speeches: say what each says, labelled
            rarest = rarest_of([t.word for t in ctx.terms], corpus.search_text)
            lines = [f"{speech_label(corpus, lead.chunk.doc_id)}：{body}"]
            for f in others:
                text = focus(f.sentence.text, ctx.tokens, rarest, LIMITS.cross_chars)
                lines.append(
                    f"{speech_label(corpus, f.chunk.doc_id)}：{text}{cites.mark(f.chunk, f.sentence.text)}"
                )
            body = "\n".join(lines)
        return Draft(body, True, cites)


def _section_first(ctx: Context) -> list[Ranked]:
    """A question about one item of the earlier answer ("第三句话里住房怎么解决") reads that item first."""
    region = focus_region(ctx)
    if region is None:
        return _with_value_passages(ctx, list(ctx.ranked))
    doc_id, start, _, end = region
    own = [Ranked(c, 0.0) for c in ctx.corpus.chunks_in(doc_id, start, end)][:6]
    return own + [r for r in ctx.ranked if r.chunk.chunk_id not in {o.chunk.chunk_id for o in own}]


def _with_value_passages(ctx: Context, ranked: list[Ranked]) -> list[Ranked]:
    """ "霁州一共有几所中职学校": a passage of a speech retrieval found that holds most topical words and a
    value of the asked kind ("共有中职学校14所") joins the passages read, though it ranked lower (a long
    paragraph about something else states the figure in passing)."""
    kinds = tuple(k for k in ctx.cues.kinds if k != "number")
    words = [t for t in ctx.tokens if len(t) >= 2 and not t.startswith(("几", "多少"))]
    if not kinds or not words:
        return ranked
    window = ranked[: LIMITS.value_window]
    seen = {r.chunk.chunk_id for r in window}
    docs = list(dict.fromkeys(r.chunk.doc_id for r in window))[: LIMITS.value_docs]
    extra = [
        Ranked(c, 0.0)
        for d in docs
        for c in ctx.corpus.chunks_by_doc.get(d, [])
        if c.chunk_id not in seen and holds_asked(kinds, c.text) and _holds_topic(ctx, d, c, words)
    ][: LIMITS.value_extra]
    keep = LIMITS.value_window - len(extra)
    return window[:keep] + extra + window[keep:] + ranked[LIMITS.value_window :]


def _holds_topic(ctx: Context, doc_id: str, chunk: Chunk, words: list[str]) -> bool:
    """The passage holds most of the topical words the speech uses (weighted by rarity)."""
    used = [t for t in words if t in ctx.folded(doc_id)]
    if not used:
        return False
    return Keywords(used, ctx.idf).cover(folded_chunk(ctx.corpus, chunk)) >= THRESHOLDS.value_passage


def _within_section(ctx: Context, candidates: list[Found]) -> list[Found]:
    region = focus_region(ctx)
    if region is None:
        return candidates
    doc_id, start, _, end = region
    inside = [f for f in candidates if f.chunk.doc_id == doc_id and start <= f.sentence.start < end]
    return inside + [f for f in candidates if f not in inside] if inside else candidates


def _of_first_kind(ctx: Context, candidates: list[Found], lead: Found) -> Found:
    """ "去年出了几起学生溺水，死了几个": a nearly-as-good sentence with the most specific kind asked
    ("5起") answers, not one whose only number is another ("一堂课")."""
    first = ctx.cues.kinds[:1]
    if not first or first == ("number",) or holds_asked(first, lead.sentence.text):
        return lead
    near = (f for f in candidates if f.score >= lead.score * THRESHOLDS.lead_near)
    return next((f for f in near if holds_asked(first, f.sentence.text) and acceptable(ctx, f)), lead)


def _extra(chosen: list[Sentence], lead: Found, candidates: list[Found], others: bool) -> list[Found]:
    extra: list[Found] = []
    used = sum(len(x.text) for x in chosen)
    for other in candidates:
        if len(chosen) + len(extra) >= 4 or other.score < lead.score * THRESHOLDS.extra_near:
            break
        if other.chunk.doc_id != lead.chunk.doc_id and (
            others or other.score < lead.score * THRESHOLDS.other_doc_near
        ):
            continue  # another speech only when it answers as well: mixing speeches confuses
        if used + len(other.sentence.text) > LIMITS.answer_chars or any(
            same(other.sentence, x) for x in [*chosen, *(e.sentence for e in extra)]
        ):
            continue
        extra.append(other)
        used += len(other.sentence.text)
    return extra


def _each(ctx: Context, candidates: list[Found], lead: Found) -> list[Found]:
    """One sentence per entity the question lists ("组织部、宣传部、政法委、编办各自管啥"), from
    the lead's speech, in reading order."""
    alternatives = ctx.cues.alternatives
    if len(alternatives) < 2:
        return []
    picked: dict[str, Found] = {}
    for found in candidates:
        if found.chunk.doc_id != lead.chunk.doc_id:
            continue
        text = fold_for_search(found.sentence.text)
        for alt in alternatives:
            if (
                alt in text
                and alt not in picked
                and all(not same(found.sentence, p.sentence) for p in picked.values())
                and acceptable(ctx, found)
            ):
                picked[alt] = found
    return sorted(picked.values(), key=lambda f: f.sentence.start) if len(picked) >= 2 else []


def _other_speeches(ctx: Context, lead: Found, candidates: list[Found]) -> list[Found]:
    """Other speeches that answer nearly as well about the very term the lead names
    ("学前教育三年行动计划" is 第四期 in 2022, "十四五" in 2023, 新一轮 in 2024): an answer
    that quoted only one would be wrong for the others."""
    rarest = rarest_of([t.word for t in ctx.terms], ctx.corpus.search_text)
    if rarest is None or term_presence(rarest, fold_for_search(lead.sentence.text)) < THRESHOLDS.same_term:
        return []
    picked: dict[str, Found] = {}
    for found in candidates:
        # on the words alone: the passage similarity of another speech says nothing of "the same term"
        if found.score - found.dense < (lead.score - lead.dense) * THRESHOLDS.other_speech_near:
            continue
        doc_id = found.chunk.doc_id
        if doc_id == lead.chunk.doc_id or doc_id in picked:
            continue
        if term_presence(rarest, fold_for_search(found.sentence.text)) < THRESHOLDS.same_term:
            continue
        if acceptable(ctx, found):
            picked[doc_id] = found
    return list(picked.values())[: LIMITS.other_speeches]


def _masked_answer(ctx: Context, lead: Found) -> str | None:
    """The clause that would answer a which/how-many question has its value hidden ("中职升本科
    “*+*”试点", "XX县商城镇"): the speech as published does not say, so the answer must not guess.
    Returns the clause's sentence, or None."""
    if not (ctx.cues.quantity or ctx.cues.slot):
        return None
    # the speech's own place ("枫林县还有多少…") scopes the speech: the thing asked is the rest
    doc_id = lead.chunk.doc_id
    words = [t.word for t in ctx.terms if not (t.named and ctx.speaks_of(doc_id, t.word))]
    rarest = rarest_of(words, ctx.corpus.search_text)
    if rarest is None:
        return None
    for clause in re.split(r"[，；：,;]", lead.sentence.text):
        folded = fold_for_search(clause)
        # the clause of the thing asked, or of the act asked of a person ("哪位副局长主持的")
        asked = rarest in folded or any(act in folded for act in ctx.cues.acts)
        if asked and _MASK_RE.search(clause) and not re.search(r"\d", folded):
            return lead.sentence.text
    return None


def _continuation(ctx: Context, doc: Document, lead: Found) -> list[Sentence]:
    """The sentences that follow the lead in its paragraph: the "why" and "how" after a claim."""
    _, end = paragraph(doc.text, lead.sentence.end)
    following = split_sentences(doc.text[lead.sentence.end : end], lead.sentence.end)
    limit = 1 if ctx.query.shape == "fact" else 3
    return take(following, LIMITS.answer_chars - len(lead.sentence.text), limit)


def _from_region(ctx: Context, doc: Document, lead: Found) -> list[Sentence]:
    """A why/how answer is the lead plus the best sentences of its section: speeches state a
    heading, then the problem ("近年来…无序发展，问题频发"), then the measures, often across
    paragraphs, so the reason is rarely the sentence right after the best match."""
    start, end = region(doc, lead.sentence.start)
    why, how = ctx.cues.why, ctx.cues.how or not ctx.cues.why
    why_bonus = REGION.why_only if why and not how else REGION.why_and_how
    scored: list[tuple[float, Sentence]] = []
    _, line_end = paragraph(doc.text, lead.sentence.end)
    for s in split_sentences(doc.text[start:end], start):
        if same(s, lead.sentence) or len(s.text) < 6 or HEADING_RE.match(s.text) or ceremonial(s.text):
            continue
        score = coverage(ctx.tokens, s.text, ctx.idf)
        score += (why_bonus if why and WHY_CUES.search(s.text) else 0.0) + (
            REGION.how if how and HOW_CUES.search(s.text) else 0.0
        )
        # what directly follows a measure carries it on; a claim's own paragraph argues it ("其次，这是…民生
        # 工程。这些年，老百姓对“上好学”的愿望越来越强烈…"), though a reason may stand anywhere
        if (how and 0 <= s.start - lead.sentence.end <= 2) or (
            why and lead.sentence.end <= s.start < line_end
        ):
            score += REGION.follows
        scored.append((score, s))
    scored.sort(key=lambda x: x[0], reverse=True)
    chosen = [lead.sentence]
    budget = LIMITS.answer_chars - len(lead.sentence.text)
    for score, s in scored:
        if len(chosen) >= 4 or score < THRESHOLDS.region_sentence:
            break
        if len(s.text) <= budget:
            chosen.append(s)
            budget -= len(s.text)
    return sorted(chosen, key=lambda x: x.start)


def _best_region(ctx: Context, leads: list[Found]) -> Found:
    """Among near-best sentences, the one whose section as a whole covers the question: a
    two-part question ("为什么一直减不下来，学校首先该怎么做") is answered where both parts stand."""

    def whole(found: Found) -> float:
        doc = ctx.corpus.documents[found.chunk.doc_id]
        start, end = region(doc, found.sentence.start)
        text = f"{innermost_label(doc, found.sentence.start)} {doc.text[start:end]}"
        return found.score + REGION.whole * coverage(ctx.tokens, text, ctx.idf)

    return max(leads, key=whole)
