"""Definitions a speech spells out without naming them.

杨继宏's speech says "推动…思想进教材、进课堂、进头脑" but never "三进"; 杨生俊's and the 2022 speech say
"“三进”工作" but never list them. A run of parallel items that open alike ("进…、进…、进…") whose
count and opening match a formulation some speech leaves undefined is that formulation's
definition in the speech holding the run, so "“三进”是哪三进" gets the items, cited where they stand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.query import formulation_head
from ingest.records import Document, Formulation, FormulationItem

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
    out: list[tuple[str, Formulation]] = []
    seen: set[tuple[str, str]] = set()
    for _, form in formulations:
        count, head = formulation_head(form.name)
        if form.items or count is None or count < 2 or not 1 <= len(head) <= 2:
            continue
        for doc_id, doc_runs in runs.items():
            key = (doc_id, form.name)
            if key in defined or key in seen:
                continue
            run = next((r for r in doc_runs if r.prefix == head and len(r.items) == count), None)
            if run is not None:
                seen.add(key)
                out.append((doc_id, Formulation(form.name, count, run.items, None, run.start, run.end)))
    return out
