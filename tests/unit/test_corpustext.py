"""CorpusText answers exactly what a scan of every speech would (hypothesis over a small alphabet,
so words repeat and overlap)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.corpustext import CorpusText
from tests.fakes import sample_speeches

ALPHABET = "教育保障两个a1，"
texts = st.lists(st.text(alphabet=ALPHABET, max_size=40), max_size=6)
words = st.text(alphabet=ALPHABET, min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(texts, words)
def test_count_and_contains_equal_a_scan_of_every_text(corpus: list[str], word: str) -> None:
    index = CorpusText(corpus)
    assert index.count(word) == sum(text.count(word) for text in corpus)
    assert (word in index) == any(word in text for text in corpus)


def test_a_word_across_two_speeches_is_not_found() -> None:
    index = CorpusText(["全市教育", "保障有力"])
    assert "教育保障" not in index and index.count("育保") == 0
    assert index.count("教育") == 1 and "保障" in index


def test_the_sample_corpus_counts_like_its_joined_text() -> None:
    folded = [doc.text for doc, _ in sample_speeches()]
    index = CorpusText(folded)
    for word in ("两个保障", "教育", "职业教育", "12881", "固原", "火星", "“", "立德树人", "县管校聘"):
        assert index.count(word) == sum(t.count(word) for t in folded), word
    assert index.search(re.compile("高[\u4e00-\u9fff]{1,2}职"))
    assert not index.search(re.compile("火[\u4e00-\u9fff]{1,2}星"))
    assert CorpusText([]).count("教育") == 0 and "教育" not in CorpusText([])
