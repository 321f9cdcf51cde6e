"""Sentence-level helpers the strategies share: candidate sentences and their scores, sections
around an offset, marks, clipping."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from assistant.citing import Citations
from assistant.corpus import Corpus
from assistant.cues import CEREMONY, HOW_CUES, WHY_CUES, sentence_tense
from assistant.memo import SentenceFacts, kept
from assistant.retriever import Ranked
from assistant.sentences import Keywords, Sentence, split_sentences
from assistant.strategies.base import Context, Found
from assistant.synonyms import forms
from assistant.values import holds_asked
from assistant.weights import LIMITS, SENTENCE
from core.normalize import fold_for_search
from core.numerals import CN_COUNT, CN_NUMERAL
from core.records import Chunk, Document, Section
from core.sections import innermost_sections

HEADING_RE = re.compile(rf"^\s*(?:[{CN_NUMERAL}]+、|[（(][{CN_NUMERAL}\d]+[)）]|\d+[.、．])")
_CLAUSE_RE = re.compile(r"[^，、：,]*[，、：,]?")


def explains(ctx: Context) -> bool:
    return ctx.query.shape == "explanation" or ctx.cues.why or ctx.cues.how


def candidate_sentences(
    ctx: Context, ranked: Sequence[Ranked], depth: int, *, headings: bool = False, similarity: bool = True
) -> list[Found]:
    """Sentences of the top passages, best first: keyword cover (everyday words matched to the
    speech's wording, 去年/今年 to its date), the dense model's similarity of the passage, and for a
    how-many/when question whether the sentence holds such a value. Headings ("（九）突出安全稳定…")
    summarise a whole section: they compete (with a small edge) only when `headings` is set."""
    corpus, tokens, idf, cues = ctx.corpus, ctx.tokens, ctx.idf, ctx.cues
    keywords = Keywords(tokens, idf)
    out: list[Found] = []
    seen: set[tuple[str, int]] = set()
    cue = WHY_CUES if cues.why else HOW_CUES if cues.how else None
    explaining = explains(ctx)
    # a speech's own passages found by keywords carry no dense score: within one speech, words decide
    dense = _dense_scale(ranked[:depth]) if similarity else (lambda item: 0.0)
    w = SENTENCE
    # "几所" asks a count of schools, not any number: a sentence holding that very kind weighs more
    value_weight = w.value_kind if any(k != "number" for k in cues.kinds) else w.value
    for rank, item in enumerate(ranked[:depth]):
        for facts in sentence_facts(corpus, item.chunk):
            sentence, chunk, is_heading = facts.sentence, facts.chunk, facts.heading
            key = (chunk.doc_id, sentence.start)
            if key in seen or not facts.quotable or (is_heading and not headings):
                continue
            seen.add(key)
            text, heading = facts.text, facts.label
            own = keywords.cover(facts.folded)
            framed = keywords.cover(facts.framed)
            if explaining:
                score = w.explain_own * own + w.explain_framed * framed
            else:
                score = w.own * own + w.framed * framed
            passage = w.dense * dense(item)
            score += w.rank / (rank + 1) + passage
            if explaining and keywords.cover(facts.folded_label) >= 0.6:
                score += w.section_on_topic  # the section is about the topic: its sentences explain it
            if cue is not None and cue.search(sentence.text):
                score += w.cue
            if not cues.meta and ceremonial(sentence.text):
                score += w.ceremony
            if cues.value and holds_value(ctx, sentence.text):
                score += value_weight
            if cues.tense and (said := sentence_tense(text, f"{chunk.section_path} {heading}")):
                score += w.tense if said == cues.tense else -w.tense
            if cues.listing:
                score += enumerates(cues.list_head, sentence.text)
            if any(act in sentence.text for act in cues.acts):
                score += w.act  # "谁主持的": the sentence that says who chaired
            out.append(Found(score + (w.heading if is_heading else 0.0), sentence, chunk, passage))
    out.sort(key=lambda f: f.score, reverse=True)
    return _with_sentence_similarity(ctx, out) if similarity else out


def _with_sentence_similarity(ctx: Context, found: list[Found]) -> list[Found]:
    """The best candidates gain the dense model's similarity of the sentence itself, scaled over
    them: the sentence that answers in other words ("累计投入资金1.2亿元" for 一共投了多少钱) rises
    above its neighbours, whose passage shared the same passage score."""
    head = found[: LIMITS.dense_sentences]
    if ctx.similar is None or len(head) < 2:
        return found
    sims = ctx.similar([f.sentence.text for f in head])
    low, high = min(sims), max(sims)
    span = max(high - low, 1e-6)
    gains = [SENTENCE.sentence_dense * (s - low) / span for s in sims]
    lifted = [replace(f, score=f.score + g, dense=f.dense + g) for f, g in zip(head, gains, strict=True)]
    out = lifted + found[len(head) :]
    out.sort(key=lambda f: f.score, reverse=True)
    return out


def ceremonial(text: str) -> bool:
    """The sentence is about the meeting ("刚才…作了表态发言，我都同意"), not a measure said there
    ("刚才，某某汇报了…要深入推进…")."""
    return CEREMONY.search(text) is not None and HOW_CUES.search(text) is None


_BODY_CACHE: dict[tuple[str, int], int] = {}


def body_start(doc: Document) -> int:
    """Where the speech's body begins: the first line that reads as prose (a sentence ends in it,
    or 同志们：). Above it stand title, subtitle, speaker, date and web lines, which no answer quotes."""
    key = (doc.doc_id, len(doc.text))
    found = _BODY_CACHE.get(key)
    if found is None:
        match = _PROSE_LINE_RE.search(doc.text)
        found = match.start() if match else 0
        if len(_BODY_CACHE) > 4096:
            _BODY_CACHE.clear()
        _BODY_CACHE[key] = found
    return found


_PROSE_LINE_RE = re.compile(r"(?m)^(?!\s*——)[^\n]*(?:[。！？]|同志们|朋友们|老师们|同学们)")


_NUMBER_RE = re.compile(rf"\d|[{CN_COUNT}百千万亿]+[个所名项次万亿条人元年月天周倍班套间张]|[%％]|几|半")
_DATE_RE = re.compile(r"\d{4}\s*年|\d+\s*月|\d+\s*日|年底|年初|年内|月底|之前|以前|前|起|开始")


def holds_value(ctx: Context, text: str) -> bool:
    """The sentence holds a value of the asked kind: money for 多少钱, a share for 占多少, a date
    for 何时 (assistant/values.py); any number for a 多少 that names no kind."""
    if ctx.cues.kinds:
        return holds_asked(ctx.cues.kinds, text)
    if ctx.cues.date and _DATE_RE.search(text):
        return True
    return ctx.cues.quantity and bool(_NUMBER_RE.search(text))


def _dense_scale(ranked: Sequence[Ranked]) -> Callable[[Ranked], float]:
    """The dense model's similarity of a passage, scaled 0..1 over the passages at hand: e5's
    cosines sit in a narrow band, so only their order among the candidates means something."""
    values = [r.dense for r in ranked if r.dense > 0]
    if len(values) < 2:
        return lambda item: 0.0
    low, high = min(values), max(values)
    span = max(high - low, 1e-6)
    return lambda item: max(0.0, (item.dense - low) / span) if item.dense > 0 else 0.0


_YEAR_RE = re.compile(r"(\d{4})年")


def with_relative_years(text: str, date: str) -> str:
    """The sentence, plus the relative words its years are for the speech's date ("2024年" in a
    2025 speech is 去年), so "去年投了多少" finds a sentence that gives the year."""
    year = int(date[:4]) if date[:4].isdigit() else None
    if year is None:
        return text
    words = {year - 1: "去年", year: "今年", year + 1: "明年"}
    found = [words[y] for y in (int(m.group(1)) for m in _YEAR_RE.finditer(text)) if y in words]
    return f"{text} {' '.join(found)}" if found else text


def enumerates(head: str | None, text: str) -> float:
    """A list asked for often stands inside one sentence, every item sharing the word the
    question asks about: "严把哪几关" ← "入口关、考核关、监督关、惩处关"; "哪几种方式" ← "以轮岗、
    支教、走教、挂职、跟岗等方式"; "哪几个“把”" ← "把立德树人…，把关键能力…，把身心健康…"."""
    if not head:
        return 0.0
    shared = text.count(head)
    if shared >= 3 or re.search(
        rf"(?:[^、，。；]{{1,12}}、){{2,}}[^、，。；]{{1,12}}等{re.escape(head)}", text
    ):
        return SENTENCE.enumerates
    return SENTENCE.enumerates_two if shared == 2 else 0.0


def body_sentences(corpus: Corpus, chunk: Chunk) -> list[tuple[Sentence, Chunk]]:
    """Sentences of a chunk with offsets in the document; composed chunks (outline, heading lists)
    are mapped back onto the body chunk that really holds each sentence. Split once per snapshot."""
    pairs = kept(corpus.memo.sentences, chunk, lambda c: _body_sentences(corpus, c))
    return list(pairs)  # the caller's own list: the snapshot's stays as it is


def _body_sentences(corpus: Corpus, chunk: Chunk) -> tuple[tuple[Sentence, Chunk], ...]:
    if chunk.kind == "body":
        return tuple((s, chunk) for s in split_sentences(chunk.text, chunk.start))
    doc = corpus.documents[chunk.doc_id]
    out = []
    for s in split_sentences(chunk.text):
        offset = doc.text.find(s.text)
        body = corpus.chunk_at(chunk.doc_id, offset) if offset >= 0 else None
        if body is not None:
            out.append((Sentence(s.text, offset, offset + len(s.text)), body))
    return tuple(out)


def folded_chunk(corpus: Corpus, chunk: Chunk) -> str:
    """The chunk's text folded for search, once per snapshot."""
    return kept(corpus.memo.chunk_texts, chunk, lambda c: fold_for_search(c.text))


def sentence_facts(corpus: Corpus, chunk: Chunk) -> tuple[SentenceFacts, ...]:
    """`body_sentences` with what `candidate_sentences` reads of each that does not depend on the
    question (its relative years, the heading above it, both folded), once per snapshot."""
    return kept(corpus.memo.facts, chunk, lambda c: _sentence_facts(corpus, c))


def _sentence_facts(corpus: Corpus, chunk: Chunk) -> tuple[SentenceFacts, ...]:
    out: list[SentenceFacts] = []
    for sentence, body in body_sentences(corpus, chunk):
        doc = corpus.documents[body.doc_id]
        text = with_relative_years(sentence.text, doc.date)
        label = innermost_label(doc, sentence.start)
        quotable = (
            len(sentence.text) >= 6 and sentence.text != doc.title and sentence.start >= body_start(doc)
        )
        out.append(
            SentenceFacts(
                sentence=sentence,
                chunk=body,
                quotable=quotable,
                heading=bool(HEADING_RE.match(sentence.text)),
                text=text,
                label=label,
                folded_label=fold_for_search(label),
                folded=fold_for_search(text),
                framed=fold_for_search(f"{text} {body.section_path} {label}"),
            )
        )
    return tuple(out)


def innermost(doc: Document, offset: int) -> Section | None:
    section_id = innermost_sections(doc.sections, [offset])[0]
    return doc.section(section_id) if section_id else None


def innermost_label(doc: Document, offset: int) -> str:
    """The heading right above a sentence (a chunk's path may stop a level higher)."""
    section = innermost(doc, offset)
    return section.label if section else ""


def region(doc: Document, offset: int) -> tuple[int, int]:
    """The body around `offset` that belongs to one heading: the innermost section holding it,
    without its sub-sections; the paragraph when the speech has no outline there."""
    section = innermost(doc, offset)
    if section is not None:
        children = [c for c in doc.sections if c.parent_id == section.section_id]
        start = max([section.heading_end] + [c.end for c in children if c.end <= offset])
        end = min([section.end] + [c.start for c in children if c.start > offset])
        if end - start <= LIMITS.region_chars:
            return start, end
    return paragraph(doc.text, offset)


def paragraph(text: str, offset: int) -> tuple[int, int]:
    """The line (paragraph) of `text` that holds `offset`: its start and end."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end < 0 else end


def is_heading(doc: Document, offset: int) -> bool:
    return any(s.start == offset for s in doc.sections)


def take(sentences: list[Sentence], budget: int, limit: int) -> list[Sentence]:
    out: list[Sentence] = []
    for s in sentences:
        if len(out) >= limit or len(s.text) > budget:
            break
        out.append(s)
        budget -= len(s.text)
    return out


def labelled(cites: Citations, doc_id: str, start: int, label: str) -> str:
    """A list item's label with the mark of the passage it starts in."""
    chunk = cites.corpus.chunk_at(doc_id, start)
    return f"{label}{cites.mark(chunk, label) if chunk else ''}"


def heading_at(doc: Document, start: int) -> str | None:
    """The section whose heading starts at `start` (a list item that is a heading), if any."""
    return next((s.section_id for s in doc.sections if s.start == start), None)


def mark(cites: Citations, corpus: Corpus, doc_id: str, sentence: Sentence) -> str:
    chunk = corpus.chunk_at(doc_id, sentence.start)
    return cites.mark(chunk, sentence.text) if chunk else ""


def sentence_at(doc: Document, offset: int) -> str:
    for sentence in split_sentences(doc.text[max(0, offset - 200) : offset + 200], max(0, offset - 200)):
        if sentence.start <= offset < sentence.end:
            return clip(sentence.text, 120)
    return clip(doc.text[offset : offset + 80], 80)


def same(a: Sentence, b: Sentence) -> bool:
    return (a.start < b.end and b.start < a.end) or a.text == b.text


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def focus(text: str, tokens: list[str], rarest: str | None, limit: int) -> str:
    """A long sentence shown by its clauses about the question: from the first clause that
    names the topic, as many as fit ("…积极申建固原农林职业技术学院，深化产教融合…")."""
    text = text.strip()
    if len(text) <= limit:
        return text
    clauses = [c for c in _CLAUSE_RE.findall(text) if c]
    wanted = [t for t in dict.fromkeys([rarest or "", *tokens]) if len(t) >= 2]
    hits: list[int] = [sum(1 for w in wanted if w in fold_for_search(c)) for c in clauses]
    best = max(hits, default=0)
    first = hits.index(best) if best else 0
    out = ""
    for clause in clauses[first:]:
        if len(out) + len(clause) > limit - 1:
            break
        out += clause
    if not out:
        return clip(clauses[first], limit)
    shown = ("…" if first else "") + out.rstrip("，、：,")
    return shown + ("…" if len(out) < len("".join(clauses[first:])) else "")


def focus_region(ctx: Context) -> tuple[str, int, int, int] | None:
    """The text of the earlier answer's item a follow-up is about: (speech, start, body start, end).
    An item that heads a section is the section; an inline one (一是…) runs to the next item."""
    if ctx.query.focus is None:
        return None
    doc_id, section_id = ctx.query.focus
    if ctx.query.span is not None:
        start, end = ctx.query.span
        return doc_id, start, start, end
    section = ctx.corpus.documents[doc_id].section(section_id)
    if section is None:
        return None
    return doc_id, section.start, section.heading_end, section.end


def own_place_first(ctx: Context, candidates: list[Found]) -> list[Found]:
    """ "云川市去年新增了多少学位": the city's own report answers, not a county speech that mentions
    "云川市第一中学". A named place in a speech's header (title, speaker, opening) lifts its sentences."""
    places = [t.word for t in ctx.terms if t.named]
    if not places or focus_region(ctx) is not None:
        return candidates
    own = {f.chunk.doc_id for f in candidates if any(p in ctx.header(f.chunk.doc_id) for p in places)}
    if not own or all(f.chunk.doc_id in own for f in candidates):
        return candidates
    lifted = [
        replace(f, score=f.score + SENTENCE.own_place) if f.chunk.doc_id in own else f for f in candidates
    ]
    return sorted(lifted, key=lambda f: f.score, reverse=True)


def named_otherwise(word: str, folded: str) -> bool:
    """The speech's own name for the question's word: a synonym (营养餐 → 营养改善计划) or the long
    form of an abbreviation (职校 → 职业院校)."""
    return any(form in folded for form in forms(word)[1:]) or abbreviates(word, folded)


def abbreviates(word: str, text: str) -> bool:
    """ "职校" in "职业院校", "营养餐" not in "营养改善计划": the word's characters in order within a short
    stretch of the text, first to last — how a question shortens the speech's name for a thing."""
    if len(word) < 2:
        return False
    return re.search(".{0,3}".join(map(re.escape, word)), text) is not None
