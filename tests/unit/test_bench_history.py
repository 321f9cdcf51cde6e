"""bench.history: figures recorded per commit, compared with the previous commit's run as ratios."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from bench import history, report


def _run(commit: str | None, answers_per_s: float, recall: float = 0.9) -> dict[str, Any]:
    results = {
        "meta": {"finished": f"t-{commit}", "commit": commit},
        "quality": {"project": {"overall": {"recall@5": recall}}},
        "speed": {"http_load": {"answers_per_s": answers_per_s}},
    }
    return history.summary(results)


def test_the_baseline_is_the_latest_run_of_another_commit(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    for run in (_run("aaa", 10.0), _run("bbb", 20.0), _run("bbb+", 21.0)):
        history.record(path, run)
    runs = history.load(path)
    assert [r["meta"]["commit"] for r in runs] == ["aaa", "bbb", "bbb+"]
    assert history.previous_run(runs, "bbb")["meta"]["commit"] == "aaa"  # type: ignore[index]
    assert history.previous_run(runs, "ccc")["meta"]["commit"] == "bbb+"  # type: ignore[index]
    assert history.previous_run([], "ccc") is None


def test_changes_show_both_figures_and_their_ratio() -> None:
    text = report.changes(_run("aaa", 20.0, 0.80), _run("bbb", 45.0, 0.80))
    assert "commit aaa" in text
    assert "| 16 HTTP clients answers/s | 20.0 | 45.0 | 2.25× | higher |" in text
    assert "| project recall@5 | 0.800 | 0.800 | 1.00× | higher |" in text
    assert "First recorded run" in report.changes(None, _run("bbb", 1.0))


def test_current_commit_marks_changes_outside_the_bench_outputs(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "bench" / "results").mkdir(parents=True)
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "bench" / "results" / "latest.json").write_text("{}\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    clean = history.current_commit(tmp_path)
    assert clean and not clean.endswith("+")
    (tmp_path / "bench" / "results" / "latest.json").write_text('{"a": 1}\n')
    assert history.current_commit(tmp_path) == clean  # the bench's own output
    (tmp_path / "code.py").write_text("x = 2\n")
    assert history.current_commit(tmp_path) == clean + "+"
