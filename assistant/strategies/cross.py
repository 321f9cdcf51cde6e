"""Several speeches (各篇讲话…, 哪些讲话提到…) → each speech's best sentences, grouped per speech."""

from __future__ import annotations

from assistant import templates as T
from assistant.citing import speech_label
from assistant.refusal import rarest_of, term_presence, topic_coverage
from assistant.retriever import Ranked
from assistant.sentences import coverage, split_sentences
from assistant.strategies.base import Context, Draft, Found
from assistant.strategies.common import (
    HEADING_RE,
    candidate_sentences,
    focus,
    holds_value,
    is_heading,
    region,
    same,
)
from assistant.topic import Term, topic_terms
from assistant.weights import LIMITS, THRESHOLDS
from core.normalize import fold_for_search
from core.records import Document
from core.tokens import tokenize_query


class Cross:
    name = "cross"

    def answer(self, ctx: Context) -> Draft | None:
        query = ctx.query
        places = own_places(ctx) if len(query.doc_ids) != 1 else []
        if not (
            (query.shape == "cross" and len(query.doc_ids) != 1)
            or (not query.doc_ids and term_survey(ctx))
            or len(places) >= 2
        ):
            return None
        corpus, tokens = ctx.corpus, ctx.tokens
        rarest = rarest_of([t.word for t in ctx.terms], corpus.search_text)
        term = term_survey(ctx)  # "讲话里说的“专项规划”有哪几个": every speech's uses of the term
        best: dict[str, list[Found]] = {}
        for doc_id, local in _per_speech(ctx, places).items():
            found = [
                f
                for f in candidate_sentences(ctx, local, depth=len(local), headings=True, similarity=False)
                if (
                    term in fold_for_search(f.sentence.text)
                    if term
                    else _answers(ctx, f)
                    if places
                    else _about(f, ctx.terms, rarest)
                )
            ]
            if found:
                best[doc_id] = (
                    _uses(found, term) if term else _speech_pick(ctx, corpus.documents[doc_id], found)
                )
        if len(best) < 2:
            return None
        cites = ctx.citations()
        order = sorted(best, key=lambda d: (corpus.documents[d].date or "9999", corpus.documents[d].title))
        lines = [T.CROSS_HEAD.format(n=len(order))]
        for doc_id in order:
            parts = [
                f"{focus(f.sentence.text, tokens, rarest, LIMITS.cross_chars)}{cites.mark(f.chunk, f.sentence.text)}"
                for f in best[doc_id]
            ]
            lines.append(f"{speech_label(corpus, doc_id)}：{''.join(parts)}")
        return Draft("\n".join(lines), True, cites)


def term_survey(ctx: Context) -> str:
    """The quoted term a question asks about across the speeches ("讲话里提到的《实施意见》是关于
    什么的？"), folded; "" when the question is not such a survey."""
    if ctx.query.formulations or not ctx.cues.survey or not ctx.cues.quoted:
        return ""
    return ctx.cues.quoted[0]


def own_places(ctx: Context) -> list[str]:
    """ "桐溪县搞均衡和北湾区搞安全，各安排了多少…": speeches the question names by their own place
    (in the header: title, meeting, the page's 来源), one speech per place, two or more places."""
    named: dict[str, str] = {}
    for term in topic_terms(ctx.query.text):
        if not term.named:
            continue
        holders = [d for d in ctx.query.doc_ids or ctx.corpus.documents if term.word in ctx.header(d)]
        if len(holders) == 1 and holders[0] not in named.values():
            named[term.word] = holders[0]
    return list(named.values()) if len(named) >= 2 else []


def _answers(ctx: Context, found: Found) -> bool:
    """In a speech the question names by its place: the sentence holds the value asked, or covers
    half the question's topic words (the rest belong to the other place's part of the question)."""
    if ctx.cues.value:
        return holds_value(ctx, found.sentence.text)
    context = fold_for_search(f"{found.sentence.text} {found.chunk.section_path}")
    return topic_coverage(ctx.terms, context) >= THRESHOLDS.topic_coverage / 2


def _per_speech(ctx: Context, named: list[str] | None = None) -> dict[str, list[Ranked]]:
    """Passages to search, per speech: its best keyword hits, its dense/fused hits, and the
    sections whose heading covers the question ("（九）突出安全稳定，着力创建平安和谐校园" for
    校园安全). One keyword search over the corpus, not one per speech: cost stays flat in the
    number of speeches."""
    query, corpus = ctx.query, ctx.corpus
    scope = set(named or query.doc_ids)
    allowed = {c.chunk_id for d in scope for c in corpus.chunks_by_doc.get(d, [])} if scope else None
    local: dict[str, list[Ranked]] = {}
    for cid, score in corpus.keyword.search(tokenize_query(query.text), 300, allowed):
        hits = local.setdefault(corpus.chunks[cid].doc_id, [])
        if len(hits) < 3:
            hits.append(Ranked(corpus.chunks[cid], score))
    for item in ctx.ranked:
        if not scope or item.chunk.doc_id in scope:
            local.setdefault(item.chunk.doc_id, []).append(item)
    docs = list(local)[: LIMITS.cross_speeches] if not scope else list(local)
    for doc_id in docs:
        doc = corpus.documents[doc_id]
        for section in doc.sections:
            if coverage(ctx.tokens, section.title, ctx.idf) >= THRESHOLDS.heading_names_topic:
                chunk = corpus.chunk_at(doc_id, section.start)
                if chunk is not None:
                    local[doc_id].insert(0, Ranked(chunk, 0.0))
    return {d: local[d] for d in docs}


def _about(found: Found, terms: tuple[Term, ...], rarest: str | None) -> bool:
    """The sentence (with its section path) covers the topic, and the sentence itself names its
    most specific word (a path's "教育" and a sentence's "职业" do not make "职业教育")."""
    context = fold_for_search(f"{found.sentence.text} {found.chunk.section_path}")
    if rarest is not None and term_presence(rarest, context) < THRESHOLDS.rarest_in_answer:
        return False
    return topic_coverage(terms, context) >= THRESHOLDS.topic_coverage


def _speech_pick(ctx: Context, doc: Document, found: list[Found]) -> list[Found]:
    """A speech's line: its best sentence, and what else it says on the topic. A heading or a
    short lead ("（一）抓好校园食品安全。") says what the speech wants in a few words; the best
    sentence under it, or else the one after it, says how."""
    first = found[0]
    if HEADING_RE.match(first.sentence.text) or is_heading(doc, first.sentence.start) or _short(first):
        start, end = region(doc, first.sentence.end)
        under = [f for f in found[1:] if start <= f.sentence.start < end]
        if under:
            return [first, under[0]]
        following = _next_sentence(ctx, doc, first)
        if following is not None:
            return [first, following]
    return _two_distinct(found)


def _short(found: Found) -> bool:
    return len(found.sentence.text.strip()) < LIMITS.cross_lead_chars


def _next_sentence(ctx: Context, doc: Document, found: Found) -> Found | None:
    """The sentence that follows in the same paragraph or the next one (a lead's elaboration)."""
    window = doc.text[found.sentence.end : found.sentence.end + 300]
    for sentence in split_sentences(window, found.sentence.end):
        if len(sentence.text.strip()) < 4:
            continue
        chunk = ctx.corpus.chunk_at(doc.doc_id, sentence.start)
        return None if chunk is None or is_heading(doc, sentence.start) else Found(0.0, sentence, chunk)
    return None


def _uses(found: list[Found], term: str) -> list[Found]:
    """A speech's different uses of a term: the best sentence, then one whose words around the
    term differ ("寄宿制学校标准化建设" and "中职学校标准化建设")."""
    picked = [found[0]]
    context = _around(found[0].sentence.text, term)
    for other in found[1:]:
        if not same(other.sentence, picked[0].sentence) and _around(other.sentence.text, term) != context:
            picked.append(other)
            break
    return sorted(picked, key=lambda f: f.sentence.start)


def _around(text: str, term: str) -> str:
    folded = fold_for_search(text)
    at = folded.find(term)
    return folded[max(0, at - 4) : at] if at >= 0 else ""


def _two_distinct(found: list[Found]) -> list[Found]:
    """The best sentence of a speech, and the next best unless it says the same, in text order."""
    picked = [found[0]]
    for other in found[1:]:
        if (
            not same(other.sentence, picked[0].sentence)
            and other.score >= found[0].score * THRESHOLDS.second_sentence
        ):
            picked.append(other)
            break
    return sorted(picked, key=lambda f: f.sentence.start)
