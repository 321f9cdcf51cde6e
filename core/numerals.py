"""Chinese numerals as they appear in numbered formulations (两个保障, 十项重点任务, 第三部分) and outlines.

The one place that knows what 一…十 are worth: ingest's outline and formulation parsers read them strictly
(`cn_number`), the assistant's question reader leniently (`parse_numeral`: also digits, 零, 〇, 俩).
`CN_NUMERAL` is the 一…十 character class for regular expressions (`CN_COUNT` the same with 两), `CIRCLED`
the ①…⑫ one: every parser and question reader builds its patterns from these, never from a copy.
"""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}  # fmt: skip
CN_COUNT = "一二两三四五六七八九十"  # the class of a count (两个保障, 十项任务)
_CN = CN_COUNT
# The class of an ordinal marker (一、 / 第三 / （五））: 两 counts, never orders.
CN_NUMERAL = "一二三四五六七八九十"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫"  # circled item numbers a list inside a paragraph uses
NUMERAL_RE = re.compile(rf"[{_CN}]{{1,3}}|\d{{1,2}}")
ORDINAL_CN = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


def parse_numeral(text: str) -> int | None:
    """'两' → 2, '十二' → 12, '二十' → 20, '8' → 8; None when it is not a numeral up to 99."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    value = (_DIGITS.get(tens, 0) if tens else 1) * 10
    return value + (_DIGITS.get(units, 0) if units else 0)


def circled_number(mark: str) -> int:
    """'①' → 1, '⑫' → 12."""
    return ord(mark) - ord("①") + 1


def to_chinese(n: int) -> str:
    """2 → '二', 12 → '十二' (for ordinals such as 第二部分)."""
    if n <= 10:
        return ORDINAL_CN[n]
    tens, units = divmod(n, 10)
    return f"{ORDINAL_CN[tens] if tens > 1 else ''}十{ORDINAL_CN[units] if units else ''}"


def cn_number(numeral: str) -> int | None:
    """Value of a Chinese numeral from 一 to 九十九 (两 = 2); None if it is not one.

    Strict, for parsing documents: only 一…十 and 两, at most one 十 ('十十' is not a number, while the
    lenient `parse_numeral` reads it as 10).
    """
    if not numeral or numeral.count("十") > 1 or any(ch not in _CN for ch in numeral):
        return None
    return parse_numeral(numeral)


def count_word(n: int) -> str:
    """A count as a speech writes it before a classifier: 两个方面, not 二个方面."""
    return "两" if n == 2 else to_chinese(n)
