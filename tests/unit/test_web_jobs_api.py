"""Import jobs over the JSON API (in-process app, real embedded Chroma, a fake embedder that a test can
hold inside an embedding batch): upload → job id, follow, cancel, decide on a new version, the docs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import create_app
from assistant.service import PolicyAssistant
from ingest.jobs import JobQueue
from ingest.pipeline import Ingestor
from ingest.progress import ProgressEmbedder
from settings import Settings
from tests.fakes import GatedEmbedder
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client

TOKEN = "jobs-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BODY = "今天我们召开全市教育工作会议，主要任务是总结去年工作，部署今年任务。办学条件持续改善，人才培养质量稳步提升。"


def speech(title: str, speaker: str, extra: str = "") -> bytes:
    parts = "".join(
        f"{n}、第{i}项任务\n第{i}项任务要落实到位。{BODY}\n" for i, n in enumerate("一二三四五六", 1)
    )
    return f"{title}\n{speaker}\n（2024年3月1日）\n同志们：\n{BODY}{extra}\n{parts}".encode()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[TestClient, GatedEmbedder, ChromaStore]]:
    embedder = GatedEmbedder()
    store = ChromaStore(
        persistent_client(tmp_path / "chroma"), ProgressEmbedder(embedder), "jobsapi", batch_size=2
    )
    ingestor = Ingestor(store, lock_path=tmp_path / "ingest.lock")
    jobs = JobQueue(ingestor)
    settings = Settings(data_dir=tmp_path, admin_token=TOKEN, max_upload_mb=1)  # type: ignore[arg-type]
    with TestClient(create_app(settings, PolicyAssistant(store), ingestor, jobs=jobs)) as client:
        yield client, embedder, store
    embedder.gate.set()
    jobs.close()
    store.close()


def upload(client: TestClient, name: str, data: bytes, **params: str) -> Any:
    return client.post("/api/documents", files={"files": (name, data)}, headers=AUTH, params=params)


def settle(client: TestClient, job_id: str) -> dict[str, Any]:
    """The job once finished, polled as a client would (bounded; no time is asserted)."""
    for _ in range(300):
        body: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
        if body["state"] in ("done", "cancelled"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {body}")


def test_an_upload_returns_a_job_to_follow_and_the_routes_need_the_token(
    app: tuple[TestClient, GatedEmbedder, ChromaStore],
) -> None:
    client, _, _ = app
    response = upload(client, "职教.txt", speech("在全市职业教育工作会议上的讲话", "李四"))
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["job_id"].startswith("j") and job["status_url"] == f"/api/jobs/{job['job_id']}"
    for method, path in (
        ("GET", "/api/jobs"),
        ("GET", f"/api/jobs/{job['job_id']}"),
        ("POST", f"/api/jobs/{job['job_id']}/cancel"),
    ):
        refused = client.request(method, path, headers={"Authorization": "Bearer wrong"})
        assert refused.status_code == 401 and refused.json() == {"error": "管理员令牌不正确。"}
    done = settle(client, job["job_id"])
    [file] = done["files"]
    assert file["status"] == "ok" and file["embedded"] == file["to_embed"] == file["report"]["chunks_added"]
    listed = client.get("/api/jobs", headers=AUTH).json()["jobs"]
    assert [j["job_id"] for j in listed] == [job["job_id"]]
    assert client.get("/api/jobs/j-nope", headers=AUTH).status_code == 404


def test_cancel_through_the_api_while_embedding_changes_nothing(
    app: tuple[TestClient, GatedEmbedder, ChromaStore],
) -> None:
    client, embedder, store = app
    embedder.gate.clear()
    job_id = upload(client, "职教.txt", speech("在全市职业教育工作会议上的讲话", "李四")).json()["job_id"]
    assert embedder.entered.wait(30)
    running = client.get(f"/api/jobs/{job_id}", headers=AUTH).json()
    assert running["state"] == "running" and running["files"][0]["stage"] == "embedding"
    assert running["files"][0]["to_embed"] > 2
    cancelling = client.post(f"/api/jobs/{job_id}/cancel", headers=AUTH).json()
    assert cancelling["cancel_requested"] is True
    embedder.gate.set()
    done = settle(client, job_id)
    assert done["state"] == "cancelled" and done["files"][0]["status"] == "cancelled"
    assert store.manifest().documents == {} and store.count_chunks() == 0


def test_a_new_version_is_reported_and_replaced_only_when_asked(
    app: tuple[TestClient, GatedEmbedder, ChromaStore],
) -> None:
    client, _, store = app
    title = "在全市职业教育工作会议上的讲话"
    first = upload(client, "职教.txt", speech(title, "李四"), wait="true")
    assert first.status_code == 200 and first.json()["files"][0]["status"] == "ok"
    conflict = upload(client, "职教-修订.txt", speech(title, "李四", "新增一句。"), wait="true")
    assert conflict.status_code == 409, conflict.text
    body = conflict.json()
    [match] = body["files"][0]["matches"]
    assert match["reason"] == "same_title" and match["sources"] == ["职教.txt"]
    assert "替换" in body["error"] and "--replace" not in body["error"]
    assert len(store.manifest().documents) == 1

    decided = client.post(
        f"/api/jobs/{body['job_id']}/resolve",
        json={"file": "职教-修订.txt", "action": "replace"},
        headers=AUTH,
    )
    assert decided.status_code in (200, 202), decided.text
    result = settle(client, decided.json()["job_id"])["files"][0]["report"]
    assert result["status"] == "ok" and result["replaced"] == [match["doc_id"]]
    assert [d.sources for d in store.manifest().documents.values()] == [("职教-修订.txt",)]
    bad = client.post(
        f"/api/jobs/{body['job_id']}/resolve", json={"file": "x", "action": "merge"}, headers=AUTH
    )
    assert bad.status_code == 422

    direct = upload(client, "职教-修订.txt", speech(title, "李四", "又改一句。"), wait="true", replace="true")
    assert direct.status_code == 200 and direct.json()["files"][0]["status"] == "ok"


def test_the_job_routes_are_in_the_openapi_docs(app: tuple[TestClient, GatedEmbedder, ChromaStore]) -> None:
    paths = app[0].get("/openapi.json").json()["paths"]
    for path in (
        "/api/jobs",
        "/api/jobs/{job_id}",
        "/api/jobs/{job_id}/cancel",
        "/api/jobs/{job_id}/resolve",
    ):
        assert path in paths
    post = paths["/api/documents"]["post"]
    assert "202" in post["responses"] and any(p["name"] == "wait" for p in post["parameters"])
    assert any(p["name"] == "authorization" for p in paths["/api/jobs"]["get"]["parameters"])
