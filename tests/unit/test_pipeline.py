"""Ingestor on a real embedded Chroma in tmp_path with the fake embedder and the real build steps."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from errors import DocumentNotFoundError, StoreUnavailableError
from ingest.build import build_documents
from ingest.loaders import load
from ingest.pipeline import Ingestor, WriterLock
from tests.fakes import FailingEmbedder, FakeEmbedder
from tests.fakes import speech_text as speech
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client

SPEECHES = Path(__file__).resolve().parents[2] / "data" / "speeches"
FIXED_NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

V1 = speech("在全市职业教育工作会议上的讲话", "李四", "要建设三所高水平职业学校。")
V2 = speech("在全市职业教育工作会议上的讲话", "李四", "要建设五所示范性现代产业学院。")
OTHER = speech("在全市学前教育工作会议上的讲话", "王五", "要新增普惠性幼儿园学位八千个。")


def open_ingestor(root: Path, embedder: FakeEmbedder | None = None, batch_size: int = 64) -> Ingestor:
    store = ChromaStore(
        persistent_client(root / "chroma"), embedder or FakeEmbedder(), "test", batch_size=batch_size
    )
    return Ingestor(store, lock_path=root / "ingest.lock", clock=lambda: FIXED_NOW)


@pytest.fixture
def ingestor(tmp_path: Path) -> Iterator[Ingestor]:
    yield open_ingestor(tmp_path)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


def store_of(ingestor: Ingestor) -> ChromaStore:
    store = ingestor._store
    assert isinstance(store, ChromaStore)
    return store


def active_chunk_total(store: ChromaStore) -> int:
    return sum(info.chunks for info in store.manifest().documents.values())


def test_second_ingest_of_the_samples_adds_nothing(ingestor: Ingestor, tmp_path: Path) -> None:
    corpus = tmp_path / "samples"
    shutil.copytree(SPEECHES, corpus)
    store = store_of(ingestor)
    first = ingestor.ingest_paths([corpus])
    assert [f.status for f in first.files] == ["ok"] * 5
    assert first.total("docs") == 6  # sample 002 holds two speeches
    assert first.total("chunks_added") == store.count_chunks() == active_chunk_total(store)
    generation = store.generation()

    second = ingestor.ingest_paths([corpus])
    assert [f.status for f in second.files] == ["unchanged"] * 5
    assert second.total("chunks_added") == second.total("chunks_removed") == 0
    assert second.total("chunks_unchanged") == first.total("chunks_added")
    assert store.count_chunks() == first.total("chunks_added")
    assert store.generation() == generation
    info = ingestor.list_documents()[0]
    assert info.sources == ("000_ba48dc24f464237d.txt",) and info.ingested_at == "2025-01-02T03:04:05+00:00"


def test_changed_file_replaces_all_of_its_old_chunks(ingestor: Ingestor, corpus: Path) -> None:
    store = store_of(ingestor)
    (corpus / "职教讲话.txt").write_text(V1, encoding="utf-8")
    old = ingestor.ingest_paths([corpus]).files[0]
    (corpus / "职教讲话.txt").write_text(V2, encoding="utf-8")
    new = ingestor.ingest_paths([corpus]).files[0]

    assert new.status == "ok" and new.doc_ids != old.doc_ids
    assert new.chunks_removed == old.chunks_added and new.chunks_added > 0
    assert list(store.manifest().documents) == new.doc_ids
    assert store.count_chunks() == active_chunk_total(store)  # garbage collected: nothing stale left
    texts = [c.text for c in store.chunks_of()]
    assert not any("三所高水平职业学校" in t for t in texts)
    hits = store.search("建设五所示范性现代产业学院", k=100)
    assert {h.chunk.doc_id for h in hits} == set(new.doc_ids)
    assert any("五所示范性现代产业学院" in h.chunk.text for h in hits)


def test_delete_removes_document_and_chunks(ingestor: Ingestor, corpus: Path) -> None:
    store = store_of(ingestor)
    (corpus / "a.txt").write_text(V1, encoding="utf-8")
    (corpus / "b.txt").write_text(OTHER, encoding="utf-8")
    report = ingestor.ingest_paths([corpus])
    doomed, kept = report.files[0].doc_ids[0], report.files[1].doc_ids[0]
    info = ingestor.delete(doomed)
    assert info.sources == ("a.txt",)
    assert [d.doc_id for d in ingestor.list_documents()] == [kept]
    assert store.count_chunks() == active_chunk_total(store) == report.files[1].chunks_added
    with pytest.raises(DocumentNotFoundError):
        ingestor.delete(doomed)
    # The file is still on disk: ingesting the folder again brings the document back.
    assert ingestor.ingest_paths([corpus]).files[0].chunks_added == report.files[0].chunks_added


def test_same_speech_under_two_names_is_stored_once(ingestor: Ingestor, corpus: Path) -> None:
    store = store_of(ingestor)
    (corpus / "a.txt").write_text(V1, encoding="utf-8")
    (corpus / "副本 a.txt").write_text(V1, encoding="utf-8")
    report = ingestor.ingest_paths([corpus])
    first, copy = report.files
    assert first.chunks_added > 0 and copy.chunks_added == 0 and copy.chunks_unchanged == first.chunks_added
    [info] = ingestor.list_documents()
    assert set(info.sources) == {"a.txt", "副本 a.txt"}
    assert store.count_chunks() == first.chunks_added

    # One of the two files changes: the shared speech stays (the other file still has it).
    (corpus / "副本 a.txt").write_text(V2, encoding="utf-8")
    changed = ingestor.ingest_paths([corpus]).files[1]
    assert changed.chunks_removed == 0
    documents = store.manifest().documents
    assert documents[info.doc_id].sources == ("a.txt",)
    assert documents[changed.doc_ids[0]].sources == ("副本 a.txt",)


def test_replace_flag_retires_same_title_from_other_files(ingestor: Ingestor, corpus: Path) -> None:
    (corpus / "讲话.txt").write_text(V1, encoding="utf-8")
    old_id = ingestor.ingest_paths([corpus / "讲话.txt"]).files[0].doc_ids[0]
    (corpus / "讲话（修订）.txt").write_text(V2, encoding="utf-8")

    kept = ingestor.ingest_paths([corpus / "讲话（修订）.txt"]).files[0]
    assert kept.chunks_removed == 0 and old_id in kept.warnings[0]
    assert len(ingestor.list_documents()) == 2

    (corpus / "讲话（修订）.txt").write_text(
        V2 + "三、抓好落实\n各地要细化责任分工，确保各项任务落地见效。\n", "utf-8"
    )
    replaced = ingestor.ingest_paths([corpus / "讲话（修订）.txt"], replace=True).files[0]
    assert replaced.status == "ok" and replaced.chunks_removed > 0 and not replaced.warnings
    assert replaced.replaced == [old_id]  # its own previous version went by the same-source rule
    assert [d.doc_id for d in ingestor.list_documents()] == replaced.doc_ids
    # A different title is never replaced.
    (corpus / "学前.txt").write_text(OTHER, encoding="utf-8")
    assert ingestor.ingest_paths([corpus / "学前.txt"], replace=True).files[0].chunks_removed == 0


def test_replace_never_retires_documents_of_the_same_run(ingestor: Ingestor, corpus: Path) -> None:
    (corpus / "a.txt").write_text(V1, encoding="utf-8")
    (corpus / "b.txt").write_text(V2, encoding="utf-8")  # same title, speaker and date as a.txt
    a, b = ingestor.ingest_paths([corpus], replace=True).files
    assert b.replaced == [] and a.doc_ids[0] in b.warnings[0]
    assert len(ingestor.list_documents()) == 2


def test_failure_mid_file_keeps_old_version_searchable(tmp_path: Path, corpus: Path) -> None:
    (corpus / "a.txt").write_text(V1, encoding="utf-8")
    ingestor = open_ingestor(tmp_path)
    old = ingestor.ingest_paths([corpus]).files[0]
    old_chunks = store_of(ingestor).chunks_of()

    (corpus / "a.txt").write_text(V2, encoding="utf-8")
    (corpus / "b.txt").write_text(OTHER, encoding="utf-8")
    failing = open_ingestor(tmp_path, FailingEmbedder(fail_on=2), batch_size=2)
    report = failing.ingest_paths([corpus])
    a, b = report.files
    assert a.status == "failed" and "embedding failed" in a.error
    assert b.status == "ok" and b.chunks_added > 0
    assert report.garbage_chunks == 2  # the first batch of a.txt's new version was written

    store = store_of(failing)
    assert set(store.manifest().documents) == {old.doc_ids[0], b.doc_ids[0]}
    assert store.chunks_of(old.doc_ids) == old_chunks
    hits = store.search("要建设三所高水平职业学校", k=100, doc_ids=old.doc_ids)
    assert any("三所高水平职业学校" in h.chunk.text for h in hits)
    assert store.count_chunks() == active_chunk_total(store)


def test_garbage_from_a_killed_ingest_is_never_served_and_then_collected(
    ingestor: Ingestor, corpus: Path
) -> None:
    store = store_of(ingestor)
    (corpus / "a.txt").write_text(V1, encoding="utf-8")
    ingestor.ingest_paths([corpus])
    # A killed ingest: chunks and doc record of another speech written, no commit.
    [(orphan, chunks)] = build_documents(load(_write(corpus.parent / "tmp.txt", OTHER)))
    store.write_document(orphan, chunks)
    assert all(h.chunk.doc_id != orphan.doc_id for h in store.search(chunks[0].text, k=100))
    assert orphan.doc_id not in {d.doc_id for d in ingestor.list_documents()}
    report = ingestor.ingest_paths([corpus])
    assert report.garbage_chunks == len(chunks)
    assert not store.has_document(orphan.doc_id)


def test_ingest_bytes_is_idempotent_and_reports_bad_uploads(ingestor: Ingestor) -> None:
    first = ingestor.ingest_bytes(V1.encode("gbk"), "上传.txt")
    assert first.files[0].status == "ok" and first.files[0].chunks_added > 0
    again = ingestor.ingest_bytes(V1.encode("utf-8"), "上传.txt")
    assert again.files[0].status == "unchanged"
    bad = ingestor.ingest_bytes(b"%PDF-1.7\n1 0 obj\n<<", "x.pdf").files[0]
    assert bad.status == "failed" and bad.error
    unsupported = ingestor.ingest_bytes(b"abc", "x.exe").files[0]
    assert unsupported.status == "failed" and "不支持" in unsupported.error
    assert len(ingestor.list_documents()) == 1


def test_paths_problems_are_reported_not_raised(ingestor: Ingestor, tmp_path: Path, corpus: Path) -> None:
    (corpus / "a.txt").write_text(V1, encoding="utf-8")
    sub = corpus / "sub"
    sub.mkdir()
    (sub / "a.txt").write_text(OTHER, encoding="utf-8")  # same name, another folder
    (corpus / ".hidden.txt").write_text(OTHER, encoding="utf-8")
    (tmp_path / "empty_dir").mkdir()
    report = ingestor.ingest_paths([corpus, tmp_path / "missing.txt", tmp_path / "empty_dir"])
    by_path = {Path(f.path).name: f for f in report.files}
    assert by_path["missing.txt"].error == "文件不存在"
    assert "没有可导入" in by_path["empty_dir"].error
    assert "同名" in next(f.error for f in report.files if f.path == str(sub / "a.txt"))
    assert [f.status for f in report.files if f.status == "ok"] == ["ok"]
    assert len(ingestor.list_documents()) == 1


def test_writer_lock_excludes_a_second_writer(tmp_path: Path) -> None:
    path = tmp_path / "ingest.lock"
    with WriterLock(path), pytest.raises(StoreUnavailableError), WriterLock(path, timeout_s=0.3):
        pass
    with WriterLock(path, timeout_s=0.3):
        pass


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
