"""Lines a web page adds around a speech: breadcrumbs, source/metadata lines, share and print buttons.

Each predicate looks at one whole line and says yes only when nothing of the speech could be on it:
short, no sentence punctuation, and made of page furniture. The page's publishing date on a source line
is read from the raw text (`metadata.published_date`) before these lines are dropped.

- breadcrumbs: `首页 > 新闻中心 > 领导讲话 > 正文`, `您现在的位置：…`, `XX市人民政府门户网站 >> 政务公开 >> …`
- source lines: `来源：XX  发布时间：2025-02-20 10:35  阅读次数：2316  字号：大 中 小`, `责任编辑：XX`
- section labels alone on a line (`领导讲话`, `主要领导讲话`, `正文`) and menu bars (`A | B | C`)
- page numbers of a PDF copy (`— 2 —`, `第 2 页`)
- buttons: `【打印本页】【关闭窗口】`, `分享到：`, `字号：大 中 小`, `点击阅读全文`, `上一篇：…`
"""

from __future__ import annotations

import re

from core.normalize import normalize_for_match

_MAX_NOISE = 160  # a speech's lines of this length or more are never page furniture
_SENTENCE = re.compile(r"[。!?；;]")
_CRUMB_SEP = re.compile(r"\s?(?:>{1,3}|»|›|→|/)\s?")
_CRUMB_HINT = re.compile(r"^(?:(?:您|你)(?:现在)?的?(?:当前)?位置|当前位置|首页|网站首页|主页)")
_CRUMB_ARROW = re.compile(r">{1,3}|»|›|→")
_FIELD = re.compile(
    r"(?:信息来源|文章来源|来源|发布时间|发表时间|发布日期|更新时间|作者|阅读次数|浏览次数|阅读量|浏览量|点击数|"
    r"点击量|访问量|字号|字体|责任编辑|编辑|审核|校对|供稿|稿源|信息提供)\s?[:：]"
)
_LONE_FIELD = re.compile(
    r"^(?:信息来源|文章来源|来源|责任编辑|编辑|审核|校对|供稿|稿源|作者|字号|字体)\s?[:：]"
)
_BUTTONS = re.compile(
    r"打印本页|打印|关闭窗口|关闭本页|关闭|分享到|分享|收藏本页|收藏|加入收藏|返回顶部|返回|字号|字体|"
    r"[大中小]|默认|扫一扫|手机扫码|手机看|微信|微博|QQ空间|QQ|新浪微博|腾讯微博|朋友圈|复制链接|"
    r"点击阅读全文|阅读全文|展开全文|查看原文|【|】|\[|\]|[:：|｜\s]"
)
# Site section labels left alone on a line when a breadcrumb is split over several lines.
_LABELS = frozenset(
    "首页 正文 领导讲话 重要讲话 讲话全文 新闻中心 政务公开 领导活动 工作动态 通知公告".split()  # noqa: SIM905
)
_LEADERS_LABEL = re.compile(
    r"^[\u4e00-\u9fff]{0,4}领导讲话$"
)  # 主要领导讲话, 分管领导讲话: a page's column name
_PAGE_NUMBER = re.compile(
    r"^(?:-{1,2}\s?\d{1,3}\s?-{1,2}|第\s?\d{1,3}\s?页(?:\s?[/,，]?\s?共\s?\d{1,3}\s?页)?)$"
)  # — 2 —
_BAR = re.compile(r"\s?[|｜]\s?")
_NAV = re.compile(r"^(?:上一篇|下一篇|相关阅读|相关链接|相关新闻|相关文章)\s?[:：]?")


def is_web_noise(line: str) -> bool:
    """The whole line is page furniture (see the module docstring)."""
    text = normalize_for_match(line).strip()
    if not text or len(text) > _MAX_NOISE:
        return False
    if text in _LABELS or _NAV.match(text) or _LEADERS_LABEL.match(text) or _PAGE_NUMBER.match(text):
        return True
    return is_breadcrumb(text) or _is_source_line(text) or _is_buttons(text) or _is_menu_bar(text)


def _is_menu_bar(text: str) -> bool:
    """`白沙县人民政府 | 无障碍浏览 | English | 2025年4月16日 星期三`: three or more short cells."""
    cells = [c for c in _BAR.split(text) if c.strip()]
    return len(cells) >= 3 and all(len(c) <= 20 for c in cells) and not _SENTENCE.search(text)


def is_breadcrumb(text: str) -> bool:
    """`首页 > A > B`, `A >> B >> C`: short segments joined by arrows, no sentence in between."""
    if _SENTENCE.search(text) or "," in text or "，" in text:
        return False
    arrows = len(_CRUMB_ARROW.findall(text))
    segments = [s for s in _CRUMB_SEP.split(text) if s.strip()]
    if any(len(s) > 30 for s in segments):
        return False
    if _CRUMB_HINT.match(text):
        return arrows >= 1 or text.endswith("正文")
    return arrows >= 2 and len(segments) >= 3


def _is_source_line(text: str) -> bool:
    fields = len(_FIELD.findall(text))
    if fields >= 2:
        return True
    return _LONE_FIELD.match(text) is not None and len(text) <= 60 and not _SENTENCE.search(text)


def _is_buttons(text: str) -> bool:
    """Nothing is left once the button words are taken out (and at least one was there)."""
    if not re.search(r"打印|关闭|分享|收藏|返回顶部|字号|字体|扫一扫|阅读全文|展开全文|查看原文", text):
        return False
    return not _BUTTONS.sub("", text).strip()
