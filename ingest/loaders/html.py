"""HTML pages: the visible text, one paragraph per block element.

Dropped: everything a reader never sees (head, script, style, noscript, template, hidden elements, form
controls) and the page furniture HTML5 marks as such (nav, footer, aside): menus, "related articles" and
copyright lines are never part of a speech but would end up in its passages and compete in retrieval.
<header> is kept because articles often put their title and date in one. Headings stay plain text: the
speeches number their own headings (一、…), while a page's <h1>/<h2> levels are set by the site's design.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from core.records import LoadedText
from ingest.loaders.base import (
    MAX_HTML_CHARS,
    MAX_HTML_TAGS,
    check_chars,
    could_be_bold_heading,
    normalize_newlines,
    require_text,
)
from ingest.loaders.text import decode_text

# fmt: off
_INVISIBLE = frozenset({
    "head", "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "select", "option", "button", "input", "textarea", "nav", "footer", "aside",
})
_BLOCKS = frozenset({
    "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "html", "legend", "li", "main", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul",
})
_CELLS = frozenset({"td", "th"})  # a table row is one paragraph, one line per cell
# fmt: on
# class/id words of page furniture, as whole words of a class name ("nav", "main-nav", "footer_box")
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|topbar|footer|foot|copyright|share|bdshare|related|sidebar|breadcrumb|crumbs?)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
_MENU_ITEM_CHARS = 12
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Placeholders until the text is assembled (none survives decoding): a paragraph break, a "soft" line
# break for table cells that adds nothing where a line already ends, and a source line break.
_BREAK = "\x00"
_CELL = "\x01"
_SEGMENT = "\x02"
_PLACEHOLDERS = re.compile("[\x00-\x02]")
_SEGMENT_BREAK = re.compile(r"[ \t\r\f]*\n[ \t\n\r\f]*")
_INLINE_SPACE = re.compile(r"[ \t\r\f]+")  # HTML whitespace; &nbsp; and the ideographic space stay
# A source line break between two Chinese characters renders as nothing, not a space (CSS Text 3
# segment-break rules), so "会议，\n主要" must become "会议，主要".
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SEGMENT_BREAK = re.compile(rf"(?<=[{_CJK}])[ \x02]*\x02[ \x02]*(?=[{_CJK}])")
_SPACE_RUN = re.compile(r"[ \x02]+")
_CELL_EDGE = re.compile(r"[ \t]*\x01[ \t\x01]*")
_SPARE_CELL_BREAKS = re.compile(r"(?:^|(?<=\n))\x01+|\x01+(?=\n|$)")

# <meta charset="gbk">, <meta http-equiv="Content-Type" content="text/html; charset=gb2312">,
# <?xml version="1.0" encoding="gbk"?>
_DECLARED = re.compile(
    rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)"
    rb"|<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)",
    re.IGNORECASE,
)
# As browsers do (WHATWG encoding labels): legacy Chinese labels mean GBK, whose superset is GB18030.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}


class HtmlLoader:
    def load(self, data: bytes, source: str) -> LoadedText:
        markup, _encoding = decode_text(data, source, declared=declared_charset(data))
        # Before parsing: BeautifulSoup's tree costs time and memory per character and per tag.
        check_chars(len(markup), source, MAX_HTML_CHARS, "网页代码")
        check_chars(markup.count("<"), source, MAX_HTML_TAGS, "网页标签", "个")
        text = visible_text(markup)
        return LoadedText(source=source, text=require_text(text, source), encoding="html")


def declared_charset(data: bytes) -> str | None:
    match = _DECLARED.search(data[:4096])
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    return _ALIASES.get(label, label)


def visible_text(markup: str) -> str:
    from bs4 import BeautifulSoup  # lazy: keeps `import ingest.loaders` cheap

    soup = BeautifulSoup(_PLACEHOLDERS.sub("", markup), "lxml")
    return _assemble("".join(_pieces(soup)))


def _pieces(root: Any) -> Iterator[str]:
    """Text and placeholders in document order; one pass, no tree edits (those are O(siblings) each)."""
    from bs4 import CData, NavigableString, Tag

    stack: list[tuple[Any, bool]] = [(root, False)]  # (node or closing placeholder, inside <pre>)
    while stack:
        node, in_pre = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            yield node  # a closing placeholder pushed below
        elif isinstance(node, NavigableString):
            if type(node) in (NavigableString, CData):  # not comments, doctypes, processing instructions
                yield str(node) if in_pre else _mark_whitespace(str(node))
        elif (
            isinstance(node, Tag)
            and node.name not in _INVISIBLE
            and not _is_hidden(node)
            and not _is_furniture(node)
        ):
            if node.name == "br":
                yield "\n"
                continue
            placeholder = _BREAK if node.name in _BLOCKS else _CELL if node.name in _CELLS else ""
            if placeholder:
                yield placeholder
                stack.append((placeholder, in_pre))
                if node.name == "p" and _bold_heading(node):
                    yield "# "  # "<p><strong>抓紧抓实新建园项目</strong></p>": a part, as in Word
            in_pre = in_pre or node.name == "pre"
            stack.extend((child, in_pre) for child in reversed(node.contents))


_CENTRED = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)


def _bold_heading(paragraph: Any) -> bool:
    """A left-aligned paragraph all of whose text is bold (<strong>/<b>) and that reads as a heading;
    a centred one is a title or a speaker's label ("骆启明市长讲话"), not a part."""
    if _CENTRED.search(str(paragraph.get("style", ""))) or paragraph.get("align") == "center":
        return False
    text = paragraph.get_text()
    bold = "".join(
        b.get_text() for b in paragraph.find_all(["strong", "b"]) if not b.find_parent(["strong", "b"])
    )
    return (
        bool(bold.strip()) and "".join(text.split()) == "".join(bold.split()) and could_be_bold_heading(text)
    )


def _is_hidden(tag: Any) -> bool:
    attrs = tag.attrs
    return "hidden" in attrs or attrs.get("aria-hidden") == "true" or bool(_HIDDEN_STYLE.search(
        str(attrs.get("style", ""))))  # fmt: skip


def _is_furniture(tag: Any) -> bool:
    """Page furniture an older site marks only by class or id (`<div class="nav">`, `id="footer"`), or a
    menu: a list whose every item is one short link. Its words ("政民互动", "办事服务") would otherwise
    open the speech and be read as its title."""
    names = " ".join([*tag.attrs.get("class", ()), str(tag.attrs.get("id", ""))])
    if names.strip() and _FURNITURE.search(names):
        return True
    if tag.name not in ("ul", "ol"):
        return False
    items = tag.find_all("li", recursive=False)
    return bool(items) and all(_short_link(li) for li in items)


def _short_link(item: Any) -> bool:
    links = item.find_all("a")
    text = item.get_text(strip=True)
    return len(links) == 1 and text == links[0].get_text(strip=True) and len(text) <= _MENU_ITEM_CHARS


def _mark_whitespace(text: str) -> str:
    """HTML whitespace collapses; a run holding a source line break becomes a segment-break mark."""
    return _INLINE_SPACE.sub(" ", _SEGMENT_BREAK.sub(_SEGMENT, text))


def _assemble(text: str) -> str:
    # Runs of collapsible whitespace may span several text nodes, so they are resolved here.
    text = _CJK_SEGMENT_BREAK.sub("", text)
    text = _SPACE_RUN.sub(" ", text)
    paragraphs = (_paragraph(part) for part in text.split(_BREAK))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph.strip())


def _paragraph(part: str) -> str:
    part = _CELL_EDGE.sub(_CELL, normalize_newlines(part))
    lines = "\n".join(line.strip(" \t") for line in part.split("\n"))
    return _SPARE_CELL_BREAKS.sub("", lines.strip("\n" + _CELL)).replace(_CELL, "\n").strip("\n")
