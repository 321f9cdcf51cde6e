"""The default answerer: composes a short cited answer from the speeches' own sentences (no LLM).

It tries the strategies of `assistant/strategies/` in their ORDER; the first that returns a draft
(an answer, or a refusal it is sure of) decides. Facts and explanations come last and always
return one, refusing when no sentence covers the question.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant import templates as T
from assistant.citing import Citations
from assistant.corpus import Corpus
from assistant.query import Query
from assistant.retriever import Ranked
from assistant.sentences import Idf
from assistant.similarity import SentenceSimilarity
from assistant.strategies import Context, Draft, Strategy, default_strategies


class ExtractiveAnswerer:
    def __init__(
        self, strategies: Sequence[Strategy] | None = None, similarity: SentenceSimilarity | None = None
    ) -> None:
        self._strategies = list(strategies) if strategies is not None else default_strategies()
        self._similarity = similarity

    def answer(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft:
        similar = self._similarity.bind(query.text) if self._similarity is not None else None
        ctx = Context(query, corpus, ranked, idf, similar)
        for strategy in self._strategies:
            draft = strategy.answer(ctx)
            if draft is not None:
                return draft
        return Draft(T.REFUSAL, False, Citations(corpus), T.NOTICE_NOT_FOUND)


__all__ = ["Draft", "ExtractiveAnswerer"]
