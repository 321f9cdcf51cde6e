"""Uploads as background jobs: one worker thread imports them in order, each file observable and cancellable.

Why (issue 13, finding 7): a 15 MB HTML file took 88 s to parse and about an hour to embed inside a
request that could not be cancelled, with questions at 25–28 s meanwhile. Here the request only checks
and queues the files and returns a job id; ONE worker (so an import never takes more than one core's
worth of the machine from the askers, and writers never queue on the index lock) imports them, at a
lower CPU priority than the threads that answer questions. Each file reports its stage and
"passages embedded n/m" (ingest/progress.py); a cancel stops it before its commit, so the index stays
exactly as it was. Jobs are kept in memory (the last `keep` of them, for `keep_s`): a restart forgets
them, not what they committed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from errors import JobNotFoundError, JobQueueFullError, PolicyQAError
from ingest.history import ChangeRecorder
from ingest.pipeline import FileReport, Ingestor
from ingest.progress import CancelFlag

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "cancelled"]
Action = Literal["replace", "keep"]
_FINAL: frozenset[str] = frozenset({"done", "cancelled"})
_FILE_HTTP = {"ok": 200, "unchanged": 200, "conflict": 409, "cancelled": 409}
WORKER_NICENESS = 10  # below the threads that answer questions (Linux: per thread)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")  # the server's local time


@dataclass
class JobFile:
    name: str
    data: bytes | None  # dropped once imported; kept while a conflict waits for a decision
    stage: str = "queued"  # queued → parsing → embedding → committing → done
    to_embed: int = 0
    embedded: int = 0
    report: FileReport | None = None
    http_status: int = 200  # of the result: 200, or the failure's (415, 413, 409 …)
    resolved_by: str = ""  # the job that carried out the administrator's decision on a conflict

    def to_dict(self) -> dict[str, Any]:
        report = dataclasses.asdict(self.report) if self.report is not None else None
        status = self.report.status if self.report is not None else "pending"
        return {
            "name": self.name,
            "stage": self.stage,
            "status": status,
            "embedded": self.embedded,
            "to_embed": self.to_embed,
            "resolved_by": self.resolved_by,
            "report": report,
        }


@dataclass
class Job:
    job_id: str
    files: list[JobFile]
    replace: bool
    ask: bool
    actor: str = ""  # the administrator's name, for the audit log
    restore: bool = False  # an earlier version imported again (audited as a restore)
    retire: tuple[str, ...] = ()  # doc ids a restore retires if its own commit did not
    tags: tuple[str, ...] = ()
    state: JobState = "queued"
    created_at: str = field(default_factory=_now)
    finished_at: str = ""
    cancel: CancelFlag = field(default_factory=CancelFlag)
    finished: threading.Event = field(default_factory=threading.Event)
    ended: float = 0.0  # monotonic, for forgetting old jobs

    @property
    def http_status(self) -> int:
        """200 when any file went in (or was already there), else the first file's failure status."""
        statuses = [f.http_status for f in self.files]
        return 200 if 200 in statuses else (statuses[0] if statuses else 400)

    @property
    def reports(self) -> list[FileReport]:
        return [f.report for f in self.files if f.report is not None]

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for report in self.reports:
            counts[report.status] = counts.get(report.status, 0) + 1
        return {
            "job_id": self.job_id,
            "state": self.state,
            "replace": self.replace,
            "actor": self.actor,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "cancel_requested": bool(self.cancel),
            "files": [f.to_dict() for f in self.files],
            "counts": counts,
            "collapsed": sum(r.collapsed for r in self.reports),
            "embedded": sum(f.embedded for f in self.files),
            "to_embed": sum(f.to_embed for f in self.files),
        }


class _FileObserver:
    """The IngestObserver of one file of a job (called from the worker thread)."""

    def __init__(self, job: Job, file: JobFile) -> None:
        self._job, self._file = job, file

    def stage(self, stage: str) -> None:
        self._file.stage = stage

    def parsed(self, docs: int, to_embed: int, collapsed: int) -> None:
        self._file.to_embed = to_embed

    def embedded(self, count: int) -> None:
        self._file.embedded += count

    def check(self) -> None:
        self._job.cancel.raise_if_set()


class JobQueue:
    def __init__(
        self,
        ingestor: Ingestor,
        *,
        max_waiting: int = 8,
        max_held_bytes: int = 256 * 2**20,
        keep: int = 50,
        keep_s: float = 3600.0,
        on_change: Callable[[], None] | None = None,
        recorder: ChangeRecorder | None = None,
    ) -> None:
        self._ingestor = ingestor
        self._max_waiting = max_waiting
        # the bytes of queued files and of conflicts awaiting a decision live in memory: bounded together
        self._max_held_bytes = max_held_bytes
        self._keep, self._keep_s = keep, keep_s
        self._on_change = on_change  # called after a job committed something (caches, UI lists)
        self.recorder = recorder  # keeps each committed file's original and audits the change
        self._jobs: dict[str, Job] = {}  # in submission order
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    # --- what the edges call ---------------------------------------------------------------------

    def submit(
        self,
        files: Sequence[tuple[str, bytes]],
        *,
        replace: bool = False,
        ask: bool = True,
        rejected: Sequence[tuple[FileReport, int]] = (),
        actor: str = "",
        restore: bool = False,
        retire: Sequence[str] = (),
        tags: Sequence[str] = (),
    ) -> Job:
        """Queue `files` (already checked: name, bytes); `rejected` files (report, HTTP status) are
        listed in the job as failed, so the job says what happened to every file of the upload."""
        entries = [
            JobFile(report.source, None, "done", report=report, http_status=status)
            for report, status in rejected
        ]
        entries += [JobFile(name, data) for name, data in files]
        job = Job(
            "j" + secrets.token_hex(6), entries, replace, ask, actor, restore, tuple(retire), tuple(tags)
        )
        with self._lock:
            self._forget_old()
            waiting = sum(1 for j in self._jobs.values() if j.state == "queued")
            if files and waiting >= self._max_waiting:
                raise JobQueueFullError(f"已有 {waiting} 个导入任务在排队，请等前面的任务完成后再上传。")
            held = sum(len(f.data) for j in self._jobs.values() for f in j.files if f.data is not None)
            if files and held + sum(len(data) for _, data in files) > self._max_held_bytes:
                raise JobQueueFullError(
                    f"等待导入和等待确认的文件已有 {held / 2**20:.0f} MB（上限 {self._max_held_bytes / 2**20:.0f} MB）："
                    "请等排队的任务完成，或先处理待确认的文件，再上传。"
                )
            self._jobs[job.job_id] = job
            if not files:  # nothing to import: finished at once
                self._finish(job)
                return job
            self._start_worker()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFoundError(job_id)
        return job

    def jobs(self) -> list[Job]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def cancel(self, job_id: str) -> Job:
        """Stops the job before its next commit; files already committed stay committed."""
        job = self.get(job_id)
        if job.state not in _FINAL:
            job.cancel.set()
        return job

    def wait(self, job_id: str, timeout_s: float | None = None) -> Job:
        job = self.get(job_id)
        job.finished.wait(timeout_s)
        return job

    def resolve(self, job_id: str, name: str, action: Action, *, actor: str = "") -> Job:
        """Carry out the administrator's decision on a file that came back as a conflict: a new job
        that imports it again, replacing what it matched ("replace") or beside it ("keep")."""
        job = self.get(job_id)
        file = next((f for f in job.files if f.name == name and f.data is not None), None)
        if file is None or file.report is None or file.report.status != "conflict":
            raise PolicyQAError(f"任务 {job_id} 中没有等待确认的文件 {name}（可能已处理或已过期）。")
        assert file.data is not None
        if action == "keep" and any(m.reason == "same_source" for m in file.report.matches):
            raise PolicyQAError(
                f"已有同名文件 {name}：同名的两个文件不能同时保留，请改名后再上传，或选择替换。"
            )
        data, file.data = file.data, None  # counted once against the byte budget, in the new job
        try:
            follow_up = self.submit(
                [(file.name, data)],
                replace=action == "replace",
                ask=False,
                actor=actor or job.actor,
                tags=job.tags,
            )
        except PolicyQAError:
            file.data = data
            raise
        file.resolved_by = follow_up.job_id
        return follow_up

    def pending_conflicts(self) -> list[tuple[Job, JobFile]]:
        return [(j, f) for j in self.jobs() for f in j.files if f.data is not None and j.state in _FINAL]

    def close(self, timeout_s: float = 10.0) -> None:
        """Cancel what runs, drop what waits, stop the worker."""
        for job in self.jobs():
            job.cancel.set()
        self._queue.put(None)
        if self._worker is not None:
            self._worker.join(timeout_s)

    # --- the worker ----------------------------------------------------------------------------

    def _start_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="ingest-jobs", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        _lower_priority()
        while (job := self._queue.get()) is not None:
            try:
                self._run(job)
            except Exception:  # a bug: the job ends, the worker goes on with the next one
                log.exception("import job %s failed", job.job_id)
            finally:
                with self._lock:
                    self._finish(job)

    def _run(self, job: Job) -> None:
        job.state = "running"
        changed = False
        for file in job.files:
            if file.report is not None:  # refused before it was queued
                continue
            if job.cancel:
                file.report = FileReport(source=file.name, status="cancelled", error="导入已取消")
            else:
                file.report = self._import(job, file)
                changed = changed or file.report.status == "ok"
                if file.report.status == "ok":
                    self._committed(job, file, file.report)
            file.stage = "done"
            file.http_status = _FILE_HTTP.get(file.report.status, 400)
            if file.report.status != "conflict":
                file.data = None
        if changed and self._on_change is not None:
            self._on_change()

    def _import(self, job: Job, file: JobFile) -> FileReport:
        assert file.data is not None
        report = self._ingestor.ingest_bytes(
            file.data, file.name, replace=job.replace, ask=job.ask, observer=_FileObserver(job, file)
        )
        return report.files[0]

    def _committed(self, job: Job, file: JobFile, report: FileReport) -> None:
        """A restore retires what its own commit did not (an earlier version under another file name);
        then the original is archived and the change audited. A failure here is logged: the import stands."""
        try:
            for doc_id in job.retire:
                if doc_id not in report.retired and doc_id not in report.doc_ids:
                    try:
                        self._ingestor.delete(doc_id)
                    except PolicyQAError:  # deleted meanwhile
                        continue
                    report.retired.append(doc_id)
            if self.recorder is not None and file.data is not None:
                documents = {d.doc_id: d for d in self._ingestor.list_documents()}
                self.recorder.imported(
                    report, file.data, documents, actor=job.actor, restore=job.restore, tags=job.tags
                )
        except Exception:
            log.exception("recording the change of %s failed", file.name)

    def _finish(self, job: Job) -> None:
        job.state = (
            "cancelled" if job.cancel and any(r.status == "cancelled" for r in job.reports) else "done"
        )
        job.finished_at = _now()
        job.ended = time.monotonic()
        job.finished.set()

    def _forget_old(self) -> None:
        now = time.monotonic()
        finished = [j for j in self._jobs.values() if j.state in _FINAL]
        for job in finished[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[job.job_id]
        for job in finished:
            if now - job.ended > self._keep_s and job.job_id in self._jobs:
                del self._jobs[job.job_id]


def _lower_priority() -> None:
    try:  # Linux applies a niceness per thread: only this worker (and threads it starts) yields
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
    except (OSError, AttributeError):
        log.info("could not lower the import worker's priority")
