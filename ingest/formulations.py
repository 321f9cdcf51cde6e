"""Numbered formulations (两个保障, 八项工程, “四有”, 三提三管, 12881, 1+2+X …): where a speech defines them.

A name is found where it is written, and is always the literal text ("两项工程按照" is cut before its
function word, "这两大载体"/"其余两项"/"每一个"/"一批" are no names); its definition is searched, by every
rule below, around each of its mentions and in the outline, and the most complete one wins (items ==
count, then most items, then rule priority). Rules:
(a) the outline: a section whose heading names it ("三、强化“两个保障”"): its sub-sections are the items;
    a count-1 name with no sub-sections ("一、凝聚“一个共识”") is defined by the quoted phrase that precedes
    the name's head word in the section body; a name right above a run of headings that counts from one
    ("要抓住“三个关键”。" then 第一个关键：…; "讲三句话" then 第一句话：…; a section intro "…四个聚焦。"
    then 一是…四是) takes that run when its length is the count (shorter only if every heading says the
    head word: spelled out in part); "我讲三点意见" before the first part is defined by the top-level parts;
(b) a named list in running text ("凝聚“一个共识”、抓住“三个关键”…") is just several mentions, each
    resolved by the other rules (usually (a));
(c) running text (ingest.formulation_text): right after the name "（A、B、C）"; after "：" or "，即":
    sentences or clauses opening with the name's head (严格治理…严格审批…), an inline enumeration in any
    numbering (一是/一要/第一，/第一点/首先…其次…最后/一方面…另一方面: ingest.enumerations), or a
    parallel run of exactly `count` short phrases (进教材、进课堂、进头脑); paragraphs after the name
    opening with its head (带头学习…⏎带头遵规…); and before it: "“A、B”等八项工程", "A、B、C等五项工程"
    (leading verbs dropped), "有A、有B…的“四有”", sentences opening with the head that end at the name
    (突出“均衡”…；突出“优质”…；突出“特色”…，构建“三个突出”格局);
(d) a code — quoted, or followed by a word for a scheme (模式, 思路, 体系 …) — whose parts are spelled by
    the clauses after it: "12881" digit by digit (一个目标, 两项重点, 八项工程 …), "1+2+X" / "5＋N" part by
    part (1个核心（…）、2个支撑、X项特色; 5项规定动作加N项自选动作; “1”即…“3”即…“N”即…).
Found items may be fewer than `count` (the speech lists only part: Formulation.complete is False) or
none (the name is used, never defined). Unquoted names need a definition, except N项/N大/N件 ones
("十项重点任务"); quoted ones are kept either way. Same name, one speech → one Formulation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

from core.normalize import normalize_for_match
from core.numerals import cn_number
from core.records import Formulation, FormulationItem, Section
from ingest.formulation_backref import by_back_reference
from ingest.formulation_base import (
    CN,
    HAN,
    KEY_MAX,
    OPEN_QUOTES,
    QUOTES,
    Context,
    Definition,
    Mention,
    clause_start,
    sentence_end,
)
from ingest.formulation_text import (
    by_code,
    by_colon_or_ordinals,
    by_head_list,
    by_head_paragraphs,
    by_head_sentences_before,
    by_list_before,
    by_parenthesis,
    by_quoted_list_before,
)

_NAMED = re.compile(rf"([{CN}]{{1,3}})(个|项|大|件|条|种|批)([{HAN}]{{1,4}})")
# 讲三点意见 / 提几点要求 / 讲三句话 / 谈两点体会 / 三个方面的意见
_REMARKS = re.compile(
    rf"([{CN}]{{1,3}})(?:(?:点|个方面|方面)(?:的)?(?:意见|要求|希望|体会|建议|想法|认识)|句话|个问题)"
)
_ONES = re.compile(rf"([{CN}]{{1,2}})(个|项|条)(一[{HAN}]?)")  # “三个一”, “三个一批”
_FOLLOW_GAP = 300  # a name this close above a run of headings introduces it
_MARKER_NUMERAL = re.compile(rf"另一方面|一方面|首先|其次|再次|最后|[{CN}]{{1,3}}|[0-9０-９]{{1,2}}|[①-⑳]")
_WORD_NUMBERS = {"首先": 1, "其次": 2, "再次": 3, "最后": 4, "一方面": 1, "另一方面": 2}
_COMPOUND = re.compile(rf"(?:([{CN}]{{1,2}})([{HAN}]))+")
_CODE = re.compile(r"[0-9０-９]{3,8}")
_PLUS_CODE = re.compile(r"[0-9０-９]{1,2}(?:\s?[+＋]\s?(?:[0-9０-９]{1,2}|[XxNnＸｘＮｎ]))+")
_BARE_CODE = re.compile(
    rf"([0-9０-９]{{1,2}}(?:\s?[+＋]\s?(?:[0-9０-９]{{1,2}}|[XxNnＸｘＮｎ]))+|[0-9０-９]{{3,8}})(?=[{HAN}]{{0,4}}?"
    r"(?:模式|思路|体系|工程|行动|计划|机制|格局|战略|布局|路径|框架|举措|工作法))"
)
# Not a name after these: 第三个 (an ordinal), 每一个 / 这两项 / 其余两项 / 上述三个 (pointing at things).
_NOT_AFTER = set("第百千万0123456789０１２３４５６７８９每这那哪某另任唯余他各述前后")
_FUNCTION_CHAR = re.compile(r"[的和与及是要都在按把将已也就还等给被让向从了着]")
_BAD_HEAD = re.compile(rf"^(?:方面|部分|时期|阶段|小时|[年月日天次人所名岁点连百千万{CN}])")
_NOT_A_HEAD = re.compile(r"^[个项大件条种批]|[会委院]$|^班子")  # 六个一律; 两会, 两委, 四大班子: bodies
_KEEP_UNDEFINED = frozenset("项大件")


def find_formulations(text: str, sections: tuple[Section, ...]) -> tuple[Formulation, ...]:
    """Formulations named in one speech, in order of first mention (see module docstring)."""
    ctx = Context(text, sections)
    by_name: dict[str, list[Mention]] = {}
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


# --- mentions -------------------------------------------------------------------------------------


def _mentions(text: str, sections: tuple[Section, ...]) -> Iterator[Mention]:
    for m in _NAMED.finditer(text):
        count = cn_number(m.group(1))
        before = text[m.start() - 1] if m.start() else ""
        if count is None or before in _NOT_AFTER or _BAD_HEAD.match(m.group(3)):
            continue
        if (m.group(2) == "大" and count > 10) or m.group(3).startswith("班子"):  # 十九大; 四大班子
            continue
        if m.group(2) == "批" and count == 1:  # 一批: "a number of", never a list
            continue
        after = text[m.end()] if m.end() < len(text) else ""
        quoted = before in QUOTES or after in QUOTES
        head = m.group(3)
        if after not in QUOTES:  # unquoted: the noun ends before a function word ("两项工程按照…")
            cut = _FUNCTION_CHAR.search(head, 1)
            head = head[: cut.start()] if cut else head
        end = m.start(3) + len(head)
        heads = tuple(dict.fromkeys((head, head[:2])))
        yield Mention(text[m.start() : end], count, m.start(), end, heads, "named", quoted, m.group(2))
    yield from _quoted_mentions(text)
    yield from _unquoted_codes(text)
    first_part = next((s.start for s in sections if s.level == 1), 0)  # outline order: body before TOC
    for m in _REMARKS.finditer(text, 0, first_part):
        count = cn_number(m.group(1))
        if count is not None:
            yield Mention(m.group(), count, m.start(), m.end(), (), "remarks", False)


def _quoted_mentions(text: str) -> Iterator[Mention]:
    """“四有”, “三提三管” (count = sum of numerals) and codes such as “12881”."""
    for i, ch in enumerate(text):
        if ch not in QUOTES:
            continue
        close = next((j for j in range(i + 1, min(i + 10, len(text))) if text[j] in QUOTES), -1)
        content = text[i + 1 : close] if close > 0 else ""
        if _is_code(content):
            yield Mention(content, None, i + 1, close, (), "code", True)
        elif (ones := _ONES.fullmatch(content)) and (count := cn_number(ones.group(1))):
            heads = tuple(dict.fromkeys((ones.group(3), "一")))
            yield Mention(content, count, i + 1, close, heads, "named", True, ones.group(2))
        elif (compound := _compound(content)) is not None:
            count, heads = compound
            yield Mention(content, count, i + 1, close, heads, "compound", True)


def _is_code(content: str) -> bool:
    digits_only = _CODE.fullmatch(content) and not re.fullmatch(r"(?:19|20)\d\d", content)
    return bool(digits_only or _PLUS_CODE.fullmatch(content))


def _unquoted_codes(text: str) -> Iterator[Mention]:
    """1+2+X模式, 3456工作思路 without quotes: only when a word for a scheme follows the code."""
    for m in _BARE_CODE.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        if before in QUOTES or before.isdigit() or not _is_code(m.group(1)):
            continue
        yield Mention(m.group(1), None, m.start(1), m.end(1), (), "code", False)


def _compound(content: str) -> tuple[int, tuple[str, ...]] | None:
    if not _COMPOUND.fullmatch(content) and not re.fullmatch(rf"[{CN}]{{1,2}}[{HAN}]{{2}}", content):
        return None
    parts = re.findall(rf"([{CN}]{{1,2}})([^{CN}]+)", content)
    values = [cn_number(numeral) for numeral, _ in parts]
    heads = tuple(head for _, head in parts)
    if not parts or any(v is None for v in values) or "".join(n + h for n, h in parts) != content:
        return None
    if any(_BAD_HEAD.match(h) or _NOT_A_HEAD.search(h) for h in heads) or all(v == 1 for v in values):
        return None
    if len(parts) == 1 and (values[0] or 0) < 2:
        return None
    return sum(v or 0 for v in values), heads


def _keep_undefined(mentions: list[Mention]) -> bool:
    first = mentions[0]
    if first.kind in ("code", "remarks"):
        return False
    if first.kind == "compound" or any(m.quoted for m in mentions):
        return True
    return first.classifier in _KEEP_UNDEFINED and (first.count or 0) >= 2


# --- choosing a definition ----------------------------------------------------------------------------


def _best(defs: list[Definition], count: int | None) -> Definition | None:
    def rank(d: Definition) -> tuple[bool, int, int, int]:
        complete = count is None or len(d.items) == count
        return (not complete, -len(d.items), d.priority, d.start)

    usable = [d for d in defs if d.items and all(i.text.strip() and i.label.strip() for i in d.items)]
    return min(usable, key=rank) if usable else None


def _definitions(ctx: Context, mentions: list[Mention]) -> list[Definition]:
    rules: list[Callable[[Context, Mention], Definition | None]] = [
        _by_heading,
        by_code,
        by_parenthesis,
        by_colon_or_ordinals,
        by_quoted_list_before,
        by_list_before,
        by_head_list,
        by_head_sentences_before,
        by_head_paragraphs,
        by_back_reference,
        _by_intro,
        _by_following,
        _by_remarks,
    ]
    return [d for m in mentions for rule in rules if (d := rule(ctx, m)) is not None]


# --- (a) the outline ---------------------------------------------------------------------------------


def _by_heading(ctx: Context, m: Mention) -> Definition | None:
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
    return Definition(items, section.section_id, section.start, section.end, 0)


def _by_intro(ctx: Context, m: Mention) -> Definition | None:
    """A name in a section's own text before its first sub-section, when the numbers agree."""
    section = ctx.by_id.get(ctx.section_at(m.start) or "")  # an intro belongs to no sub-section
    children = ctx.children.get(section.section_id, []) if section else []
    if section is None or not children or len(children) != m.count:
        return None
    if not section.heading_end <= m.start < children[0].start:
        return None
    items = tuple(_child_item(ctx, c) for c in children)
    return Definition(items, section.section_id, section.start, section.end, 5)


def _by_following(ctx: Context, m: Mention) -> Definition | None:
    """A name just above a run of headings that counts from one: "要抓住“三个关键”。" then 第一个关键：…
    第二个关键：…, or "讲三句话" then 第一句话：…. The run must be as long as the count, or shorter
    only when every item names the head word ("六大工程" over 实施…工程 headings: spelled out in part)."""
    if m.kind not in ("named", "compound", "remarks") or ctx.heading_at(m.start) is not None:
        return None
    first = ctx.heading_after(m.end)
    if first is None or first.start - m.end > _FOLLOW_GAP or ctx.text.count("\n", m.end, first.start) > 2:
        return None
    if first.parent_id != ctx.section_at(m.start) or _marker_number(first.marker) != 1:
        return None
    siblings = ctx.children.get(first.parent_id, [])
    family = _marker_family(first.marker)
    run = [s for s in siblings[siblings.index(first) :] if s.start >= first.start]
    run = list(itertools.takewhile(lambda s: _marker_family(s.marker) == family, run))

    def says_head(section: Section) -> bool:
        return bool(m.heads) and any(h in section.label for h in m.heads)

    # A longer run is something else ("两种不同教育" above 第一，第二，第三，) unless exactly its first
    # `count` items say the head word; a shorter one is the name spelled out in part only if they all do.
    if m.count is not None and len(run) > m.count:
        if not all(says_head(s) for s in run[: m.count]) or says_head(run[m.count]):
            return None
        run = run[: m.count]
    if len(run) < 2 or (len(run) != m.count and not all(says_head(s) for s in run)):
        return None
    items = tuple(_child_item(ctx, s) for s in run)
    return Definition(items, first.parent_id, m.start, run[-1].end, 4)


def _marker_family(marker: str) -> str:
    return _MARKER_NUMERAL.sub("", marker)


def _marker_number(marker: str) -> int | None:
    found = _MARKER_NUMERAL.search(marker)
    if found is None:
        return None
    token = found.group()
    if token in _WORD_NUMBERS:
        return _WORD_NUMBERS[token]
    if "①" <= token <= "⑳":
        return ord(token) - ord("①") + 1
    folded = normalize_for_match(token)
    return int(folded) if folded.isdigit() else cn_number(token)


def _by_remarks(ctx: Context, m: Mention) -> Definition | None:
    parts = ctx.children.get(None, [])
    if m.kind != "remarks" or not parts:
        return None
    items = tuple(_child_item(ctx, p) for p in parts)
    return Definition(items, None, m.start, max(p.end for p in parts), 6)


def _child_item(ctx: Context, child: Section) -> FormulationItem:
    """Label: the sub-heading's first clause; text: the heading plus the first sentence after it."""
    label = re.split(r"[，,]", child.title, maxsplit=1)[0] or child.title
    below = ctx.children.get(child.section_id)
    limit = min(child.end, child.heading_end + KEY_MAX, below[0].start if below else len(ctx.text))
    end = sentence_end(ctx.text, child.heading_end, limit)
    return ctx.item(child.start, max(end, child.heading_end), label)


def _single_item(ctx: Context, section: Section, m: Mention) -> FormulationItem:
    body_end = ctx.paragraph_end(ctx.paragraph_end(section.heading_end) + 1)
    body = ctx.text[section.heading_end : min(section.end, body_end)]
    for head in m.heads:
        q = re.search(
            rf"[{OPEN_QUOTES}]([^{QUOTES}\n]{{2,40}})[{QUOTES}][^，。；\n]{{0,6}}?{re.escape(head)}", body
        )
        if q:
            start = section.heading_end + clause_start(body, q.start())
            return ctx.item(start, section.heading_end + q.end(), q.group(1))
    start = section.heading_end
    return ctx.item(start, sentence_end(ctx.text, start, section.end), section.title)
