"""The store does not degrade with churn (vectorstore/chroma_compact.py): after add/delete cycles its files
stay within 2× of the fresh store's, where without compaction they do not. Sizes only (deterministic
enough); times are measured by bench/churn.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeEmbedder
from tests.unit.test_store import info_for, make_doc
from vectorstore.chroma import ChromaStore
from vectorstore.chroma_compact import LOG_BOUND, RECORD_LOG_BOUND, CompactionPolicy
from vectorstore.factory import persistent_client

CYCLES = 10
KEEP = "两个保障是经费保障和教师保障。" * 20


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def churned(root: Path, policy: CompactionPolicy) -> tuple[int, int]:
    """(fresh size, size after CYCLES cycles that add and delete a 100-passage speech)."""
    store = ChromaStore(persistent_client(root), FakeEmbedder(), "churn", compaction=policy, owns_client=True)
    kept = make_doc(KEEP, size=12)
    store.write_document(*kept)
    store.commit([info_for(*kept)], [])
    fresh = size_of(root)
    for cycle in range(CYCLES):
        doc, chunks = make_doc(f"第{cycle}稿。" + "职业教育产教融合，校企合作育人。" * 75, size=12)
        store.write_document(doc, chunks)
        store.commit([info_for(doc, chunks, source="big.txt")], [])
        store.commit([], [doc.doc_id])
        store.collect_garbage()
    assert [c.chunk_id for c in store.chunks_of()] == [c.chunk_id for c in kept[1]]
    assert [h.chunk.doc_id for h in store.search("两个保障", 3)] == [kept[0].doc_id] * 3
    store.close()
    return fresh, size_of(root)


@pytest.mark.parametrize("compact", [True, False])
def test_files_stay_within_twice_the_fresh_store_after_churn(tmp_path: Path, compact: bool) -> None:
    policy = CompactionPolicy(min_dead=200) if compact else CompactionPolicy(min_dead=10**9, free_ratio=2.0)
    fresh, after = churned(tmp_path / "chroma", policy)
    assert (after <= 2 * fresh) is compact, (fresh, after)


def test_docs_and_state_persist_their_log_every_few_writes_older_stores_included(tmp_path: Path) -> None:
    """Each write costs time in proportion to the collection's unpersisted log, inside a call that holds
    the GIL (bench/snapshot_wait.py): the docs and state collections, which hold whole speech texts and
    ledger entries behind placeholder vectors, persist it every RECORD_LOG_BOUND writes; a store made
    before gets that bound at its next garbage collection."""
    client = persistent_client(tmp_path / "chroma")
    for name in ("old_docs", "old_state"):  # as an older version made them
        bounded: Any = {"hnsw": dict(LOG_BOUND)}
        client.get_or_create_collection(name, configuration=bounded, embedding_function=None)
    older = ChromaStore(client, FakeEmbedder(), "old")
    fresh = ChromaStore(client, FakeEmbedder(), "new")

    def bounds(prefix: str) -> list[object]:
        names = [f"{prefix}_chunks", f"{prefix}_docs", f"{prefix}_state"]
        return [
            dict(client.get_collection(n).configuration.get("hnsw") or {})["sync_threshold"] for n in names
        ]

    small, large = RECORD_LOG_BOUND["sync_threshold"], LOG_BOUND["sync_threshold"]
    assert bounds("new") == [large, small, small]
    assert bounds("old") == [large, large, large]
    older.write_document(*make_doc(KEEP, size=12))
    older.collect_garbage()
    assert bounds("old") == [large, small, small]
    fresh.close()
    older.close()
