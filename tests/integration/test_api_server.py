"""The JSON API over real HTTP: uvicorn on a free 127.0.0.1 port, a real embedded Chroma holding the sample
speeches (fake embedder: fast), the real assistant and ingest pipeline.

Two servers share the store: one with an admin token, one without a token behind a sub-path (/qa).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from app import create_app
from assistant.service import PolicyAssistant
from ingest.pipeline import Ingestor
from settings import Settings
from tests.conftest import LiveServer
from tests.fakes import FakeEmbedder
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "integration-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW_SPEECH = (
    "在全市学前教育工作会议上的讲话\n王五\n（2024年3月1日）\n同志们：\n"
    "今天我们召开全市学前教育工作会议，主要任务是总结去年工作，部署今年任务。过去一年，全市学前教育改革发展"
    "取得明显成效，普惠性幼儿园覆盖率持续提高，保教质量稳步提升。\n"
    "一、扩大普惠资源\n要新增普惠性幼儿园学位八千个，让更多孩子就近入园。\n"
    "二、提高保教质量\n要开展幼儿园保教质量评估，坚决纠正小学化倾向。\n"
)


@dataclass
class Servers:
    admin: LiveServer  # admin token set, served at the root
    proxied: LiveServer  # no admin token, POLICY_QA_ROOT_PATH=/qa

    def url(self, path: str) -> str:
        return self.admin.url + path.lstrip("/")


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., LiveServer]
) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("api-server")
    store = ChromaStore(persistent_client(root / "chroma"), FakeEmbedder(), "apiserver")
    ingestor = Ingestor(store, lock_path=root / "ingest.lock")
    report = ingestor.ingest_paths([ROOT / "data" / "speeches"])
    assert not report.failed
    assistant = PolicyAssistant(store)
    # Functional tests ask dozens of questions from one address: no per-client rate limit here
    # (test_abuse.py tests the limit itself).
    with_token = Settings(
        data_dir=root, admin_token=SecretStr(TOKEN), max_upload_mb=1, rate_per_minute=60_000, rate_burst=1_000
    )
    proxied = Settings(
        data_dir=root, admin_token=None, root_path="/qa", rate_per_minute=60_000, rate_burst=1_000
    )
    yield Servers(
        admin=live_server(create_app(with_token, assistant, ingestor)),
        proxied=live_server(create_app(proxied, assistant, ingestor), root_path="/qa"),
    )
    shutil.rmtree(root, ignore_errors=True)


def count(servers: Servers) -> int:
    return int(httpx.get(servers.url("api/documents")).json()["count"])


def test_health(servers: Servers) -> None:
    data = httpx.get(servers.url("api/health")).json()
    assert data["status"] == "ok" and data["store"] is True and data["documents"] == 6 and data["generation"]


def test_two_guarantees_are_answered_with_passages_that_point_into_the_speech(servers: Servers) -> None:
    response = httpx.post(servers.url("api/ask"), json={"question": "两个保障是什么？"}, timeout=60)
    assert response.status_code == 200
    data = response.json()
    assert data["answerable"] and "[1]" in data["answer"] and "经费保障" in data["answer"]
    first = data["citations"][0]
    assert "两个保障" in first["section"] and "经费保障" in first["sentence"]
    speech = httpx.get(servers.url(f"api/documents/{first['doc_id']}")).json()
    assert speech["text"][first["start"] : first["end"]] == first["text"]
    assert first["sentence"] in speech["text"]


def test_validation_errors_are_readable_json(servers: Servers) -> None:
    cases = [
        ({"question": ""}, "请输入问题"),
        ({"question": "问" * 10_001}, "10000"),
        ({"question": "两个保障是什么？", "top_k": 0}, "top_k"),
        ({"question": ["两个保障"]}, "question"),
    ]
    for body, expected in cases:
        response = httpx.post(servers.url("api/ask"), json=body)
        assert response.status_code == 422, body
        assert expected in response.json()["error"]
    broken = httpx.post(servers.url("api/ask"), content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and "error" in broken.json()


def test_html_in_a_question_is_returned_as_inert_json(servers: Servers) -> None:
    question = '<img src=x onerror="alert(1)"><script>alert(2)</script>两个保障是什么？'
    response = httpx.post(servers.url("api/ask"), json={"question": question}, timeout=60)
    assert response.status_code == 200 and response.json()["question"] == question
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_changes_need_the_token_and_a_wrong_one_changes_nothing(servers: Servers) -> None:
    before = count(servers)
    files = {"files": ("学前.txt", NEW_SPEECH.encode("gbk"), "text/plain")}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {TOKEN}"}):
        response = httpx.post(servers.url("api/documents"), files=files, headers=headers)
        assert response.status_code == 401 and response.json() == {"error": "管理员令牌不正确。"}
        assert TOKEN not in response.text
    doc_id = httpx.get(servers.url("api/documents")).json()["documents"][0]["doc_id"]
    assert (
        httpx.delete(
            servers.url(f"api/documents/{doc_id}"), headers={"Authorization": "Bearer x"}
        ).status_code
        == 401
    )
    assert count(servers) == before


def test_upload_ask_and_delete_a_speech(servers: Servers) -> None:
    before = count(servers)
    files = [
        ("files", ("学前.txt", NEW_SPEECH.encode("gbk"), "text/plain")),
        ("files", ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png")),
    ]
    response = httpx.post(
        servers.url("api/documents"), files=files, headers=AUTH, params={"wait": "true"}, timeout=60
    )
    assert response.status_code == 200, response.text
    by_name = {f["source"]: f for f in response.json()["files"]}
    assert by_name["学前.txt"]["status"] == "ok" and by_name["photo.png"]["status"] == "failed"
    doc_id = by_name["学前.txt"]["doc_ids"][0]
    assert count(servers) == before + 1

    answer = httpx.post(
        servers.url("api/ask"), json={"question": "普惠性幼儿园学位新增多少个？"}, timeout=60
    ).json()
    assert answer["answerable"] and "八千" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == doc_id

    deleted = httpx.delete(servers.url(f"api/documents/{doc_id}"), headers=AUTH)
    assert (
        deleted.status_code == 200 and deleted.json()["deleted"]["title"] == "在全市学前教育工作会议上的讲话"
    )
    assert count(servers) == before
    assert httpx.delete(servers.url(f"api/documents/{doc_id}"), headers=AUTH).status_code == 404
    assert httpx.get(servers.url(f"api/documents/{doc_id}")).status_code == 404


def test_binary_and_empty_uploads_are_refused(servers: Servers) -> None:
    before = count(servers)
    for name, data, status in (("blob.txt", bytes(range(256)) * 40, 400), ("empty.txt", b"", 400)):
        response = httpx.post(
            servers.url("api/documents"), files={"files": (name, data)}, headers=AUTH, params={"wait": "true"}
        )
        assert response.status_code == status and response.json()["error"].startswith(name)
    assert count(servers) == before


def test_without_a_configured_token_the_documents_are_read_only(servers: Servers) -> None:
    before = count(servers)
    files = {"files": ("学前.txt", NEW_SPEECH.encode(), "text/plain")}
    response = httpx.post(servers.proxied.url + "api/documents", files=files, headers=AUTH)
    assert response.status_code == 403 and "POLICY_QA_ADMIN_TOKEN" in response.json()["error"]
    assert count(servers) == before


def test_concurrent_askers_get_their_own_answers(servers: Servers) -> None:
    questions = ["两个保障是什么？", "12881是什么意思？", "杨生俊的讲话分几个部分？", "两个保障是什么？"] * 3

    def ask(question: str) -> tuple[str, dict[str, object]]:
        response = httpx.post(servers.url("api/ask"), json={"question": question}, timeout=120)
        return question, response.json()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(ask, questions))
    alone = {
        q: httpx.post(servers.url("api/ask"), json={"question": q}, timeout=60).json() for q in set(questions)
    }
    for question, data in results:
        assert data["question"] == question
        assert data["answer"] == alone[question]["answer"]  # the same answer as when asked alone


def test_behind_a_sub_path_every_url_carries_it(servers: Servers) -> None:
    base = servers.proxied.url  # what a proxy that strips /qa forwards to
    page = httpx.get(base + "embed")
    assert page.status_code == 200
    assert f"http://127.0.0.1:{servers.proxied.port}/qa/static/widget.js" in page.text
    assert httpx.get(base + "static/widget.js").status_code == 200
    chat = httpx.get(base)
    assert chat.status_code == 200 and "/qa" in chat.text  # Gradio's config names its public root
    # a proxy that forwards the prefix as well reaches the same app
    assert httpx.get(base + "qa/api/health").json()["status"] == "ok"
    docs = httpx.get(base + "docs")
    assert "/qa/openapi.json" in docs.text and "cdn." not in docs.text


def test_embedding_is_limited_by_frame_ancestors(servers: Servers) -> None:
    for url in (servers.url(""), servers.url("embed")):
        policy = httpx.get(url).headers["content-security-policy"]
        assert "frame-ancestors 'self'" in policy and "connect-src 'self'" in policy
