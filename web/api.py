"""The JSON API: ask, documents (list / read / delete), import jobs (web/api_jobs.py: upload, follow,
cancel) and health, on the app's FastAPI.

Document changes need `Authorization: Bearer <POLICY_QA_ADMIN_TOKEN>`; the token is checked before
an upload's body is read. Errors are `{"error": "…"}` with the domain error's HTTP status.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assistant.records import Answer
from assistant.service import PolicyAssistant, Turn
from core.localtime import local_iso
from core.store import DocumentInfo
from errors import (
    DocumentNotFoundError,
    StoreUnavailableError,
)
from ingest.jobs import JobQueue
from ingest.pipeline import Ingestor
from settings import Settings
from web.admin_session import COOKIE, SESSION_SECONDS, AdminSessions
from web.api_admin import admin_router
from web.api_jobs import AdminNameHeader, AuthHeader, actor_of, jobs_router
from web.fair import FairUse, QuestionSlots, RateLimiter
from web.feedback import FeedbackLog
from web.security import LoginCheck, bearer_token, check_admin_token_throttled
from web.session import HISTORY_TURNS
from web.streaming import ask_events, respond
from web.throttle import FailureThrottle
from web.versions import HistoryService

MAX_QUESTION_CHARS = 10_000  # the body's bound; settings.max_question_chars refuses with a message
MAX_HISTORY_ITEMS = 50  # a client may send its whole transcript; the last HISTORY_TURNS are read
DocId = Annotated[str, StringConstraints(min_length=1, max_length=80)]

LoginHeader = Annotated[
    str | None,
    Header(description="只在设置了 POLICY_QA_AUTH 时需要：`Basic base64(用户名:密码)`", examples=["Basic …"]),
]


class HistoryTurn(BaseModel):
    """An earlier turn; only its question is read again (the answer may be sent back as it was)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=MAX_QUESTION_CHARS, description="之前的问题")
    answer: str | None = Field(default=None, max_length=100_000, description="之前的回答（可选）")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=MAX_QUESTION_CHARS, description="问题，如“两个保障是什么？”")
    top_k: int = Field(default=5, ge=1, le=20, description="返回的相关段落数")
    doc_ids: list[DocId] | None = Field(
        default=None, max_length=100, description="只在这些讲话中查找（GET /api/documents 的 doc_id）"
    )
    history: list[HistoryTurn] = Field(
        default_factory=list,
        max_length=MAX_HISTORY_ITEMS,
        description="这次对话中之前的问答（从早到晚），追问（如“第二个具体怎么做？”）据此理解",
    )
    stream: bool = Field(
        default=False,
        description="true：以 text/event-stream 逐步返回（event: partial 为已生成的文字，"
        "event: answer 为完整回答 JSON，出错时 event: error）",
    )


class AdminLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=1024, description="管理员令牌（POLICY_QA_ADMIN_TOKEN）")


class DeleteResult(BaseModel):
    deleted: dict[str, Any]


class ErrorBody(BaseModel):
    """Every error: a message a person can act on (Chinese)."""

    error: str = Field(examples=["请输入问题。"])


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "管理员令牌缺失或不正确；或设置了 POLICY_QA_AUTH 而未登录"),
        (403, "未配置管理员令牌：文档只读"),
        (404, "没有这篇讲话"),
        (413, "文件过大"),
        (415, "不支持的文件类型"),
        (422, "请求无效（如问题为空、top_k 超出 1..20）"),
        (503, "向量库不可用"),
    )
}


def api_router(
    settings: Settings,
    assistant: PolicyAssistant,
    ingestor: Ingestor,
    *,
    model_loaded: Callable[[], bool] = lambda: False,
    sessions: AdminSessions | None = None,
    throttle: FailureThrottle | None = None,
    fair: FairUse | None = None,
    jobs: JobQueue | None = None,
    history: HistoryService | None = None,
    feedback: FeedbackLog | None = None,
) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"], responses=_ERRORS)
    admin_sessions = sessions or AdminSessions()
    fair_use = fair or fair_use_from(settings)

    login = LoginCheck(settings.auth, throttle)

    def check_token(request: Request, given: str | None) -> None:
        client = request.client.host if request.client else "?"
        check_admin_token_throttled(throttle, client, settings.admin_token, given)

    @router.post("/admin/session", summary="用管理员令牌换取文档管理会话（Cookie；上传文件需要）")
    def admin_session(login: AdminLogin, request: Request) -> JSONResponse:
        check_token(request, login.token)
        response = JSONResponse({"ok": True, "expires_in": SESSION_SECONDS})
        response.set_cookie(
            COOKIE,
            admin_sessions.issue(session=admin_sessions.verify(request.cookies.get(COOKIE))),
            max_age=SESSION_SECONDS,
            path=(request.scope.get("root_path") or "").rstrip("/") + "/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post(
        "/ask",
        summary="提问：返回带引用的回答（可带对话历史；stream=true 时逐步返回）",
        response_model=None,
        responses={200: {"content": {"application/json": {}, "text/event-stream": {}}}},
    )
    async def ask(
        request: AskRequest, http: Request, authorization: LoginHeader = None
    ) -> dict[str, Any] | StreamingResponse:
        login(http, authorization)
        fair_use.check_question(request.question)
        fair_use.limiter.check(http.client.host if http.client else "?")
        history = [Turn(t.question) for t in request.history][-HISTORY_TURNS:]
        options: dict[str, Any] = {"top_k": request.top_k, "doc_ids": request.doc_ids, "history": history}

        return await respond(
            assistant,
            fair_use.slots,
            request.question,
            options,
            stream=request.stream,
            as_json=Answer.to_dict,
            as_events=ask_events,
        )

    @router.get("/documents", summary="已收录的讲话")
    def list_documents(request: Request, authorization: LoginHeader = None) -> dict[str, Any]:
        login(request, authorization)
        documents = [_info(d) for d in ingestor.list_documents()]
        return {"count": len(documents), "documents": documents}

    @router.get("/documents/{doc_id}", summary="一篇讲话的信息和清洗后的全文（查看原文）")
    def get_document(
        doc_id: Annotated[str, Path(max_length=80)], request: Request, authorization: LoginHeader = None
    ) -> dict[str, Any]:
        login(request, authorization)
        corpus = assistant.corpus()
        doc = corpus.documents.get(doc_id)
        info = corpus.manifest.documents.get(doc_id)
        if doc is None or info is None:
            raise DocumentNotFoundError(doc_id)
        sections = [
            {"section_id": s.section_id, "level": s.level, "label": s.label, "start": s.start, "end": s.end}
            for s in doc.sections
        ]
        return _info(info) | {"meeting": doc.meeting, "text": doc.text, "sections": sections}

    @router.delete("/documents/{doc_id}", summary="删除一篇讲话（需管理员令牌）")
    def delete(
        doc_id: Annotated[str, Path(max_length=80)],
        request: Request,
        authorization: AuthHeader = None,
        x_admin_name: AdminNameHeader = None,
    ) -> DeleteResult:
        check_token(request, bearer_token(authorization))
        info = ingestor.delete(doc_id)
        if history is not None:
            history.recorder.deleted(info, actor=actor_of(x_admin_name))
        return DeleteResult(deleted=_info(info))

    @router.get("/health", summary="服务状态")
    def health() -> JSONResponse:
        status: dict[str, Any] = {"model_loaded": model_loaded(), "answerer": _answerer(settings)}
        try:
            corpus = assistant.corpus()
        except StoreUnavailableError as exc:
            return JSONResponse(status | {"status": "unavailable", "store": False, "error": exc.message}, 503)
        documents = len(corpus.manifest.documents)
        return JSONResponse(
            status | {"status": "ok", "store": True, "documents": documents, "generation": corpus.generation}
        )

    # uploads are import jobs (web/api_jobs.py): the same token check, the same error bodies
    queue = jobs or JobQueue(ingestor)
    router.include_router(jobs_router(settings, queue, check_token, bearer_token))
    if history is not None and feedback is not None:  # audit, feedback review, versions, original files

        def admin(request: Request, authorization: str | None) -> None:
            check_token(request, bearer_token(authorization))

        router.include_router(admin_router(admin, login, history, feedback))
    return router


def fair_use_from(settings: Settings) -> FairUse:
    return FairUse(
        RateLimiter(settings.rate_per_minute / 60.0, settings.rate_burst),
        QuestionSlots(settings.max_active_questions, settings.max_waiting_questions),
        settings.max_question_chars,
    )


def _info(info: DocumentInfo) -> dict[str, Any]:
    return dataclasses.asdict(info) | {
        "sources": list(info.sources),
        "ingested_at": local_iso(info.ingested_at),  # the server's zone, as on the pages
    }


def _answerer(settings: Settings) -> str:
    return "generative" if settings.llm_base_url and settings.llm_model else "extractive"
