"""Numbered formulations (两个保障, 八项工程, “四有”, 三提三管, 12881 …): where a speech defines them.

A name is found where it is written; its definition is searched, by every rule below, around each of
its mentions and in the outline, and the most complete one wins (items == count, then most items, then
rule priority). Rules:
(a) a section whose heading names it ("三、强化“两个保障”"): its sub-sections are the items; a
    count-1 name with no sub-sections ("一、凝聚“一个共识”") is defined by the quoted phrase that precedes
    the name's head word in the section body ("凝聚起“坚持教育优先，建设教育强市”的广泛共识");
    a section whose own intro names it ("…立足于四个聚焦。" then 一是…四是) counts when the numbers agree,
    and "我讲三点意见" before the first part is defined by the top-level parts;
(b) a named list in running text ("凝聚“一个共识”、抓住“三个关键”…") is just several mentions, each
    resolved by the other rules (usually (a));
(c) an enumeration right after the name: "（A、B、C）", "：A…。B…。" (sentences or clauses starting with
    the name's head: 严格治理…严格审批…, 提高…管好…), or "一是…二是…" in the same paragraph;
    and right before it: "“A、B”等八项工程", "A、B、C等五项工程" (leading verbs dropped), "有A、有B…的“四有”";
(d) a code ("12881") followed by clauses whose numerals spell its digits (一个目标, 两项重点, 八项工程 …).
Found items may be fewer than `count` (the speech lists only part: Formulation.complete is False) or
none (the name is used, never defined). Unquoted names need a definition, except N项/N大/N件 ones
("十项重点任务"); quoted ones are kept either way. Same name, one speech → one Formulation.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ingest.outline import cn_number, innermost_sections
from ingest.records import Formulation, FormulationItem, Section

_CN = "一二两三四五六七八九十"
_HAN = "\u4e00-\u9fff"
_QUOTES = "“”\"‘’'「」『』"
_OPEN_QUOTES = '“"「『'
_NAMED = re.compile(rf"([{_CN}]{{1,3}})(个|项|大|件|条|种|批)([{_HAN}]{{1,4}})")
_CODE_PART = re.compile(rf"([{_CN}]{{1,3}})(个|项|批|大|条|件|方面)([{_HAN}]{{1,8}})")
_REMARKS = re.compile(rf"([{_CN}]{{1,3}})(?:点|个方面|方面)(?:意见|要求)")
_COMPOUND = re.compile(rf"(?:([{_CN}]{{1,2}})([{_HAN}]))+")
_CODE = re.compile(r"[0-9０-９]{3,8}")
_NOT_AFTER = set("第百千万0123456789０１２３４５６７８９")
_BAD_HEAD = re.compile(rf"^(?:方面|部分|时期|阶段|小时|[年月日天次人所名岁点连百千万{_CN}])")
_NOT_A_HEAD = re.compile(r"^[个项大件条种批]|[会委院]$")  # 六个一律; 两会, 两委: bodies, not lists
_KEEP_UNDEFINED = frozenset("项大件")
_VERBS = re.compile(
    r"^(?:大力|持续|强力|着力|全面|扎实|积极|深入|努力|加快|切实|不断|进一步|重点|"
    r"实施|推进|推动|深化|开展|加强|坚持|突出|落实|建设|打造|构建|启动|强化|做好|抓好|完成|实现|围绕|包括|即|如)"
)
_SENTENCE_END = "。！？；!?;"
_INLINE_ORDINAL = re.compile(rf"(?:^|(?<=[。；;：:，,\s]))([{_CN}]{{1,3}})(?:是|要)")
_KEY_MAX = 200
_SEPARATORS = "，,、；;：:"


@dataclass(frozen=True)
class _Mention:
    name: str
    count: int | None
    start: int  # the name as written, quotes excluded
    end: int
    heads: tuple[str, ...]  # words an item may start (or end) with: 严格 / 提, 管 / 有
    kind: str  # "named" | "compound" | "code" | "remarks"
    quoted: bool
    classifier: str = ""


@dataclass(frozen=True)
class _Def:
    items: tuple[FormulationItem, ...]
    section_id: str | None
    start: int
    end: int
    priority: int  # lower wins among equally complete definitions


def find_formulations(text: str, sections: tuple[Section, ...]) -> tuple[Formulation, ...]:
    """Formulations named in one speech, in order of first mention (see module docstring)."""
    ctx = _Context(text, sections)
    by_name: dict[str, list[_Mention]] = {}
    for mention in sorted(_mentions(text, sections), key=lambda m: m.start):
        by_name.setdefault(mention.name, []).append(mention)
    found: list[Formulation] = []
    for name, mentions in by_name.items():
        best = _best(_definitions(ctx, mentions), mentions[0].count)
        if best is not None:
            found.append(
                Formulation(name, mentions[0].count, best.items, best.section_id, best.start, best.end)
            )
        elif _keep_undefined(mentions):
            first = mentions[0]
            found.append(Formulation(name, first.count, (), None, first.start, first.end))
    return tuple(found)


class _Context:
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

    def item(self, start: int, end: int, label: str) -> FormulationItem:
        start, end = _trim(self.text, start, end)
        text = self.text[start:end]
        return FormulationItem(label.strip() or text, text, start, end, self.section_at(start))

    def paragraph_end(self, pos: int) -> int:
        newline = self.text.find("\n", pos)
        return len(self.text) if newline < 0 else newline


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _SEPARATORS):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _SEPARATORS):
        end -= 1
    return start, end


# --- mentions -------------------------------------------------------------------------------------


def _mentions(text: str, sections: tuple[Section, ...]) -> Iterator[_Mention]:
    for m in _NAMED.finditer(text):
        count = cn_number(m.group(1))
        before = text[m.start() - 1] if m.start() else ""
        if count is None or before in _NOT_AFTER or _BAD_HEAD.match(m.group(3)):
            continue
        if m.group(2) == "大" and count > 10:  # 十九大, 二十大: party congresses
            continue
        after = text[m.end()] if m.end() < len(text) else ""
        quoted = before in _QUOTES or after in _QUOTES
        head = m.group(3)
        heads = tuple(dict.fromkeys((head, head[:2])))
        yield _Mention(m.group(), count, m.start(), m.end(), heads, "named", quoted, m.group(2))
    yield from _quoted_mentions(text)
    first_part = next((s.start for s in sections if s.level == 1), 0)  # outline order: body before TOC
    for m in _REMARKS.finditer(text, 0, first_part):
        count = cn_number(m.group(1))
        if count is not None:
            yield _Mention(m.group(), count, m.start(), m.end(), (), "remarks", False)


def _quoted_mentions(text: str) -> Iterator[_Mention]:
    """“四有”, “三提三管” (count = sum of numerals) and codes such as “12881”."""
    for i, ch in enumerate(text):
        if ch not in _QUOTES:
            continue
        close = next((j for j in range(i + 1, min(i + 10, len(text))) if text[j] in _QUOTES), -1)
        content = text[i + 1 : close] if close > 0 else ""
        if _CODE.fullmatch(content) and not re.fullmatch(r"(?:19|20)\d\d", content):
            yield _Mention(content, None, i + 1, close, (), "code", True)
        elif (compound := _compound(content)) is not None:
            count, heads = compound
            yield _Mention(content, count, i + 1, close, heads, "compound", True)


def _compound(content: str) -> tuple[int, tuple[str, ...]] | None:
    if not _COMPOUND.fullmatch(content) and not re.fullmatch(rf"[{_CN}]{{1,2}}[{_HAN}]{{2}}", content):
        return None
    parts = re.findall(rf"([{_CN}]{{1,2}})([^{_CN}]+)", content)
    values = [cn_number(numeral) for numeral, _ in parts]
    heads = tuple(head for _, head in parts)
    if not parts or any(v is None for v in values) or "".join(n + h for n, h in parts) != content:
        return None
    if any(_BAD_HEAD.match(h) or _NOT_A_HEAD.search(h) for h in heads) or all(v == 1 for v in values):
        return None
    if len(parts) == 1 and (values[0] or 0) < 2:
        return None
    return sum(v or 0 for v in values), heads


def _keep_undefined(mentions: list[_Mention]) -> bool:
    first = mentions[0]
    if first.kind in ("code", "remarks"):
        return False
    if first.kind == "compound" or any(m.quoted for m in mentions):
        return True
    return first.classifier in _KEEP_UNDEFINED and (first.count or 0) >= 2


# --- choosing a definition ----------------------------------------------------------------------------


def _best(defs: list[_Def], count: int | None) -> _Def | None:
    def rank(d: _Def) -> tuple[bool, int, int, int]:
        complete = count is None or len(d.items) == count
        return (not complete, -len(d.items), d.priority, d.start)

    usable = [d for d in defs if d.items and all(i.text.strip() and i.label.strip() for i in d.items)]
    return min(usable, key=rank) if usable else None


def _definitions(ctx: _Context, mentions: list[_Mention]) -> list[_Def]:
    rules: list[Callable[[_Context, _Mention], _Def | None]] = [
        _by_heading,
        _by_code,
        _by_parenthesis,
        _by_colon_or_ordinals,
        _by_quoted_list_before,
        _by_list_before,
        _by_head_list,
        _by_intro,
        _by_remarks,
    ]
    return [d for m in mentions for rule in rules if (d := rule(ctx, m)) is not None]


# --- (a) the outline ---------------------------------------------------------------------------------


def _by_heading(ctx: _Context, m: _Mention) -> _Def | None:
    section = ctx.heading_at(m.start)
    if section is None or m.kind not in ("named", "compound"):
        return None
    children = ctx.children.get(section.section_id, [])
    if children:
        items = tuple(_child_item(ctx, c) for c in children)
    elif m.count == 1:
        items = (_single_item(ctx, section, m),)
    else:
        return None
    return _Def(items, section.section_id, section.start, section.end, 0)


def _by_intro(ctx: _Context, m: _Mention) -> _Def | None:
    """A name in a section's own text before its first sub-section, when the numbers agree."""
    section = ctx.by_id.get(ctx.section_at(m.start) or "")  # an intro belongs to no sub-section
    children = ctx.children.get(section.section_id, []) if section else []
    if section is None or not children or len(children) != m.count:
        return None
    if not section.heading_end <= m.start < children[0].start:
        return None
    items = tuple(_child_item(ctx, c) for c in children)
    return _Def(items, section.section_id, section.start, section.end, 5)


def _by_remarks(ctx: _Context, m: _Mention) -> _Def | None:
    parts = ctx.children.get(None, [])
    if m.kind != "remarks" or not parts:
        return None
    items = tuple(_child_item(ctx, p) for p in parts)
    return _Def(items, None, m.start, max(p.end for p in parts), 6)


def _child_item(ctx: _Context, child: Section) -> FormulationItem:
    """Label: the sub-heading's first clause; text: the heading plus the first sentence after it."""
    label = re.split(r"[，,]", child.title, maxsplit=1)[0] or child.title
    below = ctx.children.get(child.section_id)
    limit = min(child.end, child.heading_end + _KEY_MAX, below[0].start if below else len(ctx.text))
    end = _sentence_end(ctx.text, child.heading_end, limit)
    return ctx.item(child.start, max(end, child.heading_end), label)


def _single_item(ctx: _Context, section: Section, m: _Mention) -> FormulationItem:
    body_end = ctx.paragraph_end(ctx.paragraph_end(section.heading_end) + 1)
    body = ctx.text[section.heading_end : min(section.end, body_end)]
    for head in m.heads:
        q = re.search(
            rf"[{_OPEN_QUOTES}]([^{_QUOTES}\n]{{2,40}})[{_QUOTES}][^，。；\n]{{0,6}}?{re.escape(head)}", body
        )
        if q:
            start = section.heading_end + _clause_start(body, q.start())
            return ctx.item(start, section.heading_end + q.end(), q.group(1))
    start = section.heading_end
    return ctx.item(start, _sentence_end(ctx.text, start, section.end), section.title)


def _clause_start(text: str, pos: int) -> int:
    cut = max(text.rfind(p, 0, pos) for p in "，,。；;：:\n")
    return cut + 1


def _sentence_end(text: str, start: int, limit: int) -> int:
    pos = start
    while pos < limit and text[pos] in " \n":
        pos += 1
    for i in range(pos, limit):
        if text[i] in _SENTENCE_END:
            return i + 1
    return limit


# --- (c) enumerations next to the name ------------------------------------------------------------------


def _after_name(ctx: _Context, m: _Mention, suffix: int = 6) -> int:
    """Position after the name, its closing quote and a short suffix ("目标", "好老师")."""
    pos = m.end
    while pos < len(ctx.text) and ctx.text[pos] in _QUOTES:
        pos += 1
    han = re.match(rf"[{_HAN}]{{0,{suffix}}}", ctx.text[pos:])
    return pos + (han.end() if han else 0)


def _by_parenthesis(ctx: _Context, m: _Mention) -> _Def | None:
    pos = _after_name(ctx, m)
    found = re.match(r"[（(]([^（()）\n]{2,200})[）)]", ctx.text[pos:])
    if not found or m.kind in ("code", "remarks"):
        return None
    items = _split_items(ctx, pos + 1, found.group(1), r"[、，,；;]")
    return _Def(items, None, m.start, pos + found.end(), 2) if len(items) >= 2 else None


def _by_colon_or_ordinals(ctx: _Context, m: _Mention) -> _Def | None:
    if m.kind in ("code", "remarks"):
        return None
    pos = _after_name(ctx, m, suffix=4)
    if pos >= len(ctx.text) or ctx.text[pos] not in "：:。，,；":
        return None
    region_start, region_end = pos + 1, ctx.paragraph_end(pos)
    items: tuple[FormulationItem, ...] = ()
    if ctx.text[pos] in "：:":
        items = _head_sentences(ctx, m, region_start, region_end) or _head_clauses(
            ctx, m, region_start, region_end
        )
    items = items or _inline_ordinals(ctx, region_start, region_end, m.count)
    return _Def(items, None, m.start, items[-1].end, 2) if len(items) >= 2 else None


def _head_sentences(ctx: _Context, m: _Mention, start: int, end: int) -> tuple[FormulationItem, ...]:
    """Consecutive sentences after a colon that open with the name's head word (严格治理…严格审批…)."""
    for head in m.heads:
        items = []
        for s_start, s_end in _spans(ctx.text, start, end, _SENTENCE_END):
            if not ctx.text.startswith(head, s_start):
                break
            label = re.split(r"[，,：:]", ctx.text[s_start:s_end], maxsplit=1)[0].rstrip(_SENTENCE_END)
            items.append(ctx.item(s_start, s_end, label))
        if len(items) >= 2:
            return tuple(items)
    return ()


def _head_clauses(ctx: _Context, m: _Mention, start: int, end: int) -> tuple[FormulationItem, ...]:
    """Consecutive clauses opening with one of the heads (提高…，提高…，管好…、管好…)."""
    items = []
    for c_start, c_end in _spans(ctx.text, start, end, "，,、；;。"):
        clause = ctx.text[c_start:c_end].rstrip("，,、；;。")
        if not clause or not any(clause.startswith(h) for h in m.heads):
            break
        items.append(ctx.item(c_start, c_start + len(clause), clause))
    return tuple(items) if len(items) >= 2 else ()


def _inline_ordinals(ctx: _Context, start: int, end: int, count: int | None) -> tuple[FormulationItem, ...]:
    """一是…二是… inside one paragraph (at most `count`): each item runs to the end of its first sentence."""
    items: list[FormulationItem] = []
    expected = 1
    for found in _INLINE_ORDINAL.finditer(ctx.text, start, end):
        if count is not None and expected > count:
            break
        if cn_number(found.group(1)) != expected:
            continue
        s_end = _sentence_end(ctx.text, found.start(), end)
        label = re.split(r"[，,。；;：:]", ctx.text[found.end() : s_end], maxsplit=1)[0]
        items.append(ctx.item(found.start(), s_end, label))
        expected += 1
    return tuple(items) if len(items) >= 2 else ()


def _spans(text: str, start: int, end: int, stops: str) -> Iterator[tuple[int, int]]:
    pos = start
    while pos < end:
        stop = next((i for i in range(pos, end) if text[i] in stops), end - 1) + 1
        yield pos, stop
        pos = stop


def _by_quoted_list_before(ctx: _Context, m: _Mention) -> _Def | None:
    """“A、B、C”等八项工程 / “A”一个目标."""
    pos = m.start - (1 if m.start and ctx.text[m.start - 1] == "等" else 0)
    if m.kind not in ("named", "compound") or pos == 0 or ctx.text[pos - 1] not in '”"」』':
        return None
    opening = max(ctx.text.rfind(q, max(0, pos - 300), pos - 1) for q in _OPEN_QUOTES)
    if opening < 0:
        return None
    content = ctx.text[opening + 1 : pos - 1]
    if m.count == 1:
        items: tuple[FormulationItem, ...] = (ctx.item(opening + 1, pos - 1, content),)
    else:
        items = _split_items(ctx, opening + 1, content, r"[、]")
        if len(items) != m.count:
            wider = _split_items(ctx, opening + 1, content, r"[、，,；;]")
            items = wider if len(wider) == m.count or len(items) < 2 else items
    return _Def(items, None, _clause_start(ctx.text, opening), m.end, 3)


def _by_list_before(ctx: _Context, m: _Mention) -> _Def | None:
    """A、B、C等五项工程 (no quotes): the run of 、-separated parts before 等, leading verbs dropped."""
    if m.kind != "named" or m.start == 0 or ctx.text[m.start - 1] != "等":
        return None
    end = m.start - 1
    start = _clause_start(ctx.text, end)
    spans = list(_spans(ctx.text, start, end, "、"))
    if len(spans) < 2:
        return None
    first_start, first_end = spans[0]
    while (
        verb := _VERBS.match(ctx.text[first_start : first_end - 1])
    ) and first_end - first_start - verb.end() > 2:
        first_start += verb.end()
    spans[0] = (first_start, first_end)
    items = tuple(ctx.item(s, e, ctx.text[s:e].rstrip("、")) for s, e in spans)
    return _Def(items, None, first_start, m.end, 4)


def _by_head_list(ctx: _Context, m: _Mention) -> _Def | None:
    """有A、有B…的“四有” (items open with the head) or “六员”…配备A员、B员和C员 (items end with it)."""
    if m.kind != "compound" or len(m.heads) != 1:
        return None
    head = m.heads[0]
    start = _clause_start(ctx.text, m.start - 1)
    before = _head_run(ctx, start, m.start - 1, head, opens=True)
    if before:
        return _Def(before, None, before[0].start, m.end, 3)
    para_end = ctx.paragraph_end(m.end)
    for c_start, c_end in _spans(ctx.text, m.end, para_end, "，,。；;"):
        after = _head_run(ctx, c_start, c_end, head, opens=False)
        if after:
            return _Def(after, None, m.start, after[-1].end, 4)
    return None


def _head_run(ctx: _Context, start: int, end: int, head: str, *, opens: bool) -> tuple[FormulationItem, ...]:
    chunk = ctx.text[start:end].rstrip('的，,。；;“”"')
    parts = re.split(r"、|和|及", chunk)
    if len(parts) < 2 or not all((p.startswith(head) if opens else p.endswith(head)) for p in parts[1:]):
        return ()
    if opens:
        cut = parts[0].rfind(head)
        if cut < 0:
            return ()
        parts[0] = parts[0][cut:]
    else:
        if not parts[0].endswith(head):
            return ()
        parts[0] = parts[0][-round(statistics.median(len(p) for p in parts[1:])) :]
    items = []
    pos = start
    for part in parts:
        found = ctx.text.find(part, pos, end + 1)
        if found < 0:
            return ()
        items.append(ctx.item(found, found + len(part), part))
        pos = found + len(part)
    return tuple(items)


def _split_items(ctx: _Context, offset: int, content: str, separators: str) -> tuple[FormulationItem, ...]:
    items = []
    pos = 0
    for part in re.split(separators, content):
        begin = content.find(part, pos)
        pos = begin + len(part)
        if part.strip():
            items.append(ctx.item(offset + begin, offset + pos, part))
    return tuple(items)


# --- (d) codes -------------------------------------------------------------------------------------------


def _by_code(ctx: _Context, m: _Mention) -> _Def | None:
    """“12881”总体工作思路，即坚持…一个目标，突出…两项重点，…: one item per digit, in order."""
    if m.kind != "code":
        return None
    digits = [int(d) for d in m.name]
    end = _sentence_end(ctx.text, m.end, min(len(ctx.text), m.end + 600))
    region = ctx.text[m.end : end]
    lead = re.search(r"即|：|:", region[: region.find("“") if "“" in region else len(region)])
    prev = m.end + (lead.end() if lead else 0)
    items: list[FormulationItem] = []
    for part in _CODE_PART.finditer(ctx.text, prev, end):
        if len(items) == len(digits):
            break
        if cn_number(part.group(1)) != digits[len(items)]:
            continue
        items.append(ctx.item(prev, part.end(), part.group()))
        prev = part.end()
    return _Def(tuple(items), None, m.start, items[-1].end, 1) if len(items) >= 2 else None
