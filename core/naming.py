"""How formulation names and titles are compared: the words ingest (items found where a formulation is
named), `assistant/query.py` (reading a question) and `assistant/lookup.py` (indexes over the snapshot) share."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from core.normalize import fold_for_search
from core.numerals import NUMERAL_RE, parse_numeral

QUOTES_RE = re.compile(r"[\"'“”‘’「」『』《》〈〉\s]")
CLASSIFIERS = "个项大条点种类批件方面"


def compact(text: str) -> str:
    """Folded text without quotes or spaces: “两个保障” and 两个 保障 compare equal."""
    return QUOTES_RE.sub("", fold_for_search(text))


def formulation_head(name: str) -> tuple[int | None, str]:
    """'两个保障' → (2, '保障'); '12881' → (None, '12881'); '“四有”好老师' → (4, '有好老师')."""
    name = compact(name)
    match = NUMERAL_RE.match(name)
    if not match or name.isdigit():
        return None, name
    count = parse_numeral(match.group())
    rest = name[match.end() :]
    for cls in sorted(CLASSIFIERS, key=len, reverse=True):
        if rest.startswith(cls):
            rest = rest[len(cls) :]
            break
    return count, rest


def common_prefix(texts: Sequence[str]) -> str:
    """What all the texts open with, character by character."""
    return os.path.commonprefix(list(texts))  # noqa: RUF071 — strings, not paths: characters are wanted
