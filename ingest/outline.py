"""Outline parser: the heading tree of one speech, with offsets into its cleaned text.

Rules, and why:
- A heading opens a paragraph (a line of the cleaned text): "一是" in mid-sentence, "1.2亿元" and
  "2023." are never headings, and a list "一要…二要…" inside one paragraph is prose, not outline.
- Marker families: markdown # < ## < … < 第一部分 < 第一个方面 < 一、 < （一）/(一) < 1./1、/1． have a
  fixed rank; a heading of these nests under the nearest open heading of lower rank, so levels are
  relative: a speech with （一） but no 一、 has them at level 1 ("## 一、…" counts as 一、: Word headings
  arrive as markdown). The list families — （1）, 1）, ①, and paragraph leads (一是/一要, 第一，/第一点/
  第一句话：/第一个关键：, 首先，/其次，, 一方面/另一方面) — rank below those, and among themselves nest
  by use: an item that continues (or restarts) a run open on the stack joins it; any other first item
  nests under the innermost open heading. So "第一个关键：" holds ①②③ in one speech and
  "（二）" holds ①② in the same speech, and "第一，" paragraphs hold 首先/其次 (or the other way round).
- "第二部分" alone on its line takes the short line under it as its title.
- Numbered runs must count up: ordinal 1 starts a run, n+1 continues it. 一、/（一） may skip up to
  two numbers (scrapes lose text, e.g. sample 001's paywall), lists may not, and a list of one item is
  prose ("一是…" with no "二是" is a sentence that happens to start that way). 一是 and 一要 are one
  family: sample 002 counts 一要…六要, 七是, 八是.
- Title: a heading line's title is the line without its marker and end punctuation; an inline heading
  ("一是经费保障。再穷不能穷教育…") has the lead clause up to the first 。：；！？ as title and as heading.
- A paragraph opening with "同志们，" after the outline began closes every section: the closing words
  belong to the speech, not to its last point.
- A table of contents (≥ 3 consecutive heading-only lines whose first line recurs later) is merged into
  the body outline: headings present in the body keep their body offsets; entries found only in the TOC
  (the body was truncated) keep their TOC line as span (heading_end == end: no body text), so
  "how many parts" stays answerable. Such entries are why `parse_outline` returns sections in outline
  (pre-)order, which is text order except for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.numerals import CN_NUMERAL, cn_number
from core.records import Section
from core.sections import innermost_sections
from ingest.metadata import SPEECH_LABEL

__all__ = ["cn_number", "innermost_sections", "parse_outline"]  # the first two re-exported from core

_HAN = "\u4e00-\u9fff"
_NUM = f"[{CN_NUMERAL}]{{1,3}}"
_DIGITS = "[0-9０-９]{1,2}"

_LEAD_RANK = 50  # paragraph-lead lists (一是, 第一，, 首先，, 一方面)
# (family, rank, pattern); the first match at the start of the line wins. Ranks order the hierarchy.
_MARKERS: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("part", 5, re.compile(rf"第({_NUM})(?:部分|篇|章)")),
    # "第一部分" holds "第一个方面" when a speech has both; alone, 方面 are its parts (levels are relative)
    ("part_aspect", 7, re.compile(rf"第({_NUM})(?:个方面|方面)")),
    ("paren_cn", 20, re.compile(rf"[（(]\s?({_NUM})\s?[）)]")),
    ("paren_arabic", 40, re.compile(rf"[（(]\s?({_DIGITS})\s?[）)]")),
    ("half_paren", 42, re.compile(rf"({_DIGITS})\s?[）)]")),
    ("circled", 45, re.compile(r"([①-⑳])")),
    ("cn", 10, re.compile(rf"({_NUM})\s?(?:、|．|\.(?![0-9]))")),
    ("arabic", 30, re.compile(rf"({_DIGITS})\s?(?:、|．|\.(?![0-9０-９.]))")),
    ("list", _LEAD_RANK, re.compile(rf"({_NUM})(?:是|要)")),
    # 第一， 第一点， 第一条： 第一句话： 第一个关键： 第一点体会：
    (
        "ordinal",
        _LEAD_RANK,
        re.compile(rf"第({_NUM})(?:(?:个|点|条|句|项|层)[{_HAN}]{{0,3}}?)?\s?[，,、：:]"),
    ),
    ("sequence", _LEAD_RANK, re.compile(r"(首先|其次|再次|最后)[，,、：:]")),
    ("aspect", _LEAD_RANK, re.compile(r"(一方面|另一方面)[，,、：:]?")),
)
_MARKDOWN = re.compile(r"(#{1,6})[ \t]+")
_WORD_ORDINAL = {
    "首先": 1,
    "其次": 2,
    "再次": 3,
    "最后": -1,
    "一方面": 1,
    "另一方面": 2,
}  # -1: "the next one"
_GAPPY = frozenset({"cn", "paren_cn", "part", "part_aspect"})  # may skip numbers (lost text); lists may not
_LISTY = frozenset(
    {"arabic", "paren_arabic", "half_paren", "circled", "list", "ordinal", "sequence", "aspect"}
)  # need ≥ 2 items
# Families whose level is set by where they are used, not by a fixed rank (they nest in any order).
_NESTED_BY_USE = frozenset({"paren_arabic", "half_paren", "circled", "list", "ordinal", "sequence", "aspect"})
_TITLE_OPTIONAL = frozenset({"part", "part_aspect"})  # "第一部分" alone on its line: the marker is its title
_TERMINATORS = "。：:；;！!？?"
_TITLE_MAX = 60
_TITLE_LINES = 2  # a markdown title sits on one of the first lines (under a date or a breadcrumb)
_SPEECH_LABEL = re.compile(SPEECH_LABEL)
_CLOSING = re.compile(r"同志们[，,！!：:]")
_LINE = re.compile(r"[^\n]+")
_LEAD_NOISE = " \t\u3000*"
_EDGE_NOISE = re.compile(r"^[\s*#]+|[\s*#]+$")


@dataclass
class _Cand:
    """A line that looks like a heading."""

    family: str
    rank: int
    ordinal: int  # 0 for markdown headings (not numbered)
    marker: str
    title: str
    start: int  # first non-blank character of the line
    heading_end: int
    line_no: int
    heading_only: bool  # nothing follows the heading on its line


@dataclass(eq=False)
class _Node:
    cand: _Cand
    end: int = 0
    children: list[_Node] = field(default_factory=list)


def parse_outline(text: str) -> tuple[Section, ...]:
    """Sections of one speech's cleaned `text`, in outline order (see module docstring)."""
    cands, closings = _scan(text)
    toc_runs = _toc_runs(cands)
    in_toc = {id(c) for run in toc_runs for c in run}
    body = _build([c for c in cands if id(c) not in in_toc], closings, len(text))
    for run in toc_runs:
        run_end = _line_end(text, run[-1].heading_end)
        body = _merge(body, _build(run, [], run_end))
    return tuple(_flatten(body, None, ""))


def _scan(text: str) -> tuple[list[_Cand], list[int]]:
    cands: list[_Cand] = []
    closings: list[int] = []
    pending: _Cand | None = None  # a marker-only heading waiting for its title line
    for line_no, line in enumerate(_LINE.finditer(text)):
        offset = line.start() + len(line.group()) - len(line.group().lstrip(_LEAD_NOISE))
        content = text[offset : line.end()].rstrip()
        if not content:
            continue
        if _CLOSING.match(content):
            closings.append(offset)
            pending = None
            continue
        cand = _heading(content, offset, line_no)
        if cand is not None:
            cands.append(cand)
        elif pending is not None and _bare_title(content):
            # "第二部分" alone on its line: the short line under it is its title.
            pending.title, pending.heading_end, pending.heading_only = content, line.end(), True
        pending = (
            cand
            if cand is not None and cand.family in _TITLE_OPTIONAL and cand.title == cand.marker
            else None
        )
    return _drop_title_heading(cands, text), closings


def _bare_title(content: str) -> bool:
    return len(content) <= _TITLE_MAX // 2 and not any(ch in _TERMINATORS for ch in content[:-1])


def _heading(content: str, offset: int, line_no: int) -> _Cand | None:
    md = _MARKDOWN.match(content)
    body_at = md.end() if md else 0
    for family, rank, pattern in _MARKERS:
        m = pattern.match(content, body_at)
        if m is None:
            continue
        ordinal = _ordinal(family, m.group(1))
        if ordinal is None:
            continue
        return _with_title(content, offset, line_no, family, rank, ordinal, m.group().strip(), m.end())
    if md:
        level = len(md.group(1))
        return _with_title(content, offset, line_no, f"md{level}", level, 0, "#", md.end())
    return None


def _ordinal(family: str, token: str) -> int | None:
    if family in ("sequence", "aspect"):
        return _WORD_ORDINAL[token]
    if family == "circled":
        return ord(token) - ord("①") + 1
    if family in ("arabic", "paren_arabic", "half_paren"):
        value = int(token)
        return value if value > 0 else None
    return cn_number(token)


def _with_title(
    content: str, offset: int, line_no: int, family: str, rank: int, ordinal: int, marker: str, at: int
) -> _Cand | None:
    while at < len(content) and content[at] in " \t\u3000，,：:、":
        at += 1
    rest = content[at:]
    cut = next((i for i, ch in enumerate(rest) if ch in _TERMINATORS), -1)
    lead = rest if cut < 0 else rest[:cut]
    title = _EDGE_NOISE.sub("", lead)
    if not title and family in _TITLE_OPTIONAL:
        title = marker
    if not title:
        return None
    heading_end = offset + (len(content) if cut < 0 else at + cut + 1)
    heading_only = cut < 0 or not content[at + cut + 1 :].strip(_LEAD_NOISE)
    title = _EDGE_NOISE.sub("", _shorten(title))
    return _Cand(family, rank, ordinal, marker, title, offset, heading_end, line_no, heading_only)


def _shorten(title: str) -> str:
    """Keep titles readable: a very long lead clause is cut at its first comma."""
    if len(title) <= _TITLE_MAX:
        return title
    comma = min((i for i in (title.find("，"), title.find(",")) if i >= 2), default=-1)
    return title[:comma] if 0 < comma <= _TITLE_MAX else title[:_TITLE_MAX]


def _drop_title_heading(cands: list[_Cand], text: str) -> list[_Cand]:
    """A lone markdown heading among the first lines (a date line may stand above it) is the speech's
    title, not a part of it; so is a first markdown heading with a "——在…上的讲话" line under it
    (a Word title styled as Heading 1 below the page's header lines)."""
    first = cands[0] if cands else None
    if first and _SPEECH_LABEL.search(first.title):
        return cands[1:]  # "二、程晓燕副市长在推进会上的讲话": a compilation's label of this speech
    if not first or not first.family.startswith("md"):
        return cands
    if text[first.heading_end :].lstrip(" \t\n").startswith(("——", "—")):
        return cands[1:]
    if first.line_no <= _TITLE_LINES:
        return cands if any(c.family == first.family for c in cands[1:]) else cands[1:]
    return cands


def _line_end(text: str, pos: int) -> int:
    newline = text.find("\n", pos)
    return len(text) if newline < 0 else newline


def _toc_runs(cands: list[_Cand]) -> list[list[_Cand]]:
    """Runs of ≥ 3 heading-only lines whose first heading recurs later: a table of contents."""
    last_seen: dict[tuple[str, int, str], int] = {}
    for seen in cands:
        last_seen[_key(seen)] = seen.line_no
    runs: list[list[_Cand]] = []
    run: list[_Cand] = []
    for cand in [*cands, None]:
        if cand is not None and cand.heading_only and run and cand.line_no == run[-1].line_no + 1:
            run.append(cand)
            continue
        if len(run) >= 3 and last_seen[_key(run[0])] > run[-1].line_no:
            runs.append(run)
        run = [cand] if cand is not None and cand.heading_only else []
    return runs


def _key(cand: _Cand) -> tuple[str, int, str]:
    return cand.family, cand.ordinal, _squash(cand.title)


def _squash(title: str) -> str:
    return re.sub(r"[\s,，、。.]", "", title)


def _build(cands: list[_Cand], closings: list[int], text_end: int) -> list[_Node]:
    """Nest candidates by rank; refuse those that break numbering; repeat until no 1-item list is left."""
    for _ in range(4):
        roots, rejected = _nest(cands, closings, text_end)
        if not rejected:
            break
        cands = [c for c in cands if id(c) not in rejected]
    return roots


def _nest(cands: list[_Cand], closings: list[int], text_end: int) -> tuple[list[_Node], set[int]]:
    roots: list[_Node] = []
    stack: list[_Node] = []
    events = sorted([(c.start, 1, c) for c in cands] + [(p, 0, None) for p in closings], key=lambda e: e[:2])
    for pos, _, cand in events:
        if cand is None:
            for node in stack:
                node.end = pos
            stack.clear()
            continue
        depth = _depth(stack, cand)
        siblings = stack[depth - 1].children if depth else roots
        if not _continues(siblings, cand):
            continue
        for node in stack[depth:]:
            node.end = cand.start
        del stack[depth:]
        node = _Node(cand)
        siblings.append(node)
        stack.append(node)
    for node in stack:
        node.end = text_end
    return roots, _singletons(roots)


def _depth(stack: list[_Node], cand: _Cand) -> int:
    """How many open headings `cand` goes under. Fixed families: those of lower rank. Nested-list
    families (（1）, 1）, ①, paragraph leads): under the open heading of their own family's run when they
    continue or restart it, else under whatever is open (so ① inside 第一个关键： and 首先 inside 第一，)."""
    if cand.family in _NESTED_BY_USE:
        same = next((i for i in range(len(stack) - 1, -1, -1) if stack[i].cand.family == cand.family), None)
        return len(stack) if same is None else same
    return next((i for i, node in enumerate(stack) if node.cand.rank >= cand.rank), len(stack))


def _continues(siblings: list[_Node], cand: _Cand) -> bool:
    """Does `cand` continue (or start) a numbered run among `siblings`?"""
    if cand.family.startswith("md"):
        return True
    prev = next((s.cand for s in reversed(siblings) if s.cand.family == cand.family), None)
    if cand.ordinal == -1:  # 最后: only closes a 首先/其次 run
        if prev is None:
            return False
        cand.ordinal = prev.ordinal + 1
        return True
    if cand.ordinal == 1:
        return True
    if prev is None:
        return cand.family in _GAPPY and cand.ordinal <= 3
    if cand.ordinal == prev.ordinal + 1:
        return True
    return cand.family in _GAPPY and prev.ordinal < cand.ordinal <= prev.ordinal + 3


def _singletons(nodes: list[_Node]) -> set[int]:
    """Ids of list headings that are alone in their run (a run starts at ordinal 1)."""
    found: set[int] = set()
    runs: dict[str, list[_Node]] = {}
    for node in nodes:
        found |= _singletons(node.children)
        family = node.cand.family
        if family not in _LISTY:
            continue
        if node.cand.ordinal == 1 and runs.get(family):
            found |= _lone(runs[family])
            runs[family] = []
        runs.setdefault(family, []).append(node)
    for run in runs.values():
        found |= _lone(run)
    return found


def _lone(run: list[_Node]) -> set[int]:
    return {id(run[0].cand)} if len(run) == 1 else set()


def _merge(body: list[_Node], toc: list[_Node]) -> list[_Node]:
    """Body headings win; TOC-only entries are inserted where their number puts them."""
    merged = list(body)
    for entry in toc:
        key = (entry.cand.family, entry.cand.ordinal)
        match = next((n for n in merged if (n.cand.family, n.cand.ordinal) == key), None)
        if match is not None:
            match.children = _merge(match.children, entry.children)
            continue
        later = [
            i
            for i, n in enumerate(merged)
            if n.cand.family == entry.cand.family and n.cand.ordinal > entry.cand.ordinal
        ]
        merged.insert(later[0] if later else len(merged), entry)
    return merged


def _flatten(nodes: list[_Node], parent_id: str | None, prefix: str) -> list[Section]:
    out: list[Section] = []
    level = prefix.count(".") + 2 if prefix else 1
    for index, node in enumerate(nodes, start=1):
        section_id = f"{prefix}.{index}" if prefix else f"s{index}"
        cand = node.cand
        end = max(node.end, cand.heading_end)
        out.append(
            Section(section_id, level, cand.marker, cand.title, cand.start, cand.heading_end, end, parent_id)
        )
        out.extend(_flatten(node.children, section_id, section_id))
    return out
