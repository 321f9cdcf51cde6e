"""The generative answerer end to end through LangChain's ChatOpenAI against a local OpenAI-compatible server.

The server is a few lines of http.server on a free 127.0.0.1 port serving /v1/chat/completions (streamed
as server-sent events, or as one JSON body), replying with canned answers that cite the passage the
prompt numbered; the store is the unit tests' in-memory one, since the model server is what is tested.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from assistant import prompts as P
from assistant import templates as T
from assistant.extractive import Draft
from assistant.generative import NOTICE_LLM_UNAVAILABLE, GenerativeAnswerer, chat_model_from_settings
from assistant.retriever import HybridRetriever
from assistant.sentences import Idf
from assistant.service import PolicyAssistant
from core.records import LoadedText
from core.tokens import tokenize_query
from ingest.build import build_documents
from settings import Settings
from tests.unit.test_generative import FACT_QUESTION, FUNDS, SPEECHES, TEACHERS, MemoryStore, passage_number

pytestmark = pytest.mark.integration

MODEL = "fake-qwen2.5"


@dataclass
class FakeOpenAI:
    """What the server replies (a function of the user prompt) and what it was sent."""

    url: str
    script: Callable[[str], str] = lambda prompt: P.REFUSAL_SENTENCE
    delay: float = 0.0
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
            time.sleep(state.delay)
            if self.path != "/v1/chat/completions" or state.status != 200:
                self._json(state.status if state.status != 200 else 404, {"error": {"message": "nope"}})
                return
            reply = state.script(body["messages"][-1]["content"])
            if body.get("stream"):
                self._events(reply)
            else:
                message = {"role": "assistant", "content": reply}
                self._json(200, _completion("chat.completion", {"message": message, "finish_reason": "stop"}))

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _events(self, reply: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()  # HTTP/1.0: the stream ends when the connection closes
            pieces = [reply[i : i + 6] for i in range(0, len(reply), 6)]
            for piece in pieces:
                chunk = _completion(
                    "chat.completion.chunk", {"delta": {"content": piece}, "finish_reason": None}
                )
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            done = _completion("chat.completion.chunk", {"delta": {}, "finish_reason": "stop"})
            self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())

    return Handler


def _completion(kind: str, choice: dict[str, Any]) -> dict[str, Any]:
    return {"id": "c1", "object": kind, "created": 0, "model": MODEL, "choices": [{"index": 0, **choice}]}


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = FakeOpenAI(url=f"http://127.0.0.1:{httpd.server_address[1]}/v1")
    httpd.RequestHandlerClass = _handler(state)
    httpd.daemon_threads = True  # a delayed reply must not hold up shutdown
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    built = build_documents(LoadedText("000.txt", (SPEECHES / "000_ba48dc24f464237d.txt").read_text()))
    return MemoryStore(built + build_documents(LoadedText("teachers.txt", TEACHERS)))


def answerer_for(url: str, *, timeout: float = 30.0) -> GenerativeAnswerer:
    settings = Settings(llm_base_url=url, llm_model=MODEL, llm_api_key=None)
    return GenerativeAnswerer(chat_model_from_settings(settings, timeout=timeout))


def test_a_cited_answer_end_to_end(server: FakeOpenAI, store: MemoryStore) -> None:
    server.script = lambda p: f"会后一周要拿出整改方案，教师节之前补足缺口。[{passage_number(p, FUNDS)}]"
    answer = PolicyAssistant(store, answerer_for(server.url)).ask(FACT_QUESTION)
    assert answer.answerable and answer.mode == "generative" and answer.notice == ""
    assert answer.answer == "会后一周要拿出整改方案，教师节之前补足缺口[1]。"
    assert FUNDS in answer.citations[0].passage.text
    assert answer.to_dict()["citations"][0]["n"] == 1
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions" and request["model"] == MODEL
    assert request["stream"] is True and request["temperature"] == 0
    assert request["auth"] == "Bearer not-needed"
    assert [m["role"] for m in request["messages"]] == ["system", "user"]


def test_unsupported_sentences_are_dropped_end_to_end(server: FakeOpenAI, store: MemoryStore) -> None:
    def script(prompt: str) -> str:
        n = passage_number(prompt, FUNDS)
        return f"{FUNDS}[{n}]。此外，每所学校将获得一百万元专项奖励[{n}]。"

    server.script = script
    answer = PolicyAssistant(store, answerer_for(server.url)).ask(FACT_QUESTION)
    assert answer.answer == f"{FUNDS}[1]。"


def test_a_refusal_end_to_end(server: FakeOpenAI, store: MemoryStore) -> None:
    answer = PolicyAssistant(store, answerer_for(server.url)).ask(FACT_QUESTION)  # the server refuses
    assert len(server.requests) == 1
    assert not answer.answerable and answer.answer == T.REFUSAL and answer.passages


def test_an_unknown_topic_is_refused_without_the_server(server: FakeOpenAI, store: MemoryStore) -> None:
    answer = PolicyAssistant(store, answerer_for(server.url)).ask("火星基地什么时候建成？")
    assert server.requests == [] and not answer.answerable


def test_the_answer_streams_in_deltas(server: FakeOpenAI, store: MemoryStore) -> None:
    server.script = lambda p: f"{FUNDS}[{passage_number(p, FUNDS)}]。"
    corpus = PolicyAssistant(store).corpus()
    query = PolicyAssistant(store).understand(FACT_QUESTION, corpus)
    ranked = HybridRetriever(store).retrieve(query, corpus, 12)
    keyword = corpus.keyword
    idf = Idf(len(keyword), {t: keyword.document_frequency(t) for t in tokenize_query(FACT_QUESTION)})
    events = list(answerer_for(server.url).stream(query, corpus, ranked, idf))
    deltas, draft = events[:-1], events[-1]
    assert len(deltas) >= 5 and all(isinstance(d, str) for d in deltas)
    assert isinstance(draft, Draft) and draft.answerable and FUNDS in draft.answer


def test_the_server_also_answers_without_streaming(server: FakeOpenAI) -> None:
    server.script = lambda p: "好的"
    model = chat_model_from_settings(Settings(llm_base_url=server.url, llm_model=MODEL))
    reply = model.model_copy(update={"streaming": False}).invoke([HumanMessage("你好")])
    assert reply.content == "好的" and server.requests[0].get("stream") in (None, False)


@pytest.mark.parametrize("failure", ["refused", "timeout", "500"])
def test_a_failing_server_gives_the_extractive_answer(
    server: FakeOpenAI, store: MemoryStore, failure: str
) -> None:
    url = server.url
    if failure == "refused":
        url = f"http://127.0.0.1:{_closed_port()}/v1"
    elif failure == "timeout":
        server.delay = 1.5
    else:
        server.status = 500
    extractive = PolicyAssistant(store).ask(FACT_QUESTION)
    assistant = PolicyAssistant(store, answerer_for(url, timeout=0.4))
    assistant.corpus()  # built before the clock starts
    started = time.perf_counter()
    answer = assistant.ask(FACT_QUESTION)
    took = time.perf_counter() - started
    assert answer.answer == extractive.answer and answer.answerable
    assert answer.notice == NOTICE_LLM_UNAVAILABLE
    assert took < 4.0  # measured 0.5–1.7 s: two attempts (max_retries=1) of ≤ 0.4 s, then extractive
    started = time.perf_counter()
    assistant.ask(FACT_QUESTION)  # the server is paused: no second wait
    assert time.perf_counter() - started < 1.0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
