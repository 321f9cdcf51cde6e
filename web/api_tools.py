"""`GET /api/formulations` (the 提法库 as JSON) and `POST /api/export` (an answer or a conversation as
.docx / .md). Export needs no login: it only formats the answers the client posts (the chat page's
导出 buttons post what it shows), and reads nothing from the index."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from assistant.service import PolicyAssistant
from errors import DocumentNotFoundError, FileTooLargeError, PolicyQAError
from settings import Settings
from web import formulations as F
from web.api import LoginHeader
from web.export import MEDIA_TYPES, ExportRequest, export_file
from web.fair import RateLimiter
from web.security import LoginCheck

MAX_EXPORT_BYTES = 8 * 2**20  # 200 answers with their citations fit many times over
TOO_LARGE = f"超过 {MAX_EXPORT_BYTES // 2**20} MB，请分段导出"
_SCHEMA = ExportRequest.model_json_schema()


def tools_router(assistant: PolicyAssistant, login: LoginCheck, limiter: RateLimiter) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    @router.get("/formulations", summary="提法库：各篇讲话中的提法（如“两个保障”）及其各项、出处")
    def list_formulations(
        request: Request,
        q: Annotated[str, Query(max_length=100, description="按名称、内容、讲话标题或讲话人查找")] = "",
        doc_id: Annotated[str | None, Query(max_length=80, description="只看这篇讲话")] = None,
        authorization: LoginHeader = None,
    ) -> dict[str, Any]:
        login(request, authorization)
        documents = assistant.corpus().documents
        if doc_id is not None:
            if doc_id not in documents:
                raise DocumentNotFoundError(doc_id)
            documents = {doc_id: documents[doc_id]}
        found = F.search(F.entries(documents), q)
        return {
            "count": len(found),
            "formulations": [e.to_dict() for e in found],
            "groups": [g.to_dict() for g in F.groups(found)],
        }

    @router.post(
        "/export",
        summary="导出一个回答或整段对话为 Word（.docx）或 Markdown（.md），出处列在文末",
        response_class=Response,
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": _SCHEMA}}}
        },
        responses={
            200: {"content": {MEDIA_TYPES["docx"]: {}, "text/markdown": {}}, "description": "导出的文件"},
            413: {"description": "请求过大"},
        },
    )
    async def export(request: Request) -> Response:
        limiter.check(request.client.host if request.client else "?")
        body = await read_export(request)
        content, media_type, name = await run_in_threadpool(export_file, body)
        disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
        return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})

    return router


def export_limiter(settings: Settings) -> RateLimiter:
    """Exports are counted apart from questions (a staff member exports what they just asked), with
    twice the room: building a file costs far less than an answer."""
    return RateLimiter(settings.rate_per_minute * 2 / 60.0, settings.rate_burst * 2)


async def read_export(request: Request) -> ExportRequest:
    """The body, read only when its declared size is within the bound (else 413 before reading), and
    read no further than the bound when no size is declared."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_EXPORT_BYTES:
        raise FileTooLargeError("导出内容", TOO_LARGE)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_EXPORT_BYTES:
            raise FileTooLargeError("导出内容", TOO_LARGE)
    try:
        data = json.loads(bytes(raw).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PolicyQAError("请求体不是有效的 UTF-8 文本。") from exc
    except ValueError as exc:
        raise PolicyQAError("请求体不是有效的 JSON。") from exc
    try:
        return ExportRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
