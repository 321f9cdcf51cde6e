"""Definitions a speech spells out without naming them.

杨继宏's speech says "推动…思想进教材、进课堂、进头脑" but never "三进"; 杨生俊's and the 2022 speech say
"“三进”工作" but never list them. A run of parallel items that open alike ("进…、进…、进…") whose
count and opening match a formulation some speech leaves undefined is that formulation's
definition in the speech holding the run, so "“三进”是哪三进" gets the items, cited where they stand.
The runs are found at ingest (ingest/runs.py) and stored with each speech; matching them to names
across speeches is the corpus's business, so it stays here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from assistant.naming import formulation_head
from core.records import Formulation, ParallelRun


def implied_definitions(
    formulations: list[tuple[str, Formulation]], runs: Mapping[str, Sequence[ParallelRun]]
) -> list[tuple[str, Formulation]]:
    """Formulations defined by a run in a speech that does not define (or name) them itself."""
    defined = {(d, f.name) for d, f in formulations if f.items}
    # (prefix, size) → each speech's first run of that shape: one pass, not names × speeches.
    shapes: dict[tuple[str, int], dict[str, ParallelRun]] = defaultdict(dict)
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
