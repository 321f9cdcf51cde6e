"""When not to answer: the speeches lack the question's topic, or the answer lacks what was asked.

Two signals, both about the question's topic terms (assistant/topic.py):
- a named term (place, person, foreign word) that occurs nowhere in the corpus → the speeches
  cannot be about it ("郑州市", "Canada");
- the chosen answer text must cover most of the topic terms (IDF-free: topic terms are few), and
  carry a number or a date when the question asks for one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.corpustext import CorpusText
from assistant.synonyms import forms
from assistant.topic import Term, has_cjk, in_dictionary, topic_terms, wants_date, wants_quantity
from assistant.values import asked_kinds, holds_asked
from core.normalize import fold_for_search
from core.numerals import CN_COUNT

TOPIC_COVERAGE = 0.5
Haystack = str | CorpusText  # a passage, or the whole corpus (indexed: assistant/corpustext.py)
_NUMBER_RE = re.compile(rf"\d|[{CN_COUNT}百千万亿半]+[个所名项次万亿条人年月天周]|[%％]")
_DATE_RE = re.compile(r"\d{4}\s*年|\d+\s*月|\d+\s*日|年底|年初|年内|之前|以前")


# Last characters that only say what kind of thing a word is: "安家费" is the speech's "安家补贴",
# "集团化" its "集团", "覆盖率" its "覆盖…%".
_KIND_SUFFIXES = frozenset("费率金款员者数额量点园校班化型性类式期制")


def term_presence(term: str, text: Haystack, *, loose: bool = True) -> float:
    """1 when the term occurs; a compound jieba kept whole ("工资标准") counts by its halves.
    `loose` also finds a question's shortening of the speech's word ("普惠园" in "普惠性幼儿园"),
    which is too weak a sign for a proper name."""
    if any(form in text for form in forms(term)):
        return 1.0
    if len(term) == 2 and has_cjk(term) and _search(_abbreviation_re(term), text):
        return 0.9  # "高职" for "高等职业", "中职" for "中等职业": speeches write terms out in full
    if len(term) == 3 and has_cjk(term):
        if term[2] in _KIND_SUFFIXES and term[:2] in text:
            return 0.8
        if loose and _search(_abbreviation_re(term), text):
            return 0.85
    if len(term) >= 4 and has_cjk(term):  # a 3-character term has no halves worth trusting
        halves = [term[i : i + 2] for i in range(0, len(term) - 1, 2)]
        return 0.8 * sum(1 for h in halves if h in text) / len(halves)
    return 0.0


def topic_coverage(terms: tuple[Term, ...], text: str, corpus_text: Haystack = "") -> float:
    """Share of the topic terms `text` holds. A term the whole corpus lacks ("火星") weighs double:
    it is what the question is really about, next to the everyday words around it ("学校")."""
    if not terms:
        return 1.0
    folded = fold_for_search(text)
    weights = [2.0 if corpus_text and corpus_count(t.word, corpus_text) == 0 else 1.0 for t in terms]
    found = sum(w * term_presence(t.word, folded) for t, w in zip(terms, weights, strict=True))
    return found / sum(weights)


def unknown_names(question: str, corpus_text: Haystack) -> list[str]:
    """Topic terms the corpus never mentions (corpus_text is folded): names of any length; common
    nouns of four or more characters whose halves are not there either; a three-character word
    of the dictionary whose head (last two characters) is not there ("研究生": "究生"). "评职称"
    is not unknown where the speeches speak of 职称; jieba's odd cuts ("普惠托") are no words."""
    folded = fold_for_search(question)
    return [
        t.word
        for t in topic_terms(question)
        if _unknown(t, corpus_text) and not _miscut(t, folded, corpus_text)
    ]


def _miscut(term: Term, question: str, corpus_text: Haystack) -> bool:
    """jieba's name cut across two words ("普惠民办园" → 普/惠民/办园, 惠民 a county): each of its
    characters, with its neighbour outside, makes a word the speeches use (普惠, 民办)."""
    at = question.find(term.word)
    if not term.named or len(term.word) != 2 or at < 1 or at + 3 > len(question):
        return False
    return question[at - 1 : at + 1] in corpus_text and question[at + 1 : at + 3] in corpus_text


def _unknown(term: Term, corpus_text: Haystack) -> bool:
    word = term.word
    if term.named:  # jieba calls many a common word a name ("安家费"): a kind suffix still counts
        # and a three-character piece no dictionary has ("普惠托" of 普惠托班) is a cut, not a name
        loose = len(word) == 3 and not in_dictionary(word)
        return term_presence(word, corpus_text, loose=loose) < (1.0 if len(word) <= 2 else 0.8)
    if len(word) >= 4:
        return term_presence(word, corpus_text) < 0.8
    return False  # a shorter common noun may well be an everyday word for what the speeches say


def rarest_term(question: str, corpus_text: Haystack) -> str | None:
    """The question's most specific topic term: the one the corpus mentions least."""
    return rarest_of([t.word for t in topic_terms(question)], corpus_text)


def rarest_of(words: list[str], corpus_text: Haystack) -> str | None:
    counts = {w: corpus_count(w, corpus_text) for w in words}
    present = [w for w, n in counts.items() if n > 0]  # absent words are the coverage check's business
    if not present:
        return None
    return min(present, key=lambda w: (counts[w], -len(w)))


def lacks_answer_type(question: str, answer_text: str) -> bool:
    kinds = asked_kinds(question)
    if kinds:
        return not holds_asked(kinds, answer_text)
    if wants_quantity(question) and not _NUMBER_RE.search(answer_text):
        return True
    return wants_date(question) and not _DATE_RE.search(answer_text)


# (the corpus text, its counts): one snapshot at a time. Replaced whole, never iterated, so threads
# answering at once can only recompute a count, not break the cache; holding the text itself (not its
# id) means a new snapshot can never be mistaken for the old one.
_COUNTS: tuple[Haystack, dict[str, int]] = ("", {})


def corpus_count(word: str, corpus_text: Haystack) -> int:
    """Occurrences; a compound the corpus never has whole ("工资标准") counts as its rarer half.
    Counted once per snapshot (a long common word is still counted speech by speech)."""
    global _COUNTS
    text, counts = _COUNTS
    if text is not corpus_text:
        counts = {}
        _COUNTS = (corpus_text, counts)
    found = counts.get(word)
    if found is None:
        if len(counts) > 4096:
            counts.clear()
        found = counts[word] = _count(word, corpus_text)
    return found


def _count(word: str, corpus_text: Haystack) -> int:
    n = corpus_text.count(word)
    if n or len(word) < 4 or not has_cjk(word):
        return n
    return min(corpus_text.count(word[i : i + 2]) for i in range(0, len(word) - 1, 2))


def _search(pattern: re.Pattern[str], text: Haystack) -> bool:
    return text.search(pattern) if isinstance(text, CorpusText) else pattern.search(text) is not None


@lru_cache(maxsize=1024)
def _abbreviation_re(term: str) -> re.Pattern[str]:
    if len(term) == 2:
        return re.compile(f"{re.escape(term[0])}[\u4e00-\u9fff]{{1,2}}{re.escape(term[1])}")
    # "普惠园" in "普惠性幼儿园": the head as written, then a few characters that are no conjunction
    # ("研究和生活" holds no 研究生)
    return re.compile(f"{re.escape(term[:2])}[^和与及或的了是在\\s，。、；]{{0,3}}{re.escape(term[2:])}")
