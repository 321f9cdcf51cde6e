"""What the formulation rules share: a mention of a name, a found definition, and the text with its outline.

`Context.item` makes a FormulationItem from a span of the text (edges trimmed of separators), and the
span helpers below cut the text into sentences and clauses without ever leaving it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from core.numerals import CN_COUNT
from core.records import FormulationItem, Section
from core.sections import innermost_sections
from core.sentences import SENTENCE_STOPS

CN = CN_COUNT
HAN = "\u4e00-\u9fff"
QUOTES = "“”\"‘’'「」『』"
OPEN_QUOTES = '“"「『'
SENTENCE_END = SENTENCE_STOPS
KEY_MAX = 200
SEPARATORS = "，,、；;：:"


@dataclass(frozen=True)
class Mention:
    name: str
    count: int | None
    start: int  # the name as written, quotes excluded
    end: int
    heads: tuple[str, ...]  # words an item may start (or end) with: 严格 / 提, 管 / 有
    kind: str  # "named" | "compound" | "code" | "remarks"
    quoted: bool
    classifier: str = ""


@dataclass(frozen=True)
class Definition:
    items: tuple[FormulationItem, ...]
    section_id: str | None
    start: int
    end: int
    priority: int  # lower wins among equally complete definitions


class Context:
    """The text plus the outline lookups every rule needs."""

    def __init__(self, text: str, sections: tuple[Section, ...]) -> None:
        self.text = text
        self.by_id = {s.section_id: s for s in sections}
        self.children: dict[str | None, list[Section]] = {}
        for section in sections:
            self.children.setdefault(section.parent_id, []).append(section)
        # Sections start and end at line boundaries, so one lookup per line serves every position.
        self._lines = [0, *(m.end() for m in re.finditer("\n", text))]
        self._line_sections = innermost_sections(sections, self._lines)
        self._headings = sorted(sections, key=lambda s: s.start)
        self._heading_starts = [s.start for s in self._headings]

    def section_at(self, pos: int) -> str | None:
        return self._line_sections[bisect.bisect_right(self._lines, pos) - 1]

    def heading_at(self, pos: int) -> Section | None:
        """The section whose heading (start..heading_end) contains pos."""
        index = bisect.bisect_right(self._heading_starts, pos) - 1
        section = self._headings[index] if index >= 0 else None
        return section if section is not None and pos < section.heading_end else None

    def heading_after(self, pos: int) -> Section | None:
        """The first section whose heading starts at or after pos."""
        index = bisect.bisect_left(self._heading_starts, pos)
        return self._headings[index] if index < len(self._headings) else None

    def item(self, start: int, end: int, label: str) -> FormulationItem:
        start, end = trim(self.text, start, end)
        text = self.text[start:end]
        return FormulationItem(label.strip() or text, text, start, end, self.section_at(start))

    def paragraph_end(self, pos: int) -> int:
        newline = self.text.find("\n", pos)
        return len(self.text) if newline < 0 else newline


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in SEPARATORS):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in SEPARATORS):
        end -= 1
    return start, end


def clause_start(text: str, pos: int) -> int:
    cut = max(text.rfind(p, 0, pos) for p in "，,。；;：:\n")
    return cut + 1


def sentence_end(text: str, start: int, limit: int) -> int:
    pos = start
    while pos < limit and text[pos] in " \n":
        pos += 1
    for i in range(pos, limit):
        if text[i] in SENTENCE_END:
            return i + 1
    return limit


def after_name(ctx: Context, m: Mention, suffix: int = 6) -> int:
    """Position after the name, its closing quote and a short suffix ("目标", "好老师")."""
    pos = m.end
    while pos < len(ctx.text) and ctx.text[pos] in QUOTES:
        pos += 1
    han = re.match(rf"[{HAN}]{{0,{suffix}}}", ctx.text[pos:])
    return pos + (han.end() if han else 0)


def spans(text: str, start: int, end: int, stops: str) -> Iterator[tuple[int, int]]:
    pos = start
    while pos < end:
        stop = next((i for i in range(pos, end) if text[i] in stops), end - 1) + 1
        yield pos, stop
        pos = stop


def split_items(ctx: Context, offset: int, content: str, separators: str) -> tuple[FormulationItem, ...]:
    items = []
    pos = 0
    for part in re.split(separators, content):
        begin = content.find(part, pos)
        pos = begin + len(part)
        if part.strip():
            items.append(ctx.item(offset + begin, offset + pos, part))
    return tuple(items)
