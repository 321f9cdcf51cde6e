"""PolicyAssistant: question → retrieve → answer → verify citations → Answer."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant import templates as T
from assistant.citing import to_passage
from assistant.corpus import Corpus, CorpusCache
from assistant.extractive import Draft, ExtractiveAnswerer
from assistant.query import (
    Query,
    compact,
    detect_shape,
    item_ordinals,
    match_formulations,
    named_sections,
    naming,
    ordinal_part,
)
from assistant.records import Answer, Passage
from assistant.retriever import HybridRetriever, Ranked
from assistant.sentences import Idf
from assistant.topic import topic_terms
from assistant.verify import verify
from errors import DocumentNotFoundError, InvalidQuestionError
from ingest.normalize import fold_for_search
from ingest.tokens import tokenize_query
from vectorstore.base import VectorStore

MAX_QUESTION_CHARS = 2000  # longer input is cut: no speech question needs more, and it bounds latency
_SENTENCE_RE = re.compile(r"[^。；！？\n]*(?:[。；！？\n]|$)")
_FOLLOW_UP_RE = re.compile(
    r"^(那|那么|其中|它|这个|这些|上述|前者|后者)|第[一二三四五六七八九十\d]+(个|项|条|点)|具体"
)
_ORDINAL_PHRASE_RE = re.compile(r"第[一二三四五六七八九十\d]{1,3}(个|项|条|点|是)?")
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
        query = self._follow_item(text, history, corpus, doc_ids) or self.understand(
            contextualize(text, history), corpus, doc_ids
        )
        depth = 40 if query.shape == "cross" else 12  # a cross answer looks for every speech's passages
        ranked = self._retriever.retrieve(query, corpus, max(top_k, depth), query.doc_ids or None)
        return _Prepared(text, corpus, query, ranked, _idf(corpus), top_k)

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
        )

    def _follow_item(
        self, text: str, history: Sequence[Turn], corpus: Corpus, doc_ids: Sequence[str] | None
    ) -> Query | None:
        """ "第二个具体怎么做？" after "两个保障是什么？" → a question about 教师保障 in that speech."""
        ordinals = item_ordinals(text)
        if not history or len(ordinals) != 1:
            return None
        previous = self.understand(history[-1].question, corpus, doc_ids)
        if not previous.formulations:
            return None
        match = previous.formulations[0]
        items = match.formulation.items
        if not 1 <= ordinals[0] <= len(items):
            return None
        item = items[ordinals[0] - 1]
        rest = _ORDINAL_PHRASE_RE.sub("", text)
        return self.understand(f"{item.label or item.text[:20]}{rest}", corpus, [match.doc_id])

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

    A follow-up that names no topic of its own inherits the previous question's, so retrieval and
    formulation matching see both.
    """
    if not history:
        return question
    previous = history[-1].question
    if _FOLLOW_UP_RE.search(question) or (len(compact(question)) <= 8 and not topic_terms(question)):
        return f"{previous} {question}"  # a follow-up with no topic of its own ("那第二个呢？")
    return question


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
    return text[:MAX_QUESTION_CHARS]


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
