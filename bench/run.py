"""`make bench` (quality + speed, a few minutes) and `make bench-scale` (`--scale`: up to ~30 minutes).

Writes bench/results/<time>.json (and latest.json / scale-latest.json) and renders
bench/results/latest.md from the latest of both. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import history, report
from bench.paths import RESULTS, ROOT, SAMPLE_COLLECTION, SAMPLES

HISTORY = "history.json"  # in the results directory: every official run's tracked figures and commit

__all__ = ["RESULTS", "ROOT", "SAMPLES", "SAMPLE_COLLECTION", "main"]  # the paths re-exported


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scale", action="store_true", help="only the 1×/100×/1000× scale benchmark")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (development)")
    parser.add_argument("--warm", type=int, default=220, help="answers timed for warm latency (≥ 200)")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--win-passages", type=int, default=64, help="passages per cheap-win measurement")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per cheap-win config")
    parser.add_argument("--scales", default="1,100,1000", help="with --scale: corpus sizes (× the samples)")
    parser.add_argument(
        "--scale-cache",
        type=Path,
        help="with --scale: reuse this embedding cache (default: a new, empty one)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if "MemTotal" in line
        ),
        0,
    )
    import chromadb
    import torch

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "chromadb": chromadb.__version__,
    }


def meta(started: float, before: tuple[float, ...]) -> dict[str, Any]:
    return {
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - started, 1),
        "machine": machine(),
        # Other processes share the cores: the load average says how much (ratios stay comparable).
        "load_before": [round(x, 2) for x in before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def save(results: dict[str, Any], directory: Path, latest_name: str, prefix: str) -> dict[str, Any] | None:
    """Write <prefix><time>.json and latest_name; returns what latest_name held before."""
    directory.mkdir(parents=True, exist_ok=True)
    latest = directory / latest_name
    previous = json.loads(latest.read_text(encoding="utf-8")) if latest.exists() else None
    text = json.dumps(results, ensure_ascii=False, indent=1)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (directory / f"{prefix}{stamp}.json").write_text(text, encoding="utf-8")
    latest.write_text(text, encoding="utf-8")
    return previous


def write_markdown(directory: Path, readme: Path | None = None) -> Path:
    """latest.md from latest.json (quality, speed, and the previous run's summary) and scale-latest.json;
    with `readme`, also its generated blocks (machine, tables, changes, durations)."""
    bench = _load(directory / "latest.json")
    scale = _load(directory / "scale-latest.json")
    previous = bench.get("previous_summary") if bench else None
    out = directory / "latest.md"
    out.write_text(report.render(bench, scale, previous), encoding="utf-8")
    if readme is not None and readme.exists():
        text = readme.read_text(encoding="utf-8")
        readme.write_text(report.fill_blocks(text, report.readme_blocks(bench, scale, previous)), "utf-8")
    return out


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def tracked_summary(results: dict[str, Any]) -> dict[str, Any]:
    """Only the figures `history.changes` compares: kept in the history and inside the next run's JSON."""
    return history.summary(results)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    started, load_before = time.perf_counter(), os.getloadavg()
    if args.scale:
        from bench.scale import run_scale

        with tempfile.TemporaryDirectory(prefix="policyqa-bench-scale-") as tmp:
            scales = [int(s) for s in args.scales.split(",")]
            partial = args.results / "scale-partial.json.tmp"  # git-ignored; removed when the run ends
            args.results.mkdir(parents=True, exist_ok=True)

            def keep(so_far: dict[str, Any]) -> None:
                partial.write_text(json.dumps(so_far, ensure_ascii=False, indent=1), encoding="utf-8")

            results = run_scale(scales, Path(tmp), _questions(args), args.scale_cache, keep)
            partial.unlink(missing_ok=True)
        results["meta"] = meta(started, load_before)
        save(results, args.results, "scale-latest.json", "scale-")
    else:
        from bench.suite import run_suite

        with tempfile.TemporaryDirectory(prefix="policyqa-bench-") as tmp:
            results = run_suite(args, Path(tmp), _questions(args))
        results["meta"] = {**meta(started, load_before), "commit": history.current_commit(ROOT.parent)}
        runs = history.load(args.results / HISTORY)
        results["previous_summary"] = history.previous_run(runs, results["meta"]["commit"])
        save(results, args.results, "latest.json", "bench-")
        if not args.limit:
            history.record(args.results / HISTORY, tracked_summary(results))
    # bench/README.md shows the project's own results only, not a development run's (--results, --limit)
    official = args.results.resolve() == RESULTS.resolve() and not args.limit
    out = write_markdown(args.results, ROOT / "README.md" if official else None)
    print(out.read_text(encoding="utf-8"))
    print(f"wrote {out} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


def _questions(args: argparse.Namespace) -> list[dict[str, Any]]:
    from eval.run import load_questions

    questions = load_questions()
    return questions[: args.limit] if args.limit else questions


if __name__ == "__main__":
    raise SystemExit(main())
