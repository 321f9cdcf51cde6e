"""Builders for loader fixtures: every .docx/.pdf/.html is generated at test time, none is committed."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

CJK_FONT = "STSong-Light"  # one of reportlab's built-in CID fonts: no font file is needed
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def docx_bytes() -> bytes:
    """A small speech: title, a TOC line, heading levels (built-in, Chinese-named, outline-level), a table."""
    document = Document()
    document.add_paragraph("在全市教育工作会议上的讲话", style="Title")
    toc_entry = document.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("一、强化“两个保障”\t3", style=toc_entry)  # a table of contents line
    document.add_paragraph("同志们：")
    document.add_paragraph("今天召开会议，主要任务是部署全年工作。")
    document.add_paragraph("一、强化“两个保障”", style="Heading 1")
    document.add_paragraph("（一）经费保障", style="Heading 2")
    document.add_paragraph("确保教育经费“两个只增不减”。")
    chinese_heading = document.styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("二、深化教育评价改革", style=chinese_heading)
    _set_outline_level(document.add_paragraph("1.完善评价机制"), 2)  # Word's 0-based level 2 = third
    document.add_paragraph("细则第四级", style="Heading 4")
    document.add_paragraph("")  # empty paragraphs are skipped
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "目标值"
    table.cell(1, 0).text = "新增学位"
    table.cell(1, 1).text = "12000个"
    document.add_paragraph("谢谢大家！")
    return _save(document)


def tracked_changes_docx_bytes() -> bytes:
    """A paragraph with a tracked insertion and deletion, and one inside a content control (w:sdt)."""
    document = Document()
    paragraph = document.add_paragraph("教育经费")
    paragraph._p.append(_revision("w:ins", "w:t", "持续"))
    paragraph._p.append(_revision("w:del", "w:delText", "逐步"))
    paragraph.add_run("增长。")
    control, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    content.append(_revision("w:p", "w:t", "封面标题"))  # w:p > w:r > w:t
    control.append(content)
    document.element.body.insert(0, control)
    return _save(document)


def _revision(wrapper: str, text_tag: str, text: str) -> object:
    element, run, text_element = OxmlElement(wrapper), OxmlElement("w:r"), OxmlElement(text_tag)
    text_element.text = text
    run.append(text_element)
    element.append(run)
    return element


def empty_docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("   ")
    return _save(document)


def _set_outline_level(paragraph: object, level: int) -> None:
    p_pr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), str(level))
    p_pr.append(outline)


def _save(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def text_pdf_bytes(pages: Sequence[Sequence[str]], *, user_password: str | None = None) -> bytes:
    """One PDF page per item, each line drawn with the CJK font (a real text layer with ToUnicode).

    With `user_password` the file is encrypted ("" = no password to open, only an owner password).
    """
    buffer = io.BytesIO()
    encrypt = None if user_password is None else StandardEncryption(user_password, "owner", strength=128)
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for lines in pages:
        pdf.setFont(CJK_FONT, 12)
        for row, line in enumerate(lines):
            pdf.drawString(72, 760 - 20 * row, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def image_pdf_bytes() -> bytes:
    """What a scanner produces: a page that is only a picture, with no text layer."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(picture).rectangle((20, 20, 380, 60), fill="black")  # a "line of print"
    png = io.BytesIO()
    picture.save(png, format="PNG")
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawImage(ImageReader(io.BytesIO(png.getvalue())), 72, 500, width=400, height=200)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buffer.getvalue()


GBK_HTML = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>站点标题_某某网</title>
<style>p { color: red; } .x:before { content: "样式文字"; }</style>
<script>var tip = "脚本文字"; document.write("<p>写入</p>");</script>
</head>
<body>
<nav><a href="/">首页</a> &gt; <a href="/jy">教育</a></nav>
<div class="article">
  <h1>在全市教育大会上的讲话</h1>
  <p>同志们：</p>
  <p>今天召开会议，
     主要任务是部署工作。</p>
  <p>一、强化保障<br>二、深化改革</p>
  <!-- 注释文字 -->
  <div style="display:none">隐藏文字</div>
  <table><tr><td>指标</td><td>目标值</td></tr><tr><td>新增学位</td><td>12000个</td></tr></table>
  <p>朱镕基同志曾经指出&nbsp;教育是基础。</p>
  <noscript>请启用脚本</noscript>
</div>
<footer>版权所有 某某网</footer>
</body></html>
"""
