"""The development and blind corpus sets (eval/corpus/*/, eval/blind/) checked like code: every quote and
key is in the text ingest reads from its file, and the sets stay as large and as trap-rich as issue 12 asks."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.check import check, corpus_dir
from eval.run import BLIND_SETS, dev_sets

SETS = [*dev_sets(), *BLIND_SETS.values()]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.parent.name)
def test_every_quote_and_key_is_in_the_text_ingest_reads(path: Path) -> None:
    assert check(path) == []


def test_the_sets_are_large_varied_and_hold_traps_of_every_kind() -> None:
    records = [
        json.loads(line) for path in SETS for line in path.read_text(encoding="utf-8").splitlines() if line
    ]
    traps = Counter(r["trap"] for r in records if r.get("trap"))
    assert len(records) >= 300 and sum(n for t, n in traps.items() if t != "same_name") >= 60
    assert all(traps[kind] >= 9 for kind in ("absent_formulation", "miscount", "named_only", "scoped_absent"))
    assert all(traps[kind] >= 9 for kind in ("same_name", "followup_unresolvable", "absent_fact"))
    speeches = [
        p
        for path in SETS
        for p in corpus_dir(path).iterdir()
        if p.suffix != ".jsonl" and p.name != "README.md"
    ]
    assert len(speeches) >= 24
    assert {p.suffix for p in speeches} >= {".txt", ".md", ".docx", ".pdf", ".html"}
