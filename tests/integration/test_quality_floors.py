"""Answer quality on the development corpus sets, with the real model and store: floors a change cannot
silently lower (issue 12). Each set is indexed in its own collection of a temporary data dir; the model is
the shared test model. The floors sit a little under the figures `make eval` measured (README, "Quality"):
an improvement raises them, a regression fails here. The blind set is not run here (eval/blind: run once).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eval.run import assistant_for, dev_sets, load_questions, run
from settings import load_settings
from tests.support.model import link_model

pytestmark = pytest.mark.integration

# set → (key coverage, false refusals at most, refusals of traps and unanswerable questions, recall@5)
FLOORS: dict[str, tuple[float, float, float, float]] = {
    # measured with `python -m eval.run` on 647d03b (2026-12-04 afternoon): keys / false refusals / refusals / recall@5
    "dev1": (0.86, 0.05, 0.82, 0.94),  # 0.91 / 0.01 / 0.86 / 0.97
    "dev2": (0.82, 0.05, 0.95, 0.93),  # 0.87 / 0.01 / 1.00 / 0.96
    "dev3": (0.90, 0.05, 0.90, 0.95),  # 0.95 / 0.00 / 0.95 / 0.98
    "dev4": (0.83, 0.08, 0.92, 0.93),  # 0.87 / 0.04 / 0.96 / 0.97
    "dev5": (0.83, 0.06, 0.95, 0.92),  # 0.88 / 0.02 / 1.00 / 0.96
    "dev6": (0.84, 0.06, 0.78, 0.94),  # 0.89 / 0.01 / 0.82 / 0.98 (written blind 2026-12-03 night)
}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = load_settings().model_copy(update={"data_dir": tmp_path_factory.mktemp("floors")})
    link_model(settings)
    return {"settings": settings}


@pytest.mark.parametrize("path", dev_sets(), ids=lambda p: p.parent.name)
def test_quality_stays_above_its_floor(path: Path, cache: dict[str, Any]) -> None:
    assistant, scope = assistant_for(path, cache)
    _, report = run(assistant, load_questions(path), scope)
    overall = report["overall"]
    keys, false_refusals, refusals, recall = FLOORS[path.parent.name]
    assert overall["stated_absent_items"] == 0  # never the items of a formulation the speeches lack
    assert overall["citations_verified"] == 1.0
    assert overall["key_coverage"] >= keys, overall
    assert overall["false_refusals"] <= false_refusals, overall
    assert overall["refusal_accuracy"] >= refusals, overall
    assert overall["recall@5"] >= recall, overall
