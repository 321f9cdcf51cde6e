"""A formulation named after its items, pointing back with 这: "突出“扩容”，就是…；突出“提质”，…；突出
“特色”，…。这“三个突出”，是…" or "实现标准化实验室全覆盖、智慧教室全覆盖，这“两个全覆盖”要…".

The items are the clauses (split by ；) or the 、-run right before "这“name”", exactly as many as the
name counts, each holding the name's head word; an item is labelled from where its head stands (or,
for a head at the end, from after the clause's leading verb).
"""

from __future__ import annotations

import re

from core.records import FormulationItem
from ingest.formulation_base import QUOTES, Context, Definition, Mention, spans

_POINTER = ("这", "这些", "上述", "以上")
_LEAD_VERB = re.compile(
    r".*(?:实现|做到|达到|推进|推动|开展|建成|落实|坚持|弘扬|发扬|培育|树立|加强|提升|提高|打造|还要|要)"
)


def by_back_reference(ctx: Context, m: Mention) -> Definition | None:
    if m.kind != "named" or not m.count or m.count < 2 or not m.heads:
        return None
    at = m.start - (1 if m.start and ctx.text[m.start - 1] in QUOTES else 0)
    pointer = next((p for p in _POINTER if ctx.text.endswith(p, 0, at)), None)
    if pointer is None:
        return None
    end = at - len(pointer)
    while end > 0 and ctx.text[end - 1] in "，,。 ":
        end -= 1
    start = max(ctx.text.rfind(c, 0, end) for c in "。！？\n：:") + 1
    for stops in ("；;", "、"):
        parts = [(s, e) for s, e in spans(ctx.text, start, end, stops) if ctx.text[s:e].strip("；;、 ")]
        items = _items(ctx, parts, m.heads)
        if len(items) == m.count:
            return Definition(items, None, items[0].start, m.end, 3)
    return None


def _items(ctx: Context, parts: list[tuple[int, int]], heads: tuple[str, ...]) -> tuple[FormulationItem, ...]:
    items = []
    for index, (s, e) in enumerate(parts):
        text = ctx.text[s:e].rstrip("；;、。，, ")
        clause = re.split(r"[，,]", text, maxsplit=1)[0]
        head = next((h for h in heads if h in clause), None)
        if head is None:
            return ()
        at = clause.find(head)
        if at == 0 or clause.endswith(head):
            cut = _LEAD_VERB.match(clause[: len(clause) - len(head)]) if index == 0 and at > 0 else None
            begin = cut.end() if cut else 0
        else:
            begin = at
        items.append(ctx.item(s + begin, s + len(text), clause[begin:]))
    return tuple(items)
