"""16 clients POSTing /api/ask over real HTTP while an administrator re-uploads a changed speech through
`POST /api/documents?replace=true` (admin token), four times.

The whole app (`create_app`: JSON API, Gradio mount, middlewares) is served by uvicorn on a free 127.0.0.1
port, over the real multilingual-e5-small and a real embedded Chroma, as `python app.py` wires them.

Why the re-ingest goes through the HTTP API rather than `python -m ingest --replace` in another process:
this is the path an administrator uses while staff chat (the 文档管理 tab calls the same `ingest_uploads`),
and it shares the server's thread pool, store and model with the askers, which is where contention lives.
A CLI process would have to load its own copy of the model for every re-ingest (tens of seconds each on
two cores), or embed with a different model than the server's; the cross-process path (another client's
commit seen by the app) is covered by test_server_mode.py and test_concurrency.py.

Every version's document is read back over the API right after its upload returns, so each cited passage
can be checked against the document it names: a request that started after re-ingest k finished may cite
version k or a later one, never an earlier one, and never a span that is not its document's text.
Printed figures (run with `-s`): requests, answers/s, p50/p95 latency. Time is never asserted.
"""

from __future__ import annotations

import collections
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app import create_app
from assistant.service import PolicyAssistant
from ingest.pipeline import Ingestor
from settings import Settings
from tests.conftest import LiveServer
from tests.support.answers import problems
from tests.support.load import LoadReport, Sample, run_load
from tests.support.model import shared_model_dir
from tests.support.speeches import SAMPLES, changed_sample
from vectorstore.chroma import ChromaStore
from vectorstore.e5 import E5Embedder
from vectorstore.embed_cache import CachedEmbedder
from vectorstore.factory import persistent_client

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "load-admin-token"
CHANGED = "000_ba48dc24f464237d.txt"  # holds 两个保障: many questions cite it
VERSIONS = 4
CLIENTS = 16
DURATION_S = 15.0


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] | None  # None when the body is not a JSON object
    text: str


@dataclass(frozen=True)
class Version:
    number: int  # 0: the sample as first ingested
    doc_id: str
    text: str  # the cleaned text, from GET /api/documents/{doc_id}
    finished: float  # time.monotonic() once the upload's response arrived (0.0 for version 0)


@dataclass
class Run:
    load: LoadReport[Reply]
    versions: list[Version]
    uploads: list[Reply] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # doc_id → cleaned text, every doc ever active
    active: set[str] = field(default_factory=set)  # doc ids active once the load is over

    def version_at(self, started: float) -> int:
        """The last re-ingest that had finished when a request was sent."""
        return max(v.number for v in self.versions if v.finished <= started)


def questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text("utf-8").splitlines()]
    return ["两个保障是什么？", "这篇讲话分几个部分？", *(row["question"] for row in rows[:40])]


def asker(base_url: str) -> Callable[[str], Reply]:
    """POST /api/ask; one keep-alive connection per client thread, as a browser tab would hold."""
    local = threading.local()

    def ask(question: str) -> Reply:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=base_url, timeout=120)
        response = client.post("api/ask", json={"question": question})
        try:
            body = response.json()
        except ValueError:
            body = None
        return Reply(response.status_code, body if isinstance(body, dict) else None, response.text[:500])

    return ask


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., LiveServer]) -> Iterator[Run]:
    root = tmp_path_factory.mktemp("api-load")
    model_dir = shared_model_dir()
    # The passage-vector cache shared with test_assistant_real.py: the samples are embedded once per machine.
    embedder = CachedEmbedder(E5Embedder(model_dir), model_dir.parent / "test-embed-cache.sqlite")
    store = ChromaStore(persistent_client(root / "chroma"), embedder, "apiload")
    ingestor = Ingestor(store, lock_path=root / "ingest.lock")
    assert not ingestor.ingest_paths([SAMPLES]).failed
    assistant = PolicyAssistant(store)
    # 16 staff behind one address (a proxy): the per-client rate limit would count them as one client;
    # room for all of them to wait for an answering slot.
    settings = Settings(
        data_dir=root,
        admin_token=SecretStr(TOKEN),
        rate_per_minute=60_000,
        rate_burst=1_000,
        max_waiting_questions=CLIENTS,
    )
    server = live_server(create_app(settings, assistant, ingestor))
    admin = httpx.Client(base_url=server.url, timeout=300, headers={"Authorization": f"Bearer {TOKEN}"})

    def read_version(number: int, doc_id: str, finished: float) -> Version:
        document = admin.get(f"api/documents/{doc_id}")
        assert document.status_code == 200, document.text
        return Version(number, doc_id, document.json()["text"], finished)

    [first] = store.manifest().doc_ids_for_source(CHANGED)
    versions = [read_version(0, first, 0.0)]
    warm = asker(server.url)("两个保障是什么？")  # the model is loaded, jieba and the corpus are built
    assert warm.status == 200 and warm.body and warm.body["answerable"], warm.text
    uploads: list[Reply] = []

    def reingest() -> None:
        for number in range(1, VERSIONS + 1):
            time.sleep(1.0)
            files = {"files": (CHANGED, changed_sample(CHANGED, number).encode(), "text/plain")}
            response = admin.post("api/documents", params={"replace": "true", "wait": "true"}, files=files)
            finished = time.monotonic()
            uploads.append(Reply(response.status_code, response.json(), response.text[:500]))
            [doc_id] = store.manifest().doc_ids_for_source(CHANGED)
            versions.append(read_version(number, doc_id, finished))

    load = run_load(
        asker(server.url), questions(), clients=CLIENTS, duration_s=DURATION_S, background=reingest
    )
    statuses = collections.Counter(s.result.status for s in load.samples if s.result)
    print(
        f"\nHTTP load, real e5 + embedded Chroma, {VERSIONS} re-uploads: {load.summary()}; "
        f"answers/s {load.throughput:.1f}; statuses {dict(statuses)}"
    )
    texts = {
        doc_id: admin.get(f"api/documents/{doc_id}").json()["text"] for doc_id in store.manifest().documents
    }
    texts |= {v.doc_id: v.text for v in versions}
    yield Run(load, versions, uploads, texts, set(store.manifest().documents))
    admin.close()
    store.close()
    embedder.close()
    shutil.rmtree(root, ignore_errors=True)


def replies(run: Run) -> list[tuple[Sample[Reply], Reply]]:
    return [(s, s.result) for s in run.load.samples if s.result is not None]


def test_every_reupload_succeeds_and_leaves_one_version(run: Run) -> None:
    assert run.load.background_done is not None and not run.load.background_error, run.load.background_error
    assert [(u.status, [f["status"] for f in (u.body or {})["files"]]) for u in run.uploads] == [
        (200, ["ok"])
    ] * VERSIONS
    doc_ids = [v.doc_id for v in run.versions]
    assert len(set(doc_ids)) == VERSIONS + 1  # each version is another document, with other chunks
    assert run.active & set(doc_ids) == {doc_ids[-1]}


def test_no_request_fails_or_gets_a_server_error(run: Run) -> None:
    assert not run.load.errors, run.load.errors[0].error  # no connection reset, timeout or bad JSON
    failed = [(s.question, r.status, r.text) for s, r in replies(run) if r.status != 200]
    assert not failed, failed[:5]


def test_every_answer_is_well_formed_and_answers_its_own_question(run: Run) -> None:
    answered = replies(run)
    assert len(answered) >= CLIENTS
    malformed = [
        (s.question, r.text if r.body is None else problems(r.body))
        for s, r in answered
        if r.body is None or problems(r.body) or r.body["question"] != s.question
    ]
    assert not malformed, malformed[:5]


def test_no_answer_cites_a_version_replaced_before_it_was_asked(run: Run) -> None:
    replaced = {v.doc_id: v.number for v in run.versions}
    stale: list[tuple[str, int, str]] = []
    for sample, reply in replies(run):
        asked_at = run.version_at(sample.started)
        for cited in (reply.body or {}).get("citations", []):
            number = replaced.get(cited["doc_id"])
            if number is not None and number < asked_at:
                stale.append((sample.question, asked_at, cited["doc_id"]))
    assert not stale, stale[:5]
    late = [s for s in run.load.samples if run.version_at(s.started) == VERSIONS]
    assert late, "no request was sent after the last re-ingest finished"


def test_every_cited_passage_is_its_documents_text(run: Run) -> None:
    """A cited passage is a body chunk: its start/end locate its text in the speech (retrieved outline and
    formulation passages span a section without being its text, so only citations are checked)."""
    cited = [(s.question, c) for s, r in replies(run) for c in (r.body or {}).get("citations", [])]
    wrong = [
        (question, c["doc_id"], c["start"], c["end"])
        for question, c in cited
        if run.texts.get(c["doc_id"], "")[c["start"] : c["end"]] != c["text"]
    ]
    assert cited and not wrong, wrong[:5]


def test_after_the_last_reingest_answers_cite_only_what_is_in_the_store(run: Run) -> None:
    late = [(s, r) for s, r in replies(run) if run.version_at(s.started) == VERSIONS]
    cited = {c["doc_id"] for _, r in late for c in (r.body or {}).get("citations", [])}
    assert cited and cited <= run.active
    guarantees = [r for s, r in late if s.question == "两个保障是什么？"]
    assert all(r.body and r.body["answerable"] for r in guarantees)
