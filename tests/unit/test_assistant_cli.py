"""`python -m assistant ask "问题" [--json]` and `ask --batch FILE.jsonl`, with an injected assistant."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant import templates as T
from assistant.cli import main
from assistant.service import PolicyAssistant
from tests.fakes import ANSWER_FIELDS


def run(assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), assistant=assistant)
    out, err = capsys.readouterr()
    return code, out, err


def batch_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ask_json_prints_the_answer_contract(
    assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(assistant, capsys, "ask", "两个保障是什么？", "--json")
    data = json.loads(out)
    assert code == 0 and err == ""
    assert (
        set(data) == ANSWER_FIELDS and data["question"] == "两个保障是什么？" and data["answerable"] is True
    )
    assert "经费保障" in data["answer"] and data["citations"][0]["n"] == 1
    assert data["citations"][0]["text"] == data["passages"][0]["text"]  # cited passages come first


def test_ask_prints_the_answer_and_its_citations_for_a_person(
    assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(assistant, capsys, "ask", "两个保障是什么？")
    assert code == 0
    answer, rest = out.split("\n\n", 1)
    assert "经费保障" in answer and "[1]" in answer
    assert "—— 引文 ——" in rest and "[1] 《在全市教育高质量发展大会上的讲话提纲》" in rest


def test_ask_shows_related_passages_when_it_refuses(
    assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(assistant, capsys, "ask", "高校学费标准是多少？")
    assert code == 0 and out.startswith(T.REFUSAL) and "—— 相关内容 ——" in out and "· 《" in out


def test_an_empty_question_is_an_error_message_not_a_traceback(
    assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(assistant, capsys, "ask", "   ")
    assert code == 2 and out == "" and err.strip() == f"错误：{T.EMPTY_QUESTION}"


def test_doc_and_top_k_options_reach_the_assistant(
    assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = assistant.corpus()
    only = next(d for d, doc in corpus.documents.items() if doc.source.startswith("003"))
    code, out, _ = run(
        assistant, capsys, "ask", "为什么要推进集团化办学？", "--json", "--doc", only, "--top-k", "7"
    )
    data = json.loads(out)
    assert code == 0 and len(data["passages"]) == 7
    assert {p["doc_id"] for p in data["passages"]} == {only}


def test_batch_answers_one_json_per_line_in_order_with_errors_per_line(
    assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = batch_file(
        tmp_path,
        json.dumps({"id": "q1", "question": "两个保障是什么？"}, ensure_ascii=False),
        json.dumps({"id": "q2", "question": "  "}),
        "",
        "三个优先是什么？",  # not JSON: the line is the question
        json.dumps({"id": 7}),  # no question
    )
    code, out, _ = run(assistant, capsys, "ask", "--batch", str(path))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # some lines failed
    assert [row["id"] for row in rows] == ["q1", "q2", 4, 7]  # a line without id gets its line number
    assert rows[0]["answerable"] is True and set(rows[0]) == ANSWER_FIELDS | {"id"}
    assert rows[1] == {"id": "q2", "question": "  ", "error": T.EMPTY_QUESTION}
    assert rows[2]["question"] == "三个优先是什么？" and rows[2]["answerable"] is False
    assert rows[3]["error"] == T.EMPTY_QUESTION


def test_a_clean_batch_exits_zero(
    assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    questions = ["两个保障是什么？", "郑州市2025年高考录取了多少人？"]
    path = batch_file(tmp_path, *(json.dumps({"question": q}, ensure_ascii=False) for q in questions))
    code, out, _ = run(assistant, capsys, "ask", "--batch", str(path))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [row["question"] for row in rows] == questions and [r["id"] for r in rows] == [1, 2]
    assert [row["answerable"] for row in rows] == [True, False]


def test_batch_reads_stdin(
    assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": "a", "question": "两个保障是什么？"}\n'))
    code, out, _ = run(assistant, capsys, "ask", "--batch", "-")
    assert code == 0 and json.loads(out)["id"] == "a"


@pytest.mark.parametrize(
    "argv",
    [["ask"], ["ask", "问题", "--batch", "x.jsonl"], [], ["ask", "问题", "--top-k", "many"]],
)
def test_bad_arguments_exit_with_usage(
    assistant: PolicyAssistant, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv, assistant=assistant)
    assert caught.value.code == 2 and "usage:" in capsys.readouterr().err
