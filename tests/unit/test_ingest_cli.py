"""`python -m ingest` through `main()`, with the fake embedder injected via `build_embedder`."""

from __future__ import annotations

import io
import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from reportlab.pdfgen import canvas

from ingest import cli
from tests.fakes import FakeEmbedder

SPEECHES = Path(__file__).resolve().parents[2] / "data" / "speeches"
GOOD = (SPEECHES / "000_ba48dc24f464237d.txt").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "var"
    monkeypatch.chdir(tmp_path)  # no stray .env from the working tree
    monkeypatch.setenv("POLICY_QA_DATA_DIR", str(data))
    monkeypatch.delenv("POLICY_QA_CHROMA_HOST", raising=False)
    monkeypatch.setattr(cli, "build_embedder", lambda settings: FakeEmbedder())
    return data


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = cli.main([*args, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_ingest_twice_then_list_and_delete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SPEECHES, corpus)
    assert cli.main([str(corpus)]) == 0
    out, _ = capsys.readouterr()
    assert "合计 5 个文件" in out and "000_ba48dc24f464237d.txt" in out and "已更新" in out

    code, second, _ = run_json(capsys, str(corpus))
    assert code == 0
    assert second["ingest"]["totals"]["chunks_added"] == 0
    assert second["ingest"]["totals"]["chunks_unchanged"] > 0
    assert {f["status"] for f in second["ingest"]["files"]} == {"unchanged"}

    code, listed, _ = run_json(capsys, "--list")
    documents = listed["documents"]
    assert code == 0 and len(documents) == 6
    assert set(documents[0]) >= {"doc_id", "title", "speaker", "date", "chunks", "sources", "ingested_at"}

    assert cli.main(["--list"]) == 0
    table, _ = capsys.readouterr()
    assert documents[0]["doc_id"] in table and "共 6 篇文档" in table

    doomed = documents[0]["doc_id"]
    code, deleted, _ = run_json(capsys, "--delete", doomed, "--list")
    assert code == 0 and deleted["deleted"][0]["doc_id"] == doomed
    assert doomed not in {d["doc_id"] for d in deleted["documents"]}
    assert cli.main(["--delete", doomed]) == 1
    assert doomed in capsys.readouterr().err


def truncated_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Education work conference speech " * 3)
    page.showPage()
    page.save()
    data = buffer.getvalue()
    return data[: len(data) // 2]


def test_bad_inputs_are_reported_per_file_and_the_rest_ingested(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "混合 文件夹"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(random.Random(1).randrange(256) for _ in range(4096))
    (corpus / "binary.txt").write_bytes(png)  # a picture saved under a .txt name
    (corpus / "truncated.pdf").write_bytes(truncated_pdf())
    (corpus / "我的 讲话 稿.txt").write_text(GOOD, encoding="gbk", errors="replace")
    unsupported = tmp_path / "notes.xyz"
    unsupported.write_text("两个保障", encoding="utf-8")

    code = cli.main([str(corpus), str(unsupported)])
    err = capsys.readouterr().err
    assert code == 1
    errors = dict(line.split(": ", 1) for line in err.splitlines() if ": " in line)
    assert {"empty.txt", "binary.txt", "truncated.pdf", "notes.xyz"} <= set(errors)
    assert all(reason.strip() for reason in errors.values())
    assert "不支持" in errors["notes.xyz"]
    assert "Traceback" not in err

    code, listed, _ = run_json(capsys, "--list")
    assert [d["sources"] for d in listed["documents"]] == [["我的 讲话 稿.txt"]]


@pytest.mark.slow
def test_five_megabyte_text_is_ingested_or_refused_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        f"第{i}项：各级各类学校要坚持立德树人，全面提高教育质量，编号{i * 7919 % 100003}。\n"
        for i in range(60000)
    ]
    big = tmp_path / "big.txt"
    big.write_text("".join(lines), encoding="utf-8")
    assert big.stat().st_size > 5 * 2**20
    small = tmp_path / "small.txt"
    small.write_text(GOOD, encoding="utf-8")
    code, result, err = run_json(capsys, str(big), str(small))
    files = {f["source"]: f for f in result["ingest"]["files"]}
    assert files["small.txt"]["status"] == "ok"
    assert files["big.txt"]["status"] in {"ok", "failed"}
    if files["big.txt"]["status"] == "failed":
        assert code == 1 and files["big.txt"]["error"] and "big.txt: " in err
    else:
        assert code == 0 and files["big.txt"]["chunks_added"] > 1000


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["--replace"], ["--bogus"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_unreachable_server_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICY_QA_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("POLICY_QA_CHROMA_PORT", "9")
    assert cli.main(["--list"]) == 1
    assert "向量库" in capsys.readouterr().err
