"""The manifest's commit and collection rules (vectorstore/ledger.py), on the in-memory table and,
for the shared semantics, on both stores: MemoryStore and a real embedded ChromaStore."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from core.store import DocumentInfo, Manifest
from tests.fakes import FakeEmbedder, MemoryEntries, MemoryStore
from tests.unit.test_store import info_for, make_doc
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client
from vectorstore.ledger import Entry, Head, Ledger


def _info(i: int, source: str = "") -> DocumentInfo:
    return DocumentInfo(f"d{i:04d}", (source or f"f{i}.txt",), "讲话", "张三", "2024-01-01", 3, "2024-01-01")


class CountingEntries(MemoryEntries):
    """Counts entry writes; `fail_head` makes the next commit die before its head moves (a crash)."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.fail_head = False

    def put(self, entries: Sequence[Entry]) -> None:
        self.written += len(entries)
        super().put(entries)

    def set_head(self, head: Head) -> None:
        if self.fail_head:
            raise RuntimeError("killed before the head moved")
        super().set_head(head)


def test_a_commit_writes_what_it_changes_not_the_corpus() -> None:
    table = CountingEntries()
    ledger = Ledger(table)
    ledger.commit([_info(i) for i in range(200)], [], None)
    table.written = 0
    ledger.commit([_info(500)], [], None)  # one new speech
    assert table.written == 1
    ledger.commit([_info(500, "g.txt")], ["d0007"], None)  # one re-sourced, one removed
    assert table.written == 1 + 3  # the new entry, and the two it retires
    assert len(ledger.manifest().documents) == 200


def test_a_reader_sees_a_commit_only_when_its_head_moves_and_a_crash_is_undone() -> None:
    table = CountingEntries()
    writer = Ledger(table)
    writer.commit([_info(1), _info(2)], [], None)
    reader = Ledger(table)
    before = reader.manifest()
    table.fail_head = True
    with pytest.raises(RuntimeError):
        writer.commit([_info(3)], ["d0001"], None)  # entries written, head not moved
    assert Ledger(table).manifest() == before  # a fresh reader too
    assert reader.manifest() == before
    table.fail_head = False
    after = writer.commit([_info(4)], [], None)  # repairs first: d0003 gone, d0001 active again
    assert list(after.documents) == ["d0001", "d0002", "d0004"]
    assert Ledger(table).manifest().documents == after.documents


def test_an_incremental_reader_stays_right_when_collection_ran_between_its_reads() -> None:
    table = MemoryEntries()
    writer, reader = Ledger(table), Ledger(table)
    writer.commit([_info(i) for i in range(5)], [], None)
    assert len(reader.manifest().documents) == 5
    writer.commit([], ["d0002"], None)
    writer.commit([_info(9)], [], None)
    assert writer.collect() == 1  # d0002's retired entry: the reader never saw its removal
    assert reader.manifest() == writer.manifest()
    assert "d0002" not in reader.manifest().documents


def test_generation_moves_only_on_real_changes() -> None:
    ledger = Ledger(MemoryEntries())
    assert ledger.generation() == "" and ledger.manifest() == Manifest("")
    first = ledger.commit([_info(1)], [], None)
    assert ledger.commit([_info(1)], [], None).generation == first.generation == ledger.generation()
    assert ledger.commit([], ["nope"], None).generation == first.generation
    assert ledger.commit([], ["d0001"], None).generation != first.generation


def test_a_store_of_the_one_record_layout_reads_as_is_and_migrates_on_its_first_commit() -> None:
    table = MemoryEntries()
    old = {i.doc_id: i for i in (_info(1), _info(2))}
    table.old = Manifest("g-old", old)
    ledger = Ledger(table)
    assert ledger.manifest() == Manifest("g-old", old) and ledger.generation() == "g-old"
    assert ledger.commit([_info(1)], [], None).generation == "g-old"  # nothing changed: nothing written
    new = ledger.commit([_info(3)], ["d0001"], None)
    assert list(new.documents) == ["d0002", "d0003"] and table.top is not None
    assert Ledger(table).manifest() == new
    ledger.collect()
    assert table.old is None and Ledger(table).manifest() == new


# --- the same semantics on both stores --------------------------------------------------------


@pytest.fixture(params=["memory", "chroma"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryStore | ChromaStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    chroma = ChromaStore(persistent_client(tmp_path / "chroma"), FakeEmbedder(), "ledger", owns_client=True)
    yield chroma
    chroma.close()


def test_both_stores_commit_refuse_and_collect_alike(store: MemoryStore | ChromaStore) -> None:
    (a, chunks_a), (b, chunks_b), (c, chunks_c) = (
        make_doc(t) for t in ("两个保障是经费保障和教师保障。", "三个关键。", "废稿")
    )
    for doc, chunks in ((a, chunks_a), (b, chunks_b), (c, chunks_c)):
        store.write_document(doc, chunks)
    with pytest.raises(ValueError, match="never fully written"):
        store.commit([info_for(*make_doc("未写入的讲话"))], [])
    with pytest.raises(ValueError, match="both added and removed"):
        store.commit([info_for(a, chunks_a)], [a.doc_id])
    first = store.commit([info_for(a, chunks_a), info_for(b, chunks_b)], [])
    second = store.commit([info_for(b, chunks_b, source="b.txt")], [a.doc_id])
    assert list(second.documents) == [b.doc_id] and second.generation != first.generation
    assert second.documents[b.doc_id].sources == ("b.txt",)
    assert store.manifest() == second
    assert store.collect_garbage() == len(chunks_a) + len(chunks_c)
    assert not store.has_document(a.doc_id) and not store.has_document(c.doc_id)
    assert [ch.chunk_id for ch in store.chunks_of()] == [ch.chunk_id for ch in chunks_b]
    assert store.manifest() == second  # collection changes no active document
