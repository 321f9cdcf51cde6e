"""Each `make bench` figure next to the previous commit's, as a ratio.

`results/history.json` keeps the tracked figures of every official run with the commit it measured
(`git rev-parse --short HEAD`, "+" when the working tree had changes outside the bench's own outputs). A run
is compared with the most recent recorded run of another commit: the previous commit's figures, measured on
the same machine (absolute figures move with the neighbours' load; the ratio of two runs is the signal).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# (label, path into the results, True when lower is better) of the figures compared between runs
TRACKED: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("project recall@5", ("quality", "project", "overall", "recall@5"), False),
    ("project MRR", ("quality", "project", "overall", "mrr"), False),
    ("project key coverage", ("quality", "project", "overall", "key_coverage"), False),
    ("project refusal accuracy", ("quality", "project", "overall", "refusal_accuracy"), False),
    ("project false refusals", ("quality", "project", "overall", "false_refusals"), True),
    ("naive hybrid recall@5", ("quality", "naive_hybrid", "overall", "recall@5"), False),
    ("warm latency p50 ms", ("speed", "warm", "project", "p50_ms"), True),
    ("warm latency p95 ms", ("speed", "warm", "project", "p95_ms"), True),
    ("cold start s", ("speed", "cold", "project", "median", "first_answer_s"), True),
    ("CLI question from cold s", ("speed", "startup", "cli", "median_s"), True),
    ("question-path imports ms", ("speed", "startup", "imports", "median_ms"), True),
    ("app ready s", ("speed", "startup", "app", "ready_median_s"), True),
    ("question embedding p50 ms (onnx)", ("speed", "onnx_vs_torch", "onnx_p50_ms"), True),
    ("question embedding p50 ms (torch)", ("speed", "onnx_vs_torch", "torch_p50_ms"), True),
    ("16 HTTP clients answers/s", ("speed", "http_load", "answers_per_s"), False),
    ("16 HTTP clients p95 ms", ("speed", "http_load", "p95_ms"), True),
    (
        "16 embedding clients questions/s (onnx)",
        ("speed", "concurrent_embedding", "onnx", "questions_per_s"),
        False,
    ),
    ("ingest chars/s", ("speed", "ingest", "end_to_end", "chars_per_s"), False),
    ("model passages/s", ("speed", "ingest", "stages", "model_passages_per_s"), False),
)
# What the bench itself rewrites: changes there do not make the measured code "modified".
_OWN_OUTPUTS = ("bench/results/", "bench/README.md", "README.md")


def dig(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def summary(results: dict[str, Any]) -> dict[str, Any]:
    """Only the tracked figures (nested as in the results), with the run's time and commit."""
    meta = results.get("meta", {})
    out: dict[str, Any] = {"meta": {"finished": meta.get("finished"), "commit": meta.get("commit")}}
    for _, path, _ in TRACKED:
        node = out
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = dig(results, path)
    return out


def current_commit(root: Path) -> str | None:
    """Short HEAD, with "+" when tracked files other than the bench's outputs differ from it."""
    try:
        head = _git(root, "rev-parse", "--short", "HEAD").strip()
        changed = _git(root, "status", "--porcelain", "--untracked-files=no").splitlines()
    except (OSError, subprocess.CalledProcessError):
        return None
    dirty = any(not line[3:].startswith(_OWN_OUTPUTS) for line in changed if line.strip())
    return head + ("+" if dirty else "")


def load(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    runs = json.loads(path.read_text(encoding="utf-8")).get("runs", [])
    return [r for r in runs if isinstance(r, dict)]


def previous_run(runs: list[dict[str, Any]], commit: str | None) -> dict[str, Any] | None:
    """The most recent run of another commit (a re-run of the same commit is not its own baseline)."""
    mine = (commit or "").rstrip("+")
    for run in reversed(runs):
        if str(dig(run, ("meta", "commit")) or "").rstrip("+") != mine or not mine:
            return run
    return None


def record(path: Path, run: dict[str, Any]) -> None:
    runs = [*load(path), run]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"runs": runs}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=30
    ).stdout
