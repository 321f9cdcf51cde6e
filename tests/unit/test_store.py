"""ChromaStore on a real embedded Chroma in tmp_path, with the deterministic fake embedder."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from chromadb.api.models.Collection import Collection

from core.records import Chunk, Document, Formulation, FormulationItem, Section
from core.store import DocumentInfo, Known
from errors import DocumentNotFoundError, StoreUnavailableError
from settings import Settings
from tests.fakes import FailingEmbedder, FakeEmbedder
from vectorstore import codec
from vectorstore.chroma import ChromaStore, collection_names
from vectorstore.factory import open_store, persistent_client, reopen_persistent


def make_doc(
    text: str, *, title: str = "在全市教育工作会议上的讲话", size: int = 12
) -> tuple[Document, list[Chunk]]:
    doc_id = "d" + hashlib.sha256(text.encode()).hexdigest()[:16]
    sections = (Section("s1", 1, "一、", "强化“两个保障”", 0, 8, len(text)),)
    item = FormulationItem("经费保障", text[:4], 0, 4, "s1")
    formulation = Formulation("两个保障", 2, (item,), "s1", 0, len(text))
    doc = Document(doc_id, "a.txt", text, title, "张三", "2023-04-28", "会议", 0, sections, (formulation,))
    chunks = []
    for position, start in enumerate(range(0, len(text), size)):
        end = min(start + size, len(text))
        chunk_id = hashlib.sha256(f"{doc_id}|{position}|{text[start:end]}".encode()).hexdigest()[:20]
        chunks.append(
            Chunk(chunk_id, doc_id, text[start:end], start, end, position, "s1", "一、强化“两个保障”",
                  metadata={"title": title})
        )  # fmt: skip
    return doc, chunks


def info_for(doc: Document, chunks: Sequence[Chunk], source: str = "a.txt") -> DocumentInfo:
    return DocumentInfo(
        doc.doc_id, (source,), doc.title, doc.speaker, doc.date, len(chunks), "2025-01-01T00:00:00"
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ChromaStore]:
    store = ChromaStore(persistent_client(tmp_path / "chroma"), FakeEmbedder(), "test", owns_client=True)
    yield store
    store.close()


TEXT_A = "经费保障是基础。全市教育经费实现两个只增不减。师资保障是关键。新增中小学编制一千二百个。"
TEXT_B = "职业教育要产教融合。建设三所高水平职业学校。推动校企合作育人，培养技能人才。"


def test_write_commit_and_read_back(store: ChromaStore) -> None:
    doc, chunks = make_doc(TEXT_A)
    assert store.generation() == ""
    store.write_document(doc, chunks)
    manifest = store.commit(add=[info_for(doc, chunks)], remove=[])
    assert manifest.generation and store.generation() == manifest.generation
    assert store.manifest().documents == {doc.doc_id: info_for(doc, chunks)}
    assert store.get_document(doc.doc_id) == doc  # sections and formulations survive the JSON round trip
    sourced = dataclasses.replace(doc, publisher="白沙市教育局", published="2025-05-06")
    meta = codec.document_metadata(sourced, len(chunks))
    assert codec.document_from_record(sourced.text, meta) == sourced  # so do the page's source and date
    got = store.chunks_of()
    assert got == chunks
    assert got[0].metadata == {"title": doc.title}


def test_uncommitted_document_is_invisible_then_collected(store: ChromaStore) -> None:
    doc, chunks = make_doc(TEXT_A)
    store.write_document(doc, chunks)
    assert store.has_document(doc.doc_id)
    assert store.search("经费保障", k=10) == []
    assert store.chunks_of([doc.doc_id]) == []
    with pytest.raises(DocumentNotFoundError):
        store.get_document(doc.doc_id)
    assert store.collect_garbage() == len(chunks)
    assert not store.has_document(doc.doc_id)
    assert store.count_chunks() == 0


def test_crash_mid_write_leaves_orphans_that_search_ignores_and_gc_removes(tmp_path: Path) -> None:
    old, old_chunks = make_doc(TEXT_A)
    client = persistent_client(tmp_path / "chroma")
    ChromaStore(client, FakeEmbedder(), "test").write_document(old, old_chunks)
    store = ChromaStore(client, FailingEmbedder(fail_on=2), "test", batch_size=3)
    store.commit(add=[info_for(old, old_chunks)], remove=[])
    new, new_chunks = make_doc(TEXT_B)
    with pytest.raises(RuntimeError):
        store.write_document(new, new_chunks)  # first batch of 3 chunks is written, then it "crashes"
    assert store.count_chunks() == len(old_chunks) + 3
    assert not store.has_document(new.doc_id)
    hits = store.search(TEXT_B, k=50)
    assert hits and {h.chunk.doc_id for h in hits} == {old.doc_id}
    assert store.collect_garbage() == 3
    assert store.count_chunks() == len(old_chunks)
    assert store.chunks_of() == old_chunks


def test_generation_changes_only_on_real_changes(store: ChromaStore) -> None:
    doc, chunks = make_doc(TEXT_A)
    store.write_document(doc, chunks)
    first = store.commit(add=[info_for(doc, chunks)], remove=[]).generation
    assert store.commit(add=[info_for(doc, chunks)], remove=[]).generation == first
    renamed = info_for(doc, chunks, source="b.txt")
    second = store.commit(add=[renamed], remove=[]).generation
    assert second != first and store.manifest().documents[doc.doc_id].sources == ("b.txt",)
    assert store.commit(add=[], remove=[doc.doc_id]).generation not in {first, second}
    assert store.manifest().documents == {}


def test_commit_refuses_documents_never_written(store: ChromaStore) -> None:
    doc, chunks = make_doc(TEXT_A)
    with pytest.raises(ValueError, match="never fully written"):
        store.commit(add=[info_for(doc, chunks)], remove=[])
    assert store.generation() == ""


def test_search_scores_filters_and_ranks(store: ChromaStore) -> None:
    built = [make_doc(TEXT_A), make_doc(TEXT_B)]
    for doc, chunks in built:
        store.write_document(doc, chunks)
    store.commit(add=[info_for(d, c) for d, c in built], remove=[])
    (_, chunks_a), (doc_b, _) = built
    hits = store.search(chunks_a[1].text, k=3)
    assert len(hits) == 3
    assert hits[0].chunk == chunks_a[1]
    assert hits[0].score == pytest.approx(max(h.score for h in hits))
    assert -1.0 <= hits[-1].score <= hits[0].score <= 1.0 + 1e-6
    only_b = store.search(chunks_a[1].text, k=50, doc_ids=[doc_b.doc_id])
    assert only_b and {h.chunk.doc_id for h in only_b} == {doc_b.doc_id}
    assert store.search("任何问题", k=5, doc_ids=["d-unknown"]) == []
    assert store.search("任何问题", k=0) == []


def test_rewrite_of_same_document_drops_chunks_of_the_old_chunking(store: ChromaStore) -> None:
    doc, fine = make_doc(TEXT_A, size=8)
    _, coarse = make_doc(TEXT_A, size=20)
    store.write_document(doc, fine)
    store.write_document(doc, coarse)
    store.commit(add=[info_for(doc, coarse)], remove=[])
    assert store.chunks_of() == coarse
    assert store.count_chunks() == len(coarse)


def test_chunk_without_section_and_with_empty_store_round_trip(store: ChromaStore) -> None:
    doc, chunks = make_doc(TEXT_B)
    bare = [Chunk(c.chunk_id, c.doc_id, c.text, c.start, c.end, c.position) for c in chunks]
    store.write_document(doc, bare)
    store.commit(add=[info_for(doc, bare)], remove=[])
    got = store.chunks_of([doc.doc_id, "d-unknown"])
    assert got == bare and got[0].section_id is None and got[0].metadata == {}


def test_collection_prefix_is_validated() -> None:
    assert collection_names("policy_qa") == ("policy_qa_chunks", "policy_qa_docs", "policy_qa_state")
    for bad in ("", "-x", "has space", "x" * 600):
        with pytest.raises(ValueError):
            collection_names(bad)


def test_unreachable_server_is_a_domain_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=9)  # discard port: closed
    with pytest.raises(StoreUnavailableError):
        open_store(settings, FakeEmbedder())


def test_search_finds_active_hits_when_garbage_fills_the_nearest_results(store: ChromaStore) -> None:
    # An uncommitted rewrite whose 40 chunks all nearly repeat the question: the unfiltered nearest
    # results are garbage, so the store must fall back to filtering on the active documents.
    # (Distinct texts: Chroma's HNSW, filtered, misses records among many identical vectors.)
    garbage, garbage_chunks = make_doc("".join(f"经费保障是基础{i}。" for i in range(40)), size=9)
    active, active_chunks = make_doc(TEXT_B)
    store.write_document(active, active_chunks)
    store.commit(add=[info_for(active, active_chunks)], remove=[])
    store.write_document(garbage, garbage_chunks)
    hits = store.search("经费保障是基础。", k=3)
    assert len(hits) == 3 and {h.chunk.doc_id for h in hits} == {active.doc_id}


def test_get_documents_reads_active_documents_in_order(store: ChromaStore) -> None:
    built = [make_doc(TEXT_A), make_doc(TEXT_B)]
    for doc, chunks in built:
        store.write_document(doc, chunks)
    (doc_a, chunks_a), (doc_b, _) = built
    store.commit(add=[info_for(doc_a, chunks_a)], remove=[])  # B written, never committed
    assert store.get_documents([doc_b.doc_id, doc_a.doc_id, "d-unknown"]) == {doc_a.doc_id: doc_a}
    store.commit(add=[info_for(d, c) for d, c in built], remove=[])
    assert list(store.get_documents([doc_b.doc_id, doc_a.doc_id])) == [doc_b.doc_id, doc_a.doc_id]


# --- the manifest record ------------------------------------------------------------------------


def _infos(n: int) -> dict[str, DocumentInfo]:
    return {
        f"d{i:016x}": DocumentInfo(f"d{i:016x}", (f"synth_{i:06d}.txt",), "在全市教育工作会议上的讲话",
                                   "张三", "2023-04-28", 19, "2026-12-02T10:00:00+00:00", 4000 + i)
        for i in range(n)
    }  # fmt: skip


def test_the_manifest_record_is_packed_and_reads_back_equal() -> None:
    """Every commit rewrites it whole: packed, it is a fraction of its JSON (Chroma's upsert cost
    grows with the record's size)."""
    import json

    from vectorstore import codec

    documents = _infos(700)
    record = codec.manifest_to_record(documents)
    plain = json.dumps([vars(i) for i in documents.values()], ensure_ascii=False, default=list)
    assert len(record) * 4 < len(plain)
    assert codec.manifest_from_record("g1", record).documents == documents


def test_a_manifest_written_as_plain_json_still_reads() -> None:
    """Stores committed before the record was packed (format 1) open unchanged."""
    import json
    from dataclasses import asdict

    from vectorstore import codec

    documents = _infos(3)
    old = json.dumps({"format": 1, "documents": [asdict(i) for i in documents.values()]}, ensure_ascii=False)
    assert codec.manifest_from_record("g0", old).documents == documents


def test_a_search_given_the_snapshot_reads_no_state_and_finds_the_same_hits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Known` (the reader's snapshot: active set and chunk records) spares the store its state reads, its
    chunk count and the records' decoding; the hits are the same, garbage still left out."""
    store = ChromaStore(
        persistent_client(tmp_path / "chroma"),
        FakeEmbedder(),
        "known",
        reopen=reopen_persistent,
        owns_client=True,
    )
    built = [make_doc(TEXT_A), make_doc(TEXT_B)]
    for doc, chunks in built:
        store.write_document(doc, chunks)
    store.commit(add=[info_for(d, c) for d, c in built], remove=[])
    garbage, garbage_chunks = make_doc("".join(f"经费保障是基础{i}。" for i in range(40)), size=9)
    store.write_document(garbage, garbage_chunks)  # never committed
    doc_b = built[1][0]
    asked = [("经费保障是基础。", None), ("经费保障是基础。", [doc_b.doc_id]), ("校企合作", None)]
    plain = [store.search(q, 5, scope) for q, scope in asked]
    known = Known(store.manifest(), {c.chunk_id: c for c in store.chunks_of()})
    calls: list[str] = []
    for name in ("get", "count"):
        original = getattr(Collection, name)

        def spy(
            self: Collection, *args: object, _name: str = name, _original: Any = original, **kw: object
        ) -> Any:
            calls.append(f"{self.name}.{_name}")
            return _original(self, *args, **kw)

        monkeypatch.setattr(Collection, name, spy)
    store.search("预热", 5, known=known)  # the first search of a generation may check it once
    calls.clear()
    given = [store.search(q, 5, scope, known=known) for q, scope in asked]
    assert calls == []  # no state read, no count, no record read
    assert [[(h.chunk, round(h.score, 5)) for h in hits] for hits in given] == [
        [(h.chunk, round(h.score, 5)) for h in hits] for hits in plain
    ]
    assert all(h.chunk.doc_id != garbage.doc_id for hits in given for h in hits)
    store.close()
