"""16 clients asking while an admin re-ingests a changed speech, in one process like the web app.

One embedded store is shared by the assistant and the ingestor (as `app.py` wires them); the fake
embedder keeps the figures about the store, retrieval and answering rather than the model. The load
runs once per module; each test checks one promise about it. Printed figures (run with `-s`): request
count, throughput, p50/p95 latency. Time is never asserted: the machine is shared.
"""

from __future__ import annotations

import collections
import json
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.records import Answer
from assistant.service import PolicyAssistant
from core.records import Chunk
from ingest.pipeline import Ingestor, IngestReport
from settings import Settings
from tests.fakes import FakeEmbedder
from tests.support.answers import chunk_spans, cited_spans, problems
from tests.support.load import LoadReport, run_load
from tests.support.speeches import SAMPLES, changed_sample
from vectorstore.chroma import ChromaStore
from vectorstore.factory import open_store

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHANGED = "000_ba48dc24f464237d.txt"  # holds 两个保障: many questions cite it
VERSIONS = 4
CLIENTS = 16
DURATION_S = 20.0
RACE = (
    "ChromaStore._sync (vectorstore/chroma.py) is not thread-safe in embedded mode: when the store "
    "changed, every thread that notices reopens the client at once, and reopen_persistent "
    "(vectorstore/factory.py) pops Chroma's shared system while another thread builds or uses it: "
    "KeyError(<chroma path>) from SharedSystemClient, AttributeError('RustBindingsAPI' object has no "
    "attribute 'bindings')"
)


def questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text("utf-8").splitlines()]
    return ["两个保障是什么？", "这篇讲话分几个部分？", *(row["question"] for row in rows[:40])]


@dataclass
class Run:
    load: LoadReport[Answer]
    ingests: list[IngestReport]
    store: ChromaStore
    live: list[Chunk]  # every chunk of the active documents once the load is over


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    root = tmp_path_factory.mktemp("concurrency")
    shutil.copytree(SAMPLES, root / "corpus")
    store = open_store(Settings(data_dir=root / "data"), FakeEmbedder())
    ingestor = Ingestor(store, lock_path=root / "data" / "ingest.lock")
    assert not ingestor.ingest_paths([root / "corpus"]).failed
    assistant = PolicyAssistant(store)
    assert assistant.ask("两个保障是什么？").answerable  # warm: jieba and the corpus are loaded
    ingests: list[IngestReport] = []

    def reingest() -> None:
        for version in range(1, VERSIONS + 1):
            time.sleep(1.0)
            ingests.append(ingestor.ingest_bytes(changed_sample(CHANGED, version).encode(), CHANGED))

    load = run_load(assistant.ask, questions(), clients=CLIENTS, duration_s=DURATION_S, background=reingest)
    errors = collections.Counter(s.error.strip().splitlines()[-1][:120] for s in load.errors)
    print(f"\nin-process load, embedded store, {VERSIONS} re-ingests: {load.summary()}; {dict(errors)}")
    yield Run(load, ingests, store, store.chunks_of())
    store.close()


def test_reingests_complete_under_load_and_leave_one_version(run: Run) -> None:
    assert run.load.background_done is not None and not run.load.background_error, run.load.background_error
    assert [r.failed for r in run.ingests] == [[]] * VERSIONS
    manifest = run.store.manifest()
    assert len(manifest.doc_ids_for_source(CHANGED)) == 1
    assert run.store.count_chunks() == sum(info.chunks for info in manifest.documents.values())


def test_every_answer_is_well_formed(run: Run) -> None:
    answered = [s for s in run.load.samples if s.result is not None]
    assert len(answered) >= CLIENTS
    malformed = [(s.question, p) for s in answered if s.result for p in problems(s.result.to_dict())]
    assert not malformed, malformed[:5]


def test_no_answer_cites_a_chunk_gone_after_the_reingest(run: Run) -> None:
    late = [s for s in run.load.after_background() if s.result is not None]
    assert late, "no request was sent after the re-ingest finished"
    live_ids = {c.chunk_id for c in run.live}
    stale = [
        (s.question, c.passage.chunk_id)
        for s in late
        if s.result
        for c in s.result.citations
        if c.passage.chunk_id not in live_ids
    ]
    assert not stale, stale[:5]
    assert all(cited_spans(s.result.to_dict()) <= chunk_spans(run.live) for s in late if s.result)
    assert all(s.result and s.result.answerable for s in late if s.question == "两个保障是什么？")


def test_no_request_fails_under_load(run: Run) -> None:
    assert not run.load.errors, run.load.errors[0].error


def test_threads_reading_right_after_another_clients_commit(tmp_path: Path) -> None:
    """The race in isolation: 8 threads share a store and read at once, right after a commit made
    through another client (another process, or the app's own ingestor before its write settled)."""
    settings = Settings(data_dir=tmp_path / "data")
    reader = open_store(settings, FakeEmbedder())
    writer = Ingestor(open_store(settings, FakeEmbedder()))
    assert not writer.ingest_paths([SAMPLES / CHANGED]).failed
    failures: list[str] = []

    def read(barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            reader.search("两个保障", k=3)
        except Exception as exc:
            failures.append(repr(exc))

    for version in range(1, 4):
        assert not writer.ingest_bytes(changed_sample(CHANGED, version).encode(), CHANGED).failed
        barrier = threading.Barrier(8)
        threads = [threading.Thread(target=read, args=(barrier,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not failures, failures[:3]
