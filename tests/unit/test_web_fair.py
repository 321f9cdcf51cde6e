"""Fair serving: per-client rate limit, bounded waiting, question length (issue 13, finding 4)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import create_app
from errors import BusyError, TooManyAttemptsError
from settings import Settings
from tests.fakes import FakeEmbedder
from web.chat import ChatService
from web.fair import QuestionSlots, RateLimiter
from web.feedback import FeedbackLog
from web.http_status import status_of
from web.session import ChatSession


def test_rate_limit_is_per_client_with_a_burst_then_a_steady_rate() -> None:
    limiter = RateLimiter(rate=1.0, burst=3)
    for _ in range(3):
        limiter.check("a", now=0.0)
    with pytest.raises(TooManyAttemptsError) as caught:
        limiter.check("a", now=0.0)
    assert status_of(caught.value) == 429 and "请稍后再试" in caught.value.message
    limiter.check("b", now=0.0)  # another client is not held up
    limiter.check("a", now=1.0)  # one more a second
    with pytest.raises(TooManyAttemptsError):
        limiter.check("a", now=1.5)


def test_question_slots_bound_the_waiting_and_refuse_the_rest_at_once() -> None:
    slots = QuestionSlots(max_active=1, max_waiting=1, wait_s=5)
    release = threading.Event()
    outcomes: list[str] = []

    def hold() -> None:
        with slots.slot():
            release.wait(5)

    def wait_then_answer() -> None:
        with slots.slot():
            outcomes.append("answered")

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.1)
    waiter = threading.Thread(target=wait_then_answer)
    waiter.start()
    time.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(BusyError) as caught, slots.slot():  # the third: no room to wait
        pass
    assert time.monotonic() - started < 0.5 and status_of(caught.value) == 503
    assert "请稍后再试" in caught.value.message
    release.set()
    holder.join()
    waiter.join()
    assert outcomes == ["answered"]


def test_the_api_rate_limits_each_client_with_retry_after(tmp_path: Path) -> None:
    from assistant.service import PolicyAssistant
    from ingest.pipeline import Ingestor
    from vectorstore.chroma import ChromaStore
    from vectorstore.factory import persistent_client

    store = ChromaStore(persistent_client(tmp_path / "chroma"), FakeEmbedder(), "fair")
    settings = Settings(data_dir=tmp_path, rate_per_minute=6, rate_burst=3)
    app = create_app(settings, PolicyAssistant(store), Ingestor(store, lock_path=tmp_path / "lock"))
    client = TestClient(app)
    statuses = [client.post("/api/ask", json={"question": "两个保障是什么？"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = client.post("/api/ask", json={"question": "两个保障是什么？"})
    assert refused.json()["error"] == "提问太频繁，请稍后再试。" and int(refused.headers["retry-after"]) >= 1
    assert app.state.refusals.total["TooManyAttemptsError"] == 3  # counted, logged once per client
    store.close()


class _NeverAsked:
    def stream(self, *args: object, **kwargs: object) -> object:
        raise AssertionError("a question over the limit must not reach the assistant")

    def corpus(self) -> object:
        raise AssertionError


def test_the_chat_refuses_a_long_question_with_a_message(tmp_path: Path) -> None:
    chat = ChatService(_NeverAsked(), FeedbackLog(tmp_path / "f.jsonl"), max_question_chars=50)  # type: ignore[arg-type]
    session = ChatSession()
    views = list(chat.ask("两个保障" * 30, None, session))
    assert session.turns[-1].error == "问题太长（120 个字），最多 50 个字，请精简后再问。"
    assert "问题太长" in views[-1].conversation
