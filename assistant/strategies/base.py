"""The strategy interface: one way of answering, tried in the order of `strategies.ORDER`.

A strategy gets the question's `Context` and returns a `Draft` when it applies (an answer, or a
refusal it is sure of), or None to let the next one try. Gates are strategies that only refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from assistant.citing import Citations
from assistant.corpus import Corpus
from assistant.corpustext import CorpusText
from assistant.cues import Cues, read_cues
from assistant.query import Query
from assistant.records import AnswerItem
from assistant.retriever import Ranked
from assistant.sentences import Idf, Sentence
from assistant.similarity import Scorer
from assistant.synonyms import forms
from assistant.topic import ATTRIBUTES, Term, topic_terms
from core.normalize import fold_for_search
from core.records import Chunk
from core.tokens import tokenize_query


@dataclass
class Draft:
    answer: str
    answerable: bool
    citations: Citations
    notice: str = ""
    extra: list[Chunk] = field(default_factory=list)  # passages worth showing beyond the cited ones
    items: list[AnswerItem] = field(default_factory=list)  # what the answer enumerates, in order


@dataclass(frozen=True)
class Found:
    """A candidate sentence mapped to the body chunk that holds it (offsets are real)."""

    score: float
    sentence: Sentence
    chunk: Chunk
    dense: float = (
        0.0  # the part of `score` the dense model gave (the passage's and the sentence's similarity)
    )


@dataclass
class Context:
    """One question with everything read from it once: cues, keywords, topic terms."""

    query: Query
    corpus: Corpus
    ranked: Sequence[Ranked]
    idf: Idf
    similar: Scorer | None = None  # the dense model's similarity of sentences to the question
    _headers: dict[str, str] = field(default_factory=dict, repr=False)

    @cached_property
    def cues(self) -> Cues:
        return read_cues(self.query.text)

    @cached_property
    def tokens(self) -> list[str]:
        """The question's keywords that occur in the corpus: absent words cannot rank anything.
        Words that only name the speech ("推进会议讲话里…") are left to the speech filter: they
        would rank its opening sentences first."""
        tokens = [t for t in tokenize_query(self.query.text) if self._in_corpus(t)]
        topical = [t for t in tokens if not any(t in fold_for_search(w) for w in self.query.naming)]
        return topical or tokens

    def _in_corpus(self, token: str) -> bool:
        """The speeches hold the word, or one of the forms they write it in ("钱" as "资金")."""
        return any(self.idf.frequency.get(form, 0) > 0 for form in forms(token))

    @cached_property
    def terms(self) -> tuple[Term, ...]:
        """Topic terms minus those that only name a speech (its speaker, title words)."""
        naming = self.corpus.naming_text
        # "定了多少指标", "数据有哪些": the kind of what is asked for, which the speeches state as values
        valued = self.cues.value or self.cues.listing
        return tuple(
            t
            for t in topic_terms(self.query.text)
            if not (t.named and t.word in naming) and not (valued and t.word in ATTRIBUTES)
        )

    @cached_property
    def scope_text(self) -> str | CorpusText:
        """The folded text of the speeches in scope (查找范围), or the whole corpus."""
        scope = self.query.scope
        if not scope:
            return self.corpus.search_text
        docs = [self.corpus.documents[d] for d in scope if d in self.corpus.documents]
        return "\n".join(fold_for_search(f"{d.title} {d.speaker} {d.meeting}\n{d.text}") for d in docs)

    def header(self, doc_id: str) -> str:
        """What the speech says about itself before its body: title, speaker and post, meeting,
        date, first lines. A question's place or speaker words ("东湖区", "韩书记") are about the
        speech, and every sentence of it covers them."""
        cached = self._headers.get(doc_id)
        if cached is None:
            doc = self.corpus.documents[doc_id]
            cached = fold_for_search(
                f"{doc.title} {doc.speaker} {doc.speaker_post} {doc.meeting} {doc.publisher} {doc.text[:200]}"
            )
            self._headers[doc_id] = cached
        return cached

    def folded(self, doc_id: str) -> str:
        """The speech's whole text, folded for search (once per snapshot, not per question)."""
        return self.corpus.memo.folded_text(doc_id, self.corpus.documents[doc_id].text)

    def speaks_of(self, doc_id: str, word: str) -> bool:
        """The speech names the place or body: in its text, or in its header (the page's 来源)."""
        return word in self.folded(doc_id) or word in self.header(doc_id)

    def citations(self) -> Citations:
        return Citations(self.corpus)


class Strategy(Protocol):
    name: str

    def answer(self, ctx: Context) -> Draft | None: ...
