"""What the lines at the head of a speech mean: title, speaker, date, meeting, salutation.

The same predicates serve two masters: `clean` must never glue a title, a speaker line or a
date line to its neighbour, and `speeches` reads the metadata from exactly those lines.
All patterns run on `normalize_for_match` text, so full- and half-width punctuation
(（一） / (一), 同志们： / 同志们:) look the same. Every regex is linear: no nested
quantifiers, every open-ended repeat is bounded or anchored to a literal.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from core.normalize import normalize_for_match
from core.numerals import CN_NUMERAL

CJK = "\u4e00-\u9fff\u3400-\u4dbf"
_CN_DIGITS = f"〇零{CN_NUMERAL}"

# A numbered outline marker at the start of a line: 一、 (一) 1. (1) ① 第一部分 一是 一要 # …
_MARKER_RE = re.compile(
    rf"^(?:[{CN_NUMERAL}百零〇两]{{1,4}}\s?[、.]"
    rf"|\(\s?[{CN_NUMERAL}百零〇]{{1,4}}\s?\)"
    r"|\d{1,3}\s?[、.](?!\d)"
    r"|\(\s?\d{1,3}\s?\)"
    r"|[①-⑳]"
    rf"|第[{CN_NUMERAL}百零〇\d]{{1,4}}[部分章节条点]"
    rf"|第[{CN_NUMERAL}]{{1,3}}(?:个方面|方面|句话|个|项|[,，、:：])"
    r"|(?:首先|其次|再次|最后)[,，、:：]"
    rf"|[{CN_NUMERAL}]{{1,3}}[是要]"
    r"|(?:一|另一)方面"
    r"|#{1,6}\s)"
)
_STOP = "。!?"  # sentence-final stops (after normalisation)
_CLAUSE_RE = re.compile(r"[,，、;:。!?]")  # any of these means the line is running prose
_SENTENCE_PUNCT_RE = re.compile(r"[,;:。!?]")  # a role list '市委常委、副市长 杨继宏' may hold 、
_SALUTATION_RE = re.compile(
    r"^(?:同志们|各位(?:领导|同志|代表|来宾|嘉宾|委员|老师)|女士们|先生们|老师们|同学们)"
    r"[^:。]{0,12}:?$"
)
_DATE_BODY = (
    rf"(?:(?P<y>\d{{4}}|[{_CN_DIGITS}]{{4}})\s?年\s?(?P<m>\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})\s?月"
    rf"\s?(?P<d>\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})\s?[日号]"
    r"|(?P<iy>\d{4})\s?[-/.]\s?(?P<im>\d{1,2})\s?[-/.]\s?(?P<id>\d{1,2})(?![\d.])(?:\s?\d{1,2}:\d{2}(?::\d{2})?)?)"
    r"(?:\s?(?:上午|下午|晚上))?(?:\s?\(?(?:星期|周)[一二三四五六日天]\)?)?"
)
# A line that is only a date: '（2025年2月18日）', '2024-11-08', '二〇二四年十一月七日', '2024年11月7日上午'.
_DATE_RE = re.compile(rf"^\(?\s?{_DATE_BODY}\s?\)?$")
# A date closing a line that holds something else first: '王某某 2025年6月20日', '…讲话（2025年2月18日）'.
_TRAILING_DATE_RE = re.compile(rf"(?:\s|(?=\()|(?<=[{CJK}]))\(?\s?{_DATE_BODY}\s?\)?$")
_TITLE_END_RE = re.compile(r"(?:讲话|讲话提纲|讲话稿|讲稿|发言|发言稿|致辞|提纲|总结讲话|动员讲话|报告)$")
_TITLE_MEETING_RE = re.compile(
    rf"^(?:-{{1,2}}\s?)?(?:(?P<name>[{CJK}]{{2,4}})同志)?在(?P<meeting>.{{2,120}}?)\s?[上中]\s?的\s?"
    r"(?:讲话|讲话提纲|讲话稿|发言|致辞|总结讲话|动员讲话|报告)"
)
_TRAILING_TALK_RE = re.compile(r"(?:上的|上|强调|的)?(?:讲话|讲话提纲|讲话稿|发言|致辞)$")
_MEETING_END_RE = re.compile(r"(?:会议|大会|工作会|会|论坛|仪式|典礼)$")
_NAME_RE = re.compile(rf"^(?:[{CJK}、]{{2,16}}\s)?([{CJK}]{{2,4}})(?:同志)?$")
_NOT_NAMES = frozenset(
    "提纲 目录 正文 讲话 发言 致辞 附件 会议 说明 前言 摘要 全文 同志们 大家好 谢谢 谢谢大家 结束语".split()  # noqa: SIM905
)
_PUBLISHED_RE = re.compile(
    r"(?:发表|发布|更新)(?:时间|日期)\s?[:：]\s?(\d{4})\s?[-/.年]\s?(\d{1,2})\s?[-/.月]\s?(\d{1,2})"
)
_STAMPED_RE = re.compile(r"(?m)^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:来源|作者|$)")
# "程晓燕副市长在推进会上的讲话": the end of a line that labels one speech of a compilation
SPEECH_LABEL = r"在[^，。；]{2,30}上的(?:讲话|发言|致辞)$"
_FILE_NOISE_RE = re.compile(r"^\d{1,4}[_\-\s]+|[_\-\s]+[0-9a-fA-F]{6,}$")


def starts_with_marker(line: str) -> bool:
    """The line opens with an outline marker (一、 / （一） / 1. / 一是 …)."""
    return _MARKER_RE.match(normalize_for_match(line).lstrip()) is not None


def is_heading_line(line: str) -> bool:
    """A marker line that is only a heading: no sentence stop before its last character."""
    text = normalize_for_match(line).strip()
    return starts_with_marker(text) and not any(ch in _STOP for ch in text[:-1])


def is_prose(line: str) -> bool:
    """Running text has clause punctuation; titles, names and dates do not."""
    return _CLAUSE_RE.search(normalize_for_match(line)) is not None


def is_salutation(line: str) -> bool:
    return _SALUTATION_RE.match(normalize_for_match(line).strip()) is not None


def is_date_line(line: str) -> bool:
    return len(line) <= 30 and _DATE_RE.match(normalize_for_match(line).strip()) is not None


def is_title_line(line: str) -> bool:
    """A speech title: short, not prose, not a heading, and worded like one (在…上的讲话 / …讲话)."""
    text = normalize_for_match(line).strip()
    # 、 may stand in a title ("在全市教育、科技、人才工作会议上的讲话"); other clause marks may not.
    if not 4 <= len(text) <= 120 or _SENTENCE_PUNCT_RE.search(text) or starts_with_marker(text):
        return False
    return _TITLE_MEETING_RE.match(text) is not None or _TITLE_END_RE.search(text) is not None


def speaker_from_line(line: str) -> str:
    """'杨继宏' or '市委常委、副市长 杨继宏' → '杨继宏'; anything else → ''. Never guesses."""
    text = normalize_for_match(line).strip()
    if len(text) > 24 or _SENTENCE_PUNCT_RE.search(text) or is_salutation(text):
        return ""
    match = _NAME_RE.match(text)
    if match is None or match.group(1) in _NOT_NAMES:
        return ""
    return match.group(1)


def speaker_from_title(title: str) -> str:
    """'张三同志在…上的讲话' → '张三' (the 同志 is required: a bare '市长在…' is a role, not a name)."""
    match = _TITLE_MEETING_RE.match(normalize_for_match(title).strip())
    return (match.group("name") or "") if match else ""


def meeting_from_title(title: str) -> str:
    """'在X上的讲话' → X; '2024年市教育行政工作会强调讲话' → '2024年市教育行政工作会'; else ''."""
    text = title.strip()
    match = _TITLE_MEETING_RE.match(normalize_for_match(text))
    if match:
        return text[match.start("meeting") : match.end("meeting")].strip()
    rest = _TRAILING_TALK_RE.sub("", text)
    return rest if rest != text and _MEETING_END_RE.search(rest) else ""


def parse_date(line: str) -> str:
    """'（2023 年 4 月 28 日）' or '二〇二三年四月二十八日' → '2023-04-28'; '' when not a full date."""
    match = _DATE_RE.match(normalize_for_match(line).strip())
    return _iso(match) if match else ""


def split_trailing_date(line: str) -> tuple[str, str]:
    """'王某某 2025年6月20日' → ('王某某', '2025-06-20'); (line, '') when no full date closes the line."""
    text = normalize_for_match(line).strip()
    match = _TRAILING_DATE_RE.search(text)
    if match is None or match.start() == 0:
        return line.strip(), ""
    iso = _iso(match)
    return (line.strip()[: match.start()].rstrip(), iso) if iso else (line.strip(), "")


def _iso(match: re.Match[str]) -> str:
    parts = match.group("y", "m", "d") if match.group("y") else match.group("iy", "im", "id")
    year, month, day = (_to_int(part or "") for part in parts)
    if year is None or month is None or day is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def published_date(raw: str) -> str:
    """The web page's 发表时间/发布时间 (or "2025-09-18 08:45 来源：…") as ISO, or ''. This is when the page
    went up, not the speech date."""
    match = _PUBLISHED_RE.search(raw[:5000]) or _STAMPED_RE.search(raw[:5000])  # headers sit at the top
    if match is None:
        return ""
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


# "来源：云川市教育局　发布时间：…": the publishing body of a saved page (a place or an office)
_PUBLISHER_RE = re.compile(
    r"(?:信息来源|文章来源|来源)\s?[:：]\s?([\u4e00-\u9fff]{2,24}?)(?=\s|　|$|发布|发表|作者|时间)", re.M
)


def publisher(raw: str) -> str:
    """The body a saved page names as its source (来源：云川市教育局), or ''. Its place words tell which
    city or county a speech speaks of as 全市/全县 ("云川去年出了几起…" is about this speech)."""
    match = _PUBLISHER_RE.search(raw[:5000])
    return match.group(1) if match else ""


def title_from_source(source: str) -> str:
    """A file name worth showing ('在全市教育大会上的讲话.docx'), minus index prefix and hash suffix."""
    stem = _FILE_NOISE_RE.sub("", PurePath(source).stem).strip()
    return stem if len(re.findall(f"[{CJK}]", stem)) >= 4 else ""


def title_from_opening(paragraph: str, limit: int = 28) -> str:
    """An untitled speech is named by its opening words, marked so nobody takes it for a real title."""
    first = re.split(r"(?<=[。！？!?])", paragraph.strip(), maxsplit=1)[0]
    if not first:
        return ""
    excerpt = first if len(first) <= limit else first[:limit] + "…"
    return f"（无标题）{excerpt}"


def _to_int(part: str) -> int | None:
    if not part:
        return None
    if part.isdigit():
        return int(part)
    return _chinese_number(part)


def _chinese_number(text: str) -> int | None:
    """'二〇二三' → 2023 (digit by digit); '二十八' → 28; '十' → 10."""
    digits = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0}
    if "十" not in text:
        if not all(ch in digits for ch in text):
            return None
        return int("".join(str(digits[ch]) for ch in text))
    tens, _, ones = text.partition("十")
    if any(ch not in digits for ch in tens + ones) or len(tens) > 1 or len(ones) > 1:
        return None
    return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)
