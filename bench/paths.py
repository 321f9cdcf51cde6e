"""Where the benchmarks read and write: shared by `bench.run` and the suites it starts (`bench.suite`,
`bench.scale`), so that they need not import the runner back."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
SAMPLES = ROOT.parent / "data" / "speeches"
SAMPLE_COLLECTION = "eval_samples"  # the eval's own index of the samples (eval/index.py)
