"""Version archive, audit log and restore through the real import queue (in-memory store, fake embedder):
who changed what, every version's original kept, what changed between two, restoring an earlier one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from errors import OriginalNotKeptError, PolicyQAError, SpeechDeletedError, VersionNotFoundError
from ingest.audit import UNNAMED, AuditLog, admin_name
from ingest.history import ChangeRecorder
from ingest.jobs import JobQueue
from ingest.pipeline import Ingestor
from tests.fakes import MemoryStore
from tests.fakes import speech_text as speech
from web.version_diff import changed, diff_texts
from web.versions import HistoryService

XSS = '<script>alert("x")</script>'
V1 = speech("在全市职业教育工作会议上的讲话", "李四", "第一句原文。")
V2 = speech("在全市职业教育工作会议上的讲话", "李四", "第一句改过了。")


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[HistoryService, JobQueue, Ingestor]]:
    ingestor = Ingestor(MemoryStore(), lock_path=tmp_path / "ingest.lock")
    recorder = ChangeRecorder.under(tmp_path)
    jobs = JobQueue(ingestor, recorder=recorder)
    yield HistoryService(recorder, ingestor, jobs), jobs, ingestor
    jobs.close()


def imported(jobs: JobQueue, name: str, text: str, **options: object) -> str:
    job = jobs.submit([(name, text.encode())], ask=False, **options)  # type: ignore[arg-type]
    jobs.wait(job.job_id, 60)
    report = job.files[0].report
    assert report is not None and report.status == "ok", report
    return report.doc_ids[0]


def test_replacing_keeps_the_earlier_version_and_the_audit_says_who_did_what(
    setup: tuple[HistoryService, JobQueue, Ingestor],
) -> None:
    history, jobs, ingestor = setup
    first = imported(jobs, "职教.txt", V1, actor=f"张三{XSS}", tags=["职业教育"])
    second = imported(jobs, "职教.txt", V2, actor="李四")
    assert [d.doc_id for d in ingestor.list_documents()] == [second]  # the live index has one version

    versions = history.versions(second)
    assert [(v.number, v.record.doc_id, v.current) for v in versions] == [
        (2, second, True),
        (1, first, False),
    ]
    assert history.versions(first) == versions  # either version names the same speech
    assert (
        history.original(second).data == V2.encode() and history.original(second).media_type == "text/plain"
    )
    assert history.tags(first) == ("职业教育",)

    entries = history.recorder.audit.read()
    assert [(e.action, e.actor, e.doc_id, e.version, e.source) for e in entries] == [
        ("add", f"张三{XSS}", first, 1, "职教.txt"),  # kept as given; shown as text by the edges
        ("replace", "李四", second, 2, "职教.txt"),
    ]
    assert first in entries[1].detail and entries[0].time[-6] in "+-"  # local time with its offset

    found = history.diff(versions[1].record.version_id, versions[0].record.version_id)
    removed = [s for b in found.blocks if b.op == "removed" for s in b.sentences]
    added = [s for b in found.blocks if b.op == "added" for s in b.sentences]
    assert (removed, added) == (["第一句原文。"], ["第一句改过了。"])  # only the changed sentence


def test_restore_is_an_audited_replace_and_bad_requests_say_why(
    setup: tuple[HistoryService, JobQueue, Ingestor],
) -> None:
    history, jobs, ingestor = setup
    first = imported(jobs, "a.txt", V1, actor="张三")
    second = imported(jobs, "b.txt", V2, actor="张三", replace=True)  # a correction under a new file name
    old = history.versions(second)[1]
    with pytest.raises(PolicyQAError, match="与当前版本内容相同"):
        history.restore(history.versions(second)[0].record.version_id, actor="王五")

    job = history.restore(old.record.version_id, actor="王五")
    jobs.wait(job.job_id, 60)
    assert [d.doc_id for d in ingestor.list_documents()] == [first]  # b.txt's version retired too
    last = history.recorder.audit.read()[-1]
    assert (last.action, last.actor, last.doc_id, last.version) == ("restore", "王五", first, 3)
    assert second in last.detail
    assert [v.current for v in history.versions(first)] == [True, False, False]

    info = ingestor.delete(first)
    history.recorder.deleted(info, actor="")
    deleted = history.recorder.audit.read()[-1]
    assert (deleted.action, deleted.actor, deleted.doc_id) == ("delete", UNNAMED, first)
    with pytest.raises(SpeechDeletedError, match="已被删除"):
        history.restore(old.record.version_id, actor="王五")
    with pytest.raises(VersionNotFoundError, match="找不到版本"):
        history.restore("v-nope", actor="王五")
    with pytest.raises(OriginalNotKeptError):
        history.original("never-archived")


def test_logs_are_append_only_lines_and_survive_a_torn_line(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", clock=lambda: "2026-12-03T18:00:00+08:00")
    log.record("add", actor="\u202e张三\n", doc_id="d1", title="标题")
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"time": "2026')  # a crash mid-write
    log.record("delete", actor="李四", doc_id="d1")
    assert [(e.action, e.actor) for e in log.read()] == [("add", "张三"), ("delete", "李四")]
    assert json.loads(log.path.read_text(encoding="utf-8").splitlines()[0])["title"] == "标题"
    assert admin_name("  ") == UNNAMED and len(admin_name("名" * 100)) == 40


def test_the_diff_is_by_sentence_and_collapses_what_did_not_change() -> None:
    blocks = diff_texts("一。二。三。\n四。", "一。二改。三。\n四。\n五。")
    assert [(b.op, b.sentences) for b in blocks] == [
        ("same", ("一。",)),
        ("removed", ("二。",)),
        ("added", ("二改。",)),
        ("same", ("三。", "四。")),
        ("added", ("五。",)),
    ]
    assert changed(blocks) == 3 and changed(diff_texts("同。", "同。")) == 0
