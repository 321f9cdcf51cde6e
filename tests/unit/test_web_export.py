"""`POST /api/export` (.docx opened again with python-docx, .md) and `GET /api/formulations`, on the app
in-process with a real embedded Chroma, the fake embedder and two speeches that share a formulation's
name with different items."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient

from assistant.service import PolicyAssistant
from ingest.pipeline import Ingestor
from tests.fakes import FakeEmbedder
from tests.unit.test_web_api import make_client, speech
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client
from web.export import ExportAnswer, ExportRequest, md, to_markdown

TEACHERS = (
    "在全市教师工作会议上的讲话\n王五\n（2024年5月1日）\n同志们：\n"
    "今天召开全市教师工作会议，研究加强教师队伍建设。会议很重要，大家要认真领会。"
    "我们要做到“三个关键”，努力提高水平。\n"
    "一、强化“两个保障”\n一是编制保障。盘活事业编制。\n二是待遇保障。确保教师工资不低于公务员。\n"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("web-export")
    store = ChromaStore(persistent_client(root / "chroma"), FakeEmbedder(), "webexport")
    ingestor = Ingestor(store, lock_path=root / "ingest.lock")
    ingestor.ingest_bytes(speech("在全市职业教育工作会议上的讲话", "李四").encode(), "vocational.txt")
    ingestor.ingest_bytes(TEACHERS.encode(), "teachers.txt")
    yield make_client((PolicyAssistant(store), ingestor, root))
    store.close()


def asked(client: TestClient, question: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/ask", json={"question": question, **extra})
    assert response.status_code == 200
    return dict(response.json())


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)


# --- export -------------------------------------------------------------------------------------


def test_a_conversation_exports_to_word_with_every_marks_source(client: TestClient) -> None:
    first = asked(client, "“两个保障”是什么？")
    second = asked(client, "新增教师编制多少个？")
    response = client.post("/api/export", json={"format": "docx", "conversation": [first, second]})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response.headers["content-disposition"]
    text = docx_text(response.content)
    marks = sum(len(set(re.findall(r"\[(\d+)\]", a["answer"]))) for a in (first, second))
    assert marks >= 2
    for number in range(1, marks + 1):  # numbered through the file: the second answer goes on
        line = next(line for line in text.splitlines() if line.startswith(f"[{number}] "))
        assert "《" in line and "》" in line
    for answer in (first, second):
        assert f"问：{answer['question']}" in text
        for c in answer["citations"]:
            assert all(c[key] in text for key in ("title", "speaker", "date", "section"))
    assert f"[{marks + 1}] " not in text


def test_a_single_answer_exports_to_markdown_with_footnotes(client: TestClient) -> None:
    answer = asked(client, "“两个保障”是什么？")
    response = client.post("/api/export", json={"format": "md", "answer": answer, "title": "学习材料"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/markdown")
    text = response.content.decode("utf-8")
    assert text.startswith("# 学习材料\n") and "[^1]" in text
    citation = answer["citations"][0]
    assert f"[^1]: 《{md(citation['title'])}》，{md(citation['speaker'])}" in text


def test_text_a_user_supplied_stays_text_in_both_formats() -> None:
    hostile = "<script>alert(1)</script> **粗体** [链接](http://x) \x00\x0b"
    answer = ExportAnswer(question=hostile, answer="答[1]", citations=[{"n": 1, "title": "<b>题</b>"}])  # type: ignore[list-item]
    text = to_markdown(ExportRequest(format="md", answer=answer)).decode()
    assert "<script>" not in text and "\\<script\\>" in text and "\\*\\*粗体\\*\\*" in text
    assert "\x00" not in text and "[^1]: 《\\<b\\>题\\</b\\>》" in text


def test_word_keeps_markup_as_text(client: TestClient) -> None:
    hostile = {
        "question": "<b>问</b>\x01",
        "answer": "说法[1]。",
        "citations": [{"n": 1, "title": "<i>题</i>"}],
    }
    response = client.post("/api/export", json={"format": "docx", "answer": hostile})
    text = docx_text(response.content)
    assert "问：<b>问</b>" in text and "[1] 《<i>题</i>》" in text


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"format": "docx", "conversation": []}, 422, "对话是空的"),
        ({"format": "docx"}, 422, "对话是空的"),
        ({"format": "md", "conversation": [{"question": "问", "answer": " "}]}, 422, "还没有回答"),
        ({"format": "md", "answer": {"answer": "a"}, "conversation": [{"answer": "b"}]}, 422, "只提供"),
        ({"format": "pdf", "answer": {"answer": "a"}}, 422, "format"),
        ({"format": "md", "answer": {"answer": "a"}, "extra": 1}, 422, "不支持的字段 extra"),
    ],
)
def test_bad_exports_get_a_chinese_message(
    client: TestClient, body: dict[str, Any], status: int, message: str
) -> None:
    response = client.post("/api/export", json=body)
    assert response.status_code == status and message in response.json()["error"]


def test_export_refuses_invalid_utf8_and_oversized_bodies(client: TestClient) -> None:
    bad = client.post("/api/export", content=b'{"format": "md", "answer": {"answer": "\xff"}}')
    assert bad.status_code == 400 and "UTF-8" in bad.json()["error"]
    big = client.post(
        "/api/export",
        content=b"{}",
        headers={"Content-Length": str(9 * 2**20), "Content-Type": "application/json"},
    )
    assert big.status_code == 413 and "超过 8 MB" in big.json()["error"]
    assert client.get("/api/export").status_code == 405


# --- formulations -------------------------------------------------------------------------------


def test_formulations_list_items_speech_and_status(client: TestClient) -> None:
    data = client.get("/api/formulations").json()
    by = {(f["name"], f["speaker"]): f for f in data["formulations"]}
    ours = by[("两个保障", "李四")]
    assert [i["label"] for i in ours["items"]] == ["经费保障", "师资保障"]
    assert ours["status"] == "complete" and ours["section"] == "二、强化“两个保障”"
    assert ours["items"][0]["section"].endswith("一是经费保障")
    named = by[("三个关键", "王五")]
    assert (
        named["status"] == "named" and named["items"] == [] and named["status_label"] == "只提到名称，未展开"
    )


def test_the_same_name_with_different_items_is_one_group(client: TestClient) -> None:
    groups = {g["name"]: g for g in client.get("/api/formulations").json()["groups"]}
    both = groups["两个保障"]
    assert both["speeches"] == 2 and both["differs"] is True
    assert {e["speaker"] for e in both["entries"]} == {"李四", "王五"}
    assert groups["三个关键"]["differs"] is False


def test_formulations_search_and_filter(client: TestClient) -> None:
    found = client.get("/api/formulations", params={"q": "待遇"}).json()
    assert [(f["name"], f["speaker"]) for f in found["formulations"]] == [("两个保障", "王五")]
    doc_id = found["formulations"][0]["doc_id"]
    scoped = client.get("/api/formulations", params={"doc_id": doc_id}).json()
    assert {f["speaker"] for f in scoped["formulations"]} == {"王五"}
    missing = client.get("/api/formulations", params={"doc_id": "nope"})
    assert missing.status_code == 404 and "找不到文档" in missing.json()["error"]
    assert client.get("/api/formulations", params={"q": "没有这个提法"}).json()["count"] == 0


def test_export_and_formulations_are_in_the_openapi_docs(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/export", "/api/formulations", "/v1/chat/completions", "/v1/models"} <= set(paths)
    body = paths["/api/export"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "conversation" in str(body) and "format" in str(body)
