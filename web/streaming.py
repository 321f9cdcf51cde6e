"""An answer streamed over HTTP: the assistant's events with a question slot held, started before
the response is, so a refused question (empty, unknown speech, busy) still gets its HTTP status.

Shared by `POST /api/ask` with `"stream": true` and `POST /v1/chat/completions` with `"stream": true`.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from assistant.records import Answer
from assistant.service import PolicyAssistant
from errors import DocumentNotFoundError, PolicyQAError
from web.fair import QuestionSlots

log = logging.getLogger(__name__)

Event = str | Answer  # the answer text so far, then the verified Answer
STREAM_FAILED = "回答中断：服务器内部错误，请稍后再试。"
# no-transform / X-Accel-Buffering: a proxy (nginx by default) would otherwise hold the events back
SSE_HEADERS = {"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"}


def _held(slots: QuestionSlots, make: Callable[[], Iterator[Event]]) -> Iterator[Event]:
    with slots.slot():
        yield from make()


async def started_stream(slots: QuestionSlots, make: Callable[[], Iterator[Event]]) -> Iterator[Event]:
    """The events, with the first one already taken: the assistant's checks (and the slot's) run
    before any byte is sent, so their errors become ordinary JSON error responses."""
    events = _held(slots, make)
    first = await run_in_threadpool(next, events, None)
    return events if first is None else itertools.chain([first], events)


async def respond(
    assistant: PolicyAssistant,
    slots: QuestionSlots,
    question: str,
    options: dict[str, Any],
    *,
    stream: bool,
    as_json: Callable[[Answer], dict[str, Any]],
    as_events: Callable[[Iterator[Event]], Iterator[str]],
) -> dict[str, Any] | StreamingResponse:
    """Answer in a worker thread (the corpus may be rebuilt, the slot may be waited for): JSON, or
    server-sent events when `stream`. `options`: top_k, doc_ids, history."""

    def events() -> Iterator[Event]:
        check_scope(assistant, options.get("doc_ids"))
        return assistant.stream(question, **options)

    if stream:
        return event_stream(as_events(await started_stream(slots, events)))

    def answer() -> dict[str, Any]:
        check_scope(assistant, options.get("doc_ids"))
        with slots.slot():
            return as_json(assistant.ask(question, **options))

    return await run_in_threadpool(answer)


def check_scope(assistant: PolicyAssistant, doc_ids: Sequence[str] | None) -> None:
    """A filter naming a speech that is not (or no longer) in the index is an error, not a silent
    search of the rest."""
    if doc_ids:
        known = assistant.corpus().manifest.documents
        unknown = [d for d in doc_ids if d not in known]
        if unknown:
            raise DocumentNotFoundError(unknown[0])


def sse(data: Any, event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"{head}data: {payload}\n\n"


def event_stream(lines: Iterator[str]) -> StreamingResponse:
    return StreamingResponse(lines, media_type="text/event-stream; charset=utf-8", headers=SSE_HEADERS)


def ask_events(events: Iterator[Event]) -> Iterator[str]:
    """`POST /api/ask` streamed: `event: partial` with the text so far, then `event: answer` with the
    answer JSON (authoritative), or `event: error` with `{"error": …}`."""
    try:
        for event in events:
            if isinstance(event, Answer):
                yield sse(event.to_dict(), "answer")
            else:
                yield sse({"answer": event}, "partial")
    except PolicyQAError as exc:
        yield sse({"error": exc.message}, "error")
    except Exception:  # a bug: logged with its traceback; the client reads a message, not a hang
        log.exception("a streamed answer failed")
        yield sse({"error": STREAM_FAILED}, "error")
