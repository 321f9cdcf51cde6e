"""Administrators' review over HTTP: the audit log, the feedback votes, version history (list, diff,
restore) and the original files. Included by api_router (its /api prefix, tags and error bodies).

The audit log, feedback and versions need the admin token; an original file is as readable as the
speech's text (`GET /api/documents/{id}`), so it needs only the chat's login when one is set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from errors import InvalidQuestionError
from web.api_jobs import AdminNameHeader, AuthHeader, actor_of, job_response
from web.feedback import FeedbackLog
from web.review import (
    AUDIT_FIELDS,
    FeedbackFilter,
    audit_rows,
    eval_jsonl,
    feedback_rows,
    parse_day,
    to_csv,
    to_jsonl,
)
from web.versions import HistoryService

Admin = Callable[[Request, str | None], None]  # raises unless the bearer header holds the admin token
Login = Callable[[Request, str | None], None]
VersionId = Annotated[str, Path(max_length=40, description="版本号（GET …/versions 返回的 version_id）")]
DocPath = Annotated[str, Path(max_length=80)]


def admin_router(admin: Admin, login: Login, history: HistoryService, feedback: FeedbackLog) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/audit",
        summary="文档变更审计日志：谁（管理员姓名）、做了什么、何时（服务器本地时间）；可导出 JSONL / CSV（需管理员令牌）",
        response_model=None,
        responses={200: {"content": {"application/json": {}, "application/x-ndjson": {}, "text/csv": {}}}},
    )
    def audit(
        request: Request,
        format: Annotated[Literal["json", "jsonl", "csv"], Query(description="json、jsonl 或 csv")] = "json",
        limit: Annotated[int, Query(ge=0, le=100_000, description="最多返回多少条（0 = 全部）")] = 0,
        authorization: AuthHeader = None,
    ) -> Any:
        admin(request, authorization)
        rows = audit_rows(history.recorder.audit.read(), limit=limit)
        if format == "csv":
            return _file(to_csv(rows, AUDIT_FIELDS), "text/csv; charset=utf-8", "audit.csv")
        if format == "jsonl":
            return _file(to_jsonl(rows), "application/x-ndjson; charset=utf-8", "audit.jsonl")
        return {"count": len(rows), "timezone": "server-local", "entries": rows}

    @router.get(
        "/feedback",
        summary="用户反馈（👍/👎 与意见）：可筛选；format=jsonl 导出为评测集格式的用例草稿（需管理员令牌）",
        response_model=None,
        responses={200: {"content": {"application/json": {}, "application/x-ndjson": {}}}},
    )
    def list_feedback(
        request: Request,
        rating: Annotated[Literal["", "up", "down"], Query(description="up、down 或空（全部）")] = "",
        with_comment: Annotated[bool, Query(description="只看带意见的")] = False,
        since: Annotated[
            str, Query(max_length=10, description="起始日期 YYYY-MM-DD（含，服务器本地时间）")
        ] = "",
        until: Annotated[str, Query(max_length=10, description="截止日期 YYYY-MM-DD（含）")] = "",
        q: Annotated[str, Query(max_length=200, description="问题、回答或意见中包含的文字")] = "",
        format: Annotated[
            Literal["json", "jsonl"], Query(description="json，或 jsonl（评测集格式）")
        ] = "json",
        authorization: AuthHeader = None,
    ) -> Any:
        admin(request, authorization)
        keep = FeedbackFilter(rating, with_comment, _day(since), _day(until), q)
        rows = feedback_rows(feedback.latest(), keep)
        if format == "jsonl":
            return _file(eval_jsonl(rows), "application/x-ndjson; charset=utf-8", "feedback_eval.jsonl")
        return {"count": len(rows), "entries": rows}

    @router.get("/documents/{doc_id}/versions", summary="一篇讲话的版本历史（最新的在前；需管理员令牌）")
    def versions(doc_id: DocPath, request: Request, authorization: AuthHeader = None) -> dict[str, Any]:
        admin(request, authorization)
        found = history.versions(doc_id)
        return {
            "versions": [
                dataclasses.asdict(v.record) | {"number": v.number, "current": v.current} for v in found
            ]
        }

    @router.get("/versions/{old_id}/diff/{new_id}", summary="两个版本之间的改动（按句比较；需管理员令牌）")
    def diff(
        old_id: VersionId, new_id: VersionId, request: Request, authorization: AuthHeader = None
    ) -> dict[str, Any]:
        admin(request, authorization)
        found = history.diff(old_id, new_id)
        return {
            "old": found.old.record.version_id,
            "new": found.new.record.version_id,
            "blocks": [
                {"op": b.op, "count": len(b.sentences)}
                | ({"sentences": list(b.sentences)} if b.op != "same" else {})
                for b in found.blocks
            ],
        }

    @router.post(
        "/versions/{version_id}/restore",
        summary="恢复一个早期版本：作为替换导入（导入任务），记入审计日志（需管理员令牌）",
        status_code=202,
    )
    def restore(
        version_id: VersionId,
        request: Request,
        authorization: AuthHeader = None,
        x_admin_name: AdminNameHeader = None,
    ) -> JSONResponse:
        admin(request, authorization)
        return job_response(request, history.restore(version_id, actor=actor_of(x_admin_name)))

    @router.get(
        "/documents/{doc_id}/file",
        summary="下载讲话的原始文件",
        response_class=Response,
        responses={200: {"content": {"application/octet-stream": {}}, "description": "上传时的原始文件"}},
    )
    def original(doc_id: DocPath, request: Request, authorization: AuthHeader = None) -> Response:
        login(request, authorization)
        found = history.original(doc_id)
        return _file(found.data, found.media_type, found.name)

    return router


def _day(text: str) -> Any:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise InvalidQuestionError(f"日期格式应为 YYYY-MM-DD：{text[:20]}") from exc


def _file(content: str | bytes, media_type: str, name: str) -> Response:
    """An attachment (never shown inline: an uploaded HTML file must not run in our origin) with an ASCII
    fallback name and the real one in RFC 5987 form."""
    suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
    fallback = f"download.{suffix}" if not name.isascii() or '"' in name or "\\" in name else name
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=media_type, headers=headers)
