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
from assistant.refusal import corpus_count, lacks_answer_type, rarest_of, term_presence, topic_coverage
from assistant.retriever import Ranked
from assistant.sentences import Sentence, coverage, split_sentences
from assistant.strategies.base import Context, Draft, Found
from assistant.strategies.common import (
    HEADING_RE,
    candidate_sentences,
    ceremonial,
    clip,
    explains,
    focus,
    focus_region,
    holds_value,
    innermost_label,
    mark,
    named_otherwise,
    own_place_first,
    paragraph,
    region,
    same,
    take,
    with_relative_years,
)
from assistant.topic import ATTRIBUTES
from assistant.values import holds_asked
from assistant.weights import LIMITS, REGION, THRESHOLDS
from core.normalize import fold_for_search
from core.records import Document

_MASK_RE = re.compile(r"\*+|[XＸ]{2,}")  # the scrape hides names and numbers behind * and XX


class Facts:
    name = "facts"

    def answer(self, ctx: Context) -> Draft | None:
        corpus, query = ctx.corpus, ctx.query
        cites = ctx.citations()
        candidates = own_place_first(
            ctx, _within_section(ctx, candidate_sentences(ctx, _section_first(ctx), depth=12))
        )
        lead = next((f for f in candidates if acceptable(ctx, f)), None)
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
        return list(ctx.ranked)
    doc_id, start, _, end = region
    own = [Ranked(c, 0.0) for c in ctx.corpus.chunks_in(doc_id, start, end)][:6]
    return own + [r for r in ctx.ranked if r.chunk.chunk_id not in {o.chunk.chunk_id for o in own}]


def _within_section(ctx: Context, candidates: list[Found]) -> list[Found]:
    region = focus_region(ctx)
    if region is None:
        return candidates
    doc_id, start, _, end = region
    inside = [f for f in candidates if f.chunk.doc_id == doc_id and start <= f.sentence.start < end]
    return inside + [f for f in candidates if f not in inside] if inside else candidates


def acceptable(ctx: Context, found: Found) -> bool:
    """The sentence may lead an answer: it covers the question's topic and holds what is asked."""
    if found.score < THRESHOLDS.sentence_score:
        return False
    terms, corpus, cues = ctx.terms, ctx.corpus, ctx.cues
    doc = corpus.documents[found.chunk.doc_id]
    sentence = with_relative_years(found.sentence.text, doc.date)
    # the heading right above counts: "2.深化集团化办学" is what its measures are about
    heading = innermost_label(doc, found.sentence.start)
    context = f"{sentence} {found.chunk.section_path} {heading} {ctx.header(doc.doc_id)}"
    if cues.alternatives:  # "组织部、宣传部、政法委各自管啥": one of them is the topic of each sentence
        named = any(a in fold_for_search(context) for a in cues.alternatives)
        rest = tuple(t for t in terms if t.word not in cues.alternatives)
        share = (topic_coverage(rest, context, corpus.search_text) * len(rest) + named) / (len(rest) + 1)
        if share < THRESHOLDS.topic_coverage:
            return False
    elif _coverage(ctx, doc.doc_id, context) < _needed(ctx, found.sentence.text):
        return False
    if lacks_answer_type(ctx.query.text, found.sentence.text):
        return False
    if cues.value:
        # A number answers only if it is about the question's most specific thing, and a
        # number about something the speeches never mention ("学费") cannot be in them.
        # a place, person or body the speech itself names ("青禾县") scopes the speech, not the number
        words = [
            t.word
            for t in terms
            if not (t.named and ctx.speaks_of(doc.doc_id, t.word)) and not _category(t.word, ctx.query.text)
        ]
        folded_sentence = fold_for_search(sentence)
        if any(
            corpus_count(w, corpus.search_text) == 0
            and not named_otherwise(w, folded_sentence)
            # "安家费" is the speech's "安家补贴": a kind suffix, not another thing
            and term_presence(w, corpus.search_text, loose=False) < THRESHOLDS.rarest_in_answer
            for w in words
        ):
            return False
        # the speech's own place and speaker words ("东湖区", "书记") are no "thing" a number is about
        header = ctx.header(doc.doc_id)
        rarest = rarest_of([w for w in words if w not in header], corpus.search_text)
        framed = fold_for_search(f"{sentence} {innermost_label(doc, found.sentence.start)}")
        if rarest is not None and not _mentions(rarest, framed):
            return False
        return _value_fits(ctx, found, [w for w in words if w not in header], sentence)
    return True


def _of_first_kind(ctx: Context, candidates: list[Found], lead: Found) -> Found:
    """ "去年出了几起学生溺水，死了几个": a nearly-as-good sentence with the most specific kind asked
    ("5起") answers, not one whose only number is another ("一堂课")."""
    first = ctx.cues.kinds[:1]
    if not first or first == ("number",) or holds_asked(first, lead.sentence.text):
        return lead
    near = (f for f in candidates if f.score >= lead.score * THRESHOLDS.lead_near)
    return next((f for f in near if holds_asked(first, f.sentence.text) and acceptable(ctx, f)), lead)


def _category(word: str, question: str) -> bool:
    """ "报哪个科室", "什么部门牵头": the word names the kind of answer, which the speech gives by
    name ("发展规划科"), not the thing the value is about; "补助标准多少" names the value's kind."""
    if word in ATTRIBUTES:
        return True
    return re.search(f"(?:哪个|哪一个|哪些|哪家|哪|什么|啥){re.escape(word)}", question) is not None


def _coverage(ctx: Context, doc_id: str, context: str) -> float:
    """Topic coverage of a sentence in its speech: a place or body the question names ("溪宁") and
    the speech names anywhere scopes the speech ("全市" in its sentences), not the sentence."""
    terms = ctx.terms
    if not terms:
        return 1.0
    scoping = [t for t in terms if t.named and ctx.speaks_of(doc_id, t.word)]
    rest = tuple(t for t in terms if t not in scoping)
    covered = topic_coverage(rest, context, ctx.corpus.search_text) * len(rest) if rest else 0.0
    return (covered + len(scoping)) / len(terms)


def _needed(ctx: Context, sentence: str) -> float:
    """A sentence holding exactly the kind of value asked ("…1850万元" for 拿了多少钱) needs less of
    the question's wording: staff name the thing in their own words ("危房改造" for "C级危房…加固")."""
    if ctx.cues.kinds and holds_asked(ctx.cues.kinds, sentence):
        return THRESHOLDS.topic_coverage_typed
    return THRESHOLDS.topic_coverage


_RELATIVE = ("前年", "去年", "今年", "明年")
_CLAUSE_RE = re.compile(r"[^，；：,;]+")


def _mentions(word: str, folded: str) -> bool:
    return term_presence(word, folded) >= THRESHOLDS.rarest_in_answer or named_otherwise(word, folded)


def _value_fits(ctx: Context, found: Found, words: list[str], sentence: str) -> bool:
    """A number answers a how-many question only when it is the asked one: the sentence speaks of
    the asked year (去年 is not 今年) and a clause holds both a number and the question's most
    specific word ("42辆校车…驾驶员全部经过培训" does not say how many 驾驶员)."""
    asked = {w for w in _RELATIVE if w in ctx.query.text}
    said = {w for w in _RELATIVE if w in sentence}
    if asked and said and not asked & said:
        return False
    folded = fold_for_search(found.sentence.text)
    doc = ctx.corpus.documents[found.chunk.doc_id]
    start, end = paragraph(doc.text, found.sentence.start)
    around = fold_for_search(f"{doc.text[start:end]} {found.chunk.section_path}")
    missing = [w for w in words if not _mentions(w, around)]
    # a number about something else the speech also counts; one word in four may be jieba's odd
    # cut of the question ("啥时候前报给" → "前报") that no speech writes
    if missing and len(missing) * 4 > len(words):
        return False
    if not ctx.cues.quantity:
        return True
    # the most specific word the sentence shares with the question (verbs too: "停办了几个")
    header = ctx.header(doc.doc_id)
    shared = [t for t in ctx.tokens if len(t) >= 2 and t in folded and t not in header and not t.isdigit()]
    if not shared:
        return True
    counts = {t: corpus_count(t, ctx.corpus.search_text) for t in shared}
    rarest = [t for t in shared if counts[t] == min(counts.values())]  # ties: any of them
    clauses = _CLAUSE_RE.findall(folded)
    # a value of the very kind asked may stand in the clause before or after the word ("专项资金1.5亿元，
    # 重点支持…工程"); a bare number must share the word's clause ("校车42辆，驾驶员全部经过培训")
    reach = 1 if any(k != "number" for k in ctx.cues.kinds) else 0
    return any(
        any(
            t in c and any(holds_value(ctx, d) for d in clauses[max(0, i - reach) : i + reach + 1])
            for i, c in enumerate(clauses)
        )
        or _near_value(folded, t)
        for t in rarest
    )


def _near_value(text: str, word: str) -> bool:
    """A number within a few characters after the word ("驾驶员186人") even across a comma."""
    at = text.find(word)
    return bool(re.search(r"\d", text[at : at + len(word) + 12])) if at >= 0 else False


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
    rarest = rarest_of([t.word for t in ctx.terms], ctx.corpus.search_text)
    if rarest is None:
        return None
    for clause in re.split(r"[，；：,;]", lead.sentence.text):
        folded = fold_for_search(clause)
        if rarest in folded and _MASK_RE.search(clause) and not re.search(r"\d", folded):
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
