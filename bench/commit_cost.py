"""The cost of one commit (one speech added) as the corpus grows: the manifest as per-document entries
(vectorstore/ledger.py) against the one-record manifest it replaced (rewritten whole, packed), same
process, same embedded Chroma, interleaved rounds.

    python -m bench.commit_cost [--sizes 100,1000,3000] [--rounds 15]

Only the manifest's writes are timed (the chunks of the speech are the same in both designs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from core.store import DocumentInfo
from vectorstore import codec
from vectorstore.chroma_ledger import ChromaEntries
from vectorstore.factory import persistent_client
from vectorstore.ledger import Ledger


def info(i: int) -> DocumentInfo:
    return DocumentInfo(
        f"d{i:016x}", (f"synth_{i:06d}.txt",), "在全市教育工作会议上的讲话", "张三", "2023-04-28", 19,
        "2026-12-02T10:00:00+00:00", 4000 + i,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,3000")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="commit-") as tmp:
        client = persistent_client(Path(tmp))
        for size in (int(s) for s in args.sizes.split(",")):
            entries = client.create_collection(f"entries{size}", embedding_function=None)
            record = client.create_collection(f"record{size}", embedding_function=None)
            ledger = Ledger(ChromaEntries(entries, client.get_max_batch_size()))
            documents = {i.doc_id: i for i in map(info, range(size))}
            ledger.commit(documents.values(), [])
            ledger_s, record_s = [], []
            for n in range(args.rounds):
                added = info(10**6 + size * 100 + n)
                started = time.perf_counter()
                ledger.commit([added], [])
                ledger_s.append(time.perf_counter() - started)
                documents[added.doc_id] = added
                started = time.perf_counter()
                record.upsert(
                    ids=["manifest"],
                    embeddings=np.ones((1, 1), dtype=np.float32),
                    documents=[codec.manifest_to_record(documents)],
                    metadatas=[{"generation": str(n), "documents": len(documents)}],
                )
                record_s.append(time.perf_counter() - started)
            row = {
                "documents": size,
                "entries_ms": round(1000 * statistics.median(ledger_s), 2),
                "one_record_ms": round(1000 * statistics.median(record_s), 2),
            }
            row["ratio"] = round(row["entries_ms"] / row["one_record_ms"], 2)
            rows.append(row)
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
