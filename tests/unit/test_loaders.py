"""Loaders: encodings, formats, refusals. Every fixture file is generated here, in tmp_path."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import ingest.loaders.pdf as pdf_loader
from errors import EmptyDocumentError, FileTooLargeError, IngestError, UnsupportedFileError
from ingest.loaders import SUPPORTED_EXTENSIONS, load, load_bytes
from tests.unit import fixtures_files as fx
from web.http_status import status_of

SPEECHES = Path(__file__).resolve().parents[2] / "data" / "speeches"
SPEECH = "同志们：\r\n今天召开全市教育工作会议，主要任务是部署全年工作。\r\n一、强化“两个保障”\r\n"
SPEECH_LF = SPEECH.replace("\r\n", "\n")


# --- plain text and markdown: encodings ------------------------------------------------------------


@pytest.mark.parametrize("text", ["关于教育工作的讲话", "教育", "你好", SPEECH_LF])
def test_gbk_text_is_decoded_as_gb18030_even_when_short(tmp_path: Path, text: str) -> None:
    # charset-normalizer alone calls "关于教育工作的讲话" cp949 and "教育" big5.
    loaded = load(fx.write(tmp_path, "gbk.txt", text.encode("gbk")))
    assert loaded.text == text
    assert loaded.encoding == "gb18030"


def test_gbk_only_characters_outside_gb2312_decode(tmp_path: Path) -> None:
    loaded = load(fx.write(tmp_path, "a.txt", "朱镕基同志指出".encode("gbk")))
    assert loaded.text == "朱镕基同志指出"


def test_utf8_with_bom_strips_the_bom_and_normalises_crlf(tmp_path: Path) -> None:
    loaded = load(fx.write(tmp_path, "bom.txt", SPEECH.encode("utf-8-sig")))
    assert loaded.text == SPEECH_LF
    assert loaded.encoding == "utf-8-sig"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    data = SPEECH.encode(codec) if codec == "utf-16" else b"\xfe\xff" + SPEECH.encode(codec)
    loaded = load(fx.write(tmp_path, "u16.txt", data))
    assert loaded.text == SPEECH_LF
    assert loaded.encoding.startswith("utf-16")


def test_plain_utf8_and_old_mac_line_ends(tmp_path: Path) -> None:
    loaded = load(fx.write(tmp_path, "mac.txt", "第一行\r第二行\r\n第三行\n".encode()))
    assert loaded.text == "第一行\n第二行\n第三行\n"
    assert loaded.encoding == "utf-8"


def test_markdown_is_loaded_raw(tmp_path: Path) -> None:
    text = "# 在全市教育大会上的讲话\n\n## 一、强化保障\n\n**主要任务是**，部署工作。\n"
    for name in ("speech.md", "speech.markdown"):
        loaded = load(fx.write(tmp_path, name, text.encode("gbk")))
        assert loaded.text == text  # markers and ** kept: cleaning is not the loader's job
        assert loaded.encoding == "gb18030"


def test_western_legacy_encoding_falls_back_to_detection(tmp_path: Path) -> None:
    # Neither UTF-8 nor GB18030 can decode this; charset-normalizer's guess (a cp125x code page; the
    # exact one is a guess on short texts) is used instead of refusing the file.
    text = "Café résumé — naïve déjà vu, über façade. " * 5
    loaded = load(fx.write(tmp_path, "latin.txt", text.encode("cp1252")))
    assert loaded.text.startswith("Café résumé — na")
    assert loaded.encoding.startswith("cp125")


def test_real_line_breaks_and_indentation_are_kept(tmp_path: Path) -> None:
    text = "\u3000\u3000同志们：\n\n\u3000\u3000今天召开会议。  \n"
    assert load(fx.write(tmp_path, "a.txt", text.encode())).text == text


# --- refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (fx.png_bytes(), "PNG"),
        (fx.zip_bytes(), "ZIP"),
        (b"%PDF-1.4\n%...", "PDF"),
        (b"abc\x00\x01\x02\x00def" * 10, "二进制"),
        (bytes(range(1, 32)) * 40, "控制字符"),
    ],
)
def test_binary_content_in_a_txt_is_not_text(tmp_path: Path, data: bytes, kind: str) -> None:
    with pytest.raises(IngestError) as caught:
        load(fx.write(tmp_path, "really binary.txt", data))
    assert "不是文本文件" in caught.value.message
    assert kind in caught.value.message
    assert caught.value.source == "really binary.txt"
    assert not isinstance(caught.value, EmptyDocumentError)


@pytest.mark.parametrize("data", [b"", b"  \r\n\t \n", "\ufeff".encode("utf-8"), "\u3000\n".encode()])
def test_empty_or_whitespace_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(EmptyDocumentError) as caught:
        load(fx.write(tmp_path, "空白.txt", data))
    assert caught.value.message.startswith("空白.txt: ")


@pytest.mark.parametrize("name", ["old.doc", "sheet.xlsx", "noextension", "image.png", ".txt"])
def test_unsupported_extension_lists_supported_types(tmp_path: Path, name: str) -> None:
    path = fx.write(tmp_path, name, "正文".encode())
    with pytest.raises(UnsupportedFileError) as caught:
        load(path)
    assert all(ext in caught.value.message for ext in (".txt", ".docx", ".pdf", ".html", ".md"))
    assert status_of(caught.value) == 415


def test_doc_gets_a_save_as_docx_hint() -> None:
    with pytest.raises(UnsupportedFileError, match=r"另存为 \.docx"):
        load_bytes(b"\xd0\xcf\x11\xe0", "讲话.doc")


def test_supported_extensions() -> None:
    assert {".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm"} == SUPPORTED_EXTENSIONS


def test_extension_is_case_insensitive(tmp_path: Path) -> None:
    assert load(fx.write(tmp_path, "SPEECH.TXT", "正文".encode())).text == "正文"


def test_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    path = fx.write(tmp_path, "big.txt", b"a" * 2048)
    with pytest.raises(FileTooLargeError) as caught:
        load(path, max_bytes=1024)
    assert status_of(caught.value) == 413
    assert "上限" in caught.value.message
    with pytest.raises(FileTooLargeError):
        load_bytes(b"a" * 2048, "big.txt", max_bytes=1024)


def test_missing_file_is_an_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="找不到文件"):
        load(tmp_path / "nope.txt")


def test_five_megabyte_text_loads_quickly(tmp_path: Path) -> None:
    line = "同志们，今天召开全市教育工作会议，主要任务是部署全年工作。Education 2024.\r\n"
    text = line * (5 * 2**20 // len(line.encode()))
    path = fx.write(tmp_path, "big speech.txt", text.encode())
    assert path.stat().st_size > 4.9 * 2**20
    started = time.perf_counter()
    loaded = load(path)
    elapsed = time.perf_counter() - started
    assert len(loaded.text) == len(text) - text.count("\r")
    assert elapsed < 2.0, f"5 MB took {elapsed:.2f}s"


def test_five_megabyte_gbk_text_loads_quickly(tmp_path: Path) -> None:
    text = "同志们，今天召开全市教育工作会议，主要任务是部署全年工作。\n" * 90_000
    path = fx.write(tmp_path, "big gbk.txt", text.encode("gbk"))
    started = time.perf_counter()
    loaded = load(path)
    assert time.perf_counter() - started < 2.0
    assert loaded.text == text and loaded.encoding == "gb18030"


# --- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["2024 年 工作 讲话.txt", "全市教育大会讲话（定稿）.md", "a b.txt"])
def test_names_with_spaces_and_chinese(tmp_path: Path, name: str) -> None:
    loaded = load(fx.write(tmp_path, name, "正文内容".encode("gbk")))
    assert loaded.source == name
    assert loaded.text == "正文内容"


def test_source_overrides_the_name_and_loses_directories(tmp_path: Path) -> None:
    path = fx.write(tmp_path, "tmp123.txt", "正文".encode())
    assert load(path, source="讲话.txt").source == "讲话.txt"
    assert load_bytes("正文".encode(), "C:\\Users\\张三\\桌面\\讲话.txt").source == "讲话.txt"
    assert load_bytes("正文".encode(), "uploads/讲话 1.txt").source == "讲话 1.txt"


# --- docx --------------------------------------------------------------------------------------------


def test_docx_paragraphs_headings_and_table(tmp_path: Path) -> None:
    loaded = load(fx.write(tmp_path, "教育 讲话.docx", fx.docx_bytes()))
    assert loaded.encoding == "docx"
    assert loaded.source == "教育 讲话.docx"
    assert loaded.text.split("\n\n") == [
        "在全市教育工作会议上的讲话",  # Title style: the speech title, not an outline part
        "同志们：",
        "今天召开会议，主要任务是部署全年工作。",
        "# 一、强化“两个保障”",  # Heading 1
        "## （一）经费保障",  # Heading 2
        "确保教育经费“两个只增不减”。",
        "# 二、深化教育评价改革",  # a style named "标题 1"
        "### 1.完善评价机制",  # direct outline level (0-based 2)
        "细则第四级",  # Heading 4 is deeper than the outline goes: body text
        "指标\n目标值",  # a table row: one line per cell
        "新增学位\n12000个",
        "谢谢大家！",
    ]


def test_docx_reads_tracked_changes_as_accepted_and_content_controls() -> None:
    loaded = load_bytes(fx.tracked_changes_docx_bytes(), "修订.docx")
    assert loaded.text == "封面标题\n\n教育经费持续增长。"  # insertion kept, deletion dropped


def test_docx_without_text_is_empty(tmp_path: Path) -> None:
    with pytest.raises(EmptyDocumentError):
        load(fx.write(tmp_path, "空.docx", fx.empty_docx_bytes()))


@pytest.mark.parametrize(
    "data", [b"this is not a zip at all", fx.docx_bytes()[:3000], fx.zip_bytes()], ids=["text", "cut", "zip"]
)
def test_broken_docx_is_an_ingest_error(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(IngestError) as caught:
        load(fx.write(tmp_path, "坏.docx", data))
    assert "Word" in caught.value.message
    assert not isinstance(caught.value, EmptyDocumentError)


def test_old_word_file_renamed_to_docx(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"另存为 \.docx"):
        load(fx.write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100))


# --- pdf ---------------------------------------------------------------------------------------------

PDF_PAGES = [
    ["在全市教育大会上的讲话", "一、强化“两个保障”，推进教育高质量", "发展。"],
    ["二、经费保障和编制保障", "Education 2024"],
]


def test_pdf_chinese_text_pages_joined_by_blank_line(tmp_path: Path) -> None:
    loaded = load(fx.write(tmp_path, "讲话 稿.pdf", fx.text_pdf_bytes(PDF_PAGES)))
    assert loaded.encoding == "pdf"
    pages = loaded.text.split("\n\n")
    assert pages == ["\n".join(lines) for lines in PDF_PAGES]


def test_pdfminer_extracts_the_same_chinese_when_pypdf_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_loader, "_pages_with_pypdf", lambda data, source: None)
    loaded = load(fx.write(tmp_path, "a.pdf", fx.text_pdf_bytes(PDF_PAGES)))
    for line in (line for page in PDF_PAGES for line in page):
        assert line in loaded.text
    assert "二、经费保障和编制保障" in loaded.text.split("\n\n", 3)[-1]  # page 2 after a blank line


def test_garbled_pypdf_output_is_replaced_by_pdfminer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    garbled = ["\ue001\ue002\ue003\ue004 \ue005"]  # unmapped glyphs come out as private-use characters
    monkeypatch.setattr(pdf_loader, "_pages_with_pypdf", lambda data, source: garbled)
    loaded = load(fx.write(tmp_path, "a.pdf", fx.text_pdf_bytes(PDF_PAGES)))
    assert "在全市教育大会上的讲话" in loaded.text
    assert "\ue001" not in loaded.text


def test_pdf_with_only_an_owner_password_loads(tmp_path: Path) -> None:
    data = fx.text_pdf_bytes(PDF_PAGES, user_password="")
    assert "在全市教育大会上的讲话" in load(fx.write(tmp_path, "a.pdf", data)).text


def test_pdf_with_an_open_password_is_refused(tmp_path: Path) -> None:
    data = fx.text_pdf_bytes(PDF_PAGES, user_password="secret")
    with pytest.raises(IngestError, match="密码"):
        load(fx.write(tmp_path, "a.pdf", data))


def test_scanned_pdf_asks_for_ocr(tmp_path: Path) -> None:
    with pytest.raises(EmptyDocumentError) as caught:
        load(fx.write(tmp_path, "扫描件.pdf", fx.image_pdf_bytes()))
    assert "扫描件" in caught.value.message and "文字识别" in caught.value.message
    assert caught.value.source == "扫描件.pdf"


def test_truncated_pdf_is_refused(tmp_path: Path) -> None:
    data = fx.text_pdf_bytes(PDF_PAGES)
    with pytest.raises(IngestError) as caught:
        load(fx.write(tmp_path, "截断.pdf", data[: len(data) // 2]))
    assert "不完整" in caught.value.message
    assert not isinstance(caught.value, EmptyDocumentError)


def test_corrupt_pdf_with_an_end_marker_is_refused(tmp_path: Path) -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n"
    with pytest.raises(IngestError) as caught:
        load(fx.write(tmp_path, "坏.pdf", data))
    assert "PDF" in caught.value.message


def test_not_a_pdf_at_all(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="不是有效的 PDF"):
        load(fx.write(tmp_path, "a.pdf", "其实是文本".encode()))


# --- html --------------------------------------------------------------------------------------------


def test_gbk_html_visible_text_only(tmp_path: Path) -> None:
    loaded = load(fx.write(tmp_path, "网页 讲话.htm", fx.GBK_HTML.encode("gbk")))
    assert loaded.encoding == "html"
    assert loaded.text.split("\n\n") == [
        "在全市教育大会上的讲话",
        "同志们：",
        "今天召开会议，主要任务是部署工作。",  # a source line break between Chinese characters vanishes
        "一、强化保障\n二、深化改革",  # <br> is a line break inside the paragraph
        "指标\n目标值",
        "新增学位\n12000个",
        "朱镕基同志曾经指出\xa0教育是基础。",  # 镕 is GBK, not GB2312: the declared gb2312 is widened
    ]
    for hidden in ("脚本", "样式", "注释", "隐藏", "首页", "版权", "站点标题", "请启用"):
        assert hidden not in loaded.text


def test_html_declaring_utf8_but_sent_as_gbk(tmp_path: Path) -> None:
    page = '<html><head><meta charset="utf-8"></head><body><p>同志们：</p><p>今天开会。</p></body></html>'
    assert load(fx.write(tmp_path, "a.html", page.encode("gbk"))).text == "同志们：\n\n今天开会。"


def test_html_without_declaration_and_with_xml_prolog(tmp_path: Path) -> None:
    plain = "<p>同志们：</p><div>今天<b>开会</b>。</div>"
    assert load(fx.write(tmp_path, "a.html", plain.encode())).text == "同志们：\n\n今天开会。"
    xhtml = '<?xml version="1.0" encoding="GBK"?><html><body><p>讲话</p></body></html>'
    assert load(fx.write(tmp_path, "b.html", xhtml.encode("gbk"))).text == "讲话"


def test_html_break_based_paragraphs_and_hidden_attributes(tmp_path: Path) -> None:
    page = (
        "<body><div>第一段。<br><br>第二段。</div><div hidden>登录框</div>"
        '<span aria-hidden="true">图标</span><aside>相关文章</aside><header>2024年4月28日</header></body>'
    )
    assert load(fx.write(tmp_path, "a.html", page.encode())).text == "第一段。\n\n第二段。\n\n2024年4月28日"


def test_html_left_aligned_bold_paragraphs_are_part_headings_centred_ones_are_titles(tmp_path: Path) -> None:
    page = (
        '<body><p style="text-align:center"><strong>骆启明市长讲话</strong></p>'
        "<p><strong>抓紧抓实新建园项目</strong></p><p>今年新建公办园3所。</p>"
        "<p><b>要</b>加强管理。</p><p><strong>一、着力提升保教质量</strong></p></body>"
    )
    text = load(fx.write(tmp_path, "a.html", page.encode())).text
    assert text.split("\n\n") == [
        "骆启明市长讲话",
        "# 抓紧抓实新建园项目",
        "今年新建公办园3所。",
        "要加强管理。",
        "一、着力提升保教质量",
    ]


def test_html_furniture_marked_by_class_and_menus_of_short_links_are_dropped(tmp_path: Path) -> None:
    """Older sites mark menus only by class (`<div class="nav">`) or write them as lists of links: their
    words ("政民互动") would open the speech. A list of real items stays."""
    page = (
        '<body><div class="topbar"><a href="/">门户网站</a></div>'
        '<div class="nav"><a href="/a">首页</a><a href="/b">政务公开</a></div>'
        '<ul><li><a href="/c">政民互动</a></li><li><a href="/d">办事服务</a></li></ul>'
        "<p>同志们：</p><ul><li>一是加大投入。</li><li>二是补齐短板。</li></ul>"
        '<div id="footer">主办：某区政府</div></body>'
    )
    assert (
        load(fx.write(tmp_path, "a.html", page.encode())).text
        == "同志们：\n\n一是加大投入。\n\n二是补齐短板。"
    )


def test_html_with_only_scripts_is_empty(tmp_path: Path) -> None:
    page = "<html><head><title>标题</title><script>var a = '文字';</script></head><body> </body></html>"
    with pytest.raises(EmptyDocumentError):
        load(fx.write(tmp_path, "a.html", page.encode()))


# --- the sample speeches -----------------------------------------------------------------------------

SAMPLE_STARTS = {
    "000_ba48dc24f464237d.txt": "在全市教育高质量发展大会上的讲话提纲\n\n刚才，X书记站在全局的高度",
    "001_a572f6982771d411.txt": "您的位置:新文秘网>>教育/质检/科学发展/会议致辞/会议主持/会议发言/>>正文\n\n",
    "002_30aa19420a7ce07f.txt": "\n\n在市委教育工作领导小组 2023 年第 1 次 工作会暨教育质量提升行动",
    "003_6f23c409fe163a4d.txt": "同志们： \n今天这次会议，主要任务是：",
    "004_a8bf3beb1f8314f3.txt": " 2024年市教育行政工作会强调讲话刚才，",
}


def test_every_sample_speech_has_an_expected_start() -> None:
    assert sorted(p.name for p in SPEECHES.glob("*.txt")) == sorted(SAMPLE_STARTS)


@pytest.mark.parametrize("name", sorted(SAMPLE_STARTS))
def test_sample_speeches_load_unchanged(name: str) -> None:
    path = SPEECHES / name
    loaded = load(path)
    assert loaded.source == name
    assert loaded.encoding == "utf-8"
    assert loaded.text.startswith(SAMPLE_STARTS[name])
    assert loaded.text == path.read_bytes().decode("utf-8")  # raw: nothing cleaned, nothing lost
