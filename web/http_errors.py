"""Errors at the HTTP edge: always `{"error": "<readable message>"}`, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from errors import PolicyQAError, QuestionTooLongError
from web.http_status import status_of

log = logging.getLogger(__name__)

INTERNAL_ERROR = "服务器内部错误，请稍后再试。"
_HTTP_MESSAGES = {404: "没有这个地址。", 405: "不支持这种请求方法。"}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PolicyQAError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)


def install_fallback_routes(app: FastAPI, prefixes: Sequence[str] = ("/api", "/v1")) -> None:
    """Unknown paths and wrong methods under the JSON APIs answer 404 / 405 in JSON. Without this the
    Gradio mount at "/" (which takes whatever no route fully matched) would answer GET on a POST
    route with its own 404 page."""
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    async def fallback(request: Request) -> None:
        routes = [  # the JSON routes only: the Gradio mount takes every path
            r
            for r in app.router.routes
            if not isinstance(r, Mount) and getattr(r, "endpoint", None) is not fallback
        ]
        allowed = [
            method
            for method in methods
            if any(route.matches(dict(request.scope, method=method))[0] is Match.FULL for route in routes)
        ]
        if allowed:
            raise HTTPException(405, headers={"Allow": ", ".join(allowed)})
        raise HTTPException(404)

    for prefix in prefixes:
        app.add_api_route(f"{prefix}/{{rest:path}}", fallback, methods=methods, include_in_schema=False)


_REFUSALS = {429, 503, 413}  # refusals under load or abuse: logged once per client (web/refusals.py)


async def _domain_error(request: Request, exc: PolicyQAError) -> JSONResponse:
    status = status_of(exc)
    refusals = getattr(request.app.state, "refusals", None)
    if refusals is not None and (status in _REFUSALS or isinstance(exc, QuestionTooLongError)):
        refusals.refused(type(exc).__name__, request.client.host if request.client else "?")
    if status >= 500:
        log.warning("%s %s: %s (%s)", request.method, request.url.path, exc.message, exc.detail)
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after else None
    status = 400 if status == 422 and _openai(request) else status  # OpenAI's status
    return JSONResponse(error_body(request, exc.message, status), status, headers=headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    details = [{"field": _field(e.get("loc", ())), "message": readable(e)} for e in exc.errors()]
    message = "；".join(d["message"] for d in details) or "请求无效。"
    if _openai(request):  # OpenAI's clients expect 400 for a request they could have got right
        return JSONResponse(error_body(request, message, 400), status_code=400)
    return JSONResponse({"error": message, "details": details}, status_code=422)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    message = _HTTP_MESSAGES.get(exc.status_code) or str(exc.detail)
    body = error_body(request, message, exc.status_code)
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body(request, INTERNAL_ERROR, 500), status_code=500)


_OPENAI_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


def error_body(request: Request, message: str, status: int) -> dict[str, Any]:
    """`{"error": message}`; under /v1 (the OpenAI-compatible API) OpenAI's shape, which its clients
    read into their exceptions: `{"error": {"message": …, "type": …, "code": …}}`."""
    if not _openai(request):
        return {"error": message}
    kind = "server_error" if status >= 500 else _OPENAI_TYPES.get(status, "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _openai(request: Request) -> bool:
    path = request.scope.get("path", "")
    root = (request.scope.get("root_path") or "").rstrip("/")
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return path.startswith("/v1/")


def readable(error: dict[str, Any]) -> str:
    """A pydantic error as one short Chinese sentence naming the field."""
    field = _field(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    messages = {
        "missing": f"缺少字段 {field}" if field else "缺少请求体（JSON）",
        "string_too_long": f"{field} 最多 {ctx.get('max_length')} 个字符",
        "string_too_short": f"{field} 不能为空",
        "too_long": f"{field} 最多 {ctx.get('max_length')} 项",
        "greater_than_equal": f"{field} 不能小于 {ctx.get('ge')}",
        "less_than_equal": f"{field} 不能大于 {ctx.get('le')}",
        "int_parsing": f"{field} 必须是整数",
        "int_type": f"{field} 必须是整数",
        "int_from_float": f"{field} 必须是整数",
        "string_type": f"{field} 必须是文字（字符串）",
        "list_type": f"{field} 必须是列表",
        "bool_parsing": f"{field} 必须是 true 或 false",
        "extra_forbidden": f"不支持的字段 {field}",
        "json_invalid": "请求体不是有效的 JSON",
        "model_attributes_type": "请求体必须是 JSON 对象",
        "dict_type": "请求体必须是 JSON 对象",
    }
    return messages.get(kind) or f"{field or '请求'}：{error.get('msg', '无效')}"


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)
