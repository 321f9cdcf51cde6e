"""One step of the scale benchmark in a process of its own (so RSS and start-up are its own).

    python -m bench.scale_worker ingest --data D --collection C --model-dir M --files LIST --mode ingestor|bulk
    python -m bench.scale_worker probe  --data D --collection C --model-dir M --questions Q.jsonl [--host H --port P]
    python -m bench.scale_worker wait   --data D --collection C --model-dir M --questions Q.jsonl --files LIST

Prints one JSON object on its last stdout line.

`--mode bulk` is the bench's faster write path for the 1,000× index (bench/bulk.py says how it
differs); `--mode ingestor` (and the "one more file" figure) use the project's `Ingestor`.
`probe` and `wait` answer with the app's embedder (ONNX Runtime; `--backend torch` for the reference): `wait`
ingests each listed file through `Ingestor`, wired to the assistant as app.py wires it, while 2 threads ask
(bench/asking.py): the longest wait an ingest caused a question, and the RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import bulk
from bench.speed import Breakdown, profile_project
from bench.stats import memory_mb


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_worker")
    parser.add_argument("command", choices=["ingest", "probe", "wait"])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--collection", default="scale")
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--cache", type=Path, help="embedding cache file (default: DATA/embed-cache.sqlite)")
    parser.add_argument("--files", type=Path, help="ingest: a text file listing the paths, one a line")
    parser.add_argument("--mode", choices=["ingestor", "bulk"], default="ingestor")
    parser.add_argument("--questions", type=Path, help="probe: JSONL questions")
    parser.add_argument("--budget-s", type=float, default=180.0, help="probe: stop timing after this (≥ 20)")
    parser.add_argument("--cap-s", type=float, default=200.0, help="probe: stop timing after this, any count")
    parser.add_argument("--warmup", type=int, default=3, help="probe: untimed answers first (0: none)")
    parser.add_argument(
        "--backend", choices=["onnx", "torch"], default="onnx", help="probe/wait: question embedder"
    )
    parser.add_argument("--askers", type=int, default=2, help="wait: asking threads")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int, default=8000)
    return parser.parse_args(argv)


def ingest_targets() -> list[tuple[object, str, str]]:
    import ingest.build
    from vectorstore.chroma import ChromaStore
    from vectorstore.e5 import E5Embedder
    from vectorstore.embed_cache import CachedEmbedder

    return [
        (ingest.build, "build_documents", "build (clean, split, chunk, tokenize)"),
        (ChromaStore, "write_document", "write_document (embed + upsert)"),
        (CachedEmbedder, "embed_passages", "embed (cache + model)"),
        (E5Embedder, "embed_passages", "embed.model"),
        (ChromaStore, "commit", "commit (manifest)"),
        (ChromaStore, "manifest", "store.manifest"),
        (ChromaStore, "collect_garbage", "collect_garbage"),
    ]


def run_ingest(args: argparse.Namespace) -> dict[str, Any]:
    from core.tokens import tokenize
    from ingest.pipeline import Ingestor
    from settings import Settings
    from vectorstore.e5 import E5Embedder
    from vectorstore.embed_cache import CachedEmbedder
    from vectorstore.factory import open_store

    paths = [Path(p) for p in args.files.read_text(encoding="utf-8").splitlines() if p.strip()]
    settings = Settings(data_dir=args.data, collection=args.collection)
    embedder = CachedEmbedder(E5Embedder(args.model_dir), args.cache or args.data / "embed-cache.sqlite")
    embedder.load()  # model load and jieba's dictionary are start-up, not ingest
    tokenize("预热")
    store = open_store(settings, embedder)
    breakdown = Breakdown()
    started = time.perf_counter()
    with breakdown.wrapping(ingest_targets()):
        if args.mode == "bulk":
            docs, chunks = breakdown.measure_call(lambda: bulk.write(store, settings, embedder, paths))
        else:
            ingestor = Ingestor(store, lock_path=args.data / "ingest.lock")
            report = breakdown.measure_call(lambda: ingestor.ingest_paths(paths))
            if report.failed:
                raise RuntimeError(f"ingest failed: {[f.error for f in report.failed][:3]}")
            docs, chunks = report.total("docs"), report.total("chunks_added")
    seconds = time.perf_counter() - started
    return {
        "mode": args.mode,
        "files": len(paths),
        "docs": docs,
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "embedded": embedder.misses,
        "cache_hits": embedder.hits,
        "steps_s": {k: round(v / 1000, 2) for k, v in breakdown.rows[-1].items()},
        **memory_mb(),
    }


def question_embedder(args: argparse.Namespace) -> Any:
    """The app's question embedder (ONNX Runtime unless `--backend torch`), loaded."""
    from vectorstore.e5 import E5Embedder
    from vectorstore.e5_onnx import OnnxE5Embedder

    embedder = (
        OnnxE5Embedder(args.model_dir, build=False)
        if args.backend == "onnx"
        else E5Embedder(args.model_dir, build=False)
    )
    embedder.load()
    return embedder


def open_assistant(args: argparse.Namespace, embedder: Any) -> tuple[Any, Any]:
    from assistant.service import PolicyAssistant
    from settings import Settings
    from vectorstore.factory import open_store

    settings = Settings(
        data_dir=args.data, collection=args.collection, chroma_host=args.host, chroma_port=args.port
    )
    store = open_store(settings, embedder)
    return store, PolicyAssistant(store)


def read_questions(args: argparse.Namespace) -> list[str]:
    return [json.loads(line)["question"] for line in args.questions.read_text("utf-8").splitlines() if line]


def run_probe(args: argparse.Namespace) -> dict[str, Any]:
    questions = read_questions(args)
    embedder = question_embedder(args)
    loaded = memory_mb()
    started = time.perf_counter()
    _, assistant = open_assistant(args, embedder)
    corpus = assistant.corpus()  # the snapshot: documents, chunks, keyword index (start-up cost)
    snapshot_s = time.perf_counter() - started
    after_snapshot = memory_mb()
    warm_components(embedder)
    profile = profile_project(
        assistant, questions, budget_s=args.budget_s, cap_s=args.cap_s, warmup=args.warmup
    )
    return {
        "docs": len(corpus.documents),
        "chunks": len(corpus.chunks),
        "backend": args.backend,
        "snapshot_s": round(snapshot_s, 2),
        "model_rss_mb": loaded.get("rss_mb"),
        "rss_mb": after_snapshot.get("rss_mb"),
        "snapshot_rss_mb": round(after_snapshot.get("rss_mb", 0) - loaded.get("rss_mb", 0), 1),
        "peak_rss_mb": memory_mb().get("peak_rss_mb"),
        "torch_threads": _torch_threads(),
        **profile,
    }


def run_wait(args: argparse.Namespace) -> dict[str, Any]:
    """Ingest each listed file while questions are asked (the app's wiring: the writer prepares the
    snapshot, askers keep the current one): how long an ingest made a question wait."""
    import functools

    from bench.asking import asking_while
    from ingest.pipeline import Ingestor

    questions = read_questions(args)
    embedder = question_embedder(args)
    store, assistant = open_assistant(args, embedder)
    assistant.corpus()
    warm_components(embedder)
    for question in questions[:3]:
        assistant.ask(question)
    ingestor = Ingestor(store, lock_path=args.data / "ingest.lock")
    ingestor.on_commit, ingestor.before_commit = assistant.refresh, assistant.expect_refresh
    paths = [Path(p) for p in args.files.read_text(encoding="utf-8").splitlines() if p.strip()]
    changes = [functools.partial(ingestor.ingest_paths, [path]) for path in paths]
    result = asking_while(assistant.ask, questions, args.askers, changes)
    return {"backend": args.backend, "askers": args.askers, **result, **memory_mb()}


def warm_components(embedder: Any) -> None:
    """What a first answer loads besides the index: the model's first pass, jieba's dictionary and its
    part-of-speech tagger (so a probe without warm-up answers still times warm answers)."""
    from assistant.topic import topic_terms
    from core.tokens import tokenize_query

    embedder.embed_query("两个保障是什么？")
    tokenize_query("两个保障是什么？")
    topic_terms("两个保障是什么？")


def _torch_threads() -> int | None:
    torch = sys.modules.get("torch")  # not imported on the ONNX question path: nothing to report
    return int(torch.get_num_threads()) if torch is not None else None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    commands = {"ingest": run_ingest, "probe": run_probe, "wait": run_wait}
    result = commands[args.command](args)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    if "unfinished" in result:  # an answer still runs in a daemon thread: leave without waiting for it
        sys.stderr.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
