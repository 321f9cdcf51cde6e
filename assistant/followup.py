"""Follow-up questions: what a question that cannot stand alone points back to.

"第二个具体怎么做", "托幼一体化那块呢", "那第三部分呢", "它要到哪年完成": an item the previous answer
listed (by ordinal or by name), a section of the speech it was about, or that speech; and what a
follow-up inherits of the earlier question. The service resolves with these; nothing here answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.corpus import Corpus
from assistant.cues import CODED, NEW_TOPIC_RE, read_cues
from assistant.query import Query, compact, item_ordinals, without_asking
from assistant.records import Answer, AnswerItem
from assistant.synonyms import FOLLOW_UP_WORDS, found_in
from assistant.topic import GENERIC, topic_terms
from core.naming import common_prefix
from core.normalize import fold_for_search
from core.numerals import CN_NUMERAL, parse_numeral, to_chinese
from core.tokens import tokenize_query

FOLLOW_UP_RE = re.compile(
    rf"^(那|那么|其中|它|这个|这些|上述|前者|后者)|第[{CN_NUMERAL}\d]+(个|项|条|点)|具体"
)
ORDINAL_PHRASE_RE = re.compile(rf"第[{CN_NUMERAL}\d]{{1,3}}(句话|个|项|条|点|是)?")
SENTENCE_END_RE = re.compile(r"[。！？；!?;]")


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
    if _OWN_ORDINAL_RE.search(question):
        # "第二部分讲了什么" then "第四部分呢": the new ordinal replaces the old one
        previous = _OWN_ORDINAL_RE.sub("", previous)
    if FOLLOW_UP_RE.search(question) or (len(compact(question)) <= 8 and not topic_terms(question)):
        if not own_words(question):
            return f"{previous} {question}"  # a follow-up with no topic of its own ("那第二个呢？")
        return f"{without_asking(previous)} {question}"
    return question


_OWN_ORDINAL_RE = re.compile(rf"第[{CN_NUMERAL}\d]{{1,3}}(?:部分|个方面|方面|点)")


CONTAINER_RE = re.compile(
    rf"第([{CN_NUMERAL}\d]{{1,3}})(?:句话|个方面|方面|条|点|个|项|部分)?(?:的)?[里中下]"
)


def container_ordinals(text: str) -> list[int]:
    return [n for n in (parse_numeral(m.group(1)) for m in CONTAINER_RE.finditer(text)) if n]


def section_at(corpus: Corpus, item: AnswerItem) -> str | None:
    """The section an item heads (a formulation carried by headings: "第一个关键：…")."""
    doc = corpus.documents[item.doc_id]
    return next((s.section_id for s in doc.sections if s.start <= item.start < s.heading_end), None)


def listing_turn(history: Sequence[Turn], ordinals: list[int], sibling: bool) -> Turn:
    """The turn whose list an ordinal follow-up counts in: the previous one, or — when that was
    itself "第二个…" and this one asks for another ("还有呢，第三个呢") — the one before it."""
    last = history[-1]
    if (
        len(history) < 2
        or not ordinals
        or not (item_ordinals(last.question) or container_ordinals(last.question))
    ):
        return last
    listed = len(last.answer.items) if last.answer is not None else 0
    return history[-2] if sibling or not 1 <= ordinals[0] <= listed else last


def listed_items(turn: Turn, read_again: Callable[[], Query]) -> list[AnswerItem]:
    """The items the earlier answer listed; else (an answer that listed none, or the API's history
    without answers) the items of the formulation the earlier question asked about."""
    if turn.answer is not None and turn.answer.items:
        return list(turn.answer.items)
    previous = read_again()
    if not previous.formulations:
        return []
    match = previous.formulations[0]
    return [AnswerItem(i.label or i.text[:20], match.doc_id, i.start) for i in match.formulation.items]


def named_item(text: str, items: Sequence[AnswerItem]) -> int | None:
    """The one listed item the follow-up names by its words ("托幼一体化那块" → "（二）积极稳妥推进托幼一体化"):
    the item sharing the longest run of characters with the question, at least three, and no tie."""
    question = compact(text)
    pointed = _POINTED_RE.search(question)  # "问题那部分说了啥": a short word is enough when pointed at
    if pointed:
        holding = [i for i, item in enumerate(items) if pointed.group(1) in compact(item.label)]
        if len(holding) == 1:
            return holding[0]
    runs = [_longest_run(question, compact(item.label)) for item in items]
    best = max(runs, default=0)
    if best < 3 or runs.count(best) != 1:
        return _named_in_other_words(text, items)
    return runs.index(best)


_POINTED_RE = re.compile(r"([\u4e00-\u9fff]{2,6}?)(?:那|这)(?:部分|块|条|个|点|方面|项)")


def _named_in_other_words(text: str, items: Sequence[AnswerItem]) -> int | None:
    """ "钱那个统筹" after 统筹城乡布局 / 统筹建设资金投入 / …: the one item that holds a form of a
    question word ("钱" as 资金) the other items lack."""
    labels = [fold_for_search(item.label) for item in items]
    hits = [0] * len(items)
    for word in tokenize_query(text):
        if word in FOLLOW_UP_WORDS or word in GENERIC:
            continue
        # only through another form: a word the labels share literally ("工程") is left to the runs
        holding = [i for i, label in enumerate(labels) if word not in label and found_in(word, label)]
        if len(holding) == 1:
            hits[holding[0]] += 1
    best = max(hits, default=0)
    return hits.index(best) if best and hits.count(best) == 1 else None


def _longest_run(a: str, b: str) -> int:
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] not in b:
                break
            best = j - i
    return best


def elaboration(corpus: Corpus, items: Sequence[AnswerItem], index: int) -> tuple[int, int] | None:
    """The paragraph that spells out an item named in a run: the one whose first sentence holds
    most of what sets the item apart from the others ("聚焦校车和上下学交通安全" → "其次，要抓好校车和
    上下学交通安全。…"), at least two thirds of it."""
    item = items[index]
    labels = [compact(i.label) for i in items if i.doc_id == item.doc_id]
    common = len(common_prefix(labels)) if len(labels) > 1 else 0
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
        lead = compact(SENTENCE_END_RE.split(line, 1)[0])
        run = _longest_run(own, lead)
        if run > best:
            best, where = run, (start, start + len(line))
    return where if best * 3 >= len(own) * 2 else None


def item_span(corpus: Corpus, items: Sequence[AnswerItem], index: int) -> tuple[int, int]:
    """An inline item (一是…) runs to the next item of the list, or to the end of its paragraph."""
    item = items[index]
    text = corpus.documents[item.doc_id].text
    end = text.find("\n", item.start)
    end = len(text) if end < 0 else end
    following = [i.start for i in items[index + 1 :] if i.doc_id == item.doc_id and i.start > item.start]
    return item.start, min([end, *following[:1]])


_POINTER_RE = re.compile(
    rf"第[{CN_NUMERAL}\d]{{1,3}}(?:个|项|条|点|是|句话|部分|方面)?|[？?，,。！!\s]|"
    + "|".join(
        sorted(
            (*FOLLOW_UP_WORDS, "那么", "那", "这些", "它", "上述", "前者", "后者", "还有", "了", "的", "是"),
            key=len,
            reverse=True,
        )
    )
)


def asks_anew(text: str) -> bool:
    """ "那督导多久搞一次" after "…两个确保是什么": a new topic in the speech of the previous turn, not
    more about the previous topic (its words are not inherited)."""
    return bool(NEW_TOPIC_RE.match(text) and topic_terms(text))


def own_words(text: str) -> str:
    """What a follow-up says of its own, without the words that point back or ask ("那第二个具体呢" → "")."""
    return _POINTER_RE.sub("", compact(text))


def pointing_back(text: str, query: Query, corpus: Corpus) -> str:
    """What a question points back to when it cannot stand alone ("第二个", "第三部分", "那…"), or ""."""
    cues = read_cues(text)
    ordinal = ORDINAL_PHRASE_RE.search(text)
    names_own = bool(query.formulations or query.sections or query.doc_ids)
    if names_own and not (cues.points_back and not topic_terms(ORDINAL_PHRASE_RE.sub("", text))):
        return ""
    if query.part is not None and not query.doc_ids:
        return f"第{to_chinese(query.part)}部分"
    if ordinal and not query.formulations:
        return ordinal.group(0)
    if cues.points_back or (
        len(compact(text)) <= 8 and not topic_terms(text) and not _stands_alone(text, corpus)
    ):
        return compact(text)[:6]
    return ""


_COUNTING_RE = re.compile(rf"^第?[{CN_NUMERAL}\d]+[个项条点件]?$")


def _stands_alone(text: str, corpus: Corpus) -> bool:
    """A short question with a word of its own that the speeches use ("1+3+N是啥", "推进会谁出席的")
    asks about that, not about the previous turn ("具体怎么做", "那块呢", "第三个呢", "帮我查一下")."""
    if CODED.search(text):
        return True
    return any(
        len(t) >= 2
        and t not in FOLLOW_UP_WORDS
        and t not in GENERIC
        and not _COUNTING_RE.match(t)
        and t in corpus.search_text
        for t in tokenize_query(text)
    )


def needs_context(query: Query, corpus: Corpus, scope: list[str]) -> bool:
    """Without an earlier turn, the question cannot tell which speech or item it means: it names
    none of its own, and there is more than one speech to choose from."""
    if len(scope or corpus.documents) <= 1 and query.part is not None:
        return False
    return (
        not query.formulations
        and not query.sections
        and not topic_terms(ORDINAL_PHRASE_RE.sub("", query.text))
    )


def previous_speech(history: Sequence[Turn], read_previous: Callable[[], Query]) -> str | None:
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
