"""PolicyAssistant: question → retrieve → answer → verify citations → Answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from assistant import templates as T
from assistant.citing import to_passage
from assistant.corpus import Corpus, CorpusCache
from assistant.cues import REFERS_BACK, SIBLING, read_cues
from assistant.extractive import Draft, ExtractiveAnswerer
from assistant.numerals import parse_numeral, to_chinese
from assistant.query import (
    Query,
    compact,
    detect_shape,
    item_ordinals,
    match_formulations,
    named_sections,
    naming,
    ordinal_part,
    without_asking,
)
from assistant.records import Answer, AnswerItem, Passage
from assistant.retriever import HybridRetriever, Ranked
from assistant.sentences import Idf
from assistant.strategies.focused import asks_whole_item
from assistant.synonyms import FOLLOW_UP_WORDS
from assistant.topic import topic_terms
from assistant.verify import verify
from errors import DocumentNotFoundError, InvalidQuestionError
from ingest.normalize import fold_for_search
from ingest.tokens import tokenize_query
from vectorstore.base import VectorStore

MAX_QUESTION_CHARS = 1000  # longer input is refused, never cut: no speech question needs more
_SENTENCE_RE = re.compile(r"[^。；！？\n]*(?:[。；！？\n]|$)")
_FOLLOW_UP_RE = re.compile(
    r"^(那|那么|其中|它|这个|这些|上述|前者|后者)|第[一二三四五六七八九十\d]+(个|项|条|点)|具体"
)
_ORDINAL_PHRASE_RE = re.compile(r"第[一二三四五六七八九十\d]{1,3}(句话|个|项|条|点|是)?")
_SENTENCE_END_RE = re.compile(r"[。！？；!?;]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Answerer(Protocol):
    mode: str

    def answer(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft: ...


class PolicyAssistant:
    def __init__(self, store: VectorStore, answerer: Answerer | None = None, *, depth: int = 30) -> None:
        self._store = store
        self._corpus = CorpusCache(store)
        self._retriever = HybridRetriever(store, depth=depth)
        self._answerer: Answerer = answerer or _Extractive()

    def corpus(self) -> Corpus:
        return self._corpus.get()

    def ask(
        self,
        question: str,
        *,
        top_k: int = 5,
        doc_ids: Sequence[str] | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        """Answer one question; `history` holds earlier turns of this conversation (oldest first)."""
        prepared = self._prepare(question, top_k, doc_ids, history)
        draft = self._answerer.answer(prepared.query, prepared.corpus, prepared.ranked, prepared.idf)
        return self._finish(prepared, draft)

    def stream(
        self,
        question: str,
        *,
        top_k: int = 5,
        doc_ids: Sequence[str] | None = None,
        history: Sequence[Turn] = (),
    ) -> Iterator[str | Answer]:
        """Yield the answer text as it grows (str, the whole text so far), then the verified Answer.

        A generative answerer streams the model's words as they come; the final Answer is
        authoritative (the citation check may drop a sentence that was already shown).
        """
        prepared = self._prepare(question, top_k, doc_ids, history)
        streamer = getattr(self._answerer, "stream", None)
        if streamer is None:
            answer = self._finish(prepared, self._answerer.answer(*prepared.args()))
            shown = ""
            for piece in _SENTENCE_RE.findall(answer.answer):
                shown += piece
                yield shown
            yield answer
            return
        shown = ""
        for event in streamer(*prepared.args()):
            if isinstance(event, str):
                shown += event
                yield shown
            else:
                yield self._finish(prepared, event)
                return

    def _prepare(
        self, question: str, top_k: int, doc_ids: Sequence[str] | None, history: Sequence[Turn]
    ) -> _Prepared:
        text = clean_question(question)
        corpus = self._corpus.get()
        scope = list(dict.fromkeys(doc_ids or []))
        if doc_ids is not None and not scope:
            raise InvalidQuestionError(T.EMPTY_SCOPE)
        query = self._resolve(text, history, corpus, scope)
        depth = 40 if query.shape == "cross" else 12  # a cross answer looks for every speech's passages
        ranked = self._retriever.retrieve(query, corpus, max(top_k, depth), query.doc_ids or None)
        return _Prepared(text, corpus, query, ranked, _idf(corpus), top_k)

    def _resolve(self, text: str, history: Sequence[Turn], corpus: Corpus, scope: list[str]) -> Query:
        """Read the question, resolving a follow-up against the previous turn: an item of the list
        it answered ("第二个具体怎么做？", "托幼一体化那块呢"), a section of its speech, or its speech
        ("那第三部分呢？"). A follow-up with nothing to follow is marked unresolved: the answer asks
        which one is meant."""
        own = self.understand(text, corpus, scope)
        reference = pointing_back(text, own)
        if not reference and history and not own.doc_ids and REFERS_BACK.search(text):
            reference = compact(text)[:6]
        if history and not own.doc_ids and not own.formulations:
            item = self._follow_item(text, history, corpus, scope)
            if item is not None:
                return item
        if not reference:
            return self._in_previous_section(own, history, corpus, scope)
        if not history:
            return replace(own, unresolved=reference) if _needs_context(own, corpus, scope) else own
        if item_ordinals(text) and own.part is None and _needs_context(own, corpus, scope):
            return replace(own, unresolved=reference)  # "第二条" after an answer that listed nothing
        query = self.understand(contextualize(text, history), corpus, scope)
        speech = _previous_speech(history, lambda: self.understand(history[-1].question, corpus, scope))
        if own.doc_ids or speech is None:
            return (
                query
                if speech is not None or not _needs_context(own, corpus, scope)
                else replace(own, unresolved=reference)
            )
        # the previous turn was about one speech: the follow-up stays in it
        return self._in_previous_section(
            replace(query, doc_ids=[speech], sections=[s for s in query.sections if s[0] == speech]),
            history,
            corpus,
            scope,
        )

    def _in_previous_section(
        self, query: Query, history: Sequence[Turn], corpus: Corpus, scope: list[str]
    ) -> Query:
        """A follow-up naming one section of the speech the previous turn was about ("县中振兴工程
        具体咋搞" after that report's outline) is about that section."""
        if not history or (query.doc_ids and len(query.doc_ids) != 1):
            return query
        speech = _previous_speech(history, lambda: self.understand(history[-1].question, corpus, scope))
        named = [s for s in query.sections if s[0] == speech]
        if speech is None or len(named) != 1 or (query.doc_ids and query.doc_ids != [speech]):
            return query
        return replace(query, doc_ids=[speech], focus=named[0], asked=query.text)

    def _finish(self, prepared: _Prepared, draft: Draft) -> Answer:
        answer_text, citations = verify(
            draft.answer, draft.citations.citations, drop_unsupported=self._answerer.mode != "extractive"
        )
        if draft.answerable and not citations:
            answer_text, draft.answerable, draft.notice = T.REFUSAL, False, T.NOTICE_NOT_FOUND
        cited = [c.passage for c in citations]
        return Answer(
            question=prepared.text,
            answer=answer_text,
            answerable=draft.answerable,
            citations=citations,
            passages=_passages(prepared.corpus, prepared.ranked, cited, prepared.top_k, draft),
            mode=self._answerer.mode,
            notice=draft.notice,
            items=list(draft.items),
        )

    def _follow_item(
        self, text: str, history: Sequence[Turn], corpus: Corpus, doc_ids: Sequence[str] | None
    ) -> Query | None:
        """ "第二个具体怎么做？" or "托幼一体化那块呢" after an answer that listed items → a question
        about that item, in its speech and its own passage."""
        if not history:
            return None
        # "第二个", or a container "第二句话里…" / "第一条中…": the item the earlier answer listed
        ordinals = item_ordinals(text) or _container_ordinals(text)
        turn = _listing_turn(history, ordinals, SIBLING.search(text) is not None)
        items = _listed_items(turn, lambda: self.understand(turn.question, corpus, doc_ids))
        index: int | None = None
        if len(ordinals) == 1 and 1 <= ordinals[0] <= len(items):
            index = ordinals[0] - 1
        elif not ordinals:
            index = _named_item(text, items)
        else:
            return None
        if index is None or items[index].doc_id not in corpus.documents:
            return None
        item = items[index]
        rest = _CONTAINER_RE.sub("", _ORDINAL_PHRASE_RE.sub("", text))
        # "第三句话里老师住房怎么解决" asks about its own words inside the item, not the item's
        specific = not asks_whole_item(rest, item.label)
        query = self.understand(rest if specific else f"{item.label}{rest}", corpus, [item.doc_id])
        section_id = item.section_id or _section_at(corpus, item)
        if section_id is not None:
            return replace(
                query, sections=[(item.doc_id, section_id)], focus=(item.doc_id, section_id), asked=rest
            )
        span = _item_span(corpus, items, index)
        if not _SENTENCE_END_RE.search(corpus.documents[item.doc_id].text[span[0] : span[1]]):
            # an item named in a run ("聚焦A、聚焦B…") is spelled out elsewhere in its speech
            found = _elaboration(corpus, items, index)
            if found is None:
                return query
            span = found
        return replace(query, focus=(item.doc_id, ""), span=span, asked=rest)

    def understand(self, text: str, corpus: Corpus, doc_ids: Sequence[str] | None = None) -> Query:
        documents = corpus.documents
        if doc_ids:
            wanted = set(doc_ids)
            unknown = wanted - set(documents)
            if unknown:
                raise DocumentNotFoundError(sorted(unknown)[0])
            documents = {d: doc for d, doc in documents.items() if d in wanted}
        # the corpus-wide indexes when the whole corpus is in play; a small one for a filtered few
        named, naming_words = naming(text, documents, None if doc_ids else corpus.titles)
        scope = named or list(doc_ids or [])
        speakers = {
            documents[d].speaker for d in named if documents[d].speaker and documents[d].speaker[-2:] in text
        }
        candidates = corpus.formulation_index.candidates(compact(text))
        in_scope = set(scope)  # hundreds of speeches when a speaker is named: not a list scan per match
        formulations = [(d, f) for d, f in candidates if not in_scope or d in in_scope]
        return Query(
            scope=list(doc_ids or []),
            text=text,
            folded=fold_for_search(text),
            # several speeches only when the question names their speakers: a title two speeches
            # share ("教育质量提升行动") names a topic, not a comparison
            # the shape is read without the words that name the speech ("讲话提纲" is a title)
            shape="cross" if len(speakers) >= 2 else detect_shape(_without(text, naming_words)),
            doc_ids=scope,
            formulations=match_formulations(text, formulations),
            part=ordinal_part(text),
            ordinals=item_ordinals(text),
            sections=named_sections(
                text, {d: corpus.documents[d] for d in scope} if scope else corpus.documents, corpus.headings
            ),
            naming=naming_words,
        )


@dataclass(frozen=True)
class _Prepared:
    """Everything an answerer needs for one question."""

    text: str
    corpus: Corpus
    query: Query
    ranked: list[Ranked]
    idf: Idf
    top_k: int

    def args(self) -> tuple[Query, Corpus, list[Ranked], Idf]:
        return self.query, self.corpus, self.ranked, self.idf


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: Answer | None = None


def contextualize(question: str, history: Sequence[Turn]) -> str:
    """Resolve a follow-up against the previous turn ("第二个具体怎么做？" after "两个保障是什么？").

    A follow-up that names no topic of its own inherits the previous question ("那第三部分呢？");
    one with words of its own ("它要到哪年完成") inherits only the previous question's topic, not the
    way it asked (its "哪几个" would make the follow-up a list question).
    """
    if not history:
        return question
    previous = history[-1].question
    if _FOLLOW_UP_RE.search(question) or (len(compact(question)) <= 8 and not topic_terms(question)):
        if not own_words(question):
            return f"{previous} {question}"  # a follow-up with no topic of its own ("那第二个呢？")
        return f"{without_asking(previous)} {question}"
    return question


_CONTAINER_RE = re.compile(
    r"第([一二三四五六七八九十\d]{1,3})(?:句话|个方面|方面|条|点|个|项|部分)?(?:的)?[里中下]"
)


def _container_ordinals(text: str) -> list[int]:
    return [n for n in (parse_numeral(m.group(1)) for m in _CONTAINER_RE.finditer(text)) if n]


def _section_at(corpus: Corpus, item: AnswerItem) -> str | None:
    """The section an item heads (a formulation carried by headings: "第一个关键：…")."""
    doc = corpus.documents[item.doc_id]
    return next((s.section_id for s in doc.sections if s.start <= item.start < s.heading_end), None)


def _listing_turn(history: Sequence[Turn], ordinals: list[int], sibling: bool) -> Turn:
    """The turn whose list an ordinal follow-up counts in: the previous one, or — when that was
    itself "第二个…" and this one asks for another ("还有呢，第三个呢") — the one before it."""
    last = history[-1]
    if (
        len(history) < 2
        or not ordinals
        or not (item_ordinals(last.question) or _container_ordinals(last.question))
    ):
        return last
    listed = len(last.answer.items) if last.answer is not None else 0
    return history[-2] if sibling or not 1 <= ordinals[0] <= listed else last


def _listed_items(turn: Turn, read_again: Callable[[], Query]) -> list[AnswerItem]:
    """The items the earlier answer listed; else (an answer that listed none, or the API's history
    without answers) the items of the formulation the earlier question asked about."""
    if turn.answer is not None and turn.answer.items:
        return list(turn.answer.items)
    previous = read_again()
    if not previous.formulations:
        return []
    match = previous.formulations[0]
    return [AnswerItem(i.label or i.text[:20], match.doc_id, i.start) for i in match.formulation.items]


def _named_item(text: str, items: Sequence[AnswerItem]) -> int | None:
    """The one listed item the follow-up names by its words ("托幼一体化那块" → "（二）积极稳妥推进托幼一体化"):
    the item sharing the longest run of characters with the question, at least three, and no tie."""
    question = compact(text)
    runs = [_longest_run(question, compact(item.label)) for item in items]
    best = max(runs, default=0)
    if best < 3 or runs.count(best) != 1:
        return None
    return runs.index(best)


def _longest_run(a: str, b: str) -> int:
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] not in b:
                break
            best = j - i
    return best


def _elaboration(corpus: Corpus, items: Sequence[AnswerItem], index: int) -> tuple[int, int] | None:
    """The paragraph that spells out an item named in a run: the one whose first sentence holds
    most of what sets the item apart from the others ("聚焦校车和上下学交通安全" → "其次，要抓好校车和
    上下学交通安全。…"), at least two thirds of it."""
    item = items[index]
    labels = [compact(i.label) for i in items if i.doc_id == item.doc_id]
    common = _common_prefix(labels) if len(labels) > 1 else 0
    own = compact(item.label)[common:]
    if len(own) < 3:
        return None
    text = corpus.documents[item.doc_id].text
    best, where = 0, None
    offset = 0
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if start <= item.start < offset:
            continue  # the run itself
        lead = compact(_SENTENCE_END_RE.split(line, 1)[0])
        run = _longest_run(own, lead)
        if run > best:
            best, where = run, (start, start + len(line))
    return where if best * 3 >= len(own) * 2 else None


def _common_prefix(texts: list[str]) -> int:
    return next(
        (i for i, chars in enumerate(zip(*texts, strict=False)) if len(set(chars)) > 1), min(map(len, texts))
    )


def _item_span(corpus: Corpus, items: Sequence[AnswerItem], index: int) -> tuple[int, int]:
    """An inline item (一是…) runs to the next item of the list, or to the end of its paragraph."""
    item = items[index]
    text = corpus.documents[item.doc_id].text
    end = text.find("\n", item.start)
    end = len(text) if end < 0 else end
    following = [i.start for i in items[index + 1 :] if i.doc_id == item.doc_id and i.start > item.start]
    return item.start, min([end, *following[:1]])


_POINTER_RE = re.compile(
    r"第[一二三四五六七八九十\d]{1,3}(?:个|项|条|点|是|句话|部分|方面)?|[？?，,。！!\s]|"
    + "|".join(
        sorted(
            (*FOLLOW_UP_WORDS, "那么", "那", "这些", "它", "上述", "前者", "后者", "还有", "了", "的", "是"),
            key=len,
            reverse=True,
        )
    )
)


def own_words(text: str) -> str:
    """What a follow-up says of its own, without the words that point back or ask ("那第二个具体呢" → "")."""
    return _POINTER_RE.sub("", compact(text))


def pointing_back(text: str, query: Query) -> str:
    """What a question points back to when it cannot stand alone ("第二个", "第三部分", "那…"), or ""."""
    cues = read_cues(text)
    ordinal = _ORDINAL_PHRASE_RE.search(text)
    names_own = bool(query.formulations or query.sections or query.doc_ids)
    if names_own and not (cues.points_back and not topic_terms(_ORDINAL_PHRASE_RE.sub("", text))):
        return ""
    if query.part is not None and not query.doc_ids:
        return f"第{to_chinese(query.part)}部分"
    if ordinal and not query.formulations:
        return ordinal.group(0)
    if cues.points_back or (len(compact(text)) <= 8 and not topic_terms(text)):
        return compact(text)[:6]
    return ""


def _needs_context(query: Query, corpus: Corpus, scope: list[str]) -> bool:
    """Without an earlier turn, the question cannot tell which speech or item it means: it names
    none of its own, and there is more than one speech to choose from."""
    if len(scope or corpus.documents) <= 1 and query.part is not None:
        return False
    return (
        not query.formulations
        and not query.sections
        and not topic_terms(_ORDINAL_PHRASE_RE.sub("", query.text))
    )


def _previous_speech(history: Sequence[Turn], read_previous: Callable[[], Query]) -> str | None:
    """The one speech the previous turn was about: its answer cites only that speech, or its
    question named only that one (read again only when the answer does not tell)."""
    answer = history[-1].answer
    cited = {c.passage.doc_id for c in answer.citations} if answer is not None else set()
    if len(cited) == 1:
        return next(iter(cited))
    previous = read_previous()
    if len(previous.doc_ids) == 1:
        return previous.doc_ids[0]
    return None


class _Extractive(ExtractiveAnswerer):
    mode = "extractive"


def _without(text: str, words: Sequence[str]) -> str:
    for word in words:
        text = text.replace(word, " ")
    return text


def clean_question(question: str) -> str:
    if not isinstance(question, str):
        raise InvalidQuestionError("问题必须是文字。")
    text = _CONTROL_RE.sub("", question).strip()
    if not compact(text):
        raise InvalidQuestionError(T.EMPTY_QUESTION)
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(T.QUESTION_TOO_LONG.format(n=len(text), limit=MAX_QUESTION_CHARS))
    return text


def _idf(corpus: Corpus) -> Idf:
    keyword = corpus.keyword

    class _Frequency(dict[str, int]):
        def get(self, token: str, default: int | None = 0) -> int:  # type: ignore[override]
            return keyword.document_frequency(token)

    return Idf(len(keyword), _Frequency())


def _passages(
    corpus: Corpus, ranked: Sequence[Ranked], cited: list[Passage], top_k: int, draft: Draft
) -> list[Passage]:
    """Cited passages first, in citation order (they are what the answer stands on, and
    passage i is citation i+1 for a UI), then the retrieval ranking."""
    out: list[Passage] = []
    seen: set[str] = set()
    for passage in cited:
        if passage.chunk_id not in seen:
            seen.add(passage.chunk_id)
            out.append(passage)
    for item in ranked:
        if len(out) >= max(top_k, len(cited)):
            break
        if item.chunk.chunk_id not in seen:
            seen.add(item.chunk.chunk_id)
            out.append(to_passage(corpus, item.chunk, item.score))
    return out


__all__ = ["PolicyAssistant", "clean_question", "tokenize_query"]
