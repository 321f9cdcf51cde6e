"""`make bench`: quality of the project and the naive pipelines, then speed, in one process and one run.

One model instance serves everything (the project's store, the naive pipeline, the ingest and embedding
measurements), so every system sees the same machine state; baselines are measured in the same run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from bench import cold, embedding, http_load, ingest_stages, quality, speed, startup
from bench.naive import NaivePipeline
from bench.stats import latency_summary, ratio


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def sample_index(settings: Any, embedder: Any) -> Any:
    """The samples in the eval's collection (what eval/index.py builds), opened with `embedder`."""
    from bench.paths import SAMPLE_COLLECTION, SAMPLES
    from ingest.pipeline import Ingestor
    from vectorstore.factory import open_store

    scoped = settings.model_copy(update={"collection": SAMPLE_COLLECTION, "chroma_host": None})
    store = open_store(scoped, embedder)
    report = Ingestor(store, lock_path=scoped.data_dir / f"{SAMPLE_COLLECTION}.lock").ingest_paths([SAMPLES])
    if report.failed:
        raise RuntimeError(f"could not index the samples: {report.to_dict()['totals']}")
    return store


def run_suite(args: argparse.Namespace, tmp: Path, questions: list[dict[str, Any]]) -> dict[str, Any]:
    from assistant.service import PolicyAssistant
    from bench.langchain_embeddings import LangChainEmbeddings
    from bench.paths import SAMPLE_COLLECTION, SAMPLES
    from settings import load_settings
    from vectorstore.e5 import E5Embedder
    from vectorstore.factory import open_embedder, persistent_client

    settings = load_settings()
    embedder: Any = open_embedder(settings)
    embedder.load()
    log("indexing / opening the samples")
    assistant = PolicyAssistant(sample_index(settings, embedder))
    naive_dir = settings.data_dir / "bench" / "naive-chroma"
    shutil.rmtree(naive_dir, ignore_errors=True)  # rebuilt each run: vectors come from the cache
    paths = sorted(p for p in SAMPLES.iterdir() if p.is_file())
    naive = NaivePipeline.build(paths, LangChainEmbeddings(embedder), persistent_client(naive_dir))

    log(f"quality: {len(questions)} questions × 3 systems")
    results: dict[str, Any] = {
        "quality": {
            "project": quality.score_project(assistant, questions),
            "naive_dense": quality.score_pipeline(naive.dense, questions),
            "naive_hybrid": quality.score_pipeline(naive.hybrid, questions),
        },
        "naive_chunks": len(naive.chunks),
    }

    texts = speed.cycle([q["question"] for q in questions], args.warm)
    log(f"warm latency: {len(texts)} answers per system")
    profile = speed.profile_project(assistant, texts)
    warm = {
        "project": profile["latency"],
        "naive_dense": latency_summary(speed.warm_latency(lambda q: naive.dense(q, 5), texts)),
        "naive_hybrid": latency_summary(speed.warm_latency(lambda q: naive.hybrid(q, 5), texts)),
    }
    warm["project"]["p50_vs_naive_dense"] = ratio(warm["project"]["p50_ms"], warm["naive_dense"]["p50_ms"])
    log("embedding the question inside each system, interleaved")
    embed_context = speed.embed_in_context(
        {"project": assistant.ask, "naive_dense": lambda q: naive.dense(q, 5)},
        [q["question"] for q in questions],
    )

    log(f"cold start: {args.cold_runs} fresh processes per system")
    env = {"POLICY_QA_COLLECTION": SAMPLE_COLLECTION, "POLICY_QA_CHROMA_HOST": ""}
    first = questions[0]["question"]
    cold_start = {
        "project": cold.measure(first, args.cold_runs, env),
        "naive_dense": cold.measure(first, args.cold_runs, env, naive_dir=naive_dir),
    }

    log(f"start-up: {args.cold_runs} × CLI question, import time, app ready")
    starts = {
        "cli": startup.cli_cold(first, args.cold_runs, env),
        "imports": startup.import_time(first, args.cold_runs, env),
        "app": startup.app_ready(first, args.cold_runs, env),
    }
    log("16 concurrent HTTP clients against a fresh app")
    load = http_load.http_throughput([q["question"] for q in questions], env)

    log("ingest: stages and end to end (empty store, empty cache)")
    inner = embedder.inner  # the bare model (the configured backend): ingest figures must not hit the cache
    stages = ingest_stages.stages(paths, inner, tmp / "stages")
    e2e = ingest_stages.end_to_end(paths, inner, tmp / "e2e")

    reference = E5Embedder.from_settings(settings)  # the torch reference, for the comparisons below
    log("embedding cheap wins (torch reference)")
    chunk_texts = _passage_texts(assistant)
    wins = embedding.cheap_wins(
        reference._ensure_loaded(),  # the loaded SentenceTransformer (no public accessor)
        chunk_texts[:: max(1, len(chunk_texts) // args.win_passages)][: args.win_passages],
        rounds=args.rounds,
    )
    log("embedding a question: encode() vs the direct path (torch)")
    asked = [q["question"] for q in questions]
    query_embedding = embedding.query_paths(reference, asked)
    log("embedding a question: ONNX Runtime vs torch, interleaved")
    backends = embedding.onnx_vs_torch(inner, reference, asked) if _is_onnx(inner) else {}
    log("16 concurrent question embeddings per backend")
    concurrent = {"torch": embedding.concurrent_questions(reference, asked)}
    if _is_onnx(inner):
        concurrent["onnx"] = embedding.concurrent_questions(inner, asked)
    results["speed"] = {
        "warm": warm,
        "breakdown": profile["breakdown"],
        "cold": cold_start,
        "ingest": {
            "stages": stages,
            "end_to_end": e2e,
            "fraction_of_model": ratio(e2e["chunks_per_s"], stages["model_passages_per_s"]),
        },
        "cheap_wins": wins,
        "query_embedding": query_embedding,
        "embed_in_context": embed_context,
        "startup": starts,
        "http_load": load,
        "embed_backend": getattr(inner, "backend", type(inner).__name__),
        "onnx_vs_torch": backends,
        "concurrent_embedding": concurrent,
    }
    return results


def _passage_texts(assistant: Any) -> list[str]:
    from vectorstore.codec import passage_text

    corpus = assistant.corpus()
    return [passage_text(c) for c in sorted(corpus.chunks.values(), key=lambda c: (c.doc_id, c.position))]


def _is_onnx(embedder: Any) -> bool:
    return getattr(embedder, "backend", "") == "onnx"
