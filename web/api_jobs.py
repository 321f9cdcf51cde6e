"""Uploads as import jobs over HTTP: `POST /api/documents` queues a job; `/api/jobs…` follow, cancel and
decide on them. Every route needs the admin token (`Authorization: Bearer …`), checked before a body
is read.

`POST /api/documents` answers 202 with the job (its id, and where to follow it) as soon as the files
are checked; with `wait=true` it answers once the job has finished, with the per-file results as it
always did (scripts that want the result in one call). A file that would replace a speech of the
same file name, or duplicate one with the same title, speaker and date, is not imported until the
administrator decides (`POST /api/jobs/{id}/resolve`), unless `replace=true` was given.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from errors import FileTooLargeError, PolicyQAError
from ingest.audit import admin_name
from ingest.jobs import Job, JobQueue
from ingest.pipeline import IngestReport
from settings import Settings
from web.library_filter import parse_tags
from web.uploads import MAX_FILES, submit_uploads

MAX_WAIT_S = 600.0  # a `wait=true` request answers 202 with the running job after this long
JobId = Annotated[str, Path(max_length=40, description="POST /api/documents 返回的 job_id")]
AuthHeader = Annotated[
    str | None, Header(description="`Bearer <管理员令牌>`（POLICY_QA_ADMIN_TOKEN）", examples=["Bearer …"])
]
AdminNameHeader = Annotated[
    str | None,
    Header(
        alias="X-Admin-Name",
        description="管理员姓名，记入审计日志（非 ASCII 字符请用 UTF-8 百分号编码，如 %E5%BC%A0%E4%B8%89）",
        examples=["%E5%BC%A0%E4%B8%89"],
    ),
]
CheckToken = Callable[[Request, str | None], None]


def actor_of(header: str | None) -> str:
    """The administrator's name from X-Admin-Name: percent-encoded UTF-8 (what clients can send), or
    raw UTF-8 bytes (which Starlette hands over as Latin-1)."""
    raw = header or ""
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        raw = raw.encode("latin-1").decode("utf-8")
    return admin_name(unquote(raw, errors="replace"))


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "replace": {"type": "boolean", "default": False},
                    },
                }
            }
        },
    }
}


class Resolve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str = Field(max_length=200, description="等待确认的文件名（任务里 files[].name）")
    action: Literal["replace", "keep"] = Field(
        description="replace：替换同名或同标题、讲话人、日期的旧版本；keep：作为另一篇讲话保留（同名文件不可）"
    )


def jobs_router(
    settings: Settings, jobs: JobQueue, check_token: CheckToken, bearer: Callable[[str | None], str | None]
) -> APIRouter:
    router = APIRouter()  # included by api_router (its /api prefix, tags and error responses)
    max_bytes = settings.max_upload_mb * 2**20

    def admin(request: Request, authorization: str | None) -> None:
        check_token(request, bearer(authorization))

    @router.post(
        "/documents",
        summary="上传讲话文件（需管理员令牌）：返回导入任务；wait=true 时等导入完成再返回结果",
        openapi_extra=_UPLOAD_BODY,
        response_model=None,
        status_code=202,
    )
    async def upload(
        request: Request,
        replace: Annotated[bool, Query(description="替换同名文件或标题、讲话人、日期相同的旧版本")] = False,
        wait: Annotated[bool, Query(description="等导入完成再返回（大文件可能需要很久）")] = False,
        tags: Annotated[
            str, Query(max_length=200, description="标签，逗号分隔（可选，用于文档库筛选）")
        ] = "",
        authorization: AuthHeader = None,
        x_admin_name: AdminNameHeader = None,
    ) -> JSONResponse:
        admin(request, authorization)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes * MAX_FILES + 2**20:
            raise FileTooLargeError("上传内容", f"总大小超过上限（每个文件 {settings.max_upload_mb} MB）")
        files, replace_field = await _read_form(request)
        job = submit_uploads(
            jobs,
            files,
            replace=replace or replace_field,
            max_bytes=max_bytes,
            actor=actor_of(x_admin_name),
            tags=parse_tags(tags),
        )
        if wait:
            job = await run_in_threadpool(jobs.wait, job.job_id, MAX_WAIT_S)
        return job_response(request, job)

    @router.get("/jobs", summary="导入任务（最近的在前；需管理员令牌）")
    def list_jobs(request: Request, authorization: AuthHeader = None) -> dict[str, Any]:
        admin(request, authorization)
        return {"jobs": [job.to_dict() for job in jobs.jobs()]}

    @router.get("/jobs/{job_id}", summary="一个导入任务的进度和结果（需管理员令牌）")
    def get_job(job_id: JobId, request: Request, authorization: AuthHeader = None) -> dict[str, Any]:
        admin(request, authorization)
        return jobs.get(job_id).to_dict()

    @router.post("/jobs/{job_id}/cancel", summary="取消导入任务：未提交的文件不会改变索引（需管理员令牌）")
    def cancel_job(job_id: JobId, request: Request, authorization: AuthHeader = None) -> dict[str, Any]:
        admin(request, authorization)
        return jobs.cancel(job_id).to_dict()

    @router.post(
        "/jobs/{job_id}/resolve",
        summary="对待确认的文件（同名或同一讲话的新版本）作出决定：替换或保留两篇（需管理员令牌）",
        status_code=202,
    )
    def resolve(
        job_id: JobId,
        decision: Resolve,
        request: Request,
        authorization: AuthHeader = None,
        x_admin_name: AdminNameHeader = None,
    ) -> JSONResponse:
        admin(request, authorization)
        job = jobs.resolve(job_id, decision.file, decision.action, actor=actor_of(x_admin_name))
        return job_response(request, job)

    return router


def job_response(request: Request, job: Job) -> JSONResponse:
    """202 while the job runs; once finished, the per-file results (as the synchronous upload gave
    them) with the job's status: 200 when a file went in, else the first failure's (409: a decision
    is needed)."""
    root = (request.scope.get("root_path") or "").rstrip("/")
    body = job.to_dict() | {"status_url": f"{root}/api/jobs/{job.job_id}"}
    if not job.finished.is_set():
        return JSONResponse(body, status_code=202)
    status = job.http_status
    body |= IngestReport(files=job.reports).to_dict() | {"ok": status == 200}
    failed = [f for f in job.reports if f.status != "ok" and f.status != "unchanged"]
    if status != 200 and failed:
        body["error"] = f"{failed[0].source}: {failed[0].error or _CONFLICT}"
    return JSONResponse(body, status_code=status)


_CONFLICT = "已有同名文件或标题、讲话人、日期相同的讲话：请选择替换旧版本，或保留两篇"


async def _read_form(request: Request) -> tuple[list[tuple[str, bytes]], bool]:
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=20)
    except Exception as exc:  # Starlette raises HTTPException / MultiPartException on a malformed body
        raise PolicyQAError(
            f"上传内容无效（multipart/form-data，字段 files，最多 {MAX_FILES} 个文件）"
        ) from exc
    try:
        uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
        if not uploads:
            raise PolicyQAError("请用 multipart/form-data 上传至少一个文件（字段名 files）。")
        files = [(u.filename or "", await u.read()) for u in uploads]
        replace = str(form.get("replace", "")).strip().lower() in {"1", "true", "yes", "on"}
        return files, replace
    finally:
        await form.close()
