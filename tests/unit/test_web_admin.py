"""The documents tab's actions (AdminService) on a real embedded Chroma with the fake embedder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from ingest.jobs import JobQueue
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
    settings = Settings(admin_token=SecretStr(token) if token else None, max_upload_mb=1)
    return AdminService(settings, ingestor, JobQueue(ingestor))


def imported(admin: AdminService, paths: list[str], replace: bool = False) -> str:
    """Upload through the tab and wait for the import job; the jobs panel's HTML."""
    result = admin.upload(paths, replace, TOKEN)
    assert result.job_id, result.message
    admin.jobs.wait(result.job_id, 30)
    assert not admin.running()
    return admin.jobs_html()


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


def test_upload_queues_a_job_whose_panel_reports_each_file(ingestor: Ingestor, tmp_path: Path) -> None:
    admin = service(ingestor)
    paths = [
        write(tmp_path, "学前.txt", SPEECH.encode("gbk")),
        write(tmp_path, "slides.pptx", b"PK\x03\x04"),
    ]
    result = admin.upload(paths, False, TOKEN)
    assert "已加入导入队列" in result.message and result.job_id in result.message
    admin.jobs.wait(result.job_id, 30)
    panel = admin.jobs_html()
    assert result.job_id in panel and "已完成" in panel
    assert "学前.txt" in panel and "已导入" in panel and "新增" in panel
    assert "slides.pptx" in panel and "不支持" in panel
    titles = [d.title for d in ingestor.list_documents()]
    assert titles == ["在全市学前教育工作会议上的讲话"]
    assert admin.choices()[0][0] == "《在全市学前教育工作会议上的讲话》 王五 2024-03-01"
    assert "王五" in admin.documents_html()


def test_upload_needs_files(ingestor: Ingestor) -> None:
    assert "请先选择" in service(ingestor).upload([], False, TOKEN).message


def test_delete_asks_then_deletes(ingestor: Ingestor, tmp_path: Path) -> None:
    admin = service(ingestor)
    imported(admin, [write(tmp_path, "学前.txt", SPEECH.encode())])
    doc_id = ingestor.list_documents()[0].doc_id
    assert "确定要删除 《在全市学前教育工作会议上的讲话》" in admin.confirm_text(doc_id)
    refused = admin.delete(doc_id, "wrong")
    assert not refused.changed and len(ingestor.list_documents()) == 1
    done = admin.delete(doc_id, TOKEN)
    assert done.changed and "已删除" in done.message and ingestor.list_documents() == []
    again = admin.delete(doc_id, TOKEN)
    assert not again.changed and doc_id in again.message
    assert "请先选择" in admin.delete(None, TOKEN).message


def test_a_new_version_is_offered_as_a_replacement_not_stored_twice(
    ingestor: Ingestor, tmp_path: Path
) -> None:
    admin = service(ingestor)
    imported(admin, [write(tmp_path, "学前.txt", SPEECH.encode())])
    corrected = SPEECH.replace("八千个", "九千个")
    panel = imported(admin, [write(tmp_path, "学前（修订）.txt", corrected.encode())])
    assert "待确认" in panel and "标题、讲话人、日期相同" in panel and "学前.txt" in panel
    assert "--replace" not in panel and "命令" not in panel  # a web user is told about buttons, not CLI flags
    [(label, choice)] = admin.conflicts()
    assert label.startswith("学前（修订）.txt") and len(ingestor.list_documents()) == 1
    assert "令牌不正确" in admin.resolve(choice, "replace", "wrong").message
    decided = admin.resolve(choice, "replace", TOKEN)
    admin.jobs.wait(decided.job_id, 30)
    [info] = ingestor.list_documents()
    assert info.sources == ("学前（修订）.txt",) and "替换了 1 篇旧版本" in admin.jobs_html()
    assert admin.conflicts() == []

    renamed = imported(
        admin, [write(tmp_path, "学前（修订）.txt", corrected.replace("九千", "一万").encode())]
    )
    assert "同名文件" in renamed and len(ingestor.list_documents()) == 1
    assert "同名" in admin.resolve(admin.conflicts()[0][1], "keep", TOKEN).message
    assert "请先选择" in admin.cancel(None, TOKEN).message


def test_the_panel_says_how_many_repeated_sentences_were_collapsed(
    ingestor: Ingestor, tmp_path: Path
) -> None:
    admin = service(ingestor)
    repeated = SPEECH.replace("部署今年任务。", "部署今年任务。" + "要新增普惠性幼儿园学位八千个。" * 500)
    panel = imported(admin, [write(tmp_path, "重复.txt", repeated.encode())])
    assert "合并了 499 个连续重复的句子" in panel and "合并重复句 499 个" in panel
    assert admin.jobs.jobs()[0].to_dict()["collapsed"] == 499
