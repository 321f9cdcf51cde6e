"""Local time everywhere a person reads a time: the index keeps `ingested_at` in UTC, and the CLI's list,
its JSON and the API's document list hand it out in the server's zone (here Asia/Shanghai, +08:00)."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import create_app
from assistant.service import PolicyAssistant
from core.localtime import local_iso, local_time
from core.store import DocumentInfo
from ingest.cli import print_documents
from ingest.pipeline import Ingestor
from settings import Settings
from tests.fakes import MemoryStore
from tests.fakes import speech_text as speech

UTC_STAMP = "2025-01-02T03:04:05+00:00"


@pytest.fixture
def shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("shanghai")
def test_times_are_converted_to_the_servers_zone() -> None:
    assert local_iso(UTC_STAMP) == "2025-01-02T11:04:05+08:00"
    assert local_time(UTC_STAMP) == "2025-01-02 11:04:05 +08:00"
    assert local_time(local_iso(UTC_STAMP)) == local_time(UTC_STAMP)  # converting twice changes nothing
    assert local_iso("不是时间") == "不是时间" and local_iso("2025-01-02T03:04:05") == "2025-01-02T03:04:05"


@pytest.mark.usefixtures("shanghai")
def test_the_cli_list_shows_local_time() -> None:
    out = io.StringIO()
    print_documents([DocumentInfo("d1", ("a.txt",), "讲话", "张三", "2023-04-28", 3, UTC_STAMP)], out)
    assert "2025-01-02 11:04:05 +08:00" in out.getvalue() and "03:04:05" not in out.getvalue()


@pytest.mark.usefixtures("shanghai")
def test_the_api_lists_import_times_in_local_time(tmp_path: Path) -> None:
    store = MemoryStore()
    ingestor = Ingestor(store, lock_path=tmp_path / "ingest.lock")
    source = tmp_path / "讲话.txt"
    source.write_text(speech("教育讲话", "李四"), encoding="utf-8")
    ingestor.ingest_paths([source])
    stored = ingestor.list_documents()[0].ingested_at
    settings = Settings(data_dir=tmp_path)  # type: ignore[arg-type]
    with TestClient(create_app(settings, PolicyAssistant(store), ingestor)) as client:
        listed = client.get("/api/documents").json()["documents"][0]["ingested_at"]
    assert listed.endswith("+08:00")
    assert datetime.fromisoformat(listed) == datetime.fromisoformat(stored)  # the same instant
