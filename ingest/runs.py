"""Parallel runs of a speech, found once at ingest: "进教材、进课堂、进头脑", "有理想信念、有道德情操、…".

A run of items that open alike may define a formulation that another speech names without listing it
("“三进”工作"); the assistant matches runs to such names across the corpus (assistant/terms.py), which
needs every speech's runs — stored with the document so no snapshot scans the texts again.
"""

from __future__ import annotations

import re

from core.records import Document, FormulationItem, ParallelRun

_ITEM = r"(?:(?![等的])[\u4e00-\u9fff]){1,7}"  # an item stops before 等 (a partial list) and 的 (what it qualifies)
_RUNS = {
    1: re.compile(rf"([\u4e00-\u9fff]){_ITEM}(?:、\1{_ITEM})+"),
    2: re.compile(rf"([\u4e00-\u9fff]{{2}}){_ITEM}(?:、\1{_ITEM})+"),
}


def parallel_runs(doc: Document) -> list[ParallelRun]:
    """Every "X…、X…、X…" run in a speech (not one that goes on with 等: that list is partial)."""
    out: list[ParallelRun] = []
    for size, pattern in _RUNS.items():
        for match in pattern.finditer(doc.text):
            if doc.text[match.end() : match.end() + 1] == "等":
                continue
            items, offset = [], match.start()
            for part in match.group().split("、"):
                items.append(FormulationItem(part, part, offset, offset + len(part)))
                offset += len(part) + 1
            out.append(ParallelRun(match.group(1)[:size], tuple(items), match.start(), match.end()))
    return out
