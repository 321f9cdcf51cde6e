"""How an answer is laid out (web/answer_layout.py and parts.html): speech names set apart, lists as lists,
mark previews, the sources panel named where it is. Answer texts as the sample assistant writes them."""

from __future__ import annotations

from assistant.records import Answer, Citation
from tests.unit.test_web_render import XSS, no_live_markup, passage
from web.answer_layout import Pieces, answer_blocks
from web.render import answer_html, render_conversation
from web.session import ChatSession


def _answer(text: str, marks: int = 3) -> Answer:
    citations = [Citation(n, passage(start=100 * n), f"第{n}句原文。") for n in range(1, marks + 1)]
    return Answer("问", text, True, citations, [c.passage for c in citations])


def _text(pieces: Pieces) -> str:
    return "".join(text for text, _ in pieces)


def test_an_enumerating_line_becomes_its_lead_and_items() -> None:
    text = "“12881”是指：一是坚持一个目标[1]；二是突出两项重点[2]；三是八项工程（党建创优工程、…）[3]。"
    (block,) = answer_blocks(_answer(text))
    assert _text(block.lead) == "“12881”是指："
    assert [_text(i) for i in block.items] == [
        "一是坚持一个目标[1]；",
        "二是突出两项重点[2]；",
        "三是八项工程（党建创优工程、…）[3]。",
    ]
    assert [c.n for i in block.items for _, c in i if c is not None] == [1, 2, 3]
    outline = (
        "《讲话》（杨某，2023年4月28日）共分三个部分：一、提高认识[1]；二、立足实际[2]；三、加强领导[3]。"
    )
    assert len(answer_blocks(_answer(outline))[0].items) == 3


def test_each_speech_of_a_cross_speech_answer_is_set_apart() -> None:
    text = (
        "共有2篇讲话谈到这一点：\n"
        "《在市委教育工作会议上的讲话》（杨某，2023年4月28日）：三要深化产教融合[1]。扎实推进职业学校建设[1]。\n"
        "《在全市教育工作推进会议上的讲话》（2025年7月4日（发布日期））：1.优化职业教育专业布局[2]…共建实训基地[2]"
    )
    lines = answer_blocks(_answer(text, 2))
    assert [b.speech for b in lines] == [
        "",
        "《在市委教育工作会议上的讲话》（杨某，2023年4月28日）",
        "《在全市教育工作推进会议上的讲话》（2025年7月4日（发布日期））",
    ]
    assert _text(lines[1].lead) == "三要深化产教融合[1]。扎实推进职业学校建设[1]。" and not lines[1].items
    assert not lines[2].items  # one numbered item is not a list
    html = answer_html(_answer(text, 2), turn=0)
    assert html.count('class="qa-speech-name"') == 2


def test_plain_text_and_a_single_ordinal_stay_a_line() -> None:
    for text in (
        "全市新增编制1200个[1]。",
        "一是经费保障。再穷不能穷教育[1]。",
        "要在2025年、2026年完成[1]。",
    ):
        (block,) = answer_blocks(_answer(text))
        assert not block.items and _text(block.lead) == text


def test_marks_preview_their_sentence_and_source_as_text() -> None:
    evil = passage(title="标题<script>alert(1)</script>")  # in an attribute too: no "on…=" there
    answer = Answer("问", "一是经费保障[1]；二是教师保障[2]。", True, [
        Citation(1, evil, f"句子{XSS}"), Citation(2, passage(start=500), ""),
    ], [evil])  # fmt: skip
    html = answer_html(answer, turn=4)
    no_live_markup(html)
    assert html.count('class="qa-tip"') == 2 and html.count("<li>") == 2
    assert "句子&lt;script&gt;" in html and "《标题&lt;script&gt;" in html and "张三" in html
    assert "三、强化“两个保障” &gt; 一是经费保障" in html  # the section
    assert "一是经费保障。再穷不能穷教育" in html  # no cited sentence: the passage's start


def test_the_sources_panel_is_named_where_it_is() -> None:
    empty = render_conversation(ChatSession())
    assert '<span class="qa-where-side">右侧</span><span class="qa-where-below">下方</span>' in empty


def test_suggested_follow_ups_are_buttons_with_their_text_escaped() -> None:
    session = ChatSession()
    turn = session.add("问")
    turn.answer, turn.suggestions = _answer("答[1]。"), ["“两个保障”是什么？", XSS]
    html = render_conversation(session)
    no_live_markup(html)
    assert html.count('class="qa-suggest-q"') == 2 and "“两个保障”是什么？</button>" in html
