"""The documents tab's import queue (web/templates/jobs.html): each job, each file's stage, progress and result."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.jobs import Job, JobFile
from web.pages import render
from web.render_admin import MATCH_REASONS, STATUS_LABELS

JOB_STATES = {"queued": "排队中", "running": "导入中", "done": "已完成", "cancelled": "已取消"}
STAGES = {
    "queued": "等待",
    "parsing": "正在解析",
    "embedding": "正在向量化",
    "committing": "正在提交",
}
SHOWN_JOBS = 10


def render_jobs(jobs: Sequence[Job]) -> str:
    return render(
        "jobs.html",
        jobs=jobs[:SHOWN_JOBS],
        states=JOB_STATES,
        stages=STAGES,
        labels=STATUS_LABELS,
        reasons=MATCH_REASONS,
    )


def job_label(job: Job) -> str:
    names = "、".join(f.name for f in job.files[:3]) + ("…" if len(job.files) > 3 else "")
    return f"{job.job_id}：{names}（{JOB_STATES.get(job.state, job.state)}）"


def conflict_label(file: JobFile) -> str:
    match = file.report.matches[0] if file.report is not None and file.report.matches else None
    what = "同名文件" if match is not None and match.reason == "same_source" else "同一讲话"
    title = match.title if match is not None else ""
    return f"{file.name}（已有{what}：{title}）"
