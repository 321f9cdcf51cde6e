"""Structure the answers lean on (fake embedder): a section answers a why/how question, a speech
spells out what another only names, several speeches answer per speech, long sentences are shown
by their clauses about the question."""

from __future__ import annotations

import pytest

from assistant.citing import speech_label
from assistant.corpus import Corpus
from assistant.records import Answer
from assistant.service import PolicyAssistant
from assistant.strategies.common import focus as _focus
from assistant.terms import implied_definitions
from core.records import Document, Formulation
from ingest.runs import parallel_runs
from tests.fakes import ask_checked as ask


def speaker_of(answer: Answer, text: str) -> str:
    """The speaker of the passage cited right after `text` in the answer."""
    at = answer.answer.index(text) + len(text)
    n = int(answer.answer[answer.answer.index("[", at) + 1 : answer.answer.index("]", at)])
    return answer.citations[n - 1].passage.speaker


# --- why and how: the section, not just the best sentence ----------------------------------------


def test_a_why_question_gets_the_reason_the_section_states(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "为什么要推进集团化办学")
    assert "热门学校挤破头" in answer.answer  # the problem, two sentences before the best match
    assert len(answer.answer) <= 420


def test_a_why_and_how_question_gets_reasons_and_measures(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "为什么要压减民办义务教育占比？通过什么办法压减？")
    assert "无序发展" in answer.answer and "核减计划" in answer.answer


# --- lists ---------------------------------------------------------------------------------------


def test_a_counted_term_gets_the_list_under_the_named_heading(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "加强师资队伍建设的四个“强化”是什么？")
    for item in ("师德师风建设", "教师培训", "校长能力提升", "编制待遇保障"):
        assert item in answer.answer


def test_a_short_heading_names_its_section_list(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "教师保障具体要抓哪几件事")
    for item in ("资源交流", "能力素质", "教师关切"):
        assert item in answer.answer


# --- what one speech spells out and another only names ------------------------------------------


def test_a_formulation_is_defined_where_another_speech_spells_it_out(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "“三进”工作是哪三进")
    assert answer.answerable
    for item in ("进教材", "进课堂", "进头脑"):
        assert speaker_of(answer, item) == "杨继宏"
    assert "没有说明" in answer.answer  # the speeches that only name it say so, per speech


def doc(text: str, doc_id: str = "d1") -> Document:
    return Document(doc_id, f"{doc_id}.txt", text)


def undefined(name: str, count: int) -> Formulation:
    return Formulation(name, count, (), None, 0, 0)


def test_parallel_runs_and_what_they_define() -> None:
    d1 = doc("要推动思想进教材、进课堂、进头脑，做到入脑入心。")
    d2 = doc("推进“三进”工作。开展防溺水、防食物中毒、防校园伤害等五项攻坚战。", "d2")
    runs = {d.doc_id: parallel_runs(d) for d in (d1, d2)}
    assert [(r.prefix, [i.text for i in r.items]) for r in runs["d1"]] == [
        ("进", ["进教材", "进课堂", "进头脑"])
    ]
    assert runs["d2"] == []  # "…等五项": a partial list defines nothing
    (found,) = implied_definitions([("d2", undefined("三进", 3))], runs)
    assert found[0] == "d1" and [i.label for i in found[1].items] == ["进教材", "进课堂", "进头脑"]
    item = found[1].items[1]
    assert d1.text[item.start : item.end] == "进课堂"  # offsets locate the item for its citation
    # the count must agree, and a speech that defines the name itself keeps its own definition
    assert implied_definitions([("d2", undefined("四进", 4))], runs) == []
    defined = Formulation("三进", 3, found[1].items, None, 0, 0)
    assert implied_definitions([("d1", defined), ("d2", undefined("三进", 3))], runs) == []


# --- several speeches ----------------------------------------------------------------------------


def test_a_fact_several_speeches_state_differently_is_answered_per_speech(
    assistant: PolicyAssistant, corpus: Corpus
) -> None:
    answer = ask(assistant, "学前教育三年行动计划现在是第几期了？")
    labels = [speech_label(corpus, d) for d in corpus.documents]
    lines = [line for line in answer.answer.split("\n") if any(line.startswith(label) for label in labels)]
    assert len(lines) >= 2
    assert len({c.passage.doc_id for c in answer.citations}) == len(lines)


def test_a_cross_speech_line_leads_with_the_heading_that_names_the_topic(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "各篇讲话对校园安全分别提了什么要求？")
    assert "平安和谐校园" in answer.answer


def test_focus_shows_the_clauses_about_the_question() -> None:
    text = "过去一年，在学前教育领域取得成绩，在基础教育领域，首次新高考成绩居全省领先地位，初中中考质量多年居第一梯队，各地各校素质教育的办学成果显现。"
    shown = _focus(text, ["高考", "成绩"], "高考", 40)
    assert shown.startswith("…") and "新高考成绩" in shown and len(shown) <= 42
    assert _focus("短句。", ["高考"], "高考", 40) == "短句。"


def test_a_run_stops_where_its_items_end() -> None:
    (run,) = parallel_runs(doc("造就有理想信念、有道德情操、有扎实学识、有仁爱之心的宏大教师队伍。"))
    assert [i.text for i in run.items] == ["有理想信念", "有道德情操", "有扎实学识", "有仁爱之心"]


def test_a_quoted_term_asked_about_across_the_speeches_lists_each_speechs_uses(
    assistant: PolicyAssistant, corpus: Corpus
) -> None:
    answer = ask(assistant, "讲话里说的“专项规划”有哪几个")
    for plan in ("教育设施专项规划", "教育资源布局专项规划", "幼儿园布局专项规划"):
        assert plan in answer.answer
    head, *lines = answer.answer.split("\n")
    assert str(len(lines)) in head and len(lines) == len({c.passage.doc_id for c in answer.citations})
    assert all("专项规划" in c.sentence for c in answer.citations)  # every quote is a use of the term


def test_a_survey_needs_a_survey_question(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "“教育设施专项规划”计划新建几所中小学？")  # one fact, not every use
    assert "\n" not in answer.answer and "5所" in answer.answer


@pytest.mark.parametrize("question", ["省里中职升本科试点是几加几的模式", "哪个县的违法办学被媒体曝光了？"])
def test_a_value_the_published_text_hides_is_not_guessed(assistant: PolicyAssistant, question: str) -> None:
    answer = ask(assistant, question)
    assert not answer.answerable and answer.notice == "incomplete" and "隐去" in answer.answer
    assert answer.citations  # the sentence with the hidden value is shown, cited


def test_a_hidden_name_elsewhere_in_the_sentence_does_not_block_the_answer(
    assistant: PolicyAssistant,
) -> None:
    answer = ask(
        assistant, "“找问题、抓整改”专项活动要开展多长时间？"
    )  # the paragraph hides a county, not the time
    assert answer.answerable and "为期一年" in answer.answer


def test_a_coded_term_used_but_never_spelled_out_is_said_so(assistant: PolicyAssistant) -> None:
    answer = ask(assistant, "提纲里的“5＋N”千百亿产业集群，那5个是啥产业")
    assert not answer.answerable and answer.notice == "incomplete" and "没有说明" in answer.answer
