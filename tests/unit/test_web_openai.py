"""The OpenAI-compatible API and the JSON API's history and streaming, through the real `openai`
client (over the app in-process) and raw HTTP for the wire format.

A real embedded Chroma with the fake embedder and two speeches (tests/unit/test_web_api.py's stack),
so the follow-ups resolve through the real assistant.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient

from assistant.service import PolicyAssistant
from ingest.pipeline import Ingestor
from tests.unit.test_web_api import make_client, speech, stack  # noqa: F401 - the fixture

Stack = tuple[PolicyAssistant, Ingestor, Path]
Q1, Q2 = "两个保障是什么？", "第二个具体怎么做？"


@pytest.fixture(scope="module")
def two_speeches(stack: Stack) -> Stack:  # noqa: F811
    stack[1].ingest_bytes(speech("在全市基础教育工作会议上的讲话", "张三").encode(), "basic.txt")
    return stack


@pytest.fixture(scope="module")
def client(two_speeches: Stack) -> TestClient:
    return make_client(two_speeches)


def openai_client(http: TestClient, api_key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url="http://testserver/v1", api_key=api_key, http_client=http, max_retries=0)


def sse_events(text: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields.get("event", "message"), fields.get("data", "")))
    return events


def test_models_lists_policy_qa(client: TestClient) -> None:
    models = openai_client(client).models.list()
    assert [m.id for m in models.data] == ["policy-qa"]
    assert openai_client(client).models.retrieve("policy-qa").id == "policy-qa"
    with pytest.raises(openai.NotFoundError, match="没有模型 gpt-4"):
        openai_client(client).models.retrieve("gpt-4")


def test_a_completion_carries_the_answer_and_its_citations(client: TestClient) -> None:
    reply = openai_client(client).chat.completions.create(
        model="policy-qa", messages=[{"role": "user", "content": Q1}], temperature=0.2
    )
    extra: dict[str, Any] = reply.model_extra or {}
    content = reply.choices[0].message.content or ""
    assert reply.choices[0].finish_reason == "stop" and reply.model == "policy-qa"
    assert "经费保障" in content and "[1]" in content
    citations = extra["citations"]
    assert citations and {c["n"] for c in citations} >= {1}
    assert content.startswith(extra["policy_qa"]["answer"]) and "\n\n来源：\n[1] 《" in content
    assert all(f"[{c['n']}] 《{c['title']}》，{c['speaker']}" in content for c in citations)


def test_earlier_user_messages_make_a_follow_up_resolve(client: TestClient) -> None:
    chat = openai_client(client).chat.completions
    alone = chat.create(model="policy-qa", messages=[{"role": "user", "content": Q2}])
    follow = chat.create(
        model="policy-qa",
        extra_body={"sources_in_content": False},  # an extension: the way OpenAI clients pass one
        messages=[
            {"role": "system", "content": "你是助手"},
            {"role": "user", "content": Q1},
            {"role": "assistant", "content": "一是经费保障……二是师资保障……"},
            {"role": "user", "content": [{"type": "text", "text": Q2}]},
        ],
    )
    assert "师资" not in (alone.choices[0].message.content or "")  # alone it cannot tell which one
    text = follow.choices[0].message.content or ""
    assert "师资" in text and "编制" in text and "经费" not in text and "来源" not in text
    assert (follow.model_extra or {})["citations"]


def test_streaming_with_the_openai_client(client: TestClient) -> None:
    stream = openai_client(client).chat.completions.create(
        model="policy-qa", messages=[{"role": "user", "content": Q1}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks].count("stop") == 1
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    extra: dict[str, Any] = last.model_extra or {}
    assert text.startswith(extra["policy_qa"]["answer"]) and "经费保障" in text
    assert extra["citations"] and all(c.object == "chat.completion.chunk" for c in chunks)


def test_the_stream_wire_format_ends_with_done(client: TestClient) -> None:
    body = {"model": "policy-qa", "messages": [{"role": "user", "content": Q1}], "stream": True}
    with client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read().decode()
    lines = [line for line in raw.split("\n") if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2][6:])["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"model": "gpt-4o", "messages": [{"role": "user", "content": Q1}]}, 404, "没有模型 gpt-4o"),
        ({"model": "policy-qa", "messages": []}, 400, "messages"),
        ({"model": "policy-qa", "messages": [{"role": "assistant", "content": "好"}]}, 400, "最后一条消息"),
        ({"model": "policy-qa", "messages": [{"role": "user", "content": "  "}]}, 400, "最后一条消息"),
        ({"model": "policy-qa", "messages": [{"role": "robot", "content": Q1}]}, 400, "role"),
        ({"messages": [{"role": "user", "content": Q1}]}, 400, "缺少字段 model"),
    ],
)
def test_bad_requests_get_openai_shaped_chinese_errors(
    client: TestClient, body: dict[str, Any], status: int, message: str
) -> None:
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert message in error["message"] and error["type"]


def test_a_refused_streamed_question_gets_its_status_not_a_broken_stream(client: TestClient) -> None:
    body = {"model": "policy-qa", "stream": True, "messages": [{"role": "user", "content": Q1}]}
    response = client.post("/v1/chat/completions", json=body | {"doc_ids": ["no-such-doc"]})
    assert response.status_code == 404 and "找不到文档" in response.json()["error"]["message"]
    with pytest.raises(openai.BadRequestError, match="问题太长"):
        openai_client(client).chat.completions.create(
            model="policy-qa", messages=[{"role": "user", "content": "啊" * 600}], stream=True
        )


def test_get_on_the_post_route_is_405(client: TestClient) -> None:
    response = client.get("/v1/chat/completions")
    assert response.status_code == 405 and response.json()["error"]["message"] == "不支持这种请求方法。"
    assert response.headers["allow"] == "POST"
    ask = client.get("/api/ask")
    assert ask.status_code == 405 and ask.json() == {"error": "不支持这种请求方法。"}
    assert client.delete("/api/documents").status_code == 405  # GET and POST only
    assert client.get("/v1/nothing").json()["error"]["message"] == "没有这个地址。"


def test_the_chat_login_applies_to_v1_as_basic_or_as_the_api_key(two_speeches: Stack) -> None:
    login = make_client(two_speeches, auth="staff:s3cret")
    messages = [{"role": "user", "content": Q1}]
    with pytest.raises(openai.AuthenticationError, match="需要登录"):
        openai_client(login, "wrong").chat.completions.create(model="policy-qa", messages=messages)  # type: ignore[arg-type]
    reply = openai_client(login, "staff:s3cret").chat.completions.create(model="policy-qa", messages=messages)  # type: ignore[arg-type]
    assert reply.choices[0].message.content
    basic = "Basic " + base64.b64encode(b"staff:s3cret").decode()
    assert login.get("/v1/models", headers={"Authorization": basic}).status_code == 200
    assert login.get("/v1/models").status_code == 401


# --- /api/ask: history and streaming ------------------------------------------------------------


def test_api_ask_resolves_a_follow_up_from_history(client: TestClient) -> None:
    body = {"question": Q2, "history": [{"question": Q1, "answer": "一是经费保障……"}]}
    data = client.post("/api/ask", json=body).json()
    assert data["answerable"] and "师资" in data["answer"] and "经费" not in data["answer"]
    assert data["citations"]
    too_many = client.post("/api/ask", json={"question": Q2, "history": [{"question": Q1}] * 51})
    assert too_many.status_code == 422 and "history 最多 50 项" in too_many.json()["error"]


def test_api_ask_streams_partials_then_the_answer(client: TestClient) -> None:
    with client.stream("POST", "/api/ask", json={"question": Q1, "stream": True}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode())
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"partial"}
    final = json.loads(events[-1][1])
    partials = [json.loads(data)["answer"] for _, data in events[:-1]]
    assert partials[-1] == final["answer"] and all(final["answer"].startswith(p) for p in partials)
    assert final["citations"] and final["question"] == Q1


def test_api_ask_stream_refusals_are_plain_json_errors(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": " ", "stream": True})
    assert response.status_code == 422 and "请输入问题" in response.json()["error"]
