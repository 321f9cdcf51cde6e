"""Administrators' review over the JSON API and in the tab's HTML (in-process app, in-memory store, fake
embedder): the audit log (JSON, JSONL, CSV), the feedback review and its eval export, versions, diff,
restore, original files, library filters — every user-supplied text arriving as text."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from app import create_app
from assistant.records import Answer, Citation, Passage
from assistant.service import PolicyAssistant
from core.store import DocumentInfo
from ingest.jobs import JobQueue
from ingest.pipeline import Ingestor
from settings import Settings
from tests.fakes import MemoryStore
from tests.fakes import speech_text as speech
from tests.unit.test_web_render import no_live_markup
from web.feedback import FeedbackLog
from web.library_filter import LibraryFilter, choices, parse_tags
from web.review import FeedbackFilter, eval_case, feedback_rows, local_time, safe_cell, to_csv

TOKEN = "review-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
XSS = "<img src=x onerror=alert(1)>"


def answer(question: str) -> Answer:
    passage = Passage(
        "c", "d1", "a.txt", "讲话", "张三", "2023-04-28", "一、", "第一行原文。\n第二行。", 0, 9
    )
    return Answer(question, "回答。[1]", True, [Citation(1, passage, "")])


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store = MemoryStore()
    ingestor = Ingestor(store, lock_path=tmp_path / "ingest.lock")
    jobs = JobQueue(ingestor)
    settings = Settings(data_dir=tmp_path, admin_token=TOKEN)  # type: ignore[arg-type]
    votes = FeedbackLog(settings.feedback_path, clock=lambda: "2026-12-01T10:00:00+00:00")
    votes.record("down", answer(f"两个保障{XSS}"), answer_id="a1", comment=f"=HYPERLINK(漏了){XSS}")
    votes.record("up", answer("三个关键"), answer_id="a2")
    with TestClient(create_app(settings, PolicyAssistant(store), ingestor, jobs=jobs)) as test_client:
        yield test_client
    jobs.close()


def upload(client: TestClient, name: str, text: str, who: str, **params: str) -> dict[str, Any]:
    headers = AUTH | {"X-Admin-Name": quote(who)}
    response = client.post(
        "/api/documents",
        files={"files": (name, text.encode())},
        headers=headers,
        params={"wait": "true"} | params,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_audit_log_over_the_api_names_the_administrator_in_every_format(client: TestClient) -> None:
    assert client.get("/api/audit").status_code == 401
    assert client.get("/api/feedback", headers={"Authorization": "Bearer wrong"}).status_code == 401
    first = upload(
        client,
        "职教.txt",
        speech("职业教育讲话", "李四", "原来的句子。"),
        f"张三{XSS}",
        tags="职业教育，2024",
    )
    doc_id = first["files"][0]["doc_ids"][0]
    second = upload(
        client, "职教.txt", speech("职业教育讲话", "李四", "改过的句子。"), "=1+2", replace="true"
    )
    new_id = second["files"][0]["doc_ids"][0]
    deleted = client.delete(f"/api/documents/{new_id}", headers=AUTH | {"X-Admin-Name": quote("王五")})
    assert deleted.status_code == 200

    body = client.get("/api/audit", headers=AUTH).json()
    assert body["timezone"] == "server-local"
    rows = [(e["action"], e["actor"], e["doc_id"], e["version"]) for e in body["entries"]]
    assert rows == [
        ("delete", "王五", new_id, 2),
        ("replace", "=1+2", new_id, 2),
        ("add", f"张三{XSS}", doc_id, 1),
    ]
    assert "T" not in body["entries"][0]["time"] and body["entries"][0]["time"][-6] in "+-"

    exported = client.get("/api/audit", headers=AUTH, params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [r["actor"] for r in table] == ["王五", "'=1+2", f"张三{XSS}"]  # no formula runs in a spreadsheet
    lines = client.get("/api/audit", headers=AUTH, params={"format": "jsonl"}).text.splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["delete", "replace", "add"]
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/audit", "/api/feedback", "/api/documents/{doc_id}/file"} <= set(paths)


def test_versions_diff_restore_and_the_original_file_over_the_api(client: TestClient) -> None:
    first = upload(client, "讲话.txt", speech("教育讲话", "李四", "原来的句子。"), "张三", tags="督导")
    second = upload(client, "讲话.txt", speech("教育讲话", "李四", "改过的句子。"), "张三", replace="true")
    old_id, new_id = first["files"][0]["doc_ids"][0], second["files"][0]["doc_ids"][0]
    versions = client.get(f"/api/documents/{new_id}/versions", headers=AUTH).json()["versions"]
    assert [(v["number"], v["doc_id"], v["current"]) for v in versions] == [
        (2, new_id, True),
        (1, old_id, False),
    ]
    old_v, new_v = versions[1]["version_id"], versions[0]["version_id"]
    blocks = client.get(f"/api/versions/{old_v}/diff/{new_v}", headers=AUTH).json()["blocks"]
    assert [(b["op"], b.get("sentences")) for b in blocks if b["op"] != "same"] == [
        ("removed", ["原来的句子。"]),
        ("added", ["改过的句子。"]),
    ]
    unknown = client.post("/api/versions/vnope/restore", headers=AUTH)
    assert unknown.status_code == 404 and "找不到版本" in unknown.json()["error"]

    original = client.get(f"/api/documents/{new_id}/file")
    assert original.status_code == 200 and "改过的句子" in original.content.decode()
    assert original.headers["content-type"].startswith("text/plain")
    disposition = original.headers["content-disposition"]
    assert 'filename="download.txt"' in disposition and quote("讲话.txt") in disposition

    restored = client.post(f"/api/versions/{old_v}/restore", headers=AUTH | {"X-Admin-Name": quote("赵六")})
    assert restored.status_code == 202
    job = client.get(restored.json()["status_url"], headers=AUTH).json()
    for _ in range(300):  # polled as a client would (bounded; no time is asserted)
        if job["state"] == "done":
            break
        time.sleep(0.05)
        job = client.get(restored.json()["status_url"], headers=AUTH).json()
    assert [d["doc_id"] for d in client.get("/api/documents").json()["documents"]] == [old_id]
    last = client.get("/api/audit", headers=AUTH).json()["entries"][0]
    assert (last["action"], last["actor"], last["doc_id"], last["version"]) == ("restore", "赵六", old_id, 3)

    assert client.delete(f"/api/documents/{old_id}", headers=AUTH).status_code == 200
    gone = client.post(f"/api/versions/{old_v}/restore", headers=AUTH)
    assert gone.status_code == 409 and "已被删除" in gone.json()["error"]


def test_feedback_review_filters_and_exports_eval_cases(client: TestClient) -> None:
    every = client.get("/api/feedback", headers=AUTH).json()
    assert [e["rating"] for e in every["entries"]] == ["up", "down"]  # newest first
    downs = client.get(
        "/api/feedback", headers=AUTH, params={"rating": "down", "with_comment": "true"}
    ).json()
    assert [e["answer_id"] for e in downs["entries"]] == ["a1"]
    assert client.get("/api/feedback", headers=AUTH, params={"q": "三个"}).json()["count"] == 1
    assert client.get("/api/feedback", headers=AUTH, params={"since": "2026-12-02"}).json()["count"] == 0
    bad = client.get("/api/feedback", headers=AUTH, params={"since": "昨天"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["error"]
    cases = [
        json.loads(x)
        for x in client.get("/api/feedback", headers=AUTH, params={"format": "jsonl"}).text.splitlines()
    ]
    assert [c["id"] for c in cases] == ["fb001", "fb002"]
    case = cases[0]
    assert set(case) >= {"id", "question", "shape", "answerable", "gold", "keys", "speaker"}
    assert (
        case["gold"] == [{"source": "a.txt", "quote": "第一行原文。"}] and case["review"]["rating"] == "down"
    )


def test_review_helpers_keep_text_as_text() -> None:
    assert safe_cell("=SUM(A1)") == "'=SUM(A1)" and safe_cell("张三") == "张三" and safe_cell(None) == ""
    assert to_csv([{"a": "-1", "b": 2}], ("a", "b")).splitlines()[1] == "'-1,2"
    assert local_time("bad") == "bad" and "+" in local_time("2026-01-01T00:00:00+08:00")
    entry = {
        "rating": "down",
        "comment": "",
        "question": "问",
        "answer": "答",
        "timestamp": "2026-12-01T00:00:00+00:00",
    }
    assert not FeedbackFilter(with_comment=True).keeps(entry) and FeedbackFilter(rating="down").keeps(entry)
    assert feedback_rows([entry], FeedbackFilter())[0]["time"].startswith("2026-12-01")
    assert eval_case(entry, 7)["id"] == "fb007" and eval_case(entry, 7)["gold"] == []
    assert parse_tags(" 职业教育，督导、督导, ,\u202e坏") == ["职业教育", "督导", "坏"]


def test_library_filters_by_speaker_year_and_tag() -> None:
    docs = [
        DocumentInfo("d1", ("a.txt",), "甲", "张三", "2023年4月28日", 1, ""),
        DocumentInfo("d2", ("b.txt",), "乙", "李四", "2024-03-01", 1, ""),
    ]
    tags = {"d1": ("督导",), "d2": ()}
    assert [d.doc_id for d in LibraryFilter(year="2024").apply(docs, tags.__getitem__)] == ["d2"]
    assert [d.doc_id for d in LibraryFilter(tag="督导").apply(docs, tags.__getitem__)] == ["d1"]
    assert [d.doc_id for d in LibraryFilter(speaker="张三", year="2024").apply(docs, tags.__getitem__)] == []
    assert choices(docs, tags.__getitem__) == {
        "speaker": ["张三", "李四"],
        "year": ["2024", "2023"],
        "tag": ["督导"],
    }


def test_the_tab_panels_show_names_and_comments_as_text(tmp_path: Path) -> None:
    from ingest.history import ChangeRecorder
    from web.admin import AdminService
    from web.versions import HistoryService

    store = MemoryStore()
    ingestor = Ingestor(store, lock_path=tmp_path / "ingest.lock")
    recorder = ChangeRecorder.under(tmp_path)
    jobs = JobQueue(ingestor, recorder=recorder)
    feedback = FeedbackLog(tmp_path / "feedback.jsonl")
    feedback.record("down", answer(XSS), answer_id="x", comment=XSS)
    settings = Settings(data_dir=tmp_path, admin_token=TOKEN)  # type: ignore[arg-type]
    history = HistoryService(recorder, ingestor, jobs)
    admin = AdminService(settings, ingestor, jobs, history=history, feedback=feedback)
    try:
        job = jobs.submit([(f"{XSS}.txt", speech(f"标题{XSS}", "张三").encode())], actor=XSS, tags=[XSS])
        jobs.wait(job.job_id, 60)
        review = admin.review
        assert review is not None
        assert "管理员令牌不正确" in review.audit_html("wrong")
        for html in (
            review.audit_html(TOKEN),
            review.feedback_html(TOKEN, "down", True),
            review.versions(ingestor.list_documents()[0].doc_id, TOKEN)[0],
            admin.documents_html(),
        ):
            no_live_markup(html)
            assert "&lt;img" in html
        assert "下载原文件" in admin.documents_html() and "没有符合条件" in admin.documents_html(
            LibraryFilter(tag="无")
        )
        assert "YYYY-MM-DD" in review.feedback_html(TOKEN, since="12/01")
    finally:
        jobs.close()


def test_the_administrator_name_header_takes_percent_encoding_or_raw_utf8() -> None:
    from web.api_jobs import actor_of

    assert actor_of(quote("张三")) == "张三"
    assert (
        actor_of("张三".encode().decode("latin-1")) == "张三"
    )  # raw UTF-8 bytes, as Starlette hands them over
    assert actor_of(None) == "未署名" and actor_of("%E5%BC%A0%0A%1B") == "张"


def test_the_first_import_of_make_run_keeps_the_originals(tmp_path: Path) -> None:
    from app import _archive_initial
    from ingest.history import ChangeRecorder

    ingestor = Ingestor(MemoryStore(), lock_path=tmp_path / "ingest.lock")
    recorder = ChangeRecorder.under(tmp_path / "data")
    source = tmp_path / "初始.txt"
    source.write_text(speech("初始讲话", "李四"), encoding="utf-8")
    ingestor.ingest_paths([source], progress=lambda done: _archive_initial(recorder, ingestor, done))
    [record] = recorder.archive.records()
    assert recorder.archive.original(record) == source.read_bytes() and record.source == "初始.txt"
    assert [e.action for e in recorder.audit.read()] == ["add"]
