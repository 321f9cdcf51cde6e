"""The extractive answerer's strategies, before and after the service's citation check.

Drafts are what the answerer writes (marks as it placed them); answers are what the service returns
after verify(). Testing both tells a strategy's fault from the check's.
"""

from __future__ import annotations

import re

import pytest

from assistant import templates as T
from assistant.citing import chinese_date, speech_label
from assistant.corpus import Corpus
from assistant.extractive import Draft, ExtractiveAnswerer
from assistant.query import Query
from assistant.retriever import HybridRetriever, Ranked
from assistant.sentences import Idf
from assistant.service import PolicyAssistant
from assistant.strategies.base import Context
from assistant.strategies.outline import score_list
from assistant.verify import MARK_RE
from ingest.tokens import tokenize_query
from tests.fakes import MemoryStore, sample_speeches
from tests.fakes import ask_checked as ask


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    return MemoryStore(sample_speeches())


@pytest.fixture(scope="module")
def assistant(store: MemoryStore) -> PolicyAssistant:
    return PolicyAssistant(store)


@pytest.fixture(scope="module")
def corpus(assistant: PolicyAssistant) -> Corpus:
    return assistant.corpus()


def prepared(
    assistant: PolicyAssistant, store: MemoryStore, question: str
) -> tuple[Query, list[Ranked], Idf]:
    """What PolicyAssistant hands its answerer for `question`."""
    corpus = assistant.corpus()
    query = assistant.understand(question, corpus)
    keyword = corpus.keyword
    idf = Idf(len(keyword), {t: keyword.document_frequency(t) for t in tokenize_query(question)})
    return query, HybridRetriever(store).retrieve(query, corpus, 12), idf


def draft(assistant: PolicyAssistant, store: MemoryStore, question: str) -> Draft:
    query, ranked, idf = prepared(assistant, store, question)
    return ExtractiveAnswerer().answer(query, assistant.corpus(), ranked, idf)


def doc_id(corpus: Corpus, source: str, speaker: str = "") -> str:
    found = [
        d for d, doc in corpus.documents.items() if doc.source.startswith(source) and speaker in doc.speaker
    ]
    assert len(found) == 1
    return found[0]


# --- where a missing mark is lost ------------------------------------------------------------------


def test_the_draft_of_an_incomplete_formulation_marks_its_mention(
    assistant: PolicyAssistant, store: MemoryStore
) -> None:
    """A formulation spelled out in part: the items the speech gives, said to be only some of them,
    the mention cited; asked for the rest, there is no answer."""
    written = draft(assistant, store, "五项工程是什么？")
    assert written.answerable and written.notice == T.NOTICE_INCOMPLETE
    assert "只列出了其中3项" in written.answer and "固本强基" in written.answer
    citations = written.citations.citations
    assert len(citations) == 1 and "五项工程" in citations[0].passage.text
    assert MARK_RE.findall(written.answer) == ["1"]
    rest = draft(assistant, store, "五项工程另外两项是什么？")
    assert not rest.answerable and rest.notice == T.NOTICE_INCOMPLETE


def test_the_draft_of_a_per_speech_list_marks_every_item(
    assistant: PolicyAssistant, store: MemoryStore
) -> None:
    written = draft(assistant, store, "三点意见是什么？")
    line = next(line for line in written.answer.split("\n") if "提高政治站位" in line)
    for item in ("提高政治站位", "聚焦重点任务", "强化保障措施"):
        mark = re.compile(r"\[(\d+)\]").search(line, line.find(item))
        assert mark is not None
        assert item in written.citations.citations[int(mark.group(1)) - 1].passage.text


# --- lists -------------------------------------------------------------------------------------------


def test_a_list_question_in_the_headings_words_gets_the_whole_list(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "平安和谐校园要做到哪几个到位？")
    items = ["人防技防物防要到位", "食堂管理要到位", "齐抓共管要到位", "防范风险要到位", "疫情防控要到位"]
    positions = [answer.answer.find(item) for item in items]
    assert answer.answerable and -1 not in positions and positions == sorted(positions)


def test_a_list_question_in_the_items_words_gets_the_whole_list(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "学校安全方面要做到哪五个到位？")
    items = ["人防技防物防要到位", "食堂管理要到位", "齐抓共管要到位", "防范风险要到位", "疫情防控要到位"]
    assert answer.answerable and all(item in answer.answer for item in items)


def test_score_list_prefers_the_named_part_of_the_named_speech(
    assistant: PolicyAssistant, store: MemoryStore, corpus: Corpus
) -> None:
    query, ranked, idf = prepared(assistant, store, "杨继宏讲话的第三部分有哪几条？")
    scored = sorted(
        (
            (score_list(c, Context(query, corpus, ranked, idf)), c)
            for c in corpus.lists
            if c.doc_id in query.doc_ids
        ),
        key=lambda pair: pair[0],
        reverse=True,
    )
    best = scored[0][1]
    assert best.doc_id == doc_id(corpus, "002", "杨继宏") and best.part == 3 and best.kind == "section"
    assert scored[0][0] > scored[1][0]


# --- who, where, when ----------------------------------------------------------------------------------


def test_a_question_about_the_speech_itself_is_answered_from_its_header(
    assistant: PolicyAssistant, corpus: Corpus
) -> None:
    answer = ask(assistant, "杨生俊的讲话是在什么会议上讲的？")
    assert answer.answerable
    assert "杨生俊" in answer.answer and "2023年4月28日" in answer.answer
    assert "教育质量提升行动工作会议" in answer.answer
    assert {c.passage.doc_id for c in answer.citations} == {doc_id(corpus, "002", "杨生俊")}


def test_dates_and_speech_labels_read_as_staff_write_them(corpus: Corpus) -> None:
    assert chinese_date("2023-04-28") == "2023年4月28日"
    assert chinese_date("2025-07-04（发布日期）") == "2025年7月4日（发布日期）"
    assert chinese_date("") == "" and chinese_date("2022年") == "2022年"
    label = speech_label(corpus, doc_id(corpus, "002", "杨生俊"))
    assert label.startswith("《在市委教育工作领导小组") and label.endswith("（杨生俊，2023年4月28日）")
    assert (
        speech_label(corpus, doc_id(corpus, "004")) == "《2024年市教育行政工作会强调讲话》"
    )  # no speaker/date


# --- several speeches ----------------------------------------------------------------------------------


CROSS = [
    "各篇讲话对职业教育提了哪些要求？",
    pytest.param(
        "哪些讲话提到了县管校聘",
    ),
]


@pytest.mark.parametrize("question", CROSS)
def test_a_cross_speech_answer_has_one_cited_line_per_speech(
    assistant: PolicyAssistant, corpus: Corpus, question: str
) -> None:
    answer = ask(assistant, question)
    assert answer.answerable
    head, *lines = answer.answer.split("\n")
    assert len(lines) >= 2 and str(len(lines)) in head
    labels = {speech_label(corpus, d): d for d in corpus.documents}
    seen = []
    for line in lines:
        label = next(label for label in labels if line.startswith(label))  # each line names its speech
        marks = [int(n) for n in MARK_RE.findall(line)]
        assert marks, line
        assert {answer.citations[n - 1].passage.doc_id for n in marks} == {labels[label]}
        seen.append(labels[label])
    assert len(set(seen)) == len(seen)


# --- facts and explanations ----------------------------------------------------------------------------


def test_a_fact_is_answered_with_the_number_and_its_sentence(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "全市新增中小学编制多少个？")
    assert answer.answerable and "1816" in answer.answer
    first = int(MARK_RE.findall(answer.answer)[0])
    assert "1816" in answer.citations[first - 1].passage.text  # the lead sentence's own passage


def test_an_explanation_quotes_the_speech(assistant: PolicyAssistant, corpus: Corpus) -> None:
    answer = ask(assistant, "为什么要推进集团化办学？")
    assert answer.answerable and "集团化办学" in answer.answer
    assert answer.citations[0].passage.doc_id == doc_id(corpus, "000")


def test_a_question_the_passages_do_not_answer_is_refused(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "高校学费标准是多少？")  # the speeches mention 高校 and 标准, never a fee
    assert not answer.answerable and answer.answer == T.REFUSAL and answer.citations == []
    assert answer.passages  # the closest passages are still offered


def test_a_formulation_many_speeches_define_alike_is_one_line_and_the_rest_are_counted() -> None:
    """A bureau repeats its formulation every year: speeches defining it in the same words share one
    line, and past MAX_DEFINITIONS distinct definitions the answer counts the rest instead of growing."""
    from assistant.weights import LIMITS

    MAX_DEFINITIONS = LIMITS.definitions
    from ingest.build import build_documents
    from ingest.records import LoadedText
    from tests.fakes import SPEECHES

    text = (SPEECHES / "000_ba48dc24f464237d.txt").read_text(encoding="utf-8")
    assert "一是经费保障。" in text
    variants = ["资金保障", "财力保障", "投入保障", "条件保障", "装备保障", "后勤保障", "安全保障"]
    files = [f"{text}\n（第{i}次印发）" for i in range(4)]  # four speeches, one definition
    files += [text.replace("一是经费保障。", f"一是{v}。") for v in variants]  # seven more, each its own
    built = [b for i, t in enumerate(files) for b in build_documents(LoadedText(f"{i:03}.txt", t))]
    assistant = PolicyAssistant(MemoryStore(tuple(built)))
    answer = ask(assistant, "两个保障是什么？")
    lines = answer.answer.split("\n")
    assert answer.answerable
    assert sum("等4篇讲话（表述相同）" in line for line in lines) == 1
    defined = [line for line in lines if "教师保障" in line]
    assert len(defined) == MAX_DEFINITIONS
    assert lines[-1] == T.MORE_SPEECHES.format(n=11 - 4 - (MAX_DEFINITIONS - 1), name="两个保障")
