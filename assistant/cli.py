"""`python -m assistant ask "问题" [--json]` and `python -m assistant ask --batch FILE.jsonl`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from assistant.records import Answer
from assistant.service import PolicyAssistant
from errors import PolicyQAError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="向讲话提问，回答附引文。")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="ask one question, or a batch from a JSONL file")
    ask.add_argument("question", nargs="?", help="问题")
    ask.add_argument("--json", action="store_true", help="print the answer JSON")
    ask.add_argument("--batch", type=Path, help="JSONL file: one {id, question} per line; '-' = stdin")
    ask.add_argument("--top-k", type=int, default=5)
    ask.add_argument("--doc", action="append", dest="doc_ids", help="only these document ids (repeatable)")
    args = parser.parse_args(argv)
    if bool(args.question) == bool(args.batch):
        parser.error("give a question or --batch FILE, not both")
    return args


def main(argv: list[str] | None = None, assistant: PolicyAssistant | None = None) -> int:
    args = parse_args(argv)
    if assistant is None:
        from assistant.factory import build_assistant
        from settings import load_settings

        try:
            assistant = build_assistant(load_settings())
        except PolicyQAError as exc:
            print(f"错误：{exc.message}", file=sys.stderr)
            return 2
    if args.batch:
        return run_batch(assistant, args, sys.stdout)
    try:
        answer = assistant.ask(args.question, top_k=args.top_k, doc_ids=args.doc_ids)
    except PolicyQAError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1) if args.json else render(answer))
    return 0


def run_batch(assistant: PolicyAssistant, args: argparse.Namespace, out: TextIO) -> int:
    failures = 0
    for line_no, record in _records(args.batch):
        try:
            answer: dict[str, Any] = assistant.ask(
                str(record.get("question", "")), top_k=args.top_k, doc_ids=args.doc_ids
            ).to_dict()
        except PolicyQAError as exc:
            failures += 1
            answer = {"question": record.get("question"), "error": exc.message}
        answer["id"] = record.get("id", line_no)
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()
    return 1 if failures else 0


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    with stream:
        for line_no, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = {"question": line.strip()}
            yield line_no, record if isinstance(record, dict) else {"question": str(record)}


def render(answer: Answer) -> str:
    lines = [answer.answer, ""]
    heading = "引文" if answer.answerable else "相关内容"
    lines.append(f"—— {heading} ——")
    shown = answer.citations or []
    for c in shown:
        p = c.passage
        lines.append(f"[{c.n}] 《{p.title}》 {p.speaker} {p.date} · {p.section}")
        lines.append(f"    {p.text[:160]}")
    if not shown:
        for p in answer.passages[:3]:
            lines.append(f"· 《{p.title}》 {p.section}: {p.text[:120]}")
    return "\n".join(lines)
