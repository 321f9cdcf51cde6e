"""Import jobs (ingest/jobs.py) on a real embedded Chroma with the fake embedder: progress, cancel,
new versions waiting for a decision, a bounded queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from errors import JobQueueFullError, PolicyQAError
from ingest.jobs import Job, JobQueue
from ingest.pipeline import Ingestor
from ingest.progress import ProgressEmbedder
from tests.fakes import FakeEmbedder, GatedEmbedder
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client

NUMERALS = "一二三四五六七八九十"
BODY = "要推动校企合作育人，建设高水平实训基地，办好人民满意的职业教育。"


def speech(title: str, speaker: str, parts: int = 3, extra: str = "") -> bytes:
    sections = "".join(
        f"{NUMERALS[i]}、第{i + 1}项任务\n第{i + 1}项任务要落实到位。{BODY}\n" for i in range(parts)
    )
    return f"{title}\n{speaker}\n（2024年3月1日）\n同志们：\n{BODY}{extra}\n{sections}".encode()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[JobQueue, ChromaStore, GatedEmbedder]]:
    embedder = GatedEmbedder()
    store = ChromaStore(
        persistent_client(tmp_path / "chroma"), ProgressEmbedder(embedder), "jobs", batch_size=4
    )
    jobs = JobQueue(Ingestor(store, lock_path=tmp_path / "ingest.lock"), max_waiting=1)
    yield jobs, store, embedder
    embedder.gate.set()
    jobs.close()
    store.close()


def finished(jobs: JobQueue, job: Job) -> Job:
    done = jobs.wait(job.job_id, 30)
    assert done.finished.is_set(), done.to_dict()
    return done


def snapshot(store: ChromaStore) -> dict[str, Any]:
    """What readers see, and every stored vector as search scores (a changed vector changes them)."""
    queries = ["校企合作育人", "职业教育", "第2项任务"]
    return {
        "manifest": store.manifest().documents,
        "chunks": [(c.chunk_id, c.text) for c in store.chunks_of()],
        "records": store.count_chunks(),
        "scores": [[(h.chunk.chunk_id, round(h.score, 6)) for h in store.search(q, k=50)] for q in queries],
    }


def test_a_job_reports_each_file_and_its_progress(stack: tuple[JobQueue, ChromaStore, GatedEmbedder]) -> None:
    jobs, store, _ = stack
    job = finished(
        jobs, jobs.submit([("职教.txt", speech("在全市职业教育工作会议上的讲话", "李四", parts=6))])
    )
    [file] = job.files
    assert job.state == "done" and file.report is not None and file.report.status == "ok"
    assert file.to_embed == file.embedded == file.report.chunks_added > 4  # several batches
    body = job.to_dict()
    assert body["files"][0]["status"] == "ok" and body["counts"] == {"ok": 1}
    assert [d.title for d in store.manifest().documents.values()] == ["在全市职业教育工作会议上的讲话"]
    assert jobs.jobs()[0] is job and jobs.get(job.job_id) is job


def test_cancel_mid_embedding_leaves_the_index_exactly_as_it_was(
    stack: tuple[JobQueue, ChromaStore, GatedEmbedder],
) -> None:
    jobs, store, embedder = stack
    finished(jobs, jobs.submit([("职教.txt", speech("在全市职业教育工作会议上的讲话", "李四"))]))
    before = snapshot(store)

    embedder.gate.clear()
    embedder.entered.clear()
    job = jobs.submit([("学前.txt", speech("在全市学前教育工作会议上的讲话", "王五", parts=8))])
    assert embedder.entered.wait(30)
    assert job.state == "running" and job.files[0].stage == "embedding" and job.files[0].to_embed > 4
    jobs.cancel(job.job_id)
    embedder.gate.set()
    job = finished(jobs, job)

    assert job.state == "cancelled" and job.files[0].report is not None
    assert job.files[0].report.status == "cancelled" and job.files[0].http_status == 409
    assert job.files[0].embedded < job.files[0].to_embed
    assert snapshot(store) == before  # documents, chunk records (no garbage left) and vectors


def test_a_new_version_waits_for_the_administrators_decision(
    stack: tuple[JobQueue, ChromaStore, GatedEmbedder],
) -> None:
    jobs, store, _ = stack
    title = "在全市职业教育工作会议上的讲话"
    first = finished(jobs, jobs.submit([("职教.txt", speech(title, "李四"))])).files[0].report
    assert first is not None and first.status == "ok"
    old_id = first.doc_ids[0]

    # a corrected version under another file name: same title, speaker and date
    job = finished(jobs, jobs.submit([("职教（修订）.txt", speech(title, "李四", extra="新增一句。"))]))
    [file] = job.files
    assert file.report is not None and file.report.status == "conflict" and file.http_status == 409
    assert [(m.doc_id, m.reason) for m in file.report.matches] == [(old_id, "same_title")]
    assert list(store.manifest().documents) == [old_id]  # nothing written: no silent duplicate
    assert [f.name for _, f in jobs.pending_conflicts()] == ["职教（修订）.txt"]

    replaced = finished(jobs, jobs.resolve(job.job_id, "职教（修订）.txt", "replace")).files[0].report
    assert replaced is not None and replaced.status == "ok" and replaced.replaced == [old_id]
    assert list(store.manifest().documents) == replaced.doc_ids and not jobs.pending_conflicts()
    with pytest.raises(PolicyQAError):  # decided already
        jobs.resolve(job.job_id, "职教（修订）.txt", "keep")

    # the same file name with other content: replace it, or nothing; never two files of one name
    again = finished(jobs, jobs.submit([("职教（修订）.txt", speech(title, "李四", extra="再改一句。"))]))
    assert again.files[0].report is not None
    assert [m.reason for m in again.files[0].report.matches] == ["same_source"]
    with pytest.raises(PolicyQAError, match="同名"):
        jobs.resolve(again.job_id, "职教（修订）.txt", "keep")
    assert list(store.manifest().documents) == replaced.doc_ids

    # another speech with the same title but another speaker is no conflict; "keep" keeps both
    other = finished(jobs, jobs.submit([("别的.txt", speech(title, "赵六"))])).files[0].report
    assert other is not None and other.status == "ok"
    twin = finished(jobs, jobs.submit([("副本.txt", speech(title, "赵六", extra="略有不同。"))]))
    kept = finished(jobs, jobs.resolve(twin.job_id, "副本.txt", "keep")).files[0].report
    assert kept is not None and kept.status == "ok" and not kept.replaced
    assert len(store.manifest().documents) == 3


def test_the_queue_is_bounded_and_a_queued_job_can_be_cancelled(
    stack: tuple[JobQueue, ChromaStore, GatedEmbedder],
) -> None:
    jobs, store, embedder = stack
    embedder.gate.clear()
    running = jobs.submit([("a.txt", speech("在全市职业教育工作会议上的讲话", "李四"))])
    assert embedder.entered.wait(30)
    waiting = jobs.submit([("b.txt", speech("在全市学前教育工作会议上的讲话", "王五"))])
    with pytest.raises(JobQueueFullError):
        jobs.submit([("c.txt", speech("在全市高中教育工作会议上的讲话", "赵六"))])
    jobs.cancel(waiting.job_id)
    embedder.gate.set()
    assert finished(jobs, running).files[0].report.status == "ok"  # type: ignore[union-attr]
    cancelled = finished(jobs, waiting)
    assert cancelled.state == "cancelled" and cancelled.files[0].stage == "done"
    assert [d.title for d in store.manifest().documents.values()] == ["在全市职业教育工作会议上的讲话"]


def test_the_bytes_waiting_in_memory_are_bounded(tmp_path: Path) -> None:
    title = "在全市职业教育工作会议上的讲话"
    first, revised, other = (
        speech(title, "李四"),
        speech(title, "李四", extra="新增。"),
        speech("别的讲话", "王五"),
    )
    store = ChromaStore(persistent_client(tmp_path / "chroma"), FakeEmbedder(), "budget")
    jobs = JobQueue(Ingestor(store), max_held_bytes=max(len(first), len(revised), len(other)) + 50)
    finished(jobs, jobs.submit([("a.txt", first)]))
    conflict = finished(jobs, jobs.submit([("b.txt", revised)]))  # its bytes wait for a decision
    with pytest.raises(JobQueueFullError, match="待确认"):
        jobs.submit([("c.txt", other)])
    finished(jobs, jobs.resolve(conflict.job_id, "b.txt", "keep"))  # fits: the bytes move to the new job
    assert finished(jobs, jobs.submit([("c.txt", other)])).files[0].http_status == 200
    jobs.close()
    store.close()
