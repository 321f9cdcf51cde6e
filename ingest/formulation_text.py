"""Definitions found in running text next to a formulation's name (rules (c) and (d) of `ingest.formulations`)."""

from __future__ import annotations

import re
import statistics

from core.normalize import normalize_for_match
from core.numerals import CN_COUNT, cn_number
from core.records import FormulationItem
from ingest.enumerations import inline_enumeration
from ingest.formulation_base import (
    CN,
    HAN,
    OPEN_QUOTES,
    QUOTES,
    SENTENCE_END,
    Context,
    Definition,
    Mention,
    after_name,
    clause_start,
    sentence_end,
    spans,
    split_items,
)

_CODE_PART = re.compile(
    rf"([{CN}]{{1,3}}|[0-9０-９]{{1,2}}|[XxNnＸｘＮｎ])\s?(个|项|批|大|条|件|方面|种|类|支|张|所|招|家)([{HAN}]{{1,12}})"
)
_JOINT = re.compile(rf"[加和及与](?=[0-9０-９XxNnＸｘＮｎ{CN_COUNT}])")
_TOKEN_EXPLAINED = re.compile(r"[“\"‘]([0-9０-９]{1,2}|[XxNnＸｘＮｎ])[”\"’]\s?(?:即|是指|指|就是|是)")
_EXPLAINED = re.compile(r"[（(][^（()）\n]{1,40}[）)]")  # 1个核心（立德树人）
_VERBS = re.compile(
    r"^(?:[“\"][^”\"]{1,4}[”\"](?:就是|即|是指|指|是)|就是|是指|指|大力|持续|强力|着力|全面|扎实|积极|深入|努力|加快|切实|不断|进一步|重点|"
    r"实施|推进|推动|深化|开展|加强|坚持|突出|落实|建设|打造|构建|启动|强化|做好|抓好|完成|实现|围绕|包括|即|如)"
)
_LEAD = re.compile(r"\s?(?:即|也就是|就是|包括|分别是|具体是|主要是|具体来说)[，,：:]?\s?")
# An unmarked list before a name (A、B、C三大产业) holds nouns: these mean a clause, not an item.
_NOT_IN_NOUN = re.compile(r"[（）()要是把将了着被让从，,]")
_FIRST_PART_CUT = re.compile(r".*[的了是在把将对]")
_BRIDGE_MAX = 40  # "这里我重点讲其中三个。" between a name and the paragraphs that spell it out
_PHRASE_MAX = 16  # an item of a parallel run is a phrase, not a sentence
_CODE_REACH = 600  # how far after a code its quoted parts may be explained


def by_parenthesis(ctx: Context, m: Mention) -> Definition | None:
    pos = after_name(ctx, m)
    found = re.match(r"[（(]([^（()）\n]{2,200})[）)]", ctx.text[pos:])
    if not found or m.kind in ("code", "remarks"):
        return None
    items = split_items(ctx, pos + 1, found.group(1), r"[、，,；;]")
    return Definition(items, None, m.start, pos + found.end(), 2) if len(items) >= 2 else None


def by_colon_or_ordinals(ctx: Context, m: Mention) -> Definition | None:
    """After the name and a mark (：，。；), optionally 即/就是/包括: sentences or clauses opening with the
    name's head, an inline enumeration (一是…/第一，…/首先…), or a parallel run of exactly `count`
    short phrases (进教材、进课堂、进头脑)."""
    if m.kind in ("code", "remarks"):
        return None
    pos = after_name(ctx, m, suffix=6)  # “两个确保”的目标要求：
    if pos >= len(ctx.text) or ctx.text[pos] not in "：:。，,；":
        return None
    region_start, region_end = pos + 1, ctx.paragraph_end(pos)
    lead = _LEAD.match(ctx.text, region_start, region_end)
    if lead:
        region_start = lead.end()
    items = _head_sentences(ctx, m, region_start, region_end) or _head_clauses(
        ctx, m, region_start, region_end
    )
    if ctx.text[pos] not in "：:" and not lead and len(items) != m.count:
        items = ()  # without a colon or 即, a head run must have exactly the named number of items
    if not items or (m.count is not None and len(items) != m.count):
        # "“四个到位”，即A、B、C、D。一是…二是…三是…": the run after 即 has the named count, the
        # ordinals that follow are something else; "“四进”：进A、进B、进C、进D。进A，就是…": the run, not
        # the sentences that open with 进. With no count, or all complete, the first kind found wins.
        ordinals = _inline_ordinals(ctx, region_start, region_end, m.count) if not items else ()
        run = _parallel_run(ctx, region_start, region_end, m.count) if lead or ctx.text[pos] in "：:" else ()
        found = [c for c in (items, ordinals, run) if len(c) >= 2]
        complete = [c for c in found if m.count is None or len(c) == m.count]
        items = (complete or found or [()])[0]
    return Definition(items, None, m.start, items[-1].end, 2) if len(items) >= 2 else None


def _parallel_run(ctx: Context, start: int, end: int, count: int | None) -> tuple[FormulationItem, ...]:
    """Short phrases separated by 、 (or ，；) up to the sentence's end, exactly `count` of them."""
    stop = sentence_end(ctx.text, start, end)
    content = ctx.text[start:stop].rstrip(SENTENCE_END)
    clause = re.split(r"[，,；;]", content, maxsplit=1)[0]  # 突出A、突出B、突出C，推动…: the run ends at ，
    for text, separators in ((content, r"[、]"), (clause, r"[、]"), (content, r"[、，,；;]")):
        items = split_items(ctx, start, text, separators)
        exact = (count is None or len(items) == count) and len(items) >= 2
        if exact and all(len(i.text) <= _PHRASE_MAX for i in items):
            return items
    return _semicolon_run(ctx, start, end, count)


def _semicolon_run(ctx: Context, start: int, stop: int, count: int | None) -> tuple[FormulationItem, ...]:
    """：建设一批…，…；打造一批…，…；培养一批…。 — exactly `count` clauses split by ；, labelled by their
    first phrase."""
    if count is None or count < 2:
        return ()
    full_stop = next((i + 1 for i in range(start, stop) if ctx.text[i] in "。！？!?"), stop)
    parts = list(spans(ctx.text, start, full_stop, "；;"))
    if len(parts) != count:
        return ()
    items = []
    for a, b in parts:
        label = re.split(r"[，,；;。]", ctx.text[a:b], maxsplit=1)[0]
        items.append(ctx.item(a, b, label))
    return tuple(items)


def _head_sentences(ctx: Context, m: Mention, start: int, end: int) -> tuple[FormulationItem, ...]:
    """Consecutive sentences after a colon that open with the name's head word (严格治理…严格审批…)."""
    for head in m.heads:
        items = []
        for s_start, s_end in spans(ctx.text, start, end, SENTENCE_END):
            if not ctx.text.startswith(head, s_start):
                break
            label = re.split(r"[，,：:]", ctx.text[s_start:s_end], maxsplit=1)[0].rstrip(SENTENCE_END)
            items.append(ctx.item(s_start, s_end, label))
        if len(items) >= 2:
            return tuple(items)
    return ()


def by_head_paragraphs(ctx: Context, m: Mention) -> Definition | None:
    """要做到“五个带头”。这里重点讲其中三个。⏎带头学习提升。…⏎带头遵规守纪。…: the paragraphs right after
    the name's paragraph (one short bridge paragraph allowed) that open with its head word."""
    if m.kind not in ("named", "compound") or m.count is None:
        return None
    for head in (h for h in m.heads if len(h) >= 2):
        pos = ctx.paragraph_end(m.end) + 1
        items: list[FormulationItem] = []
        skipped = 0
        while pos < len(ctx.text) and len(items) < m.count:
            end = ctx.paragraph_end(pos)
            if ctx.text.startswith(head, pos):
                stop = sentence_end(ctx.text, pos, end)
                label = re.split(r"[，,：:]", ctx.text[pos:stop], maxsplit=1)[0].rstrip(SENTENCE_END)
                items.append(ctx.item(pos, stop, label))
            elif items or skipped or end - pos > _BRIDGE_MAX:
                break
            else:
                skipped += 1
            pos = end + 1
        if len(items) >= 2:
            return Definition(tuple(items), None, m.start, items[-1].end, 4)
    return None


def by_head_sentences_before(ctx: Context, m: Mention) -> Definition | None:
    """突出“均衡”…；突出“优质”…；突出“特色”…，构建“三个突出”格局: the sentences of the paragraph that end
    at the name's sentence and open with its head, counted back from it; exactly `count` of them."""
    if m.kind not in ("named", "compound") or not m.heads or m.count is None:
        return None
    para_start = ctx.text.rfind("\n", 0, m.start) + 1
    own_end = sentence_end(ctx.text, m.start, ctx.paragraph_end(m.start))
    sentences = list(spans(ctx.text, para_start, own_end, SENTENCE_END))
    for head in m.heads:
        if len(head) < 2:
            continue
        run: list[tuple[int, int]] = []
        for sentence in reversed(sentences):
            if not ctx.text.startswith(head, sentence[0]):
                break
            run.append(sentence)
        if len(run) == m.count and m.count >= 2:
            items = tuple(
                ctx.item(a, b, re.split(r"[，,：:]", ctx.text[a:b], maxsplit=1)[0].rstrip(SENTENCE_END))
                for a, b in reversed(run)
            )
            return Definition(items, None, items[0].start, m.end, 3)
    return None


def _head_clauses(ctx: Context, m: Mention, start: int, end: int) -> tuple[FormulationItem, ...]:
    """Consecutive clauses opening with one of the heads (提高…，提高…，管好…、管好…)."""
    items = []
    for c_start, c_end in spans(ctx.text, start, end, "，,、；;。"):
        clause = ctx.text[c_start:c_end].rstrip("，,、；;。")
        if not clause or not any(clause.startswith(h) for h in m.heads):
            break
        items.append(ctx.item(c_start, c_start + len(clause), clause))
    return tuple(items) if len(items) >= 2 else ()


def _inline_ordinals(ctx: Context, start: int, end: int, count: int | None) -> tuple[FormulationItem, ...]:
    """一是…二是… / 第一，…第二，… / 首先…其次… inside one paragraph (at most `count` items)."""
    found = inline_enumeration(ctx.text, start, end, count)
    if found and ctx.text.startswith("一方面", found[0].start) and count not in (None, 2):
        return ()  # 一方面…另一方面 is a pair: it never spells out three or more
    return tuple(ctx.item(e.start, e.end, e.label) for e in found)


def by_quoted_list_before(ctx: Context, m: Mention) -> Definition | None:
    """“A、B、C”等八项工程 / “A”一个目标."""
    pos = m.start - (1 if m.start and ctx.text[m.start - 1] == "等" else 0)
    if m.kind not in ("named", "compound") or pos == 0 or ctx.text[pos - 1] not in '”"」』':
        return None
    if ctx.text[pos - 1] == '"' and ctx.text[m.end : m.end + 1] == '"':
        return None  # "三项清单": straight quotes around the name itself, not a list closing before it
    opening = max(ctx.text.rfind(q, max(0, pos - 300), pos - 1) for q in OPEN_QUOTES)
    if opening < 0:
        return None
    content = ctx.text[opening + 1 : pos - 1]
    if "\n" in content or "。" in content:
        return None  # a quoted list is phrases; this is the closing quote of something else
    if m.count == 1:
        items: tuple[FormulationItem, ...] = (ctx.item(opening + 1, pos - 1, content),)
    else:
        items = split_items(ctx, opening + 1, content, r"[、]")
        if len(items) != m.count:
            wider = split_items(ctx, opening + 1, content, r"[、，,；;]")
            items = wider if len(wider) == m.count or len(items) < 2 else items
    return Definition(items, None, clause_start(ctx.text, opening), m.end, 3)


def by_list_before(ctx: Context, m: Mention) -> Definition | None:
    """A、B、C等五项工程 (no quotes): the run of 、-separated parts before 等, leading verbs dropped.
    Without 等 (围绕A、B、C三大主导产业) the parts must be short and exactly as many as the name counts."""
    if m.kind != "named" or m.start == 0:
        return None
    listed = ctx.text[m.start - 1] == "等"
    end = m.start - 1 if listed or ctx.text[m.start - 1] in QUOTES else m.start
    start = clause_start(ctx.text, end)
    parts = list(spans(ctx.text, start, end, "、"))
    if len(parts) < 2:
        return None
    if not listed:
        if len(parts) != m.count or not all(_noun_phrase(ctx.text[s:e].rstrip("、")) for s, e in parts[1:]):
            return None
        cut = _FIRST_PART_CUT.search(ctx.text, parts[0][0], parts[0][1] - 3)  # 合办了电子商务 → 电子商务
        parts[0] = (cut.end(), parts[0][1]) if cut else parts[0]
    first_start, first_end = parts[0]
    while (
        verb := _VERBS.match(ctx.text[first_start : first_end - 1])
    ) and first_end - first_start - verb.end() > 2:
        first_start += verb.end()
    parts[0] = (first_start, first_end)
    items = tuple(ctx.item(s, e, ctx.text[s:e].rstrip("、")) for s, e in parts)
    return Definition(items, None, first_start, m.end, 4)


def _noun_phrase(part: str) -> bool:
    return 0 < len(part) <= _PHRASE_MAX and not _NOT_IN_NOUN.search(part)


def by_head_list(ctx: Context, m: Mention) -> Definition | None:
    """有A、有B…的“四有” (items open with the head) or “六员”…配备A员、B员和C员 (items end with it)."""
    if m.kind != "compound" or len(m.heads) != 1:
        return None
    head = m.heads[0]
    start = clause_start(ctx.text, m.start - 1)
    before = _head_run(ctx, start, m.start - 1, head, opens=True)
    if before:
        return Definition(before, None, before[0].start, m.end, 3)
    para_end = ctx.paragraph_end(m.end)
    for c_start, c_end in spans(ctx.text, m.end, para_end, "，,。；;"):
        after = _head_run(ctx, c_start, c_end, head, opens=False)
        if after:
            return Definition(after, None, m.start, after[-1].end, 4)
    return None


def _head_run(ctx: Context, start: int, end: int, head: str, *, opens: bool) -> tuple[FormulationItem, ...]:
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


# --- (d) codes --------------------------------------------------------------------------------


def by_code(ctx: Context, m: Mention) -> Definition | None:
    """“12881”总体工作思路，即坚持…一个目标，突出…两项重点，…: one item per digit, in order; “1+2+X”模式，
    即1个核心（…）、2个支撑、X项特色: one item per part between the plus signs (X and N match X and N)."""
    if m.kind != "code":
        return None
    name = normalize_for_match(m.name).replace(" ", "")
    tokens = [_token(t) for t in (name.split("+") if "+" in name else list(name))]
    end = sentence_end(ctx.text, m.end, min(len(ctx.text), m.end + 600))
    region = ctx.text[m.end : end]
    lead = re.search(r"即|：|:", region[: region.find("“") if "“" in region else len(region)])
    prev = m.end + (lead.end() if lead else 0)
    items: list[FormulationItem] = []
    for part in _CODE_PART.finditer(ctx.text, prev, end):
        if len(items) == len(tokens):
            break
        if part.start() < prev or _token(part.group(1)) != tokens[len(items)]:
            continue
        part_end = part.end()
        joint = _JOINT.search(ctx.text, part.start(3), part.end() + 1)  # 5项规定动作加N项…: 加 joins
        if joint and joint.start() < part.end():
            part_end = joint.start()
        explained = _EXPLAINED.match(ctx.text, part_end)
        item_end = explained.end() if explained else part_end
        items.append(ctx.item(prev, item_end, ctx.text[part.start() : part_end]))
        prev = item_end
    if len(items) < len(tokens):
        # “4”就是…；“3”就是…: the parts may be explained in the sentences after the one naming the code.
        after = m.end + 1 if ctx.text.startswith("\n", m.end) else m.end
        stop = ctx.paragraph_end(after)
        while stop + 1 < len(ctx.text) and _TOKEN_EXPLAINED.match(ctx.text, stop + 1):
            stop = ctx.paragraph_end(stop + 1)  # a part per line (“5”即…⏎“6”即…)
        items = _quoted_tokens(ctx, tokens, m.end, min(stop, m.end + _CODE_REACH)) or items
    return Definition(tuple(items), None, m.start, items[-1].end, 1) if len(items) >= 2 else None


def _quoted_tokens(
    ctx: Context, tokens: list[int | str | None], start: int, end: int
) -> list[FormulationItem]:
    """“1”即建强1个市级中心，“3”即建设三类工作室，“N”即布局若干基地: each part quoted, then explained."""
    found = [
        (q.start(), q.end(), _token(q.group(1))) for q in _TOKEN_EXPLAINED.finditer(ctx.text, start, end)
    ]
    found = [f for f in found if f[2] in tokens]
    if [f[2] for f in found[: len(tokens)]] != tokens:
        return []
    items = []
    for index, (q_start, body, _) in enumerate(found[: len(tokens)]):
        stop = found[index + 1][0] if index + 1 < len(found) else end
        # the label is the first clause; the item runs to the part's end (“1”就是锚定一个目标，即…；)
        clause_end = next((i for i in range(body, stop) if ctx.text[i] in "，,；;。"), stop)
        part_end = next((i for i in range(body, stop) if ctx.text[i] in "；;。"), stop)
        items.append(ctx.item(q_start, part_end, ctx.text[body:clause_end].strip()))
    return items


def _token(text: str) -> int | str | None:
    """'8' / '８' / '八' → 8; 'X' / 'ｘ' → 'X'; 'N' → 'N'."""
    folded = normalize_for_match(text).upper()
    if folded.isdigit():
        return int(folded)
    return folded if folded in ("X", "N") else cn_number(text)
