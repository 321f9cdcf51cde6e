"""Suggested follow-ups (assistant/suggest.py) on a small hand-built corpus: items of a listed formulation,
the other items of one answered item, nested formulations, the next part of the outline, other speeches."""

from __future__ import annotations

from assistant.corpus import Corpus
from assistant.records import Answer, AnswerItem, Citation, Passage
from assistant.suggest import suggest
from core.records import Document, Formulation, FormulationItem, Section

TEXT = "一、总体要求\n讲两个保障。\n（一）经费保障\n再穷不能穷教育。\n（二）教师保障\n教育大计。\n二、组织领导\n要加强领导。\n三、工作作风\n要实干。"


def _doc(doc_id: str = "d1", speaker: str = "张三", title: str = "在全市教育大会上的讲话") -> Document:
    sections = (
        Section("s1", 1, "一、", "总体要求", 0, 6, 40),
        Section("s1.1", 2, "（一）", "经费保障", 14, 20, 30, "s1"),
        Section("s1.2", 2, "（二）", "教师保障", 30, 36, 40, "s1"),
        Section("s2", 1, "二、", "组织领导", 40, 46, 53),
        Section("s3", 1, "三、", "工作作风", 53, 59, 64),
    )
    items = (
        FormulationItem("经费保障", "（一）经费保障", 14, 20, "s1.1"),
        FormulationItem("教师保障", "（二）教师保障", 30, 36, "s1.2"),
    )
    formulations = (
        Formulation("两个保障", 2, items, "s1", 7, 40),
        Formulation("三个词", 3, tuple(FormulationItem(w, w, 60, 61) for w in "甲乙丙"), None, 59, 64),
    )
    return Document(
        doc_id, "a.txt", TEXT, title=title, speaker=speaker, sections=sections, formulations=formulations
    )


def _corpus(*docs: Document) -> Corpus:
    return Corpus(
        manifest=None,  # type: ignore[arg-type]
        documents={d.doc_id: d for d in docs},
        chunks={},
        chunks_by_doc={},
        keyword=None,  # type: ignore[arg-type]
        formulations=[(d.doc_id, f) for d in docs for f in d.formulations],
    )


def _passage(start: int, end: int, section_id: str, doc_id: str = "d1") -> Passage:
    return Passage(
        "c", doc_id, "a.txt", "讲话", "张三", "", "", TEXT[start:end], start, end, section_id=section_id
    )


def _answer(question: str, text: str, *passages: Passage, items: list[AnswerItem] | None = None) -> Answer:
    citations = [Citation(n, p) for n, p in enumerate(passages, 1)]
    return Answer(question, text, True, citations, list(passages), items=items or [])


def test_a_listed_formulation_offers_its_items_the_next_part_and_nothing_twice() -> None:
    items = [AnswerItem("经费保障", "d1", 14, "s1.1"), AnswerItem("教师保障", "d1", 30, "s1.2")]
    answer = _answer("两个保障是什么？", "经费保障[1]；教师保障[2]。", _passage(14, 30, "s1.1"), items=items)
    assert suggest(answer, _corpus(_doc())) == [
        "“两个保障”中的经费保障具体怎么做？",
        "张三的讲话第二部分讲了什么？",
        "“两个保障”中的教师保障具体怎么做？",
    ]
    asked = suggest(answer, _corpus(_doc()), ["“两个保障”中的经费保障具体怎么做？"])
    assert "“两个保障”中的经费保障具体怎么做？" not in asked


def test_one_answered_item_offers_the_others_and_the_topic_across_speeches() -> None:
    answer = _answer("第二个具体怎么做？", "二是教师保障。教育大计[1]。", _passage(30, 40, "s1.2"))
    assert suggest(answer, _corpus(_doc())) == [
        "“两个保障”中的经费保障具体怎么做？",
        "张三的讲话第二部分讲了什么？",
        "各篇讲话对教师保障分别怎么要求？",
    ]
    # the same formulation in another speech: asked about across speeches instead
    both = _corpus(_doc(), _doc("d2", speaker="李四"))
    assert "各篇讲话里的“两个保障”分别指什么？" in suggest(answer, both)


def test_items_named_only_in_a_run_are_not_offered_and_the_last_part_has_no_next() -> None:
    answer = _answer("三个词是什么？", "甲、乙、丙[1]。", _passage(53, 64, "s3"))
    assert suggest(answer, _corpus(_doc())) == []


def test_a_speech_without_a_speaker_is_named_by_its_title_and_an_untitled_one_not_at_all() -> None:
    answer = _answer("要加强什么？", "要加强领导[1]。", _passage(40, 53, "s2"))
    assert suggest(answer, _corpus(_doc(speaker=""))) == ["在全市教育大会上的讲话的第三部分有哪几条？"]
    assert suggest(answer, _corpus(_doc(speaker="", title="（无标题）讲两个保障"))) == []


def test_refusals_and_unknown_speeches_get_nothing() -> None:
    refused = Answer("月球？", "讲话中没有找到。", False, [], [])
    assert suggest(refused, _corpus(_doc())) == []
    gone = _answer("问", "答[1]。", _passage(40, 53, "s2", doc_id="deleted"))
    assert suggest(gone, _corpus(_doc())) == []


def test_an_item_that_is_a_formulation_itself_is_asked_for_as_one() -> None:
    doc = _doc()
    coded = Formulation("12", None, (FormulationItem("两个保障", "两个保障", 7, 11),) * 2, None, 0, 12)
    doc = Document(**{**doc.__dict__, "formulations": (*doc.formulations, coded)})
    answer = _answer(
        "12是什么？", "两个保障[1]。", _passage(0, 14, "s1"), items=[AnswerItem("两个保障", "d1", 7)]
    )
    assert suggest(answer, _corpus(doc))[0] == "“两个保障”是什么？"
