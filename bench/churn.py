"""Does the store degrade with churn? File size and read times of a fresh store, then after N add/delete
cycles of a large speech, with the compaction of vectorstore/chroma_compact.py on and (the baseline, same
process, same cycles) off.

    python -m bench.churn [--cycles 50] [--reps 30] [--out bench/results]

Each cycle ingests one large speech (the five samples joined into one file: a few hundred passages)
through `Ingestor.ingest_bytes`, then deletes it (`Ingestor.delete`, which collects garbage): what an
administrator replacing and withdrawing documents does. The fake embedder stands in for the model: the
vectors have the model's size (384 floats), which is what the store keeps; embedding speed is not measured.
Read times: medians over `--reps` calls of `get_document` (the document route), `chunks_of` one speech and
`search` (top 5), on a store holding the six sample speeches.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.pipeline import Ingestor
from tests.fakes import SPEECHES, FakeEmbedder
from vectorstore.chroma import ChromaStore
from vectorstore.chroma_compact import CompactionPolicy
from vectorstore.factory import persistent_client

OFF = CompactionPolicy(min_dead=10**12, free_ratio=2.0)  # never due


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def median_ms(call: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return round(1000 * statistics.median(times), 3)


def reads(store: ChromaStore, reps: int) -> dict[str, float]:
    doc_id = next(iter(store.manifest().documents))
    return {
        "get_document_ms": median_ms(lambda: store.get_document(doc_id), reps),
        "chunks_of_ms": median_ms(lambda: store.chunks_of([doc_id]), reps),
        "search_ms": median_ms(lambda: store.search("两个保障是什么", 5), reps),
    }


def run(root: Path, policy: CompactionPolicy, cycles: int, reps: int, big: bytes) -> dict[str, Any]:
    store = ChromaStore(persistent_client(root), FakeEmbedder(), "churn", compaction=policy, owns_client=True)
    ingestor = Ingestor(store)
    ingestor.ingest_paths(sorted(SPEECHES.glob("*.txt")))
    fresh = {"bytes": size_of(root), **reads(store, reps)}
    samples = set(store.manifest().documents)
    started = time.perf_counter()
    for _ in range(cycles):
        for doc_id in ingestor.ingest_bytes(big, "big.txt").files[0].doc_ids:  # the file holds several
            assert doc_id not in samples
            ingestor.delete(doc_id)
    churn_s = time.perf_counter() - started
    after = {"bytes": size_of(root), **reads(store, reps)}
    assert set(store.manifest().documents) == samples
    store.close()
    ratios = {k: round(after[k] / fresh[k], 2) for k in fresh if fresh[k]}
    return {"fresh": fresh, "after": after, "ratio": ratios, "churn_s": round(churn_s, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    # a revised copy of the samples (a word changed throughout): new documents, none of the samples' ids
    big = "\n".join(
        p.read_text(encoding="utf-8").replace("教育", "教育工作") for p in sorted(SPEECHES.glob("*.txt"))
    ).encode()
    result: dict[str, Any] = {"cycles": args.cycles, "big_speech_chars": len(big.decode())}
    with tempfile.TemporaryDirectory(prefix="churn-") as tmp:
        for name, policy in (("compaction_on", CompactionPolicy()), ("compaction_off", OFF)):
            result[name] = run(Path(tmp) / name, policy, args.cycles, args.reps, big)
            print(name, json.dumps(result[name], ensure_ascii=False))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"churn-{stamp}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
