"""Cold start: a fresh process, from its start to its first answer (the model folder already built).

The parent (`measure`) spawns `python -m bench.cold [--naive] QUESTION` with its spawn time in the
environment; the child prints how long each start-up step took after that moment, as JSON:
interpreter (Python up, nothing imported), imports, model (load e5), store (open Chroma),
corpus (the assistant's snapshot: documents, chunks, keyword index), first_answer.
The naive child does the same with langchain_chroma over the naive collection.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.stats import median

T0_ENV = "BENCH_COLD_T0"
NAIVE_DIR_ENV = "BENCH_NAIVE_DIR"


def measure(question: str, runs: int, env: dict[str, str], naive_dir: Path | None = None) -> dict[str, Any]:
    """Median of each step over `runs` fresh processes (plus every run's figures)."""
    samples = []
    for _ in range(runs):
        child_env = {**os.environ, **env, T0_ENV: repr(time.time())}
        args = [sys.executable, "-m", "bench.cold", question]
        if naive_dir is not None:
            args.insert(3, "--naive")
            child_env[NAIVE_DIR_ENV] = str(naive_dir)
        started = time.perf_counter()
        done = subprocess.run(args, env=child_env, capture_output=True, text=True, timeout=600, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"cold-start child failed: {done.stderr[-2000:]}")
        marks = json.loads(done.stdout.strip().splitlines()[-1])
        samples.append({**marks, "process_exit_s": round(wall, 3)})
    keys = samples[0].keys()
    return {
        "median": {k: round(median([float(s[k]) for s in samples]), 3) for k in keys},
        "runs": samples,
    }


def _child(argv: list[str]) -> int:
    t0 = float(os.environ[T0_ENV])
    marks: dict[str, float] = {"interpreter_s": time.time() - t0}
    naive = argv[0] == "--naive"
    question = argv[-1]
    if naive:
        answer_chars = _naive_first_answer(question, t0, marks)
    else:
        answer_chars = _project_first_answer(question, t0, marks)
    print(json.dumps({**{k: round(v, 3) for k, v in marks.items()}, "answer_chars": answer_chars}))
    return 0


def _project_first_answer(question: str, t0: float, marks: dict[str, float]) -> int:
    from assistant.factory import build_assistant
    from settings import load_settings
    from vectorstore.factory import open_embedder, open_store

    marks["imports_s"] = time.time() - t0
    settings = load_settings()
    embedder = open_embedder(settings)
    warm_up(embedder)
    marks["model_s"] = time.time() - t0
    store = open_store(settings, embedder)
    marks["store_s"] = time.time() - t0
    assistant = build_assistant(settings, store)
    assistant.corpus()
    marks["corpus_s"] = time.time() - t0
    answer = assistant.ask(question)
    marks["first_answer_s"] = time.time() - t0
    return len(answer.answer)


def _naive_first_answer(question: str, t0: float, marks: dict[str, float]) -> int:
    from langchain_chroma import Chroma

    from bench.langchain_embeddings import LangChainEmbeddings
    from settings import load_settings
    from vectorstore.factory import open_embedder, persistent_client

    marks["imports_s"] = time.time() - t0
    embedder = open_embedder(load_settings())
    warm_up(embedder)
    marks["model_s"] = time.time() - t0
    client = persistent_client(Path(os.environ[NAIVE_DIR_ENV]))
    store = Chroma(
        collection_name="bench_naive", embedding_function=LangChainEmbeddings(embedder), client=client
    )
    marks["store_s"] = time.time() - t0
    marks["corpus_s"] = marks["store_s"]  # nothing to build: the naive pipeline has no snapshot
    hits = store.similarity_search(question, k=5)
    marks["first_answer_s"] = time.time() - t0
    return len(hits[0].page_content) if hits else 0


def warm_up(embedder: object) -> None:
    """Load the model now, as the app does at start-up (CachedEmbedder.load / E5Embedder.load)."""
    load = getattr(embedder, "load", None)
    if callable(load):
        load()


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
