"""The default answerer: composes a short cited answer from the speeches' own sentences (no LLM).

Strategies, by what the question asks:
- the definition of a numbered formulation (两个保障是什么, 12881) → every item, from the index;
- a list (分几个部分, 第三部分有哪几条, 哪几个“到位”) → the best-matching list of the outline, whole;
- several speeches (各篇讲话…) → the best sentence of each speech, grouped per speech;
- otherwise (facts, explanations) → the best sentence first, then the sentences that carry it on.
Each strategy refuses rather than guesses (assistant/refusal.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant import templates as T
from assistant.citing import Citations, chinese_date, speech_label
from assistant.corpus import Corpus
from assistant.lists import ListCandidate
from assistant.numerals import parse_numeral, to_chinese
from assistant.query import FormulationMatch, Query, asks_definition, compact, list_head, wants_list
from assistant.refusal import (
    TOPIC_COVERAGE,
    lacks_answer_type,
    rarest_of,
    term_presence,
    topic_coverage,
    unknown_names,
)
from assistant.retriever import Ranked
from assistant.sentences import Idf, Sentence, coverage, split_sentences
from assistant.topic import Term, has_cjk, topic_terms, wants_date, wants_quantity
from ingest.normalize import fold_for_search
from ingest.outline import innermost_sections
from ingest.records import Chunk, Document, Formulation, Section
from ingest.tokens import tokenize_query

MAX_CHARS = 300
ITEM_CHARS = 70
CROSS_CHARS = 90  # per sentence in a per-speech line: several speeches must fit in one answer  # one enumeration item: its name and the start of its key sentence
MAX_DEFINITIONS = 6  # lines of a formulation answer: distinct definitions, then "另有N篇…"
LIST_DOCS = 20  # speeches whose lists are scored for one question
LIST_SCORE = 0.75  # a list must match the question at least this well to be the answer
SENTENCE_SCORE = 0.34  # the lead sentence's keyword coverage needed to answer at all
_META_RE = re.compile(
    r"什么会|哪个会|哪次会|什么会议|什么场合|日期|哪天|哪一天|什么时候(讲|说|召开)|哪年讲|谁讲|谁的讲话|讲话人|发言人|谁在|标题|题目|是谁"
)
# Why-questions are answered by reasons and stakes, how-questions by measures: sentences that
# carry those cues get a small edge over ones that merely repeat the question's words.
_WHY_RE = re.compile(r"为什么|为何|为啥|原因|意义|重要性|必要性|目的")
_HOW_RE = re.compile(r"怎么|如何|怎样|咋|措施|办法|举措|途径|路径|要求|做法")
_WHY_CUES = re.compile(
    r"因为|由于|为了|目的|必然要求|重要举措|战略选择|重大机遇|使命|意义|在于|根本要求|根本保证|前提|不足|短板|差距|矛盾|现象|太少|依然|仍然|但是|然而|既是|也是"
    r"|问题频发|突出问题|问题突出|教训|顽疾|瓶颈|困难|挑战|影响|不平衡|不充分|迫切|需要|必须"
)
_HOW_CUES = re.compile(
    r"通过|实施|建立|完善|推行|推进|加快|加强|坚持|落实|开展|采取|方式|措施|机制|做到|构建|着力|确保|健全|深化|强化"
)
_COUNTED_RE = re.compile(r"([一二两三四五六七八九十\d]{1,2})\s*(?:个|项|条|点|件|种|大|方面)")
_QUOTED_TERM_RE = re.compile(
    r"[“\"‘']([一二两三四五六七八九十]{1,2}[个项大条点种]?[\u4e00-\u9fff]{1,6}"
    r"|[0-9０-９]{1,2}[＋+][A-Za-zＡ-Ｚａ-ｚ0-9０-９]{1,2})[”\"’']"  # "5＋N": a count and a rest
)
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
    ]
)
_HEADING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．])")


@dataclass
class Draft:
    answer: str
    answerable: bool
    citations: Citations
    notice: str = ""
    extra: list[Chunk] = field(default_factory=list)  # passages worth showing beyond the cited ones


@dataclass(frozen=True)
class Found:
    """A candidate sentence mapped to the body chunk that holds it (offsets are real)."""

    score: float
    sentence: Sentence
    chunk: Chunk


class ExtractiveAnswerer:
    def answer(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft:
        cites = Citations(corpus)
        refusal = self._out_of_scope(query, corpus, cites)
        if refusal is not None:
            return refusal
        if query.formulations and self._definitional(query, corpus):
            return self.formulations(query, corpus)
        if not query.formulations:
            undefined = self._undefined_term(query, corpus)
            if undefined is not None:
                return undefined
        if query.doc_ids and query.shape != "outline" and _META_RE.search(query.text):
            return self.metadata(query, corpus)
        empty = self._empty_section(query, corpus)
        if empty is not None:
            return empty
        if (query.shape == "cross" and len(query.doc_ids) != 1) or (
            not query.doc_ids and _term_survey(query)
        ):
            draft = self.cross(query, corpus, ranked, idf)
            if draft is not None:
                return draft
        if query.shape == "outline" or (wants_list(query.text) and not wants_quantity(query.text)):
            draft = self.lists(query, corpus, ranked, idf)
            if draft is not None:
                return draft
        return self.sentences(query, corpus, ranked, idf)

    def _empty_section(self, query: Query, corpus: Corpus) -> Draft | None:
        """The question names a section whose text the source lost (001's part 三): say so."""
        for doc_id, section_id in query.sections:
            doc = corpus.documents[doc_id]
            section = doc.section(section_id)
            children = [s for s in doc.sections if s.parent_id == section_id]
            if section is None or children or doc.text[section.heading_end : section.end].strip():
                continue
            cites = Citations(corpus)
            chunk = corpus.chunk_at(doc_id, section.start)
            mark = cites.mark(chunk, section.label) if chunk else ""
            text = T.SECTION_EMPTY.format(speech=speech_label(corpus, doc_id), head=section.label, mark=mark)
            return Draft(text, False, cites, T.NOTICE_INCOMPLETE)
        return None

    def _out_of_scope(self, query: Query, corpus: Corpus, cites: Citations) -> Draft | None:
        unknown = unknown_names(query.text, corpus.search_text)
        if unknown and not has_cjk(query.text):
            return Draft(T.NOT_CHINESE, False, cites, T.NOTICE_NOT_FOUND)
        if unknown:
            return Draft(
                T.UNKNOWN_TOPIC.format(terms="、".join(unknown[:3])), False, cites, T.NOTICE_NOT_FOUND
            )
        return None

    def _undefined_term(self, query: Query, corpus: Corpus) -> Draft | None:
        """A quoted numbered term the speeches use but never spell out ("六个一律"), asked about
        as such: say it is not defined rather than quote the sentence that merely uses it."""
        for match in _QUOTED_TERM_RE.finditer(query.text):
            term = match.group(1)
            for doc_id in query.doc_ids or list(corpus.documents):
                doc = corpus.documents[doc_id]
                at = doc.text.find(term)
                if at < 0:
                    continue
                context = f"{doc.title} {doc.speaker} {doc.text[max(0, at - 300) : at + 300]}"
                if not asks_definition(query.text, [term], context):
                    return None
                cites = Citations(corpus)
                chunk = corpus.chunk_at(doc_id, at)
                mention = _sentence_at(doc, at)
                mark = cites.mark(chunk, mention) if chunk else ""
                text = T.FORMULATION_UNDEFINED.format(prefix="", name=term, mention=mention, mark=mark)
                return Draft(text, False, cites, T.NOTICE_INCOMPLETE)
        return None

    def _definitional(self, query: Query, corpus: Corpus) -> bool:
        names = [m.formulation.name for m in query.formulations]
        names += [i.label for m in query.formulations for i in m.formulation.items if i.label]
        # dict.fromkeys: a formulation 200 speeches repeat names the same words 200 times
        context = " ".join(dict.fromkeys(_formulation_context(corpus, m) for m in query.formulations))
        names = list(dict.fromkeys(names))
        return asks_definition(query.text, names, context)

    # --- numbered formulations -------------------------------------------------------------
    def formulations(self, query: Query, corpus: Corpus) -> Draft:
        cites = Citations(corpus)
        matches = _one_per_doc(query.formulations)
        several = len({m.doc_id for m in matches}) > 1
        lines: list[str] = []
        incomplete: list[FormulationMatch] = []
        # Speeches that define it in the same words share one line (a formulation a bureau repeats
        # every year would otherwise fill the answer with copies); at most MAX_DEFINITIONS lines.
        groups: dict[tuple[str, ...], list[FormulationMatch]] = {}
        for match in matches:
            form = match.formulation
            if not form.items or not form.complete:
                incomplete.append(match)
                continue
            groups.setdefault((compact(form.name), *(compact(i.text) for i in form.items)), []).append(match)
        for group in list(groups.values())[:MAX_DEFINITIONS]:
            match, form = group[0], group[0].formulation
            wanted = [i - 1 for i in query.ordinals if 1 <= i <= len(form.items)]
            picked = wanted or list(range(len(form.items)))
            items = "；".join(self._item(corpus, match.doc_id, form, i, cites) for i in picked)
            prefix = _speeches_prefix(corpus, [m.doc_id for m in group]) if several else ""
            lines.append(T.FORMULATION.format(prefix=prefix, name=form.name, items=items))
        for match in incomplete[: max(0, MAX_DEFINITIONS - len(lines))]:
            lines.append(self._incomplete(corpus, match, cites, several))
        shown = sum(len(g) for g in list(groups.values())[:MAX_DEFINITIONS])
        shown += min(len(incomplete), max(0, MAX_DEFINITIONS - len(groups)))
        if shown < len(matches):
            lines.append(T.MORE_SPEECHES.format(n=len(matches) - shown, name=matches[0].formulation.name))
        answerable = len(incomplete) < len(matches)
        notice = T.NOTICE_INCOMPLETE if incomplete else ""
        names = {compact(m.formulation.name) for m in matches}
        if several and len(names) == 1:
            lines.insert(0, T.SEVERAL_SPEECHES.format(name=matches[0].formulation.name, n=len(matches)))
        return Draft("\n".join(lines), answerable, cites, notice)

    def _item(self, corpus: Corpus, doc_id: str, form: Formulation, i: int, cites: Citations) -> str:
        item = form.items[i]
        chunk = corpus.chunk_at(doc_id, item.start) or corpus.chunk_at(doc_id, max(form.start, 0))
        text = _clip(item.text, ITEM_CHARS)
        label = item.label if item.label and item.label not in text else ""
        body = f"{label}（{text}）" if label else text
        mark = cites.mark(chunk, item.text) if chunk else ""
        ordinal = f"{to_chinese(i + 1)}是" if len(form.items) > 1 and not _starts_numbered(body) else ""
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

    # --- lists of the outline --------------------------------------------------------------
    def lists(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft | None:
        if query.part is not None:
            missing = self._missing_part(query, corpus)
            if missing is not None:
                return missing
        tokens = _tokens(query, idf)
        scored = sorted(
            (
                (score_list(c, query, corpus, ranked, idf, tokens), c)
                for c in _candidates(query, corpus, ranked)
            ),
            key=lambda x: x[0],
            reverse=True,
        )
        if not scored or scored[0][0] < LIST_SCORE:
            return self._part_body(query, corpus) if query.part is not None else None
        best = scored[0][1]
        cites = Citations(corpus)
        doc = corpus.documents[best.doc_id]
        chosen = [best.items[i - 1] for i in query.ordinals if 1 <= i <= len(best.items)] or list(best.items)
        items = "；".join(self._list_item(doc, item.label, item.start, cites) for item in chosen)
        n = to_chinese(len(best.items))
        if best.kind == "root":
            text = T.OUTLINE.format(speech=speech_label(corpus, best.doc_id), n=n, items=items)
        else:
            text = T.LIST.format(head=_list_head(doc, best), n=n, items=items)
        bodiless = [i.label for i in best.items if _has_no_body(doc, i.start)]
        notice = T.NOTICE_INCOMPLETE if bodiless and len(bodiless) == len(best.items) else ""
        return Draft(text, True, cites, notice)

    def _list_item(self, doc: Document, label: str, start: int, cites: Citations) -> str:
        chunk = cites.corpus.chunk_at(doc.doc_id, start)
        mark = cites.mark(chunk, label) if chunk else ""
        return f"{label}{mark}"

    def _missing_part(self, query: Query, corpus: Corpus) -> Draft | None:
        docs = query.doc_ids or []
        if len(docs) != 1 or query.part is None:
            return None
        doc = corpus.documents[docs[0]]
        tops = [s for s in doc.sections if s.parent_id is None]
        if tops and query.part > len(tops):
            text = T.NO_SUCH_PART.format(
                speech=speech_label(corpus, doc.doc_id), part=to_chinese(query.part), n=to_chinese(len(tops))
            )
            return Draft(text, False, Citations(corpus), T.NOTICE_NOT_FOUND)
        return None

    def _part_body(self, query: Query, corpus: Corpus) -> Draft | None:
        if len(query.doc_ids) != 1 or query.part is None:
            return None
        doc = corpus.documents[query.doc_ids[0]]
        tops = [s for s in doc.sections if s.parent_id is None]
        if not 1 <= query.part <= len(tops):
            return None
        section = tops[query.part - 1]
        cites = Citations(corpus)
        body = [s for s in split_sentences(doc.text[section.heading_end : section.end], section.heading_end)]
        if not body:
            return None
        picked = _take(body, MAX_CHARS - 40, 3)
        head = self._list_item(doc, section.label, section.start, cites)
        parts = [f"{_clip(s.text, MAX_CHARS)}{_mark(cites, corpus, doc.doc_id, s)}" for s in picked]
        return Draft(
            T.PART_BODY.format(part=to_chinese(query.part), head=head, body="".join(parts)), True, cites
        )

    # --- who, where, when -------------------------------------------------------------------
    def metadata(self, query: Query, corpus: Corpus) -> Draft:
        """Questions about a speech itself (会议, 日期, 讲话人) are answered from its header."""
        cites = Citations(corpus)
        lines = []
        for doc_id in query.doc_ids:
            doc = corpus.documents[doc_id]
            chunks = corpus.chunks_by_doc.get(doc_id, [])
            header = next((c for c in chunks if c.kind == "body"), None)
            mark = cites.mark(header, header.text[:80]) if header else ""
            fields = {"speaker": doc.speaker, "meeting": doc.meeting, "date": chinese_date(doc.date)}
            details = "，".join(T.META_DETAILS[k].format(v) for k, v in fields.items() if v)
            lines.append(
                T.META.format(speech=f"《{doc.title}》", details=f"：{details}" if details else "", mark=mark)
            )
        return Draft("\n".join(lines), True, cites)

    # --- several speeches ------------------------------------------------------------------
    def cross(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft | None:
        """Each speech gets its say: the speeches with keyword or dense hits are searched one by
        one, and a section whose heading names the topic speaks for its speech."""
        tokens = _tokens(query, idf)
        terms = _content_terms(query, corpus)
        rarest = rarest_of([t.word for t in terms], corpus.search_text)
        focus = _term_survey(query)  # "讲话里说的“专项规划”有哪几个": every speech's uses of the term
        best: dict[str, list[Found]] = {}
        for doc_id, local in _per_speech(query, corpus, ranked, tokens, idf).items():
            found = [
                f
                for f in _candidate_sentences(
                    query, corpus, local, tokens, idf, depth=len(local), headings=True
                )
                if (focus in fold_for_search(f.sentence.text) if focus else _about(f, terms, rarest))
            ]
            if found:
                best[doc_id] = _uses(found, focus) if focus else _speech_pick(corpus.documents[doc_id], found)
        if len(best) < 2:
            return None
        cites = Citations(corpus)
        order = sorted(best, key=lambda d: (corpus.documents[d].date or "9999", corpus.documents[d].title))
        lines = [T.CROSS_HEAD.format(n=len(order))]
        for doc_id in order:
            parts = [
                f"{_focus(f.sentence.text, tokens, rarest, CROSS_CHARS)}{cites.mark(f.chunk, f.sentence.text)}"
                for f in best[doc_id]
            ]
            lines.append(f"{speech_label(corpus, doc_id)}：{''.join(parts)}")
        return Draft("\n".join(lines), True, cites)

    # --- facts and explanations ------------------------------------------------------------
    def sentences(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft:
        cites = Citations(corpus)
        tokens = _tokens(query, idf)
        terms = _content_terms(query, corpus)
        candidates = _candidate_sentences(query, corpus, ranked, tokens, idf, depth=8)
        lead = next((f for f in candidates if self._acceptable(query, terms, f, corpus)), None)
        if lead is None:
            return Draft(T.REFUSAL, False, cites, T.NOTICE_NOT_FOUND)
        masked = _masked_answer(query, terms, lead, corpus)
        if masked is not None:
            text = T.MASKED.format(
                mention=_clip(masked, 120), mark=_mark(cites, corpus, lead.chunk.doc_id, lead.sentence)
            )
            return Draft(text, False, cites, T.NOTICE_INCOMPLETE)
        if _explains(query):
            leads = [f for f in candidates[:12] if f.score >= lead.score * 0.8]
            lead = _best_region(
                corpus, [f for f in leads if self._acceptable(query, terms, f, corpus)], tokens, idf
            )
        doc = corpus.documents[lead.chunk.doc_id]
        each = self._each(query, corpus, terms, candidates, lead)
        if each:
            parts = [(f.sentence, f.chunk.doc_id) for f in each]
            return Draft(
                "".join(f"{_clip(x.text, MAX_CHARS)}{_mark(cites, corpus, d, x)}" for x, d in parts),
                True,
                cites,
            )
        if _explains(query):
            chosen = _from_region(doc, lead, query, tokens, idf)
        else:
            chosen = [lead.sentence, *_continuation(doc, lead, query)]
        # a reason is argued within one speech; facts and measures may differ from speech to speech
        several = not query.doc_ids and not _WHY_RE.search(query.text)
        others = self._other_speeches(query, corpus, lead, candidates, terms) if several else []
        extra: list[Found] = []
        used = sum(len(x.text) for x in chosen)
        for other in candidates:
            if len(chosen) + len(extra) >= 4 or other.score < lead.score * 0.85:
                break
            if other.chunk.doc_id != lead.chunk.doc_id and (others or other.score < lead.score * 0.95):
                continue  # another speech only when it answers as well: mixing speeches confuses
            if used + len(other.sentence.text) > MAX_CHARS or any(
                _same(other.sentence, x) for x in [*chosen, *(e.sentence for e in extra)]
            ):
                continue
            extra.append(other)
            used += len(other.sentence.text)
        # the lead's speech in reading order, then any other speech that answers as well
        own = sorted(
            [*chosen, *(e.sentence for e in extra if e.chunk.doc_id == lead.chunk.doc_id)],
            key=lambda x: x.start,
        )
        parts = [(x, lead.chunk.doc_id) for x in own]
        parts += [(e.sentence, e.chunk.doc_id) for e in extra if e.chunk.doc_id != lead.chunk.doc_id]
        body = "".join(f"{_clip(x.text, MAX_CHARS)}{_mark(cites, corpus, d, x)}" for x, d in parts)
        if others:  # the same thing in several speeches: say what each says, labelled
            rarest = rarest_of([t.word for t in terms], corpus.search_text)
            lines = [f"{speech_label(corpus, lead.chunk.doc_id)}：{body}"]
            for f in others:
                text = _focus(f.sentence.text, tokens, rarest, CROSS_CHARS)
                lines.append(
                    f"{speech_label(corpus, f.chunk.doc_id)}：{text}{cites.mark(f.chunk, f.sentence.text)}"
                )
            body = "\n".join(lines)
        return Draft(body, True, cites)

    def _each(
        self, query: Query, corpus: Corpus, terms: tuple[Term, ...], candidates: list[Found], lead: Found
    ) -> list[Found]:
        """One sentence per entity the question lists ("组织部、宣传部、政法委、编办各自管啥"), from
        the lead's speech, in reading order."""
        alternatives = _alternatives(query)
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
                    and all(not _same(found.sentence, p.sentence) for p in picked.values())
                    and self._acceptable(query, terms, found, corpus)
                ):
                    picked[alt] = found
        return sorted(picked.values(), key=lambda f: f.sentence.start) if len(picked) >= 2 else []

    def _other_speeches(
        self, query: Query, corpus: Corpus, lead: Found, candidates: list[Found], terms: tuple[Term, ...]
    ) -> list[Found]:
        """Other speeches that answer nearly as well about the very term the lead names
        ("学前教育三年行动计划" is 第四期 in 2022, "十四五" in 2023, 新一轮 in 2024): an answer
        that quoted only one would be wrong for the others."""
        rarest = rarest_of([t.word for t in terms], corpus.search_text)
        if rarest is None or term_presence(rarest, fold_for_search(lead.sentence.text)) < 0.9:
            return []
        picked: dict[str, Found] = {}
        for found in candidates:
            if found.score < lead.score * 0.8:
                break
            doc_id = found.chunk.doc_id
            if doc_id == lead.chunk.doc_id or doc_id in picked:
                continue
            if term_presence(rarest, fold_for_search(found.sentence.text)) < 0.9:
                continue
            if self._acceptable(query, terms, found, corpus):
                picked[doc_id] = found
        return list(picked.values())[:MAX_OTHER_SPEECHES]

    def _acceptable(self, query: Query, terms: tuple, found: Found, corpus: Corpus) -> bool:
        if found.score < SENTENCE_SCORE:
            return False
        context = f"{found.sentence.text} {found.chunk.section_path}"
        alternatives = _alternatives(query)
        if alternatives:  # "组织部、宣传部、政法委各自管啥": one of them is the topic of each sentence
            named = any(a in fold_for_search(context) for a in alternatives)
            rest = tuple(t for t in terms if t.word not in alternatives)
            share = (topic_coverage(rest, context, corpus.search_text) * len(rest) + named) / (len(rest) + 1)
            if share < TOPIC_COVERAGE:
                return False
        elif topic_coverage(terms, context, corpus.search_text) < TOPIC_COVERAGE:
            return False
        if lacks_answer_type(query.text, found.sentence.text):
            return False
        if wants_quantity(query.text) or wants_date(query.text):
            # A number answers only if it is about the question's most specific thing, and a
            # number about something the speeches never mention ("学费") cannot be in them.
            words = [t.word for t in terms]
            if any(_corpus_count(w, corpus) == 0 for w in words):
                return False
            rarest = rarest_of(words, corpus.search_text)
            return rarest is None or term_presence(rarest, fold_for_search(found.sentence.text)) >= 0.8
        return True


# --- scoring -----------------------------------------------------------------------------


def score_list(
    cand: ListCandidate,
    query: Query,
    corpus: Corpus,
    ranked: Sequence[Ranked],
    idf: Idf,
    query_tokens: list[str] | None = None,  # _tokens(query, idf), when scoring many lists
) -> float:
    """How well a list answers the question. The question describes the list's parent
    ("推动基础教育优质均衡发展要加快推进哪几方面") and asks for its items, so the heading weighs most;
    words that only name the speech (its title, speaker) are left to the speech filter."""
    doc = corpus.documents[cand.doc_id]
    naming = fold_for_search(f"{doc.title} {doc.speaker} {doc.meeting} {doc.date}")
    query_tokens = _tokens(query, idf) if query_tokens is None else query_tokens
    tokens = [t for t in query_tokens if t not in naming and t not in _LIST_WORDS]
    items = " ".join(i.label for i in cand.items)
    if tokens:
        combined = coverage(tokens, f"{cand.head} {items}", idf)
        # Mostly the heading; but a word every item carries ("哪五个“到位”") describes the list too.
        score = max(0.7 * coverage(tokens, cand.head, idf) + 0.3 * combined, 0.9 * combined)
    else:
        score = 0.5  # the question only names the speech and asks for its parts
    if query.part is not None:
        score += 0.6 if cand.part == query.part else -0.6
    elif cand.kind == "root":
        score += 0.5 if query.shape == "outline" else -1.0
    if cand.doc_id in query.doc_ids:
        score += 0.1
    if (cand.doc_id, cand.section_id) in query.sections and cand.kind != "root":
        score += 0.4  # the question names the very section the list belongs to
    head = list_head(query.text)
    if head and head not in cand.head and sum(head in i.label for i in cand.items) * 2 < len(cand.items):
        score -= 0.5  # "严把哪几关": a list whose items are no 关 is not the one asked for
    counts = [parse_numeral(n) for n in _COUNTED_RE.findall(query.text)]
    if len(cand.items) in counts:
        score += 0.25
    for rank, item in enumerate(ranked[:10]):
        chunk = item.chunk
        if chunk.doc_id == cand.doc_id and chunk.start < cand.end and chunk.end > cand.start:
            score += 0.2 / (rank + 1)
            break
    return score


def _corpus_count(word: str, corpus: Corpus) -> int:
    from assistant.refusal import corpus_count

    return corpus_count(word, corpus.search_text)


def _content_terms(query: Query, corpus: Corpus) -> tuple[Term, ...]:
    """Topic terms minus those that only name a speech (its speaker, title words)."""
    naming = corpus.naming_text
    terms = topic_terms(query.text)
    kept = tuple(t for t in terms if not (t.named and t.word in naming))
    return kept


def _candidates(query: Query, corpus: Corpus, ranked: Sequence[Ranked] = ()) -> list[ListCandidate]:
    """Lists of the named speeches; else of the speeches retrieval found (a list in a speech no
    passage of which ranks is not the answer, and scoring every list grows with the corpus)."""
    named, found = set(query.doc_ids), {r.chunk.doc_id for r in ranked[:LIST_DOCS]}
    # A speaker who gave hundreds of speeches names them all: then the ones retrieval found.
    docs = named if named and (len(named) <= LIST_DOCS or not found) else found
    return [c for c in corpus.lists if c.doc_id in docs] if docs else corpus.lists


def _tokens(query: Query, idf: Idf) -> list[str]:
    """The question's keywords that occur in the corpus: absent words cannot rank anything.
    Words that only name the speech ("推进会议讲话里…") are left to the speech filter: they would
    rank its opening sentences first."""
    tokens = [t for t in tokenize_query(query.text) if idf.frequency.get(t, 0) > 0]
    topical = [t for t in tokens if not any(t in fold_for_search(w) for w in query.naming)]
    return topical or tokens


def _candidate_sentences(
    query: Query,
    corpus: Corpus,
    ranked: Sequence[Ranked],
    tokens: list[str],
    idf: Idf,
    depth: int,
    *,
    headings: bool = False,
) -> list[Found]:
    """Sentences of the top passages, best keyword cover first. Headings ("（九）突出安全稳定…")
    summarise a whole section: they compete (with a small edge) only when `headings` is set."""
    out: list[Found] = []
    seen: set[tuple[str, int]] = set()
    cue = _WHY_CUES if _WHY_RE.search(query.text) else _HOW_CUES if _HOW_RE.search(query.text) else None
    listing = wants_list(query.text)
    head = list_head(query.text) if listing else None
    explains = _explains(query)
    for rank, item in enumerate(ranked[:depth]):
        for sentence, chunk in _body_sentences(corpus, item.chunk):
            key = (chunk.doc_id, sentence.start)
            is_heading = bool(_HEADING_RE.match(sentence.text))
            if key in seen or len(sentence.text) < 6 or (is_heading and not headings):
                continue
            if sentence.text == corpus.documents[chunk.doc_id].title:
                continue
            seen.add(key)
            own = coverage(tokens, sentence.text, idf)
            heading = _innermost_label(corpus.documents[chunk.doc_id], sentence.start)
            framed = coverage(tokens, f"{sentence.text} {chunk.section_path} {heading}", idf)
            # a why/how question often names the heading and asks for what stands under it
            score = (0.5 * own + 0.5 * framed if explains else 0.7 * own + 0.3 * framed) + 0.06 / (rank + 1)
            if explains and coverage(tokens, heading, idf) >= 0.6:
                score += 0.1  # the section is about the topic: its sentences explain it
            if cue is not None and cue.search(sentence.text):
                score += 0.12
            if listing:
                score += _enumerates(head, sentence.text)
            out.append(Found(score + (0.05 if is_heading else 0.0), sentence, chunk))
    out.sort(key=lambda f: f.score, reverse=True)
    return out


def _innermost(doc: Document, offset: int) -> Section | None:
    section_id = innermost_sections(doc.sections, [offset])[0]
    return doc.section(section_id) if section_id else None


def _innermost_label(doc: Document, offset: int) -> str:
    """The heading right above a sentence (a chunk's path may stop a level higher)."""
    section = _innermost(doc, offset)
    return section.label if section else ""


_MASK_RE = re.compile(r"\*+|[XＸ]{2,}")  # the scrape hides names and numbers behind * and XX
_SLOT_RE = re.compile(r"哪个|哪里|哪所|哪家|哪位|是谁|叫什么|什么名字|名称|几加几|什么模式")


def _masked_answer(query: Query, terms: tuple[Term, ...], lead: Found, corpus: Corpus) -> str | None:
    """The clause that would answer a which/how-many question has its value hidden ("中职升本科
    “*+*”试点", "XX县商城镇"): the speech as published does not say, so the answer must not guess.
    Returns the clause's sentence, or None."""
    if not (wants_quantity(query.text) or _SLOT_RE.search(query.text)):
        return None
    rarest = rarest_of([t.word for t in terms], corpus.search_text)
    if rarest is None:
        return None
    for clause in re.split(r"[，；：,;]", lead.sentence.text):
        folded = fold_for_search(clause)
        if rarest in folded and _MASK_RE.search(clause) and not re.search(r"\d", folded):
            return lead.sentence.text
    return None


def _alternatives(query: Query) -> list[str]:
    """The words a question lists with 、 ("组织部、宣传部、政法委、编办")."""
    text = fold_for_search(query.text)
    if "、" not in text:
        return []
    tokens = tokenize_query(query.text)
    return [t for t in dict.fromkeys(tokens) if len(t) >= 2 and (f"{t}、" in text or f"、{t}" in text)]


def _enumerates(head: str | None, text: str) -> float:
    """A list asked for often stands inside one sentence, every item sharing the word the
    question asks about: "严把哪几关" ← "入口关、考核关、监督关、惩处关"; "哪几种方式" ← "以轮岗、
    支教、走教、挂职、跟岗等方式"; "哪几个“把”" ← "把立德树人…，把关键能力…，把身心健康…"."""
    if not head:
        return 0.0
    shared = text.count(head)
    if shared >= 3 or re.search(
        rf"(?:[^、，。；]{{1,12}}、){{2,}}[^、，。；]{{1,12}}等{re.escape(head)}", text
    ):
        return 0.4
    return 0.1 if shared == 2 else 0.0


def _body_sentences(corpus: Corpus, chunk: Chunk) -> list[tuple[Sentence, Chunk]]:
    """Sentences of a chunk with offsets in the document; composed chunks (outline, heading lists)
    are mapped back onto the body chunk that really holds each sentence."""
    if chunk.kind == "body":
        return [(s, chunk) for s in split_sentences(chunk.text, chunk.start)]
    doc = corpus.documents[chunk.doc_id]
    out = []
    for s in split_sentences(chunk.text):
        offset = doc.text.find(s.text)
        body = corpus.chunk_at(chunk.doc_id, offset) if offset >= 0 else None
        if body is not None:
            out.append((Sentence(s.text, offset, offset + len(s.text)), body))
    return out


def _about(found: Found, terms: tuple[Term, ...], rarest: str | None) -> bool:
    """The sentence (with its section path) covers the topic, and the sentence itself names its
    most specific word (a path's "教育" and a sentence's "职业" do not make "职业教育")."""
    context = fold_for_search(f"{found.sentence.text} {found.chunk.section_path}")
    if rarest is not None and term_presence(rarest, context) < 0.8:
        return False
    return topic_coverage(terms, context) >= TOPIC_COVERAGE


_CLAUSE_RE = re.compile(r"[^，、：,]*[，、：,]?")


def _focus(text: str, tokens: list[str], rarest: str | None, limit: int) -> str:
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
        return _clip(clauses[first], limit)
    shown = ("…" if first else "") + out.rstrip("，、：,")
    return shown + ("…" if len(out) < len("".join(clauses[first:])) else "")


MAX_OTHER_SPEECHES = 4  # a fact or explanation quotes at most this many further speeches
MAX_SPEECHES = 8  # a cross-speech answer names at most this many speeches (the best-matching ones)


def _per_speech(
    query: Query, corpus: Corpus, ranked: Sequence[Ranked], tokens: list[str], idf: Idf
) -> dict[str, list[Ranked]]:
    """Passages to search, per speech: its best keyword hits, its dense/fused hits, and the
    sections whose heading covers the question ("（九）突出安全稳定，着力创建平安和谐校园" for
    校园安全). One keyword search over the corpus, not one per speech: cost stays flat in the
    number of speeches."""
    scope = set(query.doc_ids)
    allowed = {c.chunk_id for d in scope for c in corpus.chunks_by_doc.get(d, [])} if scope else None
    local: dict[str, list[Ranked]] = {}
    for cid, score in corpus.keyword.search(tokenize_query(query.text), 300, allowed):
        hits = local.setdefault(corpus.chunks[cid].doc_id, [])
        if len(hits) < 3:
            hits.append(Ranked(corpus.chunks[cid], score))
    for item in ranked:
        if not scope or item.chunk.doc_id in scope:
            local.setdefault(item.chunk.doc_id, []).append(item)
    docs = list(local)[:MAX_SPEECHES] if not scope else list(local)
    for doc_id in docs:
        doc = corpus.documents[doc_id]
        for section in doc.sections:
            if coverage(tokens, section.title, idf) >= 0.5:
                chunk = corpus.chunk_at(doc_id, section.start)
                if chunk is not None:
                    local[doc_id].insert(0, Ranked(chunk, 0.0))
    return {d: local[d] for d in docs}


def _speech_pick(doc: Document, found: list[Found]) -> list[Found]:
    """A speech's line: its best sentence, and what else it says on the topic. A heading says
    what the speech wants in a few words; the best sentence under it says how."""
    first = found[0]
    if _HEADING_RE.match(first.sentence.text) or _is_heading(doc, first.sentence.start):
        start, end = _region(doc, first.sentence.end)
        under = [f for f in found[1:] if start <= f.sentence.start < end]
        if under:
            return [first, under[0]]
    return _two_distinct(found)


def _is_heading(doc: Document, offset: int) -> bool:
    return any(s.start == offset for s in doc.sections)


_SURVEY_RE = re.compile(r"讲话里|讲话中|各篇|几篇|哪些讲话|都是|分别|都指|都有")
_QUOTED_RE = re.compile(r"[“\"‘'《]([^”\"’'》]{2,12})[”\"’'》]")


def _term_survey(query: Query) -> str:
    """The quoted term a question asks about across the speeches ("讲话里提到的《实施意见》是关于
    什么的？"), folded; "" when the question is not such a survey."""
    if query.formulations or not _SURVEY_RE.search(query.text):
        return ""
    found = _QUOTED_RE.search(query.text)
    return fold_for_search(found.group(1)) if found else ""


def _uses(found: list[Found], term: str) -> list[Found]:
    """A speech's different uses of a term: the best sentence, then one whose words around the
    term differ ("寄宿制学校标准化建设" and "中职学校标准化建设")."""
    picked = [found[0]]
    context = _around(found[0].sentence.text, term)
    for other in found[1:]:
        if not _same(other.sentence, picked[0].sentence) and _around(other.sentence.text, term) != context:
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
        if not _same(other.sentence, picked[0].sentence) and other.score >= found[0].score * 0.7:
            picked.append(other)
            break
    return sorted(picked, key=lambda f: f.sentence.start)


def _continuation(doc: Document, lead: Found, query: Query) -> list[Sentence]:
    """The sentences that follow the lead in its paragraph: the "why" and "how" after a claim."""
    line_end = doc.text.find("\n", lead.sentence.end)
    end = len(doc.text) if line_end < 0 else line_end
    following = split_sentences(doc.text[lead.sentence.end : end], lead.sentence.end)
    limit = 1 if query.shape == "fact" else 3
    return _take(following, MAX_CHARS - len(lead.sentence.text), limit)


def _explains(query: Query) -> bool:
    return query.shape == "explanation" or bool(_WHY_RE.search(query.text) or _HOW_RE.search(query.text))


def _from_region(doc: Document, lead: Found, query: Query, tokens: list[str], idf: Idf) -> list[Sentence]:
    """A why/how answer is the lead plus the best sentences of its section: speeches state a
    heading, then the problem ("近年来…无序发展，问题频发"), then the measures, often across
    paragraphs, so the reason is rarely the sentence right after the best match."""
    start, end = _region(doc, lead.sentence.start)
    why, how = (
        bool(_WHY_RE.search(query.text)),
        bool(_HOW_RE.search(query.text)) or not _WHY_RE.search(query.text),
    )
    # A reason rarely repeats the question's words: its cue weighs most when only the reason is asked.
    why_bonus = 1.0 if why and not how else 0.5
    scored: list[tuple[float, Sentence]] = []
    for s in split_sentences(doc.text[start:end], start):
        if _same(s, lead.sentence) or len(s.text) < 6 or _HEADING_RE.match(s.text):
            continue
        score = coverage(tokens, s.text, idf)
        score += (why_bonus if why and _WHY_CUES.search(s.text) else 0.0) + (
            0.25 if how and _HOW_CUES.search(s.text) else 0.0
        )
        if how and 0 <= s.start - lead.sentence.end <= 2:
            score += 0.15  # what directly follows a measure carries it on; a reason may stand anywhere
        scored.append((score, s))
    scored.sort(key=lambda x: x[0], reverse=True)
    chosen = [lead.sentence]
    budget = MAX_CHARS - len(lead.sentence.text)
    for score, s in scored:
        if len(chosen) >= 4 or score < 0.1:
            break
        if len(s.text) <= budget:
            chosen.append(s)
            budget -= len(s.text)
    return sorted(chosen, key=lambda x: x.start)


def _best_region(corpus: Corpus, leads: list[Found], tokens: list[str], idf: Idf) -> Found:
    """Among near-best sentences, the one whose section as a whole covers the question: a
    two-part question ("为什么一直减不下来，学校首先该怎么做") is answered where both parts stand."""

    def whole(found: Found) -> float:
        doc = corpus.documents[found.chunk.doc_id]
        start, end = _region(doc, found.sentence.start)
        return found.score + 0.5 * coverage(
            tokens, f"{_innermost_label(doc, found.sentence.start)} {doc.text[start:end]}", idf
        )

    return max(leads, key=whole)


def _region(doc: Document, offset: int) -> tuple[int, int]:
    """The body around `offset` that belongs to one heading: the innermost section holding it,
    without its sub-sections; the paragraph when the speech has no outline there."""
    section = _innermost(doc, offset)
    if section is not None:
        children = [c for c in doc.sections if c.parent_id == section.section_id]
        start = max([section.heading_end] + [c.end for c in children if c.end <= offset])
        end = min([section.end] + [c.start for c in children if c.start > offset])
        if end - start <= 2000:
            return start, end
    line_start = doc.text.rfind("\n", 0, offset) + 1
    line_end = doc.text.find("\n", offset)
    return line_start, len(doc.text) if line_end < 0 else line_end


def _take(sentences: list[Sentence], budget: int, limit: int) -> list[Sentence]:
    out: list[Sentence] = []
    for s in sentences:
        if len(out) >= limit or len(s.text) > budget:
            break
        out.append(s)
        budget -= len(s.text)
    return out


def _mark(cites: Citations, corpus: Corpus, doc_id: str, sentence: Sentence) -> str:
    chunk = corpus.chunk_at(doc_id, sentence.start)
    return cites.mark(chunk, sentence.text) if chunk else ""


def _list_head(doc: Document, cand: ListCandidate) -> str:
    section = doc.section(cand.section_id)
    if section is None:
        return "讲话"
    return section.label if cand.kind == "section" else f"{section.label}中"


def _has_no_body(doc: Document, start: int) -> bool:
    section = next((s for s in doc.sections if s.start == start), None)
    return section is not None and not doc.text[section.heading_end : section.end].strip()


def _formulation_context(corpus: Corpus, match: FormulationMatch) -> str:
    doc = corpus.documents[match.doc_id]
    form = match.formulation
    section = doc.section(form.section_id)
    around = doc.text[max(0, form.start - 300) : form.end + 300]
    return f"{doc.title} {doc.speaker} {doc.meeting} {section.label if section else ''} {around}"


def _speeches_prefix(corpus: Corpus, doc_ids: list[str]) -> str:
    """ "《A》（…）：" for one speech; "《A》（…）等3篇讲话（表述相同）：" for several that say it alike."""
    label = speech_label(corpus, doc_ids[0])
    return f"{label}等{len(doc_ids)}篇讲话（表述相同）：" if len(doc_ids) > 1 else f"{label}："


def _one_per_doc(matches: list[FormulationMatch]) -> list[FormulationMatch]:
    """If a speech defines the same name twice, keep its most complete definition."""
    best: dict[tuple[str, str], FormulationMatch] = {}
    for m in matches:
        key = (m.doc_id, compact(m.formulation.name))
        current = best.get(key)
        if current is None or len(m.formulation.items) > len(current.formulation.items):
            best[key] = m
    return list(best.values())


def _sentence_at(doc: Document, offset: int) -> str:
    for sentence in split_sentences(doc.text[max(0, offset - 200) : offset + 200], max(0, offset - 200)):
        if sentence.start <= offset < sentence.end:
            return _clip(sentence.text, 120)
    return _clip(doc.text[offset : offset + 80], 80)


def _same(a: Sentence, b: Sentence) -> bool:
    return (a.start < b.end and b.start < a.end) or a.text == b.text


def _starts_numbered(text: str) -> bool:
    return bool(re.match(r"[一二三四五六七八九十]+[是要、]|[（(][一二三四五六七八九十]", text))


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
