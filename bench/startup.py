"""Start-up as a user meets it: whole fresh processes, timed from outside, repeated (hyperfine-style).

- `cli_cold`: `python -m assistant ask QUESTION`, process start to exit (the answer printed).
- `import_time`: the same command under `python -X importtime`: total import time on the question path,
  the heaviest top-level imports, and whether torch / sentence-transformers / transformers were imported.
- `app_ready`: `python app.py` on a free port, process start until `GET /api/health` answers (the app
  serves only once the model is loaded and the snapshot built), then the first `POST /api/ask`.

Every run is a new process with the model folder and the index already on disk (page cache warm after the
first run, as on a restart). Medians of the runs, and every run's figure, are reported.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.processes import ExitedError, free_port, wait_until_answers
from bench.stats import median

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "sentence_transformers", "transformers")


def _env(env: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **env}


def cli_cold(question: str, runs: int, env: dict[str, str]) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "ask", question],
            cwd=ROOT,
            env=_env(env),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"ask failed: {done.stderr[-2000:]}")
    return {"median_s": round(median(times), 3), "runs_s": [round(t, 3) for t in times]}


def parse_importtime(stderr: str) -> dict[str, Any]:
    """Sum of self times (= the process's import time) and the top-level imports' cumulative times."""
    total_us = 0
    top: dict[str, int] = {}
    modules: set[str] = set()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
        module = name[1:] if name.startswith(" ") else name  # after it, two spaces per nesting level
        total_us += int(self_us)
        modules.add(module.strip())
        if not module.startswith(" "):  # depth 0: imported by the program itself
            top[module.strip()] = int(cumulative_us)
    heaviest = sorted(top.items(), key=lambda kv: -kv[1])[:8]
    return {
        "total_ms": round(total_us / 1000, 1),
        "modules": len(modules),
        "heaviest_top_level_ms": {name: round(us / 1000, 1) for name, us in heaviest},
        "heavy_imported": sorted(m for m in HEAVY if m in modules),
    }


def import_time(question: str, runs: int, env: dict[str, str]) -> dict[str, Any]:
    samples = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "assistant", "ask", question],
            cwd=ROOT,
            env=_env(env),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"ask failed: {done.stderr[-2000:]}")
        samples.append(parse_importtime(done.stderr))
    best = min(samples, key=lambda s: s["total_ms"])
    return {
        "median_ms": round(median([s["total_ms"] for s in samples]), 1),
        "runs_ms": [s["total_ms"] for s in samples],
        "modules": best["modules"],
        "heaviest_top_level_ms": best["heaviest_top_level_ms"],
        "heavy_imported": sorted({m for s in samples for m in s["heavy_imported"]}),
    }


@contextmanager
def running_app(
    env: dict[str, str], timeout_s: float = 180, root: Path = ROOT
) -> Iterator[tuple[str, float, int]]:
    """`python app.py` (of the checkout at `root`) on a free port: yields (base URL, seconds from process start until
    `GET /api/health` answered, its pid); stopped with SIGINT (killed if it does not stop) on exit."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=root,
        env=_env({**env, "POLICY_QA_PORT": str(port), "POLICY_QA_HOST": "127.0.0.1"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_answers(process, f"{base}/api/health", timeout_s, name="app", interval_s=0.05)
        except ExitedError as exc:
            raise RuntimeError(
                f"app exited: {(process.stderr.read() if process.stderr else '')[-2000:]}"
            ) from exc
        yield base, time.perf_counter() - started, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def app_ready(question: str, runs: int, env: dict[str, str], timeout_s: float = 180) -> dict[str, Any]:
    import httpx

    ready, first = [], []
    for _ in range(runs):
        with running_app(env, timeout_s) as (base, ready_s, _):
            ready.append(ready_s)
            asked = time.perf_counter()
            answer = httpx.post(f"{base}/api/ask", json={"question": question}, timeout=60)
            answer.raise_for_status()
            first.append(time.perf_counter() - asked)
    return {
        "ready_median_s": round(median(ready), 3),
        "ready_runs_s": [round(t, 3) for t in ready],
        "first_answer_median_s": round(median(first), 3),
        "first_answer_runs_s": [round(t, 3) for t in first],
    }
