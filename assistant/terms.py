"""Definitions a speech spells out without naming them.

杨继宏's speech says "推动…思想进教材、进课堂、进头脑" but never "三进"; 杨生俊's and the 2022 speech say
"“三进”工作" but never list them. A run of parallel items that open alike ("进…、进…、进…") whose
count and opening match a formulation some speech leaves undefined is that formulation's
definition in the speech holding the run, so "“三进”是哪三进" gets the items, cited where they stand.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from assistant.naming import formulation_head
from core.records import Document, Formulation, FormulationItem

_ITEM = r"(?:(?![等的])[\u4e00-\u9fff]){1,7}"  # an item stops before 等 (a partial list) and 的 (what it qualifies)
_RUNS = {
    1: re.compile(rf"([\u4e00-\u9fff]){_ITEM}(?:、\1{_ITEM})+"),
    2: re.compile(rf"([\u4e00-\u9fff]{{2}}){_ITEM}(?:、\1{_ITEM})+"),
}


@dataclass(frozen=True)
class Run:
    prefix: str
    items: tuple[FormulationItem, ...]
    start: int
    end: int


def parallel_runs(doc: Document) -> list[Run]:
    """Every "X…、X…、X…" run in a speech (not one that goes on with 等: that list is partial)."""
    out: list[Run] = []
    for size, pattern in _RUNS.items():
        for match in pattern.finditer(doc.text):
            if doc.text[match.end() : match.end() + 1] == "等":
                continue
            items, offset = [], match.start()
            for part in match.group().split("、"):
                items.append(FormulationItem(part, part, offset, offset + len(part)))
                offset += len(part) + 1
            out.append(Run(match.group(1)[:size], tuple(items), match.start(), match.end()))
    return out


def implied_definitions(
    formulations: list[tuple[str, Formulation]], runs: dict[str, list[Run]]
) -> list[tuple[str, Formulation]]:
    """Formulations defined by a run in a speech that does not define (or name) them itself."""
    defined = {(d, f.name) for d, f in formulations if f.items}
    # (prefix, size) → each speech's first run of that shape: one pass, not names × speeches.
    shapes: dict[tuple[str, int], dict[str, Run]] = defaultdict(dict)
    for doc_id, doc_runs in runs.items():
        for run in doc_runs:
            shapes[(run.prefix, len(run.items))].setdefault(doc_id, run)
    out: list[tuple[str, Formulation]] = []
    names = dict.fromkeys(form.name for _, form in formulations if not form.items)
    for name in names:
        count, head = formulation_head(name)
        if count is None or count < 2 or not 1 <= len(head) <= 2:
            continue
        for doc_id, run in shapes.get((head, count), {}).items():
            if (doc_id, name) not in defined:
                out.append((doc_id, Formulation(name, count, run.items, None, run.start, run.end)))
    return out
