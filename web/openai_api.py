"""OpenAI-compatible endpoints (`GET /v1/models`, `POST /v1/chat/completions`): an intranet's existing
chat front-ends and tools (anything that speaks the OpenAI chat API) can use the assistant.

The last user message is the question; the earlier user messages are the conversation's history, so a
follow-up ("第二个具体怎么做？") resolves as in the chat. The answer's citations travel in an extra
`citations` field (and, so that a front-end that shows only `content` still shows them, as a 来源 list
at the end of the content unless `sources_in_content` is false). Errors use OpenAI's shape,
`{"error": {"message": …, "type": …, "code": …}}` (web/http_errors.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.records import Answer
from assistant.service import PolicyAssistant, Turn
from errors import InvalidQuestionError, ModelNotFoundError, PolicyQAError
from web.api import MAX_QUESTION_CHARS, DocId, LoginHeader
from web.fair import FairUse
from web.security import LoginCheck
from web.session import HISTORY_TURNS
from web.sources_text import sources_footer
from web.streaming import STREAM_FAILED, Event, log, respond, sse

MODEL = "policy-qa"
OWNER = "policy-qa"
NO_QUESTION = "最后一条消息必须是用户（role 为 user）的问题。"


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = "text"
    text: str | None = Field(default=None, max_length=MAX_QUESTION_CHARS)


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls …: accepted, not used

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[str, Field(max_length=100_000)] | list[TextPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    # temperature, max_tokens, stream_options, user …: what OpenAI clients send; accepted, not used
    model_config = ConfigDict(extra="allow")

    model: str = Field(max_length=200, description=f"模型名：{MODEL}", examples=[MODEL])
    messages: list[Message] = Field(
        min_length=1, max_length=200, description="对话消息，最后一条是用户的问题"
    )
    stream: bool = Field(
        default=False, description="true：以 SSE 逐块返回（OpenAI 的格式，最后是 data: [DONE]）"
    )
    top_k: int = Field(default=5, ge=1, le=20, description="扩展：返回的相关段落数")
    doc_ids: list[DocId] | None = Field(default=None, max_length=100, description="扩展：只在这些讲话中查找")
    sources_in_content: bool = Field(default=True, description="扩展：在回答文字末尾附“来源”列表")


def question_and_history(messages: list[Message]) -> tuple[str, list[Turn]]:
    """The last user message is the question; the user messages before it are the history."""
    if messages[-1].role != "user" or not messages[-1].text().strip():
        raise InvalidQuestionError(NO_QUESTION)
    earlier = [m.text() for m in messages[:-1] if m.role == "user" and m.text().strip()]
    return messages[-1].text(), [Turn(q) for q in earlier][-HISTORY_TURNS:]


def completion(answer: Answer, with_sources: bool) -> dict[str, Any]:
    content = answer.answer + (sources_footer(answer) if with_sources else "")
    return _envelope("chat.completion") | {
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        **_extras(answer),
    }


def completion_chunks(events: Iterator[Event], with_sources: bool) -> Iterator[str]:
    """OpenAI's streaming format: one `chat.completion.chunk` per piece of new text, a last chunk with
    `finish_reason` and the citations, then `data: [DONE]`."""
    envelope = _envelope("chat.completion.chunk")

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return sse(envelope | {"choices": [choice], **extra})

    yield chunk({"role": "assistant", "content": ""})
    shown = ""
    try:
        for event in events:
            text = event.answer if isinstance(event, Answer) else event
            # the verified answer may drop a sentence already shown (generative mode): the final
            # chunk's `policy_qa.answer` is then the authoritative text
            if text.startswith(shown) and len(text) > len(shown):
                yield chunk({"content": text[len(shown) :]})
                shown = text
            if isinstance(event, Answer):
                if with_sources and event.citations:
                    yield chunk({"content": sources_footer(event)})
                yield chunk({}, "stop", **_extras(event))
    except Exception as exc:
        yield sse({"error": _stream_error(exc)})
    yield sse("[DONE]")


def openai_router(assistant: PolicyAssistant, fair: FairUse, login: LoginCheck) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI 兼容接口"])

    @router.get("/models", summary="可用的模型（OpenAI 兼容）")
    def models(request: Request, authorization: LoginHeader = None) -> dict[str, Any]:
        login(request, authorization)
        return {"object": "list", "data": [_model_card()]}

    @router.get("/models/{model}", summary="一个模型的信息（OpenAI 兼容）")
    def model(model: str, request: Request, authorization: LoginHeader = None) -> dict[str, Any]:
        login(request, authorization)
        if model != MODEL:
            raise ModelNotFoundError(model)
        return _model_card()

    @router.post(
        "/chat/completions",
        summary="对话补全（OpenAI 兼容；stream=true 时为 SSE；引用在 citations 字段）",
        response_model=None,
        responses={200: {"content": {"application/json": {}, "text/event-stream": {}}}},
    )
    async def chat_completions(
        body: ChatRequest, request: Request, authorization: LoginHeader = None
    ) -> dict[str, Any] | StreamingResponse:
        login(request, authorization)
        if body.model != MODEL:
            raise ModelNotFoundError(body.model)
        question, history = question_and_history(body.messages)
        fair.check_question(question)
        fair.limiter.check(request.client.host if request.client else "?")
        options: dict[str, Any] = {"top_k": body.top_k, "doc_ids": body.doc_ids, "history": history}

        return await respond(
            assistant,
            fair.slots,
            question,
            options,
            stream=body.stream,
            as_json=lambda answer: completion(answer, body.sources_in_content),
            as_events=lambda events: completion_chunks(events, body.sources_in_content),
        )

    return router


def _envelope(kind: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": kind,
        "created": int(time.time()),
        "model": MODEL,
        "system_fingerprint": None,
    }


def _extras(answer: Answer) -> dict[str, Any]:
    return {
        "citations": [c.to_dict() for c in answer.citations],
        "policy_qa": {
            "answer": answer.answer,
            "answerable": answer.answerable,
            "notice": answer.notice,
            "mode": answer.mode,
        },
    }


def _model_card() -> dict[str, Any]:
    return {"id": MODEL, "object": "model", "created": 0, "owned_by": OWNER}


def _stream_error(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, PolicyQAError):
        return {"message": exc.message, "type": "invalid_request_error", "code": None}
    log.error("a streamed chat completion failed", exc_info=exc)
    return {"message": STREAM_FAILED, "type": "server_error", "code": None}
