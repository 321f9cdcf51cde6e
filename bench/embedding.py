"""The embedding model alone, and the cheap wins: batch size, longest-first sorting, torch threads.

Each configuration encodes the same passages; rounds are interleaved (A B C … A B C …) so a neighbour
process that slows the machine for a while hurts every configuration alike, and the median round
counts. A configuration only counts as a win if its vectors match the default's (min cosine), i.e.
retrieval cannot change.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.stats import median, percentile, ratio


@dataclass(frozen=True)
class Config:
    name: str
    batch_size: int = 16
    longest_first: bool = True
    threads: int | None = None  # None: as the project's embedder set it (vectorstore/e5.py)


CONFIGS = (
    Config("project default (batch 16, longest first)"),
    Config("batch 8", batch_size=8),
    Config("batch 32", batch_size=32),
    Config("batch 64", batch_size=64),
    Config("batch 16, text order", longest_first=False),
    Config("batch 16, 1 torch thread", threads=1),
    Config("batch 16, 2 torch threads", threads=2),
)


def encode(model: Any, texts: Sequence[str], config: Config) -> np.ndarray:
    """What E5Embedder._encode does, with the knobs exposed."""
    from vectorstore.e5_builder import PROMPTS

    order = (
        np.argsort([-len(t) for t in texts], kind="stable") if config.longest_first else np.arange(len(texts))
    )
    vectors = model.encode(
        [texts[i] for i in order],
        prompt=PROMPTS["passage"],
        batch_size=config.batch_size,
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    restored = np.empty_like(vectors)
    restored[order] = vectors
    return restored


def cheap_wins(
    model: Any, texts: Sequence[str], rounds: int = 2, configs: Sequence[Config] = CONFIGS
) -> list[dict[str, Any]]:
    """passages/s per configuration (median of `rounds`), its ratio to the first, and vector agreement."""
    import torch

    default_threads = torch.get_num_threads()
    rates: dict[str, list[float]] = {c.name: [] for c in configs}
    vectors: dict[str, np.ndarray] = {}
    try:
        for _ in range(rounds):
            for config in configs:
                torch.set_num_threads(config.threads or default_threads)
                started = time.perf_counter()
                vectors[config.name] = encode(model, texts, config)
                rates[config.name].append(len(texts) / (time.perf_counter() - started))
    finally:
        torch.set_num_threads(default_threads)
    base = configs[0].name
    base_rate = median(rates[base])
    return [
        {
            "config": c.name,
            "passages_per_s": round(median(rates[c.name]), 2),
            "vs_default": ratio(median(rates[c.name]), base_rate),
            "min_cosine_vs_default": round(float(np.min(np.sum(vectors[c.name] * vectors[base], axis=1))), 6),
            "threads": c.threads or default_threads,
        }
        for c in configs
    ]


def query_paths(embedder: Any, questions: Sequence[str], rounds: int = 2) -> dict[str, Any]:
    """Embedding one question: `encode()` (what E5Embedder did before) vs E5Embedder.embed_query's
    direct path, interleaved question by question in this process; the median of the paired ratios
    says how much the direct path saves whatever the neighbours do, min cosine that it changes nothing."""
    from vectorstore.e5 import _encode_one, _supports_direct
    from vectorstore.e5_builder import PROMPTS

    model = embedder._ensure_loaded()  # the loaded SentenceTransformer (no public accessor)
    if not _supports_direct(model):
        return {"direct": False}

    def via_encode(text: str) -> np.ndarray:
        return np.asarray(embedder._encode([text], PROMPTS["query"])[0])

    def direct(text: str) -> np.ndarray:
        return np.asarray(_encode_one(model, text, PROMPTS["query"]))

    times: dict[str, list[float]] = {"encode": [], "direct": []}
    cosines: list[float] = []
    for text in questions[:3]:  # warm-up
        via_encode(text), direct(text)
    for _ in range(rounds):
        for text in questions:
            vectors = []
            for name, path in (("encode", via_encode), ("direct", direct)):
                started = time.perf_counter()
                vectors.append(path(text))
                times[name].append((time.perf_counter() - started) * 1000)
            cosines.append(float(np.dot(vectors[0], vectors[1])))
    ratios = [d / e for d, e in zip(times["direct"], times["encode"], strict=True)]
    return {
        "direct": True,
        "questions": len(times["encode"]),
        "encode_p50_ms": round(median(times["encode"]), 2),
        "direct_p50_ms": round(median(times["direct"]), 2),
        "direct_vs_encode": round(median(ratios), 3),
        "min_cosine": round(min(cosines), 6),
    }


def onnx_vs_torch(onnx: Any, torch_model: Any, questions: Sequence[str], rounds: int = 2) -> dict[str, Any]:
    """Embedding one question on ONNX Runtime (OnnxE5Embedder.embed_query) vs the torch reference
    (E5Embedder.embed_query, its direct path), interleaved question by question in this process, both on
    their default single thread: medians, the median of the paired ratios (robust to the neighbours'
    load), and min cosine (the ONNX vectors must equal the reference's)."""
    times: dict[str, list[float]] = {"onnx": [], "torch": []}
    cosines: list[float] = []
    for text in questions[:3]:  # warm-up
        onnx.embed_query(text), torch_model.embed_query(text)
    for _ in range(rounds):
        for text in questions:
            vectors = []
            for name, model in (("onnx", onnx), ("torch", torch_model)):
                started = time.perf_counter()
                vectors.append(np.asarray(model.embed_query(text)))
                times[name].append((time.perf_counter() - started) * 1000)
            cosines.append(float(np.dot(vectors[0], vectors[1])))
    ratios = [o / t for o, t in zip(times["onnx"], times["torch"], strict=True)]
    return {
        "questions": len(times["onnx"]),
        "onnx_p50_ms": round(median(times["onnx"]), 2),
        "torch_p50_ms": round(median(times["torch"]), 2),
        "onnx_p95_ms": round(percentile(times["onnx"], 95), 2),
        "torch_p95_ms": round(percentile(times["torch"], 95), 2),
        "onnx_vs_torch": round(median(ratios), 3),
        "min_cosine": round(min(cosines), 6),
    }


def concurrent_questions(embedder: Any, questions: Sequence[str], clients: int = 16) -> dict[str, Any]:
    """`clients` threads embed `questions` at once through one embedder: questions/s, per-question
    latency, and how many batches the micro-batcher formed (ONNX) — the 16-HTTP-client case, model only."""
    import threading

    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        start.wait()
        for text in questions[k::clients]:
            began = time.perf_counter()
            embedder.embed_query(text)
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)

    before = getattr(embedder, "question_batches", (0, 0))
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    after = getattr(embedder, "question_batches", (0, 0))
    batches, items = after[0] - before[0], after[1] - before[1]
    return {
        "clients": clients,
        "questions": len(latencies),
        "questions_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "batches": batches,
        "mean_batch": round(items / batches, 2) if batches else None,
    }
