"""The default answerer: composes a short cited answer from the speeches' own sentences (no LLM).

Strategies, by what the question asks:
- a numbered formulation (两个保障, 12881) → every item in order, from the formulation index;
- a speech's outline (分几个部分 / 第二部分讲了什么) → its headings, from the outline;
- several speeches (各篇讲话…) → the best sentence of each speech, grouped per speech;
- otherwise (facts, explanations) → the best-covering sentences, direct answer first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant import templates as T
from assistant.citing import Citations, speech_label
from assistant.corpus import Corpus
from assistant.numerals import to_chinese
from assistant.query import FormulationMatch, Query
from assistant.retriever import Ranked
from assistant.sentences import Idf, Sentence, coverage, split_sentences
from ingest.records import Chunk, Document, Formulation, Section
from ingest.tokens import tokenize_query

MAX_CHARS = 300
ITEM_CHARS = 70  # one enumeration item: its name and the start of its key sentence
ANSWERABLE_COVERAGE = 0.5  # share of the question's (IDF-weighted) keywords the answer text must hold

_NUMBER_RE = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+[个所名项次万亿%％]")
_DATE_RE = re.compile(r"\d{4}\s*年|\d+\s*月|\d+\s*日|年底|年初")


@dataclass
class Draft:
    answer: str
    answerable: bool
    citations: Citations
    notice: str = ""
    extra: list[Chunk] = field(default_factory=list)  # passages worth showing beyond the cited ones


class ExtractiveAnswerer:
    def answer(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft:
        if query.formulations:
            return self.formulations(query, corpus)
        if query.shape == "outline":
            draft = self.outline(query, corpus, ranked)
            if draft is not None:
                return draft
        if query.shape == "cross" and not query.doc_ids:
            draft = self.cross(query, corpus, ranked, idf)
            if draft is not None:
                return draft
        return self.sentences(query, corpus, ranked, idf)

    # --- numbered formulations -------------------------------------------------------------
    def formulations(self, query: Query, corpus: Corpus) -> Draft:
        cites = Citations(corpus)
        matches = _one_per_doc(query.formulations)
        several = len(matches) > 1
        lines: list[str] = []
        incomplete: list[FormulationMatch] = []
        for match in matches:
            form = match.formulation
            if not form.items or not form.complete:
                incomplete.append(match)
                continue
            items = "；".join(
                self._item(corpus, match.doc_id, form, i, cites) for i in range(len(form.items))
            )
            prefix = f"{speech_label(corpus, match.doc_id)}：" if several else ""
            lines.append(T.FORMULATION.format(prefix=prefix, name=form.name, items=items))
        for match in incomplete:
            lines.append(self._incomplete(corpus, match, cites, several))
        answerable = len(incomplete) < len(matches)
        notice = T.NOTICE_INCOMPLETE if incomplete else ""
        if several:
            lines.insert(0, T.SEVERAL_SPEECHES.format(name=matches[0].formulation.name, n=len(matches)))
        return Draft("\n".join(lines), answerable, cites, notice)

    def _item(self, corpus: Corpus, doc_id: str, form: Formulation, i: int, cites: Citations) -> str:
        item = form.items[i]
        chunk = corpus.chunk_at(doc_id, item.start) or corpus.chunk_at(doc_id, max(form.start, 0))
        text = _clip(item.text, ITEM_CHARS)
        label = item.label if item.label and item.label not in text else ""
        body = f"{label}（{text}）" if label else text
        mark = cites.mark(chunk, item.text) if chunk else ""
        ordinal = f"{to_chinese(i + 1)}是" if len(form.items) > 1 else ""
        return f"{ordinal}{body}{mark}"

    def _incomplete(self, corpus: Corpus, match: FormulationMatch, cites: Citations, several: bool) -> str:
        form = match.formulation
        doc = corpus.documents[match.doc_id]
        chunk = corpus.chunk_at(match.doc_id, form.start)
        mention = _sentence_at(doc, form.start)
        mark = cites.mark(chunk, mention) if chunk else ""
        prefix = f"{speech_label(corpus, match.doc_id)}：" if several else ""
        if form.items:
            names = "、".join(i.label or _clip(i.text, 12) for i in form.items)
            return T.FORMULATION_PARTIAL.format(
                prefix=prefix, name=form.name, found=len(form.items), names=names, mention=mention, mark=mark
            )
        return T.FORMULATION_UNDEFINED.format(prefix=prefix, name=form.name, mention=mention, mark=mark)

    # --- outlines --------------------------------------------------------------------------
    def outline(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked]) -> Draft | None:
        doc_ids = query.doc_ids or _top_docs(ranked, 1)
        if not doc_ids:
            return None
        cites = Citations(corpus)
        lines = []
        for doc_id in doc_ids[:3]:
            doc = corpus.documents[doc_id]
            line = self._outline_of(doc, query.part, corpus, cites)
            if line:
                lines.append(line)
        if not lines:
            return None
        return Draft("\n".join(lines), True, cites)

    def _outline_of(self, doc: Document, part: int | None, corpus: Corpus, cites: Citations) -> str:
        tops = [s for s in doc.sections if s.parent_id is None]
        label = speech_label(corpus, doc.doc_id)
        if part is None:
            if not tops:
                return ""
            items = "；".join(self._heading(doc, s, corpus, cites) for s in tops)
            return T.OUTLINE.format(speech=label, n=to_chinese(len(tops)), items=items)
        if not 1 <= part <= len(tops):
            return T.NO_SUCH_PART.format(speech=label, part=to_chinese(part), n=to_chinese(len(tops)))
        section = tops[part - 1]
        children = [s for s in doc.sections if s.parent_id == section.section_id]
        head = self._heading(doc, section, corpus, cites)
        if children:
            items = "；".join(self._heading(doc, c, corpus, cites) for c in children)
            return T.PART_CHILDREN.format(part=to_chinese(part), head=head, n=len(children), items=items)
        return T.PART_BODY.format(part=to_chinese(part), head=head, body=_clip(_body(doc, section), 120))

    def _heading(self, doc: Document, section: Section, corpus: Corpus, cites: Citations) -> str:
        chunk = corpus.chunk_at(doc.doc_id, section.start)
        heading = doc.text[section.start : section.heading_end].strip()
        mark = cites.mark(chunk, heading) if chunk else ""
        return f"{_clip(section.label, ITEM_CHARS)}{mark}"

    # --- several speeches ------------------------------------------------------------------
    def cross(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft | None:
        tokens = _topic_tokens(query)
        best: dict[str, tuple[float, Sentence, Chunk]] = {}
        for item in ranked:
            for sentence in split_sentences(item.chunk.text, item.chunk.start):
                score = coverage(tokens, sentence.text, idf)
                doc_id = item.chunk.doc_id
                if score >= ANSWERABLE_COVERAGE and score > best.get(doc_id, (0.0,))[0]:
                    best[doc_id] = (score, sentence, item.chunk)
        if len(best) < 2:
            return None
        cites = Citations(corpus)
        order = sorted(best, key=lambda d: corpus.documents[d].date or "9999")
        lines = [T.CROSS_HEAD.format(n=len(order))]
        for doc_id in order:
            _, sentence, chunk = best[doc_id]
            mark = cites.mark(chunk, sentence.text)
            lines.append(f"{speech_label(corpus, doc_id)}：{_clip(sentence.text, 90)}{mark}")
        return Draft("\n".join(lines), True, cites)

    # --- facts and explanations ------------------------------------------------------------
    def sentences(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft:
        tokens = _topic_tokens(query)
        scored = _score_sentences(query, ranked, tokens, idf)
        cites = Citations(corpus)
        if not scored or scored[0][0] < ANSWERABLE_COVERAGE:
            return Draft(T.REFUSAL, False, cites, T.NOTICE_NOT_FOUND)
        lead_score, lead, lead_chunk = scored[0]
        chosen = [(lead, lead_chunk)]
        used = len(lead.text)
        for score, sentence, chunk in scored[1:]:
            if score < max(ANSWERABLE_COVERAGE, lead_score * 0.6) or len(chosen) >= 3:
                break
            if used + len(sentence.text) > MAX_CHARS or any(_overlaps(sentence, s) for s, _ in chosen):
                continue
            chosen.append((sentence, chunk))
            used += len(sentence.text)
        body = [f"{_clip(s.text, MAX_CHARS)}{cites.mark(c, s.text)}" for s, c in chosen]
        return Draft(_join(body), True, cites)


def _score_sentences(
    query: Query, ranked: Sequence[Ranked], tokens: list[str], idf: Idf
) -> list[tuple[float, Sentence, Chunk]]:
    wants_number = query.shape == "fact" and bool(re.search(r"多少|几|比例|率|达到", query.text))
    wants_date = bool(re.search(r"何时|什么时候|哪一?年|哪天|日期|时间", query.text))
    out: list[tuple[float, Sentence, Chunk]] = []
    seen: set[tuple[str, int]] = set()
    for rank, item in enumerate(ranked):
        for sentence in split_sentences(item.chunk.text, item.chunk.start):
            key = (item.chunk.doc_id, sentence.start)
            if key in seen or len(sentence.text) < 6:
                continue
            seen.add(key)
            score = coverage(tokens, sentence.text + " " + item.chunk.section_path, idf)
            score += 0.08 / (rank + 1)  # retrieval's opinion breaks ties between equal covers
            if wants_number and _NUMBER_RE.search(sentence.text):
                score += 0.1
            if wants_date and _DATE_RE.search(sentence.text):
                score += 0.1
            out.append((score, sentence, item.chunk))
    out.sort(key=lambda x: x[0], reverse=True)
    return out


def _topic_tokens(query: Query) -> list[str]:
    return list(tokenize_query(query.text))


def _one_per_doc(matches: list[FormulationMatch]) -> list[FormulationMatch]:
    """If a speech defines the same name twice, keep its most complete definition."""
    best: dict[str, FormulationMatch] = {}
    for m in matches:
        current = best.get(m.doc_id)
        if current is None or len(m.formulation.items) > len(current.formulation.items):
            best[m.doc_id] = m
    return list(best.values())


def _top_docs(ranked: Sequence[Ranked], n: int) -> list[str]:
    out: list[str] = []
    for item in ranked:
        if item.chunk.doc_id not in out:
            out.append(item.chunk.doc_id)
        if len(out) >= n:
            break
    return out


def _sentence_at(doc: Document, offset: int) -> str:
    for sentence in split_sentences(doc.text[max(0, offset - 200) : offset + 200], max(0, offset - 200)):
        if sentence.start <= offset < sentence.end:
            return _clip(sentence.text, 120)
    return _clip(doc.text[offset : offset + 80], 80)


def _body(doc: Document, section: Section) -> str:
    return doc.text[section.heading_end : section.end].strip()


def _overlaps(a: Sentence, b: Sentence) -> bool:
    return a.start < b.end and b.start < a.end


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(parts: list[str]) -> str:
    return "".join(parts)
