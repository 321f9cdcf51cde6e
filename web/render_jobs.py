"""HTML for the documents tab's import queue: each job, each file's stage, progress and result."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.jobs import Job, JobFile
from web.render import esc
from web.render_admin import file_outcome

JOB_STATES = {"queued": "排队中", "running": "导入中", "done": "已完成", "cancelled": "已取消"}
STAGES = {
    "queued": "等待",
    "parsing": "正在解析",
    "embedding": "正在向量化",
    "committing": "正在提交",
}
SHOWN_JOBS = 10


def render_jobs(jobs: Sequence[Job]) -> str:
    if not jobs:
        return '<div class="qa-jobs-empty">还没有导入任务。上传文件后，进度和结果会显示在这里。</div>'
    return '<div class="qa-jobs">' + "".join(_job(j) for j in jobs[:SHOWN_JOBS]) + "</div>"


def _job(job: Job) -> str:
    state = JOB_STATES.get(job.state, job.state)
    if job.cancel and job.state == "running":
        state = "正在取消…"
    collapsed = sum(r.collapsed for r in job.reports)
    extra = f"，合并重复句 {collapsed} 个" if collapsed else ""
    files = "".join(_file(f) for f in job.files)
    return (
        f'<div class="qa-job qa-job-{esc(job.state)}" data-job="{esc(job.job_id)}">'
        f'<div class="qa-job-head"><b>任务 {esc(job.job_id)}</b> · {esc(state)} · '
        f"{len(job.files)} 个文件{extra} · 提交于 {esc(_clock(job.created_at))}</div>"
        f'<ul class="qa-job-files">{files}</ul></div>'
    )


def _file(file: JobFile) -> str:
    name = f"<b>{esc(file.name)}</b> — "
    if file.report is not None:
        return f'<li class="qa-file qa-file-{esc(file.report.status)}">{name}{file_outcome(file.report)}</li>'
    stage = STAGES.get(file.stage, file.stage)
    if file.stage == "embedding" and file.to_embed:
        percent = min(100, round(100 * file.embedded / file.to_embed))
        bar = (
            f'<progress max="{file.to_embed}" value="{file.embedded}"></progress> '
            f"{file.embedded}/{file.to_embed} 段（{percent}%）"
        )
        return f'<li class="qa-file qa-file-running">{name}{stage} {bar}</li>'
    return f'<li class="qa-file qa-file-running">{name}{stage}</li>'


def job_label(job: Job) -> str:
    names = "、".join(f.name for f in job.files[:3]) + ("…" if len(job.files) > 3 else "")
    return f"{job.job_id}：{names}（{JOB_STATES.get(job.state, job.state)}）"


def conflict_label(file: JobFile) -> str:
    match = file.report.matches[0] if file.report is not None and file.report.matches else None
    what = "同名文件" if match is not None and match.reason == "same_source" else "同一讲话"
    title = match.title if match is not None else ""
    return f"{file.name}（已有{what}：{title}）"


def _clock(iso: str) -> str:
    return iso[11:19] if len(iso) >= 19 else iso
