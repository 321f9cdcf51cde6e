"""PolicyAssistant: question → retrieve → answer → verify citations → Answer."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from assistant import templates as T
from assistant.citing import to_passage
from assistant.corpus import Corpus, CorpusCache
from assistant.cues import REFERS_BACK, SIBLING
from assistant.extractive import Draft, ExtractiveAnswerer
from assistant.followup import (
    CONTAINER_RE,
    ORDINAL_PHRASE_RE,
    SENTENCE_END_RE,
    Turn,
    asks_anew,
    container_ordinals,
    contextualize,
    elaboration,
    item_span,
    listed_items,
    listing_turn,
    named_item,
    needs_context,
    pointing_back,
    previous_speech,
    section_at,
)
from assistant.formulation_match import match_formulations
from assistant.query import (
    Query,
    compact,
    detect_shape,
    item_ordinals,
    list_head,
    named_sections,
    naming,
    ordinal_part,
)
from assistant.records import Answer, Passage
from assistant.retriever import HybridRetriever, Ranked
from assistant.sentences import Idf
from assistant.similarity import SentenceSimilarity
from assistant.strategies.common import body_sentences
from assistant.strategies.focused import asks_whole_item
from assistant.verify import verify
from core.embeddings import Embedder
from core.normalize import fold_for_search
from core.store import VectorStore
from core.tokens import tokenize_query
from errors import DocumentNotFoundError, InvalidQuestionError

MAX_QUESTION_CHARS = 1000  # longer input is refused, never cut: no speech question needs more
_SENTENCE_RE = re.compile(r"[^。；！？\n]*(?:[。；！？\n]|$)")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Answerer(Protocol):
    mode: str

    def answer(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft: ...


class PolicyAssistant:
    def __init__(
        self,
        store: VectorStore,
        answerer: Answerer | None = None,
        *,
        depth: int = 30,
        embedder: Embedder | None = None,
    ) -> None:
        """`embedder` (the store's) lets the extractive answerer weigh single sentences by the dense
        model too; without it sentences are scored by keywords and their passage's similarity."""
        self._store = store
        self._corpus = CorpusCache(store)
        self._retriever = HybridRetriever(store, depth=depth)
        self._similarity = SentenceSimilarity(embedder) if embedder is not None else None
        self._answerer: Answerer = answerer or _Extractive(similarity=self._similarity)

    def corpus(self) -> Corpus:
        return self._corpus.get()

    def expect_refresh(self) -> None:
        """A writer of this process is about to commit and will call `refresh()` after: askers keep
        the current snapshot until then (`Ingestor.before_commit`)."""
        self._corpus.expect_refresh()

    def refresh(self) -> Corpus:
        """Prepare the snapshot of the store as it is now, while questions keep being answered
        from the current one (a writer calls it after its commit: `Ingestor.on_commit`).
        The sentences of speeches new to a live snapshot are embedded in the background, so the first
        questions about an upload do not wait for them."""
        before = self._corpus.peek()
        corpus = self._corpus.refresh()
        if self._similarity is not None and before is not None:
            new = [d for d in corpus.documents if d not in before.documents]
            self._similarity.warm(
                s.text
                for d in new
                for chunk in corpus.chunks_by_doc.get(d, [])
                for s, _ in body_sentences(corpus, chunk)
            )
        return corpus

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
        return _Prepared(text, corpus, query, ranked, corpus.idf(), top_k)

    def _resolve(self, text: str, history: Sequence[Turn], corpus: Corpus, scope: list[str]) -> Query:
        """Read the question, resolving a follow-up against the previous turn: an item of the list
        it answered ("第二个具体怎么做？", "托幼一体化那块呢"), a section of its speech, or its speech
        ("那第三部分呢？"). A follow-up with nothing to follow is marked unresolved: the answer asks
        which one is meant."""
        own = self.understand(text, corpus, scope)
        reference = pointing_back(text, own, corpus)
        if not reference and history and not own.doc_ids and REFERS_BACK.search(text):
            reference = compact(text)[:6]
        if history and not own.doc_ids and not own.formulations:
            item = self._follow_item(text, history, corpus, scope)
            if item is not None:
                return item
        if not reference:
            return self._in_previous_section(own, history, corpus, scope)
        if not history:
            return replace(own, unresolved=reference) if needs_context(own, corpus, scope) else own
        if REFERS_BACK.search(text) and _said_nothing(history):
            return replace(own, unresolved=reference)  # "上面说的那个补助标准" after a turn that said nothing
        if (
            item_ordinals(text)
            and needs_context(own, corpus, scope)
            and (own.part is None or (_listed_nothing(history) and "部分" not in text))
        ):
            return replace(own, unresolved=reference)  # "第二条" after an answer that listed nothing
        speech = previous_speech(history, lambda: self.understand(history[-1].question, corpus, scope))
        if speech is not None and not own.doc_ids and asks_anew(text):
            return replace(own, doc_ids=[speech], sections=[s for s in own.sections if s[0] == speech])
        query = self.understand(contextualize(text, history), corpus, scope)
        if own.doc_ids or speech is None:
            return (
                query
                if speech is not None or not needs_context(own, corpus, scope)
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
        speech = previous_speech(history, lambda: self.understand(history[-1].question, corpus, scope))
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
        ordinals = item_ordinals(text) or container_ordinals(text)
        turn = listing_turn(history, ordinals, SIBLING.search(text) is not None)
        items = listed_items(turn, lambda: self.understand(turn.question, corpus, doc_ids))
        index: int | None = None
        if len(ordinals) == 1 and 1 <= ordinals[0] <= len(items):
            index = ordinals[0] - 1
        elif not ordinals:
            index = named_item(text, items)
        else:
            return None
        if index is None or items[index].doc_id not in corpus.documents:
            return None
        item = items[index]
        rest = CONTAINER_RE.sub("", ORDINAL_PHRASE_RE.sub("", text))
        # "第三句话里老师住房怎么解决" asks about its own words inside the item, not the item's
        specific = not asks_whole_item(rest, item.label)
        query = self.understand(rest if specific else f"{item.label}{rest}", corpus, [item.doc_id])
        section_id = item.section_id or section_at(corpus, item)
        if section_id is not None:
            return replace(
                query,
                sections=[(item.doc_id, section_id)],
                focus=(item.doc_id, section_id),
                asked=rest,
                item_label=item.label,
            )
        span = item_span(corpus, items, index)
        if not SENTENCE_END_RE.search(corpus.documents[item.doc_id].text[span[0] : span[1]]):
            # an item named in a run ("聚焦A、聚焦B…") is spelled out elsewhere in its speech
            found = elaboration(corpus, items, index)
            if found is None:
                return query
            span = found
        return replace(query, focus=(item.doc_id, ""), span=span, asked=rest, item_label=item.label)

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
            formulations=match_formulations(text, formulations, list_head(text)),
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


class _Extractive(ExtractiveAnswerer):
    mode = "extractive"


def _said_nothing(history: Sequence[Turn]) -> bool:
    """The previous turn answered nothing ("帮我看看这几个讲话" → which one?): there is nothing above
    for "上面说的那个…" to point at."""
    answer = history[-1].answer
    return answer is not None and not answer.answerable


def _listed_nothing(history: Sequence[Turn]) -> bool:
    """The previous answer was a fact, not a list: "第二条" counts in nothing it said."""
    answer = history[-1].answer
    return answer is not None and answer.answerable and not answer.items


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
