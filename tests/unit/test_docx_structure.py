"""Word files end to end (loader → clean → speeches → outline): heading styles and bold-only paragraphs.

The docx loader turns Heading 1/2/3 paragraphs into markdown headings ("## （一）…") and leaves
bold-only paragraphs as plain text; the head reader and the outline parser must read both."""

from __future__ import annotations

import io

import docx

from ingest.build import build_documents
from ingest.loaders import load_bytes

PARA = "这项工作要抓紧抓实，确保按时完成，各地各部门要切实扛起责任，按时保质完成各项任务。"


def _docx(styled: bool) -> bytes:
    document = docx.Document()
    document.add_paragraph("凝心聚力 办好人民满意教育")
    document.add_paragraph("——在2025年全县教育工作会议上的讲话")
    document.add_paragraph("中共青禾县委书记　韩立群")
    document.add_paragraph("（2025年2月18日）")
    document.add_paragraph("同志们：")
    document.add_paragraph("今年要抓住“两个关键”。" + PARA)
    for part, subs in (("一、统一思想认识", ("（一）认清形势", "（二）明确目标")), ("二、狠抓工作落实", ())):
        _heading(document, part, 1, styled)
        document.add_paragraph(PARA)
        for sub in subs:
            _heading(document, sub, 2, styled)
            document.add_paragraph(PARA)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _heading(document: docx.document.Document, text: str, level: int, styled: bool) -> None:
    if styled:
        document.add_heading(text, level=level)
    else:
        document.add_paragraph().add_run(text).bold = True


def _built(styled: bool) -> tuple[str, list[tuple[str, str]], dict[str, list[str]]]:
    loaded = load_bytes(_docx(styled), "讲话.docx")
    ((doc, _),) = build_documents(loaded)
    sections = [(s.section_id, s.label) for s in doc.sections]
    formulations = {f.name: [i.label for i in f.items] for f in doc.formulations}
    return doc.title, sections, formulations


def test_heading_styles_and_bold_paragraphs_give_the_same_speech() -> None:
    for styled in (True, False):
        title, sections, formulations = _built(styled)
        assert title == "凝心聚力 办好人民满意教育——在2025年全县教育工作会议上的讲话"
        assert sections == [
            ("s1", "一、统一思想认识"),
            ("s1.1", "（一）认清形势"),
            ("s1.2", "（二）明确目标"),
            ("s2", "二、狠抓工作落实"),
        ]
        assert formulations["两个关键"] == ["统一思想认识", "狠抓工作落实"]


def test_speaker_post_survives_the_docx_loader() -> None:
    loaded = load_bytes(_docx(True), "讲话.docx")
    ((doc, _),) = build_documents(loaded)
    assert (doc.speaker, doc.speaker_post, doc.date) == ("韩立群", "县委书记", "2025-02-18")


def test_unnumbered_bold_paragraphs_are_the_parts_of_a_speech_without_heading_styles() -> None:
    document = docx.Document()
    document.add_paragraph().add_run("——在全市教育系统清廉学校建设专题党课上的讲话").bold = True
    document.add_paragraph("主讲人：市教育局党组副书记、副局长　郑卫东")
    document.add_paragraph("2025年6月30日")
    document.add_paragraph("同志们：")
    document.add_paragraph("党课主要讲两个方面的内容。" + PARA)
    for part in ("深刻认识清廉学校建设的重大意义", "准确把握清廉学校建设的目标要求"):
        document.add_paragraph().add_run(part).bold = True
        document.add_paragraph(PARA)
    bold_sentence = document.add_paragraph()
    bold_sentence.add_run("这一句整句加粗，但它是正文。").bold = True  # a sentence, not a part
    buffer = io.BytesIO()
    document.save(buffer)
    ((doc, _),) = build_documents(load_bytes(buffer.getvalue(), "党课.docx"))
    assert [s.label for s in doc.sections] == [
        "深刻认识清廉学校建设的重大意义",
        "准确把握清廉学校建设的目标要求",
    ]
    assert (doc.speaker, doc.speaker_post) == ("郑卫东", "党组副书记、副局长")
