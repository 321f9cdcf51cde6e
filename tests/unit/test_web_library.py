"""The 提法库 HTML (web/render_library.py) from documents built by the real ingest: groups, statuses,
side-by-side versions, the outline tree, links into the text, and markup in a speech kept as text."""

from __future__ import annotations

import re
from dataclasses import replace

from core.records import Document, LoadedText
from ingest.build import build_documents
from tests.unit.test_web_api import speech
from tests.unit.test_web_export import TEACHERS
from web.render_library import render_library, render_outlines


def documents(*texts: str) -> dict[str, Document]:
    built = [d for i, t in enumerate(texts) for d, _ in build_documents(LoadedText(f"{i}.txt", t))]
    return {d.doc_id: d for d in built}


DOCS = documents(speech("在全市职业教育工作会议上的讲话", "李四"), TEACHERS)


def test_one_name_with_different_items_is_shown_side_by_side() -> None:
    html = render_library(DOCS)
    group = html[html.index("“两个保障”") :].split("</section>")[0]
    assert "2 篇讲话" in group and "各篇内容不同" in group and group.count('class="qa-lib-entry') == 2
    for label in ("经费保障", "师资保障", "编制保障", "待遇保障"):
        assert f">{label}</button>" in group


def test_a_formulation_named_but_never_spelled_out_is_marked() -> None:
    html = render_library(DOCS)
    group = html[html.index("“三个关键”") :].split("</section>")[0]
    assert "qa-status-named" in group and "只提到名称，未展开" in group and "<ol" not in group


def test_items_and_headings_link_to_their_place_in_the_speech() -> None:
    doc = next(d for d in DOCS.values() if d.speaker == "李四")
    html = render_library(DOCS, "经费")
    start, end = map(int, re.search(r'data-start="(\d+)" data-end="(\d+)"[^>]*>经费保障<', html).groups())  # type: ignore[union-attr]
    assert doc.text[start:end].startswith("一是经费保障")
    outline = render_outlines(DOCS)
    assert outline.count('class="qa-outline-speech"') == 2
    heading = re.search(r'data-hl-start="(\d+)" data-hl-end="(\d+)">二、强化“两个保障”<', outline)
    assert heading is not None and doc.text[int(heading[1]) : int(heading[2])].startswith("二、强化")


def test_search_and_markup_from_a_speech_or_a_query_stays_text() -> None:
    hostile = {k: replace(d, title="<img src=x onerror=alert(1)>讲话") for k, d in DOCS.items()}
    for html in (render_library(hostile, "<b>"), render_library(hostile), render_outlines(hostile)):
        assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;讲话" in render_outlines(hostile)
    assert "没有找到包含“&lt;b&gt;”的提法" in render_library(hostile, "<b>")
    assert "没有找到包含“待遇x”的提法" in render_library(DOCS, "待遇x")
