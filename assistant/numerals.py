"""Chinese numerals as they appear in numbered formulations (两个保障, 十项重点任务, 第三部分)."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN = "一二两三四五六七八九十"
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


def to_chinese(n: int) -> str:
    """2 → '二', 12 → '十二' (for ordinals such as 第二部分)."""
    if n <= 10:
        return ORDINAL_CN[n]
    tens, units = divmod(n, 10)
    return f"{ORDINAL_CN[tens] if tens > 1 else ''}十{ORDINAL_CN[units] if units else ''}"


def count_word(n: int) -> str:
    """A count as a speech writes it before a classifier: 两个方面, not 二个方面."""
    return "两" if n == 2 else to_chinese(n)
