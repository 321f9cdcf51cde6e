"""Ordered enumerations inside running text, whatever numbering carries them.

    一是…；二是…；三是…        一要…二要…              第一，…；第二，…
    第一点，… / 第一个关键：…    首先，…其次，…最后，…   一方面…另一方面…

A marker counts only at the start of a clause (after 。；：，, a space or the region's start), so 统一要求
or 唯一是 never open an item, and ordinals must count up from one (最后 closes a 首先/其次 run). An item
runs from its marker to the end of its sentence or to the next item's marker, whichever comes first;
its label is its first clause without the marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.numerals import CN_COUNT, cn_number
from core.sentences import SENTENCE_STOPS

_CN = CN_COUNT
_HAN = "\u4e00-\u9fff"
_CLAUSE_START = r"(?:^|(?<=[。；;：:，,\s！!？?]))"
_STOPS = SENTENCE_STOPS
_LABEL_END = re.compile(r"[，,。；;：:！!？?]")
_WORDS = {"首先": 1, "其次": 2, "再次": 3, "最后": -1, "一方面": 1, "另一方面": 2}

# (pattern, the marker's number from its group 1); -1 means "the one after the previous".
_FAMILIES: tuple[tuple[re.Pattern[str], Callable[[str], int | None]], ...] = (
    (re.compile(rf"{_CLAUSE_START}([{_CN}]{{1,3}})(?:是|要)"), cn_number),
    (
        re.compile(rf"{_CLAUSE_START}第([{_CN}]{{1,3}})(?:(?:个|点|条|项|句)[{_HAN}]{{0,3}}?)?[，,、：:]"),
        cn_number,
    ),
    (re.compile(rf"{_CLAUSE_START}(首先|其次|再次|最后)(?:是|要|[，,：:])?"), _WORDS.get),
    (re.compile(rf"{_CLAUSE_START}(一方面|另一方面)[，,：:]?"), _WORDS.get),
)


@dataclass(frozen=True)
class Enumerated:
    start: int  # the marker's first character
    body: int  # the first character after the marker
    end: int  # end of the item (exclusive)
    label: str


def inline_enumeration(text: str, start: int, end: int, limit: int | None = None) -> list[Enumerated]:
    """The enumeration of ≥ 2 items that starts first in text[start:end] (at most `limit` items)."""
    best: list[Enumerated] = []
    for pattern, number in _FAMILIES:
        found = _run(text, pattern, number, start, end, limit)
        if len(found) >= 2 and (not best or found[0].start < best[0].start):
            best = found
    return best


def _run(
    text: str,
    pattern: re.Pattern[str],
    number: Callable[[str], int | None],
    start: int,
    end: int,
    limit: int | None,
) -> list[Enumerated]:
    markers: list[tuple[int, int]] = []
    expected = 1
    for found in pattern.finditer(text, start, end):
        if limit is not None and expected > limit:
            break
        value = number(found.group(1))
        if value == -1 and expected > 2:
            value = expected
        if value != expected:
            continue
        markers.append((found.start(), found.end()))
        expected += 1
    items: list[Enumerated] = []
    for index, (m_start, body) in enumerate(markers):
        following = markers[index + 1][0] if index + 1 < len(markers) else end
        stop = next((i + 1 for i in range(body, following) if text[i] in _STOPS), following)
        label = _LABEL_END.split(text[body:stop], maxsplit=1)[0].strip()
        if not label:
            return []
        items.append(Enumerated(m_start, body, stop, label))
    return items
