"""Does the store degrade with churn? File size and read times of a fresh store, then after N add/delete
cycles of a large speech, with the compaction of vectorstore/chroma_compact.py on and (the baseline, same
process, same cycles) off.

    python -m bench.churn [--cycles 50] [--reps 30] [--out bench/results]

Each cycle adds one large upload (the five samples, revised, in one file: three speeches, 121 passages) and
deletes it, through the store calls `Ingestor` makes (write each document, commit, commit its removal,
collect garbage); the upload is built once (jieba is not what is measured). The fake embedder stands in
for the model, memoised: the vectors have the model's size (384 floats), which is what the store keeps.
Read times: medians over `--reps` calls of `get_document` (the document route), `chunks_of` one speech and
`search` (top 5), on a store holding the six sample speeches.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.records import Chunk, Document, LoadedText
from core.store import DocumentInfo
from ingest.build import build_documents
from ingest.pipeline import Ingestor
from tests.fakes import SPEECHES, FakeEmbedder
from vectorstore.chroma import ChromaStore
from vectorstore.chroma_compact import CompactionPolicy
from vectorstore.factory import persistent_client

OFF = CompactionPolicy(min_dead=10**12, free_ratio=2.0)  # never due


class MemoEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.memo: dict[str, list[float]] = {}

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.memo.setdefault(t, self.vector(t)) for t in texts]


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


def run(
    root: Path, policy: CompactionPolicy, cycles: int, reps: int, big: list[tuple[Document, list[Chunk]]]
) -> dict[str, Any]:
    store = ChromaStore(persistent_client(root), MemoEmbedder(), "churn", compaction=policy, owns_client=True)
    Ingestor(store).ingest_paths(sorted(SPEECHES.glob("*.txt")))
    fresh = {"bytes": size_of(root), **reads(store, reps)}
    samples = set(store.manifest().documents)
    started = time.perf_counter()
    infos = [DocumentInfo(d.doc_id, ("big.txt",), d.title, d.speaker, d.date, len(c), "x") for d, c in big]
    assert not samples & {d.doc_id for d, _ in big}
    for _ in range(cycles):
        for doc, chunks in big:
            store.write_document(doc, chunks)
        store.commit(infos, [])
        store.commit([], [i.doc_id for i in infos])
        store.collect_garbage()
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
    text = "\n".join(
        p.read_text(encoding="utf-8").replace("教育", "教育工作") for p in sorted(SPEECHES.glob("*.txt"))
    )
    big = build_documents(LoadedText("big.txt", text))
    result: dict[str, Any] = {"cycles": args.cycles, "upload_passages": sum(len(c) for _, c in big)}
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
