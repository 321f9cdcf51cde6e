"""HTML of the chat: every text is escaped, [n] marks become buttons, refusals look different."""

from __future__ import annotations

import re

from assistant.records import Answer, Citation, Passage
from core.records import Document
from core.store import DocumentInfo
from ingest.pipeline import FileReport
from web.render import (
    answer_html,
    render_conversation,
    render_document,
    render_sources,
    source_card,
)
from web.render_admin import document_label, render_documents, render_file_results
from web.review import local_time
from web.session import ChatSession

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'
TEXT = "三、强化“两个保障”\n一是经费保障。再穷不能穷教育。\n二是教师保障。教育大计，教师为本。"


def passage(text: str = TEXT, *, title: str = "在全市教育大会上的讲话", start: int = 100) -> Passage:
    return Passage(
        chunk_id="c1", doc_id="d1", source="000.txt", title=title, speaker="张三", date="2023-04-28",
        section="三、强化“两个保障” > 一是经费保障", text=text, start=start, end=start + len(text), score=0.5,
    )  # fmt: skip


def answered(question: str = "两个保障是什么？", text: str = "一是经费保障[1]；二是教师保障[2]。") -> Answer:
    citations = [
        Citation(1, passage(), "一是经费保障。"),
        Citation(2, passage(start=500), "二是教师保障。"),
    ]
    return Answer(question, text, True, citations, [c.passage for c in citations])


def refused(question: str = "月球基地的预算是多少？") -> Answer:
    return Answer(question, "讲话中没有找到这个问题的答案。", False, [], [passage()], notice="not_found")


def session_with(*answers: Answer) -> ChatSession:
    session = ChatSession()
    for answer in answers:
        session.add(answer.question).answer = answer
    return session


def no_live_markup(html: str) -> None:
    """The only tags are ours: no script element and no event-handler attribute anywhere."""
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", html, re.IGNORECASE)
    assert "<img" not in html.lower()


def test_cited_marks_become_buttons_and_unknown_marks_stay_text() -> None:
    html = answer_html(answered(text="经费[1]，教师[2]，别的[7]。"), turn=3)
    assert html.count('class="qa-cite"') == 2
    assert 'data-turn="3" data-n="1"' in html and 'data-turn="3" data-n="2"' in html
    assert "别的[7]" in html  # no citation 7: plain text


def test_question_and_answer_with_markup_are_shown_as_text() -> None:
    answer = answered(question=XSS, text=f"{XSS}[1]")
    html = render_conversation(session_with(answer))
    no_live_markup(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=&#34;alert(2)&#34;" in html


def test_speech_text_and_title_with_markup_are_escaped_in_sources_and_viewer() -> None:
    evil = passage(text=f"正文{XSS}一是经费保障。", title=f"标题{XSS}")
    answer = Answer("问", "答[1]", True, [Citation(1, evil, "一是经费保障。")], [evil])
    sources = render_sources(session_with(answer))
    no_live_markup(sources)
    doc = Document("d1", "x.txt", f"开头{XSS}结尾", title=f"标题{XSS}")
    no_live_markup(render_document(doc, 2, 10))


def test_refusal_looks_different_and_lists_related_passages() -> None:
    html = render_conversation(session_with(refused()))
    assert "qa-refusal" in html and "qa-answer" not in html
    assert "未找到答案" in html
    sources = render_sources(session_with(refused()))
    assert "相关内容（1）" in sources and "qa-src-refusal" in sources
    assert "出处（" not in sources


def test_source_card_shows_metadata_and_highlights_the_cited_sentence() -> None:
    html = source_card(passage(), 0, n=1, sentence="一是经费保障。")
    assert 'id="qa-src-0-1"' in html
    assert "《在全市教育大会上的讲话》" in html and "张三" in html and "2023-04-28" in html
    assert "三、强化“两个保障” &gt; 一是经费保障" in html
    assert '<mark class="qa-hl">一是经费保障。</mark>' in html
    # the sentence's offsets in the whole speech, for the viewer
    start = 100 + TEXT.index("一是经费保障。")
    assert f'data-hl-start="{start}" data-hl-end="{start + 7}"' in html


def test_sentence_not_in_passage_is_not_highlighted() -> None:
    html = source_card(passage(), 0, n=1, sentence="不存在的句子")
    assert "<mark" not in html and 'data-hl-start="-1"' in html


def test_sources_panel_shows_only_the_latest_answer_and_keeps_older_ones_hidden() -> None:
    html = render_sources(session_with(answered("第一问"), answered("第二问")))
    sections = re.findall(r'<section class="qa-src-turn" data-turn="(\d+)"( hidden)?>', html)
    assert sections == [("0", " hidden"), ("1", "")]


def test_pending_turn_shows_streamed_text_then_placeholder() -> None:
    session = ChatSession()
    turn = session.add("两个保障是什么？")
    assert "正在查找" in render_conversation(session)
    turn.partial = "一是经费保障。"
    html = render_conversation(session)
    assert "一是经费保障。" in html and "qa-pending" in html and "qa-vote" not in html


def test_votes_stay_changeable_and_a_down_vote_asks_for_a_comment() -> None:
    session = session_with(answered())
    html = render_conversation(session)
    assert (
        html.count('class="qa-vote"') == 2 and 'aria-pressed="true"' not in html and "qa-comment" not in html
    )
    session.turns[0].feedback = "down"
    html = render_conversation(session)
    assert html.count('class="qa-vote"') == 2 and "感谢反馈" in html
    assert 'data-feedback="down" data-turn="0" title="没帮助" aria-pressed="true"' in html
    assert 'class="qa-comment"' in html and "提交意见" in html
    session.turns[0].comment = "</textarea><script>x</script>"
    html = render_conversation(session)
    assert "&lt;/textarea&gt;&lt;script&gt;" in html and "修改意见" in html
    no_live_markup(html)


def test_viewer_marks_the_passage_and_the_sentence_inside_it() -> None:
    text = "前言。一是经费保障。再穷不能穷教育。后记。"
    doc = Document("d1", "x.txt", text, title="讲话", speaker="张三")
    html = render_document(doc, 3, 18, 3, 10)
    assert (
        '<mark class="qa-passage" id="qa-viewer-hit"><mark class="qa-hl">一是经费保障。</mark>再穷不能穷教育。</mark>'
        in html
    )
    assert html.index("前言。") < html.index("qa-viewer-hit") < html.index("后记。")


def test_viewer_clamps_offsets_outside_the_text() -> None:
    doc = Document("d1", "x.txt", "短文本。", title="讲话")
    html = render_document(doc, -5, 999, 500, 600)
    assert '<mark class="qa-passage" id="qa-viewer-hit">短文本。</mark>' in html


def test_long_questions_are_shown_cut() -> None:
    html = render_conversation(session_with(refused("问" * 10_000)))
    # cut where it is shown and in the answer's export data: twice ~600, never the 10,000
    assert "共 10000 字" in html and html.count("问") < 1500


def test_documents_table_and_upload_results_escape_names() -> None:
    info = DocumentInfo(
        "d1", (f"{XSS}.txt",), f"标题{XSS}", "张三", "2023-04-28", 12, "2025-01-02T03:04:05+00:00"
    )
    table = render_documents([info])
    no_live_markup(table)
    # the server's local time with its offset, never a bare UTC time
    assert local_time("2025-01-02T03:04:05+00:00") in table and ">12<" in table
    assert "UTC" not in table
    results = render_file_results(
        [FileReport(source=f"{XSS}.txt", status="failed", error=XSS), FileReport(source="a.txt", docs=1)]
    )
    no_live_markup(results)
    assert "1 个成功，1 个失败" in results
    assert document_label(info).startswith("《标题") and "张三 2023-04-28" in document_label(info)


def test_no_page_is_escaped_by_hand() -> None:
    """Pages come from web/templates with autoescape; no module of web/ escapes HTML itself."""
    import ast
    from pathlib import Path

    web = Path(__file__).resolve().parents[2] / "web"
    by_hand = [
        f"{path.name}:{node.lineno}"
        for path in sorted(web.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.Import) and any(a.name == "html" for a in node.names))
        or (isinstance(node, ast.ImportFrom) and node.module == "html")
    ]
    assert by_hand == []


def test_each_answer_carries_its_copy_texts_and_export_data_as_inert_text() -> None:
    import json
    from html import unescape

    hostile = answered(question="<img src=x onerror=alert(1)>两个保障？")
    html = render_conversation(session_with(hostile, refused()))
    no_live_markup(html)
    assert html.count('class="qa-tools"') == 2 and html.count('class="qa-conv-tools"') == 1
    exported = re.findall(r'<template class="qa-export-data">(.*?)</template>', html, re.S)
    first = json.loads(unescape(exported[0]))
    assert first["question"] == hostile.question and "passages" not in first
    assert [c["n"] for c in first["citations"]] == [1, 2]
    with_sources = unescape(
        re.findall(r'<template class="qa-copy-text" data-copy="sources">(.*?)</template>', html, re.S)[0]
    )
    assert with_sources.startswith(hostile.answer) and "\n\n来源：\n[1] 《" in with_sources
    assert render_conversation(ChatSession()).count("qa-conv-tools") == 0  # nothing to export yet
