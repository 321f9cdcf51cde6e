"""How an answer's text is laid out on the page (render only: the text itself is the assistant's).

An answer is lines. A cross-speech answer gives each speech a line that starts with its name
(`《题目》（讲话人，日期）：…`): the name is set apart above what that speech says. A line that enumerates
(`“两个保障”是指：一是…[1]；二是…[2]。`, `共分三个部分：一、…；二、…`) is shown as its lead and a list of
its items, each item keeping its own marker and marks, so what is copied or exported stays the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from assistant.records import Answer, Citation

MARK_RE = re.compile(r"\[(\d{1,3})\]")
# 《题目》 and what follows it in brackets (speaker, date — a date may carry its own: "（发布日期）")
_SPEECH_RE = re.compile(r"^(《[^》\n]{1,160}》(?:（(?:[^（）\n]|（[^（）\n]{0,20}）){0,80}）)?)：")
_NUMBER = "一二三四五六七八九十"
# An item starts after the lead's colon or the previous item's 。/； — with an ordinal marker of its own.
_ITEM_START_RE = re.compile(
    rf"(?:(?<=[：:；;。])|^)(?=[{_NUMBER}]{{1,3}}(?:是|要|、)|（[{_NUMBER}]{{1,3}}）|\d{{1,2}}[.．、](?!\d)|[①-⑳])"
)

Pieces = list[tuple[str, Citation | None]]  # text, or a "[n]" mark with its citation


@dataclass(frozen=True)
class Block:
    """One line of the answer: an optional speech name, the text before any list, the list's items."""

    lead: Pieces
    speech: str = ""
    items: list[Pieces] = field(default_factory=list)


def segments(text: str, cited: dict[int, Citation]) -> Pieces:
    """`text` cut at its `[n]` marks: (text, None) pieces and ("[n]", citation n) for each mark that
    has a citation (a mark without one stays text)."""
    out: Pieces = []
    last = 0
    for match in MARK_RE.finditer(text):
        citation = cited.get(int(match.group(1)))
        if citation is None:
            continue
        out += [(text[last : match.start()], None), (match.group(0), citation)]
        last = match.end()
    out.append((text[last:], None))
    return out


def answer_blocks(answer: Answer) -> list[Block]:
    cited = {c.n: c for c in answer.citations}
    return [_block(line, cited) for line in answer.answer.split("\n")]


def _block(line: str, cited: dict[int, Citation]) -> Block:
    speech = ""
    match = _SPEECH_RE.match(line)
    if match:
        speech, line = match.group(1), line[match.end() :]
    starts = [m.start() for m in _ITEM_START_RE.finditer(line)]
    if len(starts) < 2:
        return Block(segments(line, cited), speech)
    bounds = [*starts, len(line)]
    items = [segments(line[a:b], cited) for a, b in pairwise(bounds)]
    return Block(segments(line[: starts[0]], cited), speech, items)
