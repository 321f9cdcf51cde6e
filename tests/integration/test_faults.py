"""Faults: an ingest killed mid-write, a Chroma server down or frozen, a read-only data dir, a full disk,
a deleted model folder. Each test ends by checking that the previous index is intact and that work
resumes. Embedding-model damage (truncated weights, bad files, changed source) is covered by
tests/integration/test_e5_model.py and tests/unit/test_embeddings.py; only the deleted folder is here.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromadb.api.models.Collection import Collection
from chromadb.errors import InternalError

from assistant.service import PolicyAssistant
from core.records import LoadedText
from errors import StoreUnavailableError
from ingest.build import build_documents
from ingest.pipeline import Ingestor
from settings import Settings
from tests.fakes import FakeEmbedder
from tests.support import ingest_proc
from tests.support.chroma_server import ChromaServer
from tests.support.filesystems import fill, read_only, small_disk
from tests.support.model import link_model
from tests.support.speeches import SAMPLES, changed_sample, large_speech
from vectorstore.chroma import ChromaStore
from vectorstore.embed_cache import CachedEmbedder
from vectorstore.factory import open_store
from web.http_status import status_of

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BIG = "big.txt"
FIRST = "000_ba48dc24f464237d.txt"
QUESTION = "两个保障是什么？"


def doc_id_of(text: str, source: str = BIG) -> str:
    [(doc, _)] = build_documents(LoadedText(source, text))
    return doc.doc_id


def assert_one_complete_version(store: ChromaStore, source: str, doc_id: str, probe: str) -> None:
    """`source` is active in exactly one version, `doc_id`, with all its chunks once; nothing of any
    other version (a killed write's leftovers) reaches a reader, by search or by the assistant."""
    manifest = store.manifest()
    assert manifest.doc_ids_for_source(source) == [doc_id]
    chunks = store.chunks_of([doc_id])
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids)) == manifest.documents[doc_id].chunks
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert store.get_document(doc_id).text.count("\n") > 100
    hits = store.search(probe, k=20)
    assert hits and {h.chunk.doc_id for h in hits} <= set(manifest.documents)
    answer = PolicyAssistant(store).ask(probe)
    assert {c.passage.doc_id for c in answer.citations} <= set(manifest.documents)


def killed_at(marker: str, corpus: Path, data: Path, tmp_path: Path, **hooks: Any) -> subprocess.Popen[str]:
    """Run the ingest CLI on `corpus` and SIGKILL it once it wrote `marker` to its progress file."""
    progress = tmp_path / f"progress-{marker.replace(' ', '-')}"
    process = ingest_proc.start_ingest([str(corpus)], data_dir=data, progress=progress, **hooks)
    try:
        ingest_proc.wait_for_line(progress, marker, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return process


def test_sigkill_at_each_stage_of_a_large_write_leaves_one_complete_version(tmp_path: Path) -> None:
    """A ~50k-character speech (155 chunks, two write batches) replaced by a new version; the ingest
    process is killed after its first batch of chunks, then before the manifest swap, then before the
    garbage collection. The app's store stays open throughout, as a running app's would."""
    data, corpus = tmp_path / "data", tmp_path / "corpus"
    corpus.mkdir()
    (corpus / BIG).write_text(large_speech(1), encoding="utf-8")
    store = open_store(Settings(data_dir=data), FakeEmbedder())
    ingestor = Ingestor(store, lock_path=data / "ingest.lock")
    assert not ingestor.ingest_paths([corpus]).failed
    old = store.manifest().doc_ids_for_source(BIG)[0]
    old_chunks = store.manifest().documents[old].chunks
    new_text = large_speech(2)
    new = doc_id_of(new_text)
    (corpus / BIG).write_text(new_text, encoding="utf-8")
    probe = "要围绕学前教育第1项任务第1条要求（编号2-1-1-1），完善工作机制"  # only in the new version

    # 1. Mid-write: the first batch of the new version's chunks is stored, the rest is not.
    killed_at("embed 2", corpus, data, tmp_path, embed_delay_s=0.3)
    assert_one_complete_version(store, BIG, old, probe)
    assert store.count_chunks() > old_chunks  # the kill did land mid-write: orphans exist
    assert not store.has_document(new)  # no doc record: the next run writes it again

    # 2. Every chunk and the doc record written, the manifest not yet swapped.
    killed_at("commit", corpus, data, tmp_path, pause_before="commit")
    assert_one_complete_version(store, BIG, old, probe)
    assert store.has_document(new)

    # 3. Committed, garbage not yet collected: the new version is complete and the only one.
    killed_at("collect_garbage", corpus, data, tmp_path, pause_before="collect_garbage")
    assert_one_complete_version(store, BIG, new, probe)
    assert store.count_chunks() == old_chunks + store.manifest().documents[new].chunks

    # Resume: nothing left to write, the garbage goes.
    report = ingestor.ingest_paths([corpus])
    assert [f.status for f in report.files] == ["unchanged"] and report.garbage_chunks == old_chunks
    assert store.count_chunks() == store.manifest().documents[new].chunks
    assert_one_complete_version(store, BIG, new, probe)
    store.close()


# --- a Chroma server that goes away --------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ChromaServer, Settings]]:
    """A server holding the sample speeches; tests leave it running when they are done."""
    root = tmp_path_factory.mktemp("served")
    server = ChromaServer(root / "server").start()
    try:
        settings = server.settings(root / "data")
        store = open_store(settings, FakeEmbedder())
        assert not Ingestor(store).ingest_paths([SAMPLES]).failed
        store.close()
        yield server, settings
    finally:
        server.stop()


def test_server_down_is_service_unavailable_and_the_same_objects_recover(
    served: tuple[ChromaServer, Settings],
) -> None:
    server, settings = served
    store = open_store(settings, FakeEmbedder())
    assistant = PolicyAssistant(store)
    ingestor = Ingestor(store, lock_path=settings.data_dir / "ingest.lock")
    before = assistant.ask(QUESTION)
    assert before.answerable

    server.stop()
    with pytest.raises(StoreUnavailableError) as raised:
        assistant.ask(QUESTION)
    assert status_of(raised.value) == 503 and "向量库" in raised.value.message
    with pytest.raises(StoreUnavailableError):
        list(assistant.stream(QUESTION))
    failed = ingestor.ingest_bytes(changed_sample(FIRST, 1).encode(), FIRST)
    assert [f.error for f in failed.files] == [raised.value.message]  # readable, not "内部错误"
    with pytest.raises(StoreUnavailableError) as opening:  # an app (re)starting meanwhile
        open_store(settings, FakeEmbedder())
    assert f"{settings.chroma_host}:{settings.chroma_port}" in opening.value.message

    server.start()  # same port, same data: no app restart
    after = assistant.ask(QUESTION)
    # the same answer from the same cited passages (the uncited tail of the ranking may differ while the
    # restarted server reloads its vector index)
    assert (after.answer, after.answerable, [c.to_dict() for c in after.citations]) == (
        before.answer,
        before.answerable,
        [c.to_dict() for c in before.citations],
    )
    assert not ingestor.ingest_bytes(changed_sample(FIRST, 1).encode(), FIRST).failed
    assert assistant.ask(QUESTION).answerable
    store.close()


def test_frozen_server_is_service_unavailable_within_a_bounded_time(
    served: tuple[ChromaServer, Settings],
) -> None:
    server, settings = served
    assistant = PolicyAssistant(open_store(settings, FakeEmbedder()))
    assert assistant.ask(QUESTION).answerable
    outcome: list[BaseException | None] = []

    def ask() -> None:
        try:
            assistant.ask(QUESTION)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    server.freeze()
    try:
        asker = threading.Thread(target=ask, daemon=True)
        asker.start()
        asker.join(timeout=15)
        while_frozen = list(outcome)
    finally:
        server.thaw()
    asker.join(timeout=30)  # a stuck request finishes once the server answers again
    assert while_frozen, f"ask() still waiting after 15 s; once the server was thawed: {outcome}"
    assert isinstance(while_frozen[0], StoreUnavailableError), while_frozen


# --- read-only data dir, full disk ------------------------------------------------------------------


@pytest.fixture(scope="module")
def read_only_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The CLI run with the data dir read-only: listing; ingesting a new file (fake embedder); ingesting
    with the real embedder, whose vector cache (embed-cache.sqlite) is opened before the store."""
    root = tmp_path_factory.mktemp("read-only")
    data, corpus = root / "data", root / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLES / FIRST, corpus)
    first = ingest_proc.run_ingest([str(corpus)], data_dir=data)
    assert first.returncode == 0, first.stderr
    CachedEmbedder(FakeEmbedder(), data / "embed-cache.sqlite").close()  # as a real-model ingest leaves it
    shutil.copy(SAMPLES / "004_a8bf3beb1f8314f3.txt", corpus)
    files_before = sorted(p.relative_to(data) for p in data.rglob("*"))
    runs: dict[str, Any] = {"data": data, "files_before": files_before}
    with read_only(data) as wrap:
        for name, args in {"list": ["--list"], "ingest": [str(corpus)], "embed-cache": [str(corpus)]}.items():
            command = wrap(ingest_proc.command(args, fake=name != "embed-cache"))
            runs[name] = subprocess.run(
                command,
                cwd=root,
                env=ingest_proc.environment(data),
                capture_output=True,
                text=True,
                timeout=300,
            )
    return runs


def test_read_only_data_dir_fails_and_leaves_the_index_as_it_was(read_only_runs: dict[str, Any]) -> None:
    data = read_only_runs["data"]
    assert all(read_only_runs[name].returncode != 0 for name in ("list", "ingest", "embed-cache"))
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == read_only_runs["files_before"]
    store = open_store(Settings(data_dir=data), FakeEmbedder())
    assert [info.sources for info in store.manifest().documents.values()] == [(FIRST,)]
    assert store.count_chunks() == sum(i.chunks for i in store.manifest().documents.values())
    assert PolicyAssistant(store).ask(QUESTION).answerable
    store.close()


def test_read_only_data_dir_is_a_clear_error(read_only_runs: dict[str, Any]) -> None:
    for name in ("list", "ingest", "embed-cache"):
        stderr = read_only_runs[name].stderr
        assert "Traceback" not in stderr and "错误：" in stderr, (name, stderr[-500:])


def test_full_disk_fails_the_file_and_keeps_the_previous_index(tmp_path: Path) -> None:
    """A real full file system (a 16 MB tmpfs): the embedding cache and Chroma write into it as in the app."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLES / FIRST, corpus)
    with small_disk(tmp_path / "data") as data:
        embedder = CachedEmbedder(FakeEmbedder(), data / "embed-cache.sqlite", namespace="fake")
        store = open_store(Settings(data_dir=data), embedder)
        ingestor = Ingestor(store, lock_path=data / "ingest.lock")
        assert not ingestor.ingest_paths([corpus]).failed
        before = store.manifest()
        answer = PolicyAssistant(store).ask(QUESTION)
        (corpus / BIG).write_text(large_speech(1), encoding="utf-8")
        ballast = fill(data)

        report = ingestor.ingest_paths([corpus])
        assert [(f.source, f.status) for f in report.files] == [(FIRST, "unchanged"), (BIG, "failed")]
        assert "磁盘已满" in report.files[1].error or "full" in report.files[1].error
        assert store.manifest() == before
        assert PolicyAssistant(store).ask(QUESTION).to_dict() == answer.to_dict()
        store.close()
        embedder.close()

        # Space freed: the next ingest (a fresh process: see the report on in-process recovery) completes.
        ballast.unlink()
        rerun = ingest_proc.run_ingest([str(corpus)], data_dir=data)
        assert rerun.returncode == 0, rerun.stderr
        store = open_store(Settings(data_dir=data), FakeEmbedder())
        manifest = store.manifest()
        assert sorted(s for info in manifest.documents.values() for s in info.sources) == [FIRST, BIG]
        assert store.count_chunks() == sum(i.chunks for i in manifest.documents.values())
        store.close()


def test_full_disk_is_reported_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(Settings(data_dir=tmp_path / "data"), FakeEmbedder())
    ingestor = Ingestor(store)
    assert not ingestor.ingest_bytes(changed_sample(FIRST, 1).encode(), FIRST).failed
    before = store.manifest()

    def full(*args: Any, **kwargs: Any) -> None:
        raise InternalError(
            "Query error: Database error: error returned from database: (code: 13) database or disk is full"
        )

    monkeypatch.setattr(Collection, "upsert", full)
    [failed] = ingestor.ingest_bytes(changed_sample(FIRST, 2).encode(), FIRST).files
    assert store.manifest() == before
    assert failed.status == "failed" and not failed.error.startswith("内部错误") and "磁盘" in failed.error


# --- the embedding model folder deleted under a configured app ----------------------------------------


def test_deleted_model_folder_is_rebuilt_and_a_loaded_model_keeps_working(tmp_path: Path) -> None:
    """The folder goes while the app runs (a clean-up script, a volume re-created): the loaded model
    keeps answering, and the next embedder configured on that folder rebuilds it before use. (That a
    rebuilt folder loads and gives the same vectors: test_e5_model.py.)"""
    from vectorstore.e5 import E5Embedder

    settings = Settings(data_dir=tmp_path / "data")
    link_model(settings)
    loaded = E5Embedder.from_settings(settings)
    expected = loaded.embed_query(QUESTION)
    namespace = loaded.cache_namespace
    settings.model_dir.unlink()  # the link is the folder, as far as the app can tell

    assert loaded.embed_query(QUESTION) == expected
    configured = E5Embedder.from_settings(settings)  # e.g. the ingest CLI started after the deletion
    assert configured.cache_namespace == namespace  # asks for the folder first: rebuilt, identical
    assert settings.model_dir.is_dir() and not settings.model_dir.is_symlink()
