"""The ingest → answer flow across processes, on the embedded store and on a real `chroma run` server.

The writer is always the real ingest CLI in its own process (`tests.support.ingest_proc`), configured
only through the environment (POLICY_QA_DATA_DIR, POLICY_QA_CHROMA_HOST/PORT, POLICY_QA_COLLECTION);
readers are `PolicyAssistant`s over `open_store(settings)`, as the web app builds them. Each test uses
its own collection prefix on one shared server.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.service import PolicyAssistant
from ingest.pipeline import Ingestor
from settings import Settings
from tests.fakes import FakeEmbedder
from tests.support import ingest_proc
from tests.support.answers import problems
from tests.support.chroma_server import ChromaServer
from tests.support.model import link_model
from tests.support.speeches import SAMPLES
from vectorstore.factory import open_store

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST = "000_ba48dc24f464237d.txt"  # 两个保障: 一是经费保障 … 二是教师保障
QUESTION = "两个保障是什么？"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    with ChromaServer(tmp_path_factory.mktemp("chroma") / "server") as running:
        yield running


def cites_first(assistant: PolicyAssistant) -> bool:
    answer = assistant.ask(QUESTION)
    assert not problems(answer.to_dict()), answer.to_dict()
    return answer.answerable and FIRST in {c.passage.source for c in answer.citations}


def test_embedded_app_answers_from_what_the_cli_ingested(tmp_path: Path) -> None:
    """The app opened the embedded store before the CLI (another process) wrote to it."""
    settings = Settings(data_dir=tmp_path / "data")
    store = open_store(settings, FakeEmbedder())
    assistant = PolicyAssistant(store)
    assert not assistant.ask(QUESTION).answerable  # empty index: a refusal, not an error

    done = ingest_proc.run_ingest([str(SAMPLES)], data_dir=settings.data_dir)
    assert done.returncode == 0, done.stderr
    assert cites_first(assistant)
    assert len(store.manifest().documents) == 6  # 002 holds two speeches
    assert (settings.data_dir / "chroma").is_dir()
    store.close()


def test_two_app_processes_share_one_server(server: ChromaServer, tmp_path: Path) -> None:
    """Two apps (each its own client, as two processes or machines would have) see the CLI's ingest and
    a third process's deletion on their next question: the generation changed, the corpus is rebuilt."""
    settings = server.settings(tmp_path / "data", collection="shared")
    apps = [open_store(settings, FakeEmbedder()) for _ in range(2)]
    assistants = [PolicyAssistant(store) for store in apps]
    assert not any(a.ask(QUESTION).answerable for a in assistants)

    env = {**server.env(), "POLICY_QA_COLLECTION": "shared"}
    done = ingest_proc.run_ingest([str(SAMPLES)], data_dir=settings.data_dir, env=env)
    assert done.returncode == 0, done.stderr
    assert not (settings.data_dir / "chroma").exists()  # everything went to the server
    assert all(cites_first(a) for a in assistants)
    answers = [a.ask(QUESTION).to_dict() for a in assistants]
    assert answers[0] == answers[1]
    assert apps[0].generation() == apps[1].generation() != ""

    admin = open_store(settings, FakeEmbedder())
    [doomed] = admin.manifest().doc_ids_for_source(FIRST)
    Ingestor(admin, lock_path=settings.data_dir / "ingest.lock").delete(doomed)
    for assistant in assistants:
        assert doomed not in assistant.corpus().documents
        assert not cites_first(assistant)
    for store in [*apps, admin]:
        store.close()


def test_real_model_ingest_and_answer_through_the_server(server: ChromaServer, tmp_path: Path) -> None:
    """The real multilingual-e5-small on both sides: the CLI embeds passages, the app embeds questions."""
    from vectorstore.factory import open_embedder

    settings = server.settings(tmp_path / "data", collection="realmodel")
    link_model(settings)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLES / FIRST, corpus)
    env = {**server.env(), "POLICY_QA_COLLECTION": "realmodel"}
    done = ingest_proc.run_ingest([str(corpus)], data_dir=settings.data_dir, env=env, fake=False)
    assert done.returncode == 0, done.stderr

    store = open_store(settings, open_embedder(settings))
    answer = PolicyAssistant(store).ask(QUESTION)
    assert answer.answerable and not problems(answer.to_dict())
    assert "经费保障" in answer.answer and "教师保障" in answer.answer
    hits = store.search("教师队伍建设", k=3)
    assert hits and all(0.0 < h.score <= 1.0 for h in hits)  # real cosine similarities, not fake ones
    store.close()
