"""The snapshot the assistant answers from (assistant/corpus.py): prepared aside while the one in use keeps
answering, and per speech. No timing anywhere: events hold the writer at the moment under test."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from assistant.corpus import Corpus, CorpusCache
from assistant.records import Answer
from assistant.service import PolicyAssistant
from core.records import Chunk, Document
from core.store import DocumentInfo, Manifest
from ingest.pipeline import Ingestor
from tests.fakes import MemoryStore
from tests.unit.test_pipeline import OTHER, V1, V2

QUESTION = "深化产教融合要建设什么？"


class HeldStore(MemoryStore):
    """Records what snapshot builds read; when `hold` is set, a read of documents waits for `release`
    (the writer is then in the middle of preparing the next snapshot)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[list[str]] = []
        self.hold = False
        self.entered = threading.Event()
        self.release = threading.Event()

    def get_documents(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        wanted = list(doc_ids)
        self.reads.append(wanted)
        if self.hold:
            self.entered.set()
            assert self.release.wait(60), "never released"
        return super().get_documents(wanted)

    def chunks_of(self, doc_ids: Iterable[str] | None = None) -> list[Chunk]:
        wanted = None if doc_ids is None else list(doc_ids)
        self.reads.append(["chunks", *(wanted or ["*"])])
        return super().chunks_of(wanted)


def vocational(corpus: Corpus) -> str:
    [doc_id] = [d for d, info in corpus.manifest.documents.items() if info.sources == ("vocational.txt",)]
    return doc_id


def speeches(answer: Answer) -> set[str]:
    """The versions of the vocational speech an answer's passages come from."""
    return {p.doc_id for p in answer.passages if p.source == "vocational.txt"}


def _setup() -> tuple[HeldStore, PolicyAssistant, Ingestor]:
    store = HeldStore()
    assistant = PolicyAssistant(store)
    ingestor = Ingestor(store, on_commit=assistant.refresh)
    ingestor.ingest_bytes(V1.encode(), "vocational.txt")
    ingestor.ingest_bytes(OTHER.encode(), "preschool.txt")
    return store, assistant, ingestor


def test_a_question_is_answered_from_the_old_snapshot_while_a_replace_is_prepared() -> None:
    store, assistant, ingestor = _setup()
    old = assistant.corpus()
    assert speeches(assistant.ask(QUESTION)) == {vocational(old)}
    store.hold = True
    writer = threading.Thread(target=ingestor.ingest_bytes, args=(V2.encode(), "vocational.txt"))
    writer.start()
    assert store.entered.wait(60)  # committed; the writer is preparing the next snapshot
    assert store.generation() != old.generation
    answers: list[Answer] = []
    asker = threading.Thread(target=lambda: answers.append(assistant.ask(QUESTION)))
    asker.start()
    asker.join(60)  # a guard against a hang, not a measurement
    answered_while_held = not asker.is_alive()
    store.release.set()
    writer.join(60)
    asker.join(60)
    assert answered_while_held, "the question waited for the replace"
    assert speeches(answers[0]) == {vocational(old)}  # the old version, and only it
    new = assistant.corpus()
    assert new is not old and vocational(new) != vocational(old)
    assert speeches(assistant.ask(QUESTION)) == {vocational(new)}  # the change is complete


def test_a_replace_prepares_only_the_speech_it_changed_and_equals_a_fresh_build() -> None:
    store, assistant, ingestor = _setup()
    assistant.corpus()
    store.reads.clear()
    ingestor.ingest_bytes(V2.encode(), "vocational.txt")
    [new_id] = [d for d, info in store.manifest().documents.items() if info.sources == ("vocational.txt",)]
    assert store.reads == [[new_id], ["chunks", new_id]]
    kept = assistant.corpus()
    fresh = CorpusCache(store).get()
    assert kept.generation == fresh.generation
    assert kept.documents == fresh.documents and kept.chunks == fresh.chunks
    assert kept.chunks_by_doc == fresh.chunks_by_doc
    assert kept.formulations == fresh.formulations and kept.lists == fresh.lists
    assert kept.search_text.texts == fresh.search_text.texts and kept.naming_text == fresh.naming_text
    assert [kept.keyword.document_frequency(t) for t in ("职业", "幼儿园", "五所")] == [
        fresh.keyword.document_frequency(t) for t in ("职业", "幼儿园", "五所")
    ]


def test_a_change_made_elsewhere_is_seen_by_the_next_question() -> None:
    """Another writer (no hook into this assistant): the asker that notices prepares the snapshot."""
    store, assistant, _ = _setup()
    old = assistant.corpus()
    Ingestor(store).ingest_bytes(V2.encode(), "vocational.txt")
    answer = assistant.ask(QUESTION)
    new = assistant.corpus()
    assert new is not old and new is assistant.corpus()
    assert speeches(answer) == {vocational(new)} != {vocational(old)}


def test_between_a_commit_and_its_refresh_askers_answer_from_the_old_snapshot_without_preparing() -> None:
    """The writer announces its commit (`before_commit`): an asker that reads the new generation before the
    writer's refresh neither prepares it nor waits (before, it prepared it and every other asker waited)."""
    store, assistant, ingestor = _setup()
    old = assistant.corpus()
    committed, go_on = threading.Event(), threading.Event()

    def refresh_later() -> None:
        committed.set()
        assert go_on.wait(60), "never released"
        assistant.refresh()

    ingestor.on_commit, ingestor.before_commit = refresh_later, assistant.expect_refresh
    writer = threading.Thread(target=ingestor.ingest_bytes, args=(V2.encode(), "vocational.txt"))
    writer.start()
    assert committed.wait(60)  # committed, its refresh not begun
    assert store.generation() != old.generation
    store.reads.clear()
    answers: list[Answer] = []
    asker = threading.Thread(target=lambda: answers.append(assistant.ask(QUESTION)))
    asker.start()
    asker.join(60)  # a guard against a hang, not a measurement
    answered_before_refresh = not asker.is_alive()
    # what the asker read (a preparation reads documents; MemoryStore's search reads chunks)
    prepared = [r for r in store.reads if r[:1] != ["chunks"]]
    go_on.set()
    writer.join(60)
    asker.join(60)
    assert answered_before_refresh and prepared == []
    assert speeches(answers[0]) == {vocational(old)}
    new = assistant.corpus()
    assert vocational(new) != vocational(old)
    assert speeches(assistant.ask(QUESTION)) == {vocational(new)}


class FailingCommitStore(HeldStore):
    def __init__(self) -> None:
        super().__init__()
        self.fail = False

    def commit(self, add: Iterable[DocumentInfo], remove: Iterable[str]) -> Manifest:
        if self.fail:
            raise RuntimeError("commit failed")
        return super().commit(add, remove)


def test_a_failed_commit_releases_what_its_announcement_held() -> None:
    store = FailingCommitStore()
    assistant = PolicyAssistant(store)
    ingestor = Ingestor(store, on_commit=assistant.refresh, before_commit=assistant.expect_refresh)
    ingestor.ingest_bytes(V1.encode(), "vocational.txt")
    old = assistant.corpus()
    store.fail = True
    assert ingestor.ingest_bytes(V2.encode(), "vocational.txt").files[0].status == "failed"
    store.fail = False
    Ingestor(store).ingest_bytes(V2.encode(), "vocational.txt")  # another process's change
    assert speeches(assistant.ask(QUESTION)) == {vocational(assistant.corpus())} != {vocational(old)}
