"""The documents tab's actions (AdminService) on a real embedded Chroma with the fake embedder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from ingest.pipeline import Ingestor
from settings import Settings
from tests.fakes import FakeEmbedder
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client
from web.admin import AdminService

TOKEN = "admin-tab-token"
SPEECH = (
    "在全市学前教育工作会议上的讲话\n王五\n（2024年3月1日）\n同志们：\n"
    "今天我们召开全市学前教育工作会议，主要任务是总结去年工作，部署今年任务。过去一年，全市学前教育改革发展"
    "取得明显成效，普惠性幼儿园覆盖率持续提高，保教质量稳步提升。\n"
    "一、扩大普惠资源\n要新增普惠性幼儿园学位八千个。\n二、提高保教质量\n要开展幼儿园保教质量评估。\n"
)


@pytest.fixture
def ingestor(tmp_path: Path) -> Iterator[Ingestor]:
    store = ChromaStore(persistent_client(tmp_path / "chroma"), FakeEmbedder(), "admin")
    yield Ingestor(store, lock_path=tmp_path / "ingest.lock")
    store.close()


def write(folder: Path, name: str, data: bytes) -> str:
    path = folder / "gradio-upload" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def service(ingestor: Ingestor, token: str | None = TOKEN) -> AdminService:
    return AdminService(Settings(admin_token=SecretStr(token) if token else None, max_upload_mb=1), ingestor)


def test_read_only_without_a_token(ingestor: Ingestor, tmp_path: Path) -> None:
    admin = service(ingestor, token=None)
    assert not admin.writable
    result = admin.upload([write(tmp_path, "a.txt", SPEECH.encode())], False, "anything")
    assert "POLICY_QA_ADMIN_TOKEN" in result.message and not result.changed
    assert ingestor.list_documents() == []


def test_wrong_token_changes_nothing(ingestor: Ingestor, tmp_path: Path) -> None:
    admin = service(ingestor)
    result = admin.upload([write(tmp_path, "a.txt", SPEECH.encode())], False, "wrong")
    assert "管理员令牌不正确" in result.message and not result.changed
    assert TOKEN not in result.message and ingestor.list_documents() == []


def test_upload_reports_each_file_and_progress(ingestor: Ingestor, tmp_path: Path) -> None:
    admin = service(ingestor)
    seen: list[tuple[float, str]] = []
    paths = [
        write(tmp_path, "学前.txt", SPEECH.encode("gbk")),
        write(tmp_path, "slides.pptx", b"PK\x03\x04"),
    ]
    result = admin.upload(paths, False, TOKEN, progress=lambda f, d: seen.append((f, d)))
    assert result.changed
    assert "学前.txt" in result.message and "已导入" in result.message
    assert "slides.pptx" in result.message and "不支持" in result.message
    assert [round(f, 2) for f, _ in seen] == [0.0, 0.5] and "1/2" in seen[0][1]
    titles = [d.title for d in ingestor.list_documents()]
    assert titles == ["在全市学前教育工作会议上的讲话"]
    assert admin.choices()[0][0] == "《在全市学前教育工作会议上的讲话》 王五 2024-03-01"
    assert "王五" in admin.documents_html()


def test_upload_needs_files(ingestor: Ingestor) -> None:
    assert "请先选择" in service(ingestor).upload([], False, TOKEN).message


def test_delete_asks_then_deletes(ingestor: Ingestor, tmp_path: Path) -> None:
    admin = service(ingestor)
    admin.upload([write(tmp_path, "学前.txt", SPEECH.encode())], False, TOKEN)
    doc_id = ingestor.list_documents()[0].doc_id
    assert "确定要删除 《在全市学前教育工作会议上的讲话》" in admin.confirm_text(doc_id)
    refused = admin.delete(doc_id, "wrong")
    assert not refused.changed and len(ingestor.list_documents()) == 1
    done = admin.delete(doc_id, TOKEN)
    assert done.changed and "已删除" in done.message and ingestor.list_documents() == []
    again = admin.delete(doc_id, TOKEN)
    assert not again.changed and doc_id in again.message
    assert "请先选择" in admin.delete(None, TOKEN).message
