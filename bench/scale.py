"""`make bench-scale`: index size, RAM, ingest time and answer latency at 1×, 100× and 1,000× the samples.

One store grows step by step: 1× is the five sample files, each larger step adds synthetic speeches
(bench/synth.py) until the corpus holds N × the samples' characters. After each step: disk size, then
the answer latency over the eval questions in a fresh process, embedded and through a `chroma run`
server started on the same directory, then the cost of adding one more file through `Ingestor`, and the
longest wait of a question while two more are ingested by the asking process (issue 15: ≤ 1 s).
Ingest and probes run in subprocesses (bench/scale_worker.py) so each one's memory is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import synth
from bench.processes import free_port, wait_until_answers
from bench.report import dig
from bench.stats import disk_bytes, memory_mb

BULK_ABOVE = 1000  # files per step beyond which the bench's bulk path is used (see scale_worker)
EXTRA_FILES = 2  # "one more file" through Ingestor after each step
SLOW_MS = 1000.0  # a step whose answers took longer than this: the next step skips warm-up answers
EXTRA_OFFSET = 400_000  # synthetic indexes for those files: never part of a corpus prefix
NOTE = (
    "The 100× and 1,000× corpora are synthetic: speeches recombined (seeded, deterministic) from the "
    "samples' own sections, so most chunk texts repeat and the embedding cache (CachedEmbedder, keyed by "
    "content hash) serves their vectors; only each speech's short opening chunk and one outline chunk per "
    "section recipe are embedded (the `embedded` column). They measure speed, not quality. The 1,000× step "
    "is written by the bench's bulk path: the same build and records as `Ingestor`, but ~1,000 chunks per "
    "Chroma call and one manifest commit for all files."
)


def run_scale(
    scales: Sequence[int],
    tmp: Path,
    questions: list[dict[str, Any]],
    cache: Path | None = None,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """`cache`: an embedding cache file to use (default: a new, empty one under `tmp`).
    `on_step(results so far)` after each step: a long run keeps what it measured if a later step fails."""
    from bench.paths import SAMPLES
    from ingest.build import build_documents
    from ingest.loaders import load
    from settings import load_settings
    from vectorstore.e5_builder import ensure_model
    from vectorstore.e5_onnx_build import ensure_onnx

    model_dir = load_settings().model_dir
    ensure_onnx(ensure_model(model_dir))  # the probes load the app's ONNX embedder and never build it
    data, corpus_dir = tmp / "data", tmp / "corpus"
    questions_file = tmp / "questions.jsonl"
    questions_file.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions), "utf-8")
    samples = sorted(p for p in SAMPLES.iterdir() if p.is_file())
    sample_docs = [doc for p in samples for doc, _ in build_documents(load(p))]
    sample_chars = sum(len(doc.text) for doc in sample_docs)
    parts = synth.sample_parts(SAMPLES)
    pool = synth.sentences(parts)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    worker = Worker(data, model_dir, cache)
    steps: list[dict[str, Any]] = []
    chars, speeches, next_index = 0, 0, 0
    for scale in sorted(scales):
        new: list[Path] = []
        if not steps:
            new, chars, speeches = list(samples), sample_chars, len(sample_docs)
        while chars < scale * sample_chars:
            text = synth.speech_text(parts, next_index, pool=pool)
            path = corpus_dir / f"synth_{next_index:06d}.txt"
            path.write_text(text, encoding="utf-8")
            new.append(path)
            chars, speeches, next_index = chars + len(text), speeches + 1, next_index + 1
        _log(f"{scale}×: ingesting {len(new)} files")
        step: dict[str, Any] = {"scale": scale, "speeches": speeches, "chars": chars}
        step["ingest"] = worker.ingest(new, "bulk" if len(new) > BULK_ABOVE else "ingestor")
        step["ingest_s"] = step["ingest"]["seconds"]
        step["disk_bytes"] = disk_bytes(data / "chroma")
        step["sqlite_bytes"] = sum(disk_bytes(f) for f in (data / "chroma").glob("chroma.sqlite3*"))
        cache_file = cache or data / "embed-cache.sqlite"
        step["cache_bytes"] = sum(disk_bytes(f) for f in cache_file.parent.glob(cache_file.name + "*"))
        # Warm-up answers cost minutes on an index where the smaller one already answered slowly:
        # then only the components are warmed up (bench/scale_worker.py: warm_components).
        slow = bool(steps) and (dig(steps[-1], ("embedded", "latency", "p50_ms")) or 0) > SLOW_MS
        warmup = 0 if slow else 3
        step["warmup_answers"] = warmup
        _log(f"{scale}×: probing (embedded)")
        step["embedded"] = worker.probe(questions_file, warmup=warmup)
        step["chunks"] = step["embedded"]["chunks"]
        _log(f"{scale}×: probing (chroma run server)")
        with chroma_server(data / "chroma", tmp / f"chroma-{scale}.log") as (port, server):
            step["server"] = worker.probe(questions_file, port=port, warmup=warmup)
            step["server"]["server_rss_mb"] = memory_mb(server.pid).get("rss_mb")
        extra = [corpus_dir / f"extra_{scale}_{i}.txt" for i in range(EXTRA_FILES)]
        for i, path in enumerate(extra):
            path.write_text(synth.speech_text(parts, EXTRA_OFFSET + scale * 10 + i, pool=pool), "utf-8")
        step["one_more_file"] = worker.ingest(extra, "ingestor")
        during = [corpus_dir / f"during_{scale}_{i}.txt" for i in range(EXTRA_FILES)]
        for i, path in enumerate(during):
            path.write_text(synth.speech_text(parts, EXTRA_OFFSET + scale * 10 + 5 + i, pool=pool), "utf-8")
        _log(f"{scale}×: questions during an ingest")
        step["wait"] = worker.wait(questions_file, during)
        steps.append(step)
        if on_step is not None:
            on_step({"note": NOTE, "sample_chars": sample_chars, "steps": steps})
    return {"note": NOTE, "sample_chars": sample_chars, "steps": steps}


class Worker:
    def __init__(self, data: Path, model_dir: Path, cache: Path | None) -> None:
        self.base = [sys.executable, "-m", "bench.scale_worker"]
        self.common = ["--data", str(data), "--model-dir", str(model_dir)]
        if cache is not None:
            self.common += ["--cache", str(cache)]
        self.data = data

    def ingest(self, paths: Sequence[Path], mode: str) -> dict[str, Any]:
        listing = self.data.parent / "files.txt"
        listing.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
        return self._run(["ingest", *self.common, "--files", str(listing), "--mode", mode])

    def probe(self, questions: Path, port: int | None = None, warmup: int = 3) -> dict[str, Any]:
        server = ["--host", "127.0.0.1", "--port", str(port)] if port else []
        options = ["--questions", str(questions), "--warmup", str(warmup)]
        return self._run(["probe", *self.common, *options, *server])

    def wait(self, questions: Path, paths: Sequence[Path]) -> dict[str, Any]:
        listing = self.data.parent / "during.txt"
        listing.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
        return self._run(["wait", *self.common, "--questions", str(questions), "--files", str(listing)])

    def _run(self, args: list[str]) -> dict[str, Any]:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=7200, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"bench.scale_worker {args[0]} failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


@contextmanager
def chroma_server(path: Path, log_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """`chroma run` on `path` (127.0.0.1, a free port), stopped (this process only) on exit."""
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
            wait_until_answers(server, url, 300.0, name="chroma run", interval_s=0.3)
            yield port, server
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)


def _log(message: str) -> None:
    print(f"[bench-scale] {message}", file=sys.stderr, flush=True)
