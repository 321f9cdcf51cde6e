"""The store against a real `chroma run` server, and the embedded store shared by two processes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from errors import StoreUnavailableError
from ingest.pipeline import Ingestor
from settings import Settings
from tests.fakes import FakeEmbedder
from tests.support.chroma_server import ChromaServer
from vectorstore.chroma import ChromaStore
from vectorstore.factory import open_store, persistent_client, reopen_persistent

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SPEECHES = ROOT / "data" / "speeches"


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    with ChromaServer(tmp_path / "server") as server:
        yield server.port


def test_ingest_and_search_through_a_chroma_server(tmp_path: Path, chroma_server: int) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SPEECHES, corpus)
    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server)
    store = open_store(settings, FakeEmbedder())
    ingestor = Ingestor(store, lock_path=settings.data_dir / "ingest.lock")

    first = ingestor.ingest_paths([corpus])
    assert not first.failed and first.total("chunks_added") > 0
    assert not (settings.data_dir / "chroma").exists()  # nothing went to the embedded store
    second = ingestor.ingest_paths([corpus])
    assert second.total("chunks_added") == 0 and {f.status for f in second.files} == {"unchanged"}

    active = store.manifest().documents
    assert len(active) >= len(first.files)  # 002 holds two speeches
    probe = store.chunks_of()[5]
    hits = store.search(probe.text, k=5)
    assert hits and probe.chunk_id in {h.chunk.chunk_id for h in hits}
    assert all(h.chunk.doc_id in active for h in hits)

    # A second client (another process's view) sees the same committed state.
    other = open_store(settings, FakeEmbedder())
    assert other.generation() == store.generation()
    assert other.search(probe.text, k=5)[0].chunk.doc_id in active
    other.close()
    store.close()


def test_server_going_away_is_a_domain_error(tmp_path: Path) -> None:
    with ChromaServer(tmp_path / "server") as server:
        store = open_store(server.settings(tmp_path), FakeEmbedder())
    with pytest.raises(StoreUnavailableError):
        store.search("两个保障是什么", k=3)
    with pytest.raises(StoreUnavailableError):
        store.manifest()


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from ingest.pipeline import Ingestor
    from settings import Settings
    from tests.fakes import FakeEmbedder
    from vectorstore.factory import open_store

    settings = Settings(data_dir=Path(sys.argv[1]))
    ingestor = Ingestor(open_store(settings, FakeEmbedder()), lock_path=settings.data_dir / "ingest.lock")
    report = ingestor.ingest_paths([sys.argv[2]])
    assert not report.failed, report
    """
)


def test_embedded_reader_sees_another_process_ingest(tmp_path: Path) -> None:
    """An embedded client's in-memory vector index misses other processes' writes until reopened."""
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    names = sorted(p.name for p in SPEECHES.iterdir())
    shutil.copy(SPEECHES / names[0], first)
    shutil.copy(SPEECHES / names[1], later)

    reader = open_store(settings, FakeEmbedder())
    Ingestor(reader, lock_path=data / "ingest.lock").ingest_paths([first])
    assert reader.search("教育", k=3)  # the reader's vector index is loaded now
    subprocess.run([sys.executable, "-c", _WRITER, str(data), str(later)], cwd=ROOT, check=True, timeout=300)

    new_ids = set(reader.manifest().doc_ids_for_source(names[1]))
    assert new_ids
    probe = reader.chunks_of(sorted(new_ids))[0]
    hits = reader.search(probe.text, k=50)
    assert probe.chunk_id in {h.chunk.chunk_id for h in hits}
    reader.close()


def test_without_reopen_an_embedded_reader_is_stale(tmp_path: Path) -> None:
    """Pins the Chroma behaviour `reopen_persistent` exists for; if this starts failing, Chroma
    fixed it and the reopen can go."""
    data = tmp_path / "data"
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    names = sorted(p.name for p in SPEECHES.iterdir())
    shutil.copy(SPEECHES / names[0], first)
    shutil.copy(SPEECHES / names[1], later)
    stale = ChromaStore(persistent_client(data / "chroma"), FakeEmbedder(), "policy_qa")
    Ingestor(stale, lock_path=data / "ingest.lock").ingest_paths([first])
    assert stale.search("教育", k=3)  # loads the index into memory
    subprocess.run([sys.executable, "-c", _WRITER, str(data), str(later)], cwd=ROOT, check=True, timeout=300)

    probe = stale.chunks_of(stale.manifest().doc_ids_for_source(names[1]))[0]
    try:
        found = probe.chunk_id in {h.chunk.chunk_id for h in stale.search(probe.text, k=50)}
    except Exception:  # Chroma 1.5.9: InternalError("Error finding id")
        found = False
    assert not found
    fresh = ChromaStore(
        persistent_client(data / "chroma"), FakeEmbedder(), "policy_qa", reopen=reopen_persistent
    )
    assert probe.chunk_id in {h.chunk.chunk_id for h in fresh.search(probe.text, k=50)}
