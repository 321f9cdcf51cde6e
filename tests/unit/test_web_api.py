"""The whole app in-process (TestClient): JSON API, errors, uploads, docs, embed page, headers.

A real embedded Chroma in tmp_path with the fake embedder and two small speeches: fast, and the API
sees the real assistant and ingest pipeline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app import create_app
from assistant.service import PolicyAssistant
from errors import StoreUnavailableError
from ingest.pipeline import Ingestor
from settings import Settings
from tests.fakes import FakeEmbedder
from tests.fakes import speech_text as speech
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client
from web.api import api_router
from web.http_errors import install_error_handlers

TOKEN = "unit-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WAIT = {"wait": "true"}  # an upload answers once its import job has finished


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PolicyAssistant, Ingestor, Path]]:
    root = tmp_path_factory.mktemp("web-api")
    store = ChromaStore(persistent_client(root / "chroma"), FakeEmbedder(), "webapi")
    ingestor = Ingestor(store, lock_path=root / "ingest.lock")
    ingestor.ingest_bytes(speech("在全市职业教育工作会议上的讲话", "李四").encode(), "vocational.txt")
    yield PolicyAssistant(store), ingestor, root
    store.close()


def make_client(stack: tuple[PolicyAssistant, Ingestor, Path], **overrides: object) -> TestClient:
    assistant, ingestor, root = stack
    values: dict[str, object] = {"data_dir": root, "admin_token": TOKEN, "max_upload_mb": 1} | overrides
    root_path = str(values.get("root_path", ""))
    app = create_app(Settings(**values), assistant, ingestor)  # type: ignore[arg-type]
    return TestClient(app, root_path=root_path)


@pytest.fixture(scope="module")
def client(stack: tuple[PolicyAssistant, Ingestor, Path]) -> TestClient:
    return make_client(stack)


def doc_count(client: TestClient) -> int:
    return int(client.get("/api/documents").json()["count"])


# --- ask ----------------------------------------------------------------------------------------


def test_ask_returns_the_answer_contract(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "两个保障是什么？", "top_k": 3})
    assert response.status_code == 200
    data = response.json()
    assert data["answerable"] is True and "[1]" in data["answer"]
    citation = data["citations"][0]
    for key in (
        "n",
        "doc_id",
        "source",
        "title",
        "speaker",
        "date",
        "section",
        "text",
        "start",
        "end",
        "sentence",
    ):
        assert key in citation
    assert citation["source"] == "vocational.txt" and citation["speaker"] == "李四"
    assert "经费保障" in data["answer"] and all("score" in p for p in data["passages"])


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"question": ""}, 422, "请输入问题"),
        ({"question": "  \n "}, 422, "请输入问题"),
        ({"question": "问" * 10_001}, 422, "question 最多 10000 个字符"),
        ({"question": "两个保障", "top_k": 0}, 422, "top_k 不能小于 1"),
        ({"question": "两个保障", "top_k": 21}, 422, "top_k 不能大于 20"),
        ({"question": "两个保障", "top_k": "many"}, 422, "top_k 必须是整数"),
        ({"question": 12}, 422, "question 必须是文字"),
        ({"question": "两个保障", "topk": 3}, 422, "不支持的字段 topk"),
        ({}, 422, "缺少字段 question"),
    ],
)
def test_bad_questions_get_a_readable_json_error(
    client: TestClient, body: dict[str, object], status: int, message: str
) -> None:
    response = client.post("/api/ask", json=body)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert "Traceback" not in response.text and "问问问问问问" not in response.text  # the input is not echoed


def test_malformed_json_is_a_readable_error(client: TestClient) -> None:
    response = client.post("/api/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "JSON" in response.json()["error"]


def test_a_question_over_the_limit_is_refused_with_a_message_not_cut(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "两个保障是什么？" + "啊" * 9_990})
    assert response.status_code == 422
    assert response.json()["error"] == "问题太长（9998 个字），最多 500 个字，请精简后再问。"
    assert client.post("/api/ask", json={"question": "两个保障是什么？" + "啊" * 480}).status_code == 200


def test_html_in_a_question_comes_back_as_json_data_only(client: TestClient) -> None:
    question = "<script>alert(1)</script><img src=x onerror=alert(2)>两个保障是什么？"
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["question"] == question


def test_doc_ids_limit_the_search(client: TestClient) -> None:
    doc_id = client.get("/api/documents").json()["documents"][0]["doc_id"]
    response = client.post("/api/ask", json={"question": "两个保障是什么？", "doc_ids": [doc_id]})
    assert response.status_code == 200
    assert {c["doc_id"] for c in response.json()["citations"]} == {doc_id}
    unknown = client.post(
        "/api/ask", json={"question": "两个保障是什么？", "doc_ids": [doc_id, "no-such-doc"]}
    )
    assert unknown.status_code == 404 and "no-such-doc" in unknown.json()["error"]


# --- documents ----------------------------------------------------------------------------------


def test_list_and_read_a_document(client: TestClient) -> None:
    listed = client.get("/api/documents").json()
    assert listed["count"] == len(listed["documents"]) >= 1
    info = next(d for d in listed["documents"] if d["sources"] == ["vocational.txt"])
    assert info["title"] == "在全市职业教育工作会议上的讲话" and info["chunks"] > 0
    full = client.get(f"/api/documents/{info['doc_id']}").json()
    assert "一是经费保障。" in full["text"] and full["sections"][0]["label"].startswith("一、")
    missing = client.get("/api/documents/d-nope")
    assert missing.status_code == 404 and "d-nope" in missing.json()["error"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_changes_without_the_right_token_are_401_and_change_nothing(
    client: TestClient, headers: dict[str, str]
) -> None:
    before = doc_count(client)
    files = {"files": ("new.txt", speech("在全市学前教育工作会议上的讲话", "王五").encode(), "text/plain")}
    upload = client.post("/api/documents", files=files, headers=headers)
    assert upload.status_code == 401 and upload.json() == {"error": "管理员令牌不正确。"}
    doc_id = client.get("/api/documents").json()["documents"][0]["doc_id"]
    delete = client.delete(f"/api/documents/{doc_id}", headers=headers)
    assert delete.status_code == 401
    assert doc_count(client) == before


def test_without_a_configured_token_changes_are_403(stack: tuple[PolicyAssistant, Ingestor, Path]) -> None:
    client = make_client(stack, admin_token=None)
    files = {"files": ("new.txt", b"x", "text/plain")}
    response = client.post("/api/documents", files=files, headers=AUTH)
    assert response.status_code == 403 and "POLICY_QA_ADMIN_TOKEN" in response.json()["error"]
    assert client.delete("/api/documents/anything", headers=AUTH).status_code == 403


def test_upload_several_files_reports_each_then_delete(client: TestClient) -> None:
    before = doc_count(client)
    files = [
        (
            "files",
            (
                "学前.txt",
                speech("在全市学前教育工作会议上的讲话", "王五").encode("gbk"),
                "text/plain",
            ),
        ),
        ("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream")),
        ("files", ("empty.md", b"", "text/markdown")),
        ("files", ("../../evil/x.txt", b"x", "text/plain")),
    ]
    response = client.post("/api/documents", files=files, headers=AUTH, params=WAIT)
    assert response.status_code == 200, response.text
    reports = {f["source"]: f for f in response.json()["files"]}
    assert reports["x.txt"]["status"] == "failed" and "目录" in reports["x.txt"]["error"]
    assert reports["学前.txt"]["status"] == "ok" and reports["学前.txt"]["docs"] == 1
    assert reports["tool.exe"]["status"] == "failed" and "不支持" in reports["tool.exe"]["error"]
    assert reports["empty.md"]["status"] == "failed" and "空" in reports["empty.md"]["error"]
    assert doc_count(client) == before + 1
    answer = client.post("/api/ask", json={"question": "王五的讲话分几个部分？"}).json()
    doc_id = reports["学前.txt"]["doc_ids"][0]
    assert any(c["doc_id"] == doc_id for c in answer["citations"] + answer["passages"])

    deleted = client.delete(f"/api/documents/{doc_id}", headers=AUTH)
    assert deleted.status_code == 200 and deleted.json()["deleted"]["doc_id"] == doc_id
    assert doc_count(client) == before
    assert client.delete(f"/api/documents/{doc_id}", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("tool.exe", b"MZ\x90\x00", 415),
        ("big.txt", b"x" * (2**20 + 1), 413),
        ("empty.txt", b"   ", 400),
        ("image.txt", bytes(range(256)) * 64, 400),
    ],
)
def test_a_single_bad_file_gets_its_own_status(
    client: TestClient, name: str, data: bytes, status: int
) -> None:
    before = doc_count(client)
    response = client.post("/api/documents", files={"files": (name, data)}, headers=AUTH, params=WAIT)
    assert response.status_code == status, response.text
    assert response.json()["error"].startswith(name) and response.json()["files"][0]["status"] == "failed"
    assert doc_count(client) == before


def test_upload_without_files_is_a_readable_error(client: TestClient) -> None:
    response = client.post("/api/documents", data={"replace": "true"}, headers=AUTH)
    assert response.status_code == 400 and "files" in response.json()["error"]


def test_health(client: TestClient) -> None:
    data = client.get("/api/health").json()
    assert data["status"] == "ok" and data["store"] is True and data["documents"] >= 1
    assert data["generation"] and data["answerer"] == "extractive" and data["model_loaded"] is False


# --- pages --------------------------------------------------------------------------------------


def test_chat_page_is_served_with_the_frame_policy(stack: tuple[PolicyAssistant, Ingestor, Path]) -> None:
    client = make_client(stack, frame_ancestors="'self' https://oa.example.gov.cn")
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "frame-ancestors 'self' https://oa.example.gov.cn" in page.headers["content-security-policy"]
    assert "fonts.googleapis.com" not in page.text


def test_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn.jsdelivr.net" not in page.text and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/documents", "/api/documents/{doc_id}", "/api/health"} <= set(spec["paths"])
    assert "multipart/form-data" in spec["paths"]["/api/documents"]["post"]["requestBody"]["content"]


def test_embed_page_and_widget_use_the_root_path(stack: tuple[PolicyAssistant, Ingestor, Path]) -> None:
    client = make_client(stack, root_path="/zhengce-qa")
    page = client.get("/embed")
    assert page.status_code == 200
    assert "http://testserver/zhengce-qa/static/widget.js" in page.text  # escaped inside the <pre>
    assert "http://testserver/zhengce-qa/?qa_widget=1" in page.text
    assert '<script src="static/widget.js" defer></script>' in page.text  # the live demo, relative
    widget = client.get("/static/widget.js")
    assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
    assert "qa_widget=1" in widget.text and "http" not in widget.text.split("*/", 1)[1].replace(
        "http://www.w3.org", ""
    )
    assert client.get("/zhengce-qa/api/health").json()["status"] == "ok"  # a proxy that keeps the prefix


def test_unknown_api_paths_are_json_404(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404


class BrokenAssistant:
    """The store is down for corpus(); ask() hits a bug."""

    def corpus(self) -> object:
        raise StoreUnavailableError("无法连接向量库服务 chroma:8000，请确认 Chroma 服务已启动")

    def ask(self, *args: object, **kwargs: object) -> object:
        raise RuntimeError("KeyError deep inside /work/main/assistant/secret.py")


def test_store_down_and_bugs_are_json_errors_without_tracebacks(
    stack: tuple[PolicyAssistant, Ingestor, Path],
) -> None:
    app = FastAPI()
    install_error_handlers(app)
    broken = cast(PolicyAssistant, BrokenAssistant())
    app.include_router(api_router(Settings(admin_token=SecretStr(TOKEN)), broken, stack[1]))
    client = TestClient(app, raise_server_exceptions=False)
    health = client.get("/api/health")
    assert health.status_code == 503 and health.json()["status"] == "unavailable"
    assert "Chroma" in health.json()["error"]
    crash = client.post("/api/ask", json={"question": "两个保障是什么？"})
    assert crash.status_code == 500 and crash.json() == {"error": "服务器内部错误，请稍后再试。"}
    assert "secret.py" not in crash.text


def test_with_a_chat_login_the_api_needs_it_too(stack: tuple[PolicyAssistant, Ingestor, Path]) -> None:
    import base64

    login = make_client(stack, auth="staff:s3cret")
    good = {"Authorization": "Basic " + base64.b64encode(b"staff:s3cret").decode()}
    bad = {"Authorization": "Basic " + base64.b64encode(b"staff:wrong").decode()}
    for headers in ({}, bad, {"Authorization": "Bearer staff:s3cret"}):
        response = login.post("/api/ask", json={"question": "两个保障是什么？"}, headers=headers)
        assert response.status_code == 401 and "登录" in response.json()["error"]
        assert "s3cret" not in response.text
        assert login.get("/api/documents", headers=headers).status_code == 401
    assert login.post("/api/ask", json={"question": "两个保障是什么？"}, headers=good).status_code == 200
    assert login.get("/api/documents", headers=good).status_code == 200
    assert login.get("/api/health").status_code == 200  # monitoring needs no login
