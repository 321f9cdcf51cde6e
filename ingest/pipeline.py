"""Ingest files into the store: idempotent, one atomic commit per file, old index kept on failure.

Per file: load → build documents → write the documents the store does not have yet (content-derived
ids: an unchanged speech is never embedded again) → ONE commit that activates them and deactivates
what the same source name produced before and no longer produces. Nothing written becomes visible
before that commit, so a failure anywhere in a file leaves its previous version active; what it did
write is garbage, removed by `collect_garbage()` at the end of the run.

Long because the one commit per file carries its rules here (replacement, conflicts with an existing
version, cancellation, the collapsed-repeats count) and they read best in one place.

Replacement rules:
- same source name, different content → its old documents are replaced (automatic);
- a document that another file also provides only loses this source name, it stays active;
- `replace=True` also removes active documents from *other* sources that have the same non-empty
  title, the same speaker and the same date as a document of this file: a corrected version
  uploaded under a new file name. Documents ingested earlier in the same run are never replaced
  (two different speeches in one folder may share a generic title). Without `replace` a match is
  kept and reported as a warning (and in `matches`).
- `ask=True` (the web documents tab and API): when the file would replace anything (same source
  name, changed content) or matches another file's speech, nothing is written and the file comes back
  as "conflict" with its `matches`; the administrator then chooses to replace or keep both.

Before parsing, runs of a repeated sentence are collapsed (ingest/repeats.py); `collapsed` says how
many sentences went. An `IngestObserver` (ingest/progress.py) sees the stages and may cancel a file
until its commit: a cancelled file leaves the index as it was.

Writers serialise on a file lock (`lock_path`), held while a file is written and committed and
while garbage is collected (which would otherwise delete another process's uncommitted writes).
Readers never take it.

`on_commit` (e.g. the assistant's snapshot refresh) runs right after each commit, outside the lock: the
writer prepares the next snapshot, so askers keep answering from the current one until it is ready.
`before_commit` (the assistant's `expect_refresh`) runs right before each commit: from that moment the
askers know the new generation they may see is this writer's, to be prepared by it, and keep answering
(without it the first asker to see the new generation prepared it and every other asker waited). A
`before_commit` is always followed by `on_commit`, even when the commit fails.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from core.localtime import local_iso
from core.records import Chunk, Document, LoadedText
from core.store import DocumentInfo, Manifest, VectorStore
from errors import (
    DocumentNotFoundError,
    IngestCancelledError,
    IngestError,
    PolicyQAError,
)
from ingest.progress import IngestObserver, NullObserver, observing
from ingest.repeats import collapse_repeats
from ingest.writer_lock import WriterLock

log = logging.getLogger(__name__)

Status = Literal["ok", "unchanged", "failed", "cancelled", "conflict"]
BuildFn = Callable[[LoadedText], list[tuple[Document, list[Chunk]]]]


@dataclass(frozen=True)
class Match:
    """An active speech that a file would replace ("same_source": the same file name, other content)
    or duplicate ("same_title": the same title, speaker and date from another file)."""

    doc_id: str
    reason: Literal["same_source", "same_title"]
    title: str
    speaker: str
    date: str
    sources: tuple[str, ...]
    ingested_at: str  # the server's local time with its offset (core/localtime.py)


@dataclass
class FileReport:
    source: str
    path: str = ""
    status: Status = "ok"
    docs: int = 0
    chunks_added: int = 0
    chunks_unchanged: int = 0
    chunks_removed: int = 0
    doc_ids: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # doc ids of other files retired by replace=True
    retired: list[str] = field(default_factory=list)  # every doc id this file's commit deactivated
    error: str = ""  # what the administrator reads (Chinese for domain errors)
    warnings: list[str] = field(default_factory=list)
    collapsed: int = 0  # repeated sentences dropped before parsing (ingest/repeats.py)
    matches: list[Match] = field(default_factory=list)  # see Match; a "conflict" file wrote nothing


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    elapsed_s: float = 0.0
    garbage_chunks: int = 0  # orphan chunks deleted by the final garbage collection

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "failed"]

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        totals = {n: self.total(n) for n in ("docs", "chunks_added", "chunks_unchanged", "chunks_removed")}
        return {
            "files": [dataclasses.asdict(f) for f in self.files],
            "totals": {"files": len(self.files), "failed": len(self.failed), **totals},
            "elapsed_s": round(self.elapsed_s, 3),
            "garbage_chunks": self.garbage_chunks,
        }


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _default_build(loaded: LoadedText) -> list[tuple[Document, list[Chunk]]]:
    from ingest.build import build_documents  # imported late: it pulls in jieba and the parsers

    return build_documents(loaded)


class Ingestor:
    def __init__(
        self,
        store: VectorStore,
        *,
        lock_path: Path | None = None,
        clock: Callable[[], datetime] = _utc_now,
        build: BuildFn = _default_build,
        lock_timeout_s: float = 600.0,
        on_commit: Callable[[], object] | None = None,
        before_commit: Callable[[], object] | None = None,
    ) -> None:
        self._store = store
        self.on_commit = on_commit
        self.before_commit = before_commit
        self._lock = WriterLock(lock_path, timeout_s=lock_timeout_s)
        self._clock = clock
        self._build = build

    def ingest_paths(
        self,
        paths: Iterable[str | Path],
        replace: bool = False,
        progress: Callable[[FileReport], None] | None = None,
    ) -> IngestReport:
        from ingest.loaders import load

        started = time.perf_counter()
        files, problems = expand_paths(paths)
        report = IngestReport(files=list(problems))
        this_run: set[str] = set()
        for path in files:
            file_report = self._guarded(
                path.name, str(path), functools.partial(load, path), replace, this_run
            )
            this_run.update(file_report.doc_ids)
            report.files.append(file_report)
            if progress is not None:
                progress(file_report)
        report.garbage_chunks = self._collect_garbage()
        report.elapsed_s = time.perf_counter() - started
        return report

    def ingest_bytes(
        self,
        data: bytes,
        source: str,
        replace: bool = False,
        *,
        ask: bool = False,
        observer: IngestObserver | None = None,
    ) -> IngestReport:
        """One uploaded file (the web documents tab and API)."""
        from ingest.loaders import load_bytes

        started = time.perf_counter()
        file_report = self._guarded(
            source, "", lambda: load_bytes(data, source), replace, set(), ask=ask, observer=observer
        )
        report = IngestReport(files=[file_report], garbage_chunks=self._collect_garbage())
        report.elapsed_s = time.perf_counter() - started
        return report

    def delete(self, doc_id: str) -> DocumentInfo:
        with self._lock:
            info = self._store.manifest().documents.get(doc_id)
            if info is None:
                raise DocumentNotFoundError(doc_id)
            self._commit(add=[], remove=[doc_id])
        self._notify()
        self._collect_garbage()  # inactive from here on: a failed collection only leaves garbage
        return info

    def list_documents(self) -> list[DocumentInfo]:
        documents = self._store.manifest().documents.values()
        # Stable sort: within a file, the manifest keeps the speeches in the order they were committed.
        return sorted(documents, key=lambda d: d.sources[0] if d.sources else "")

    # --- one file ------------------------------------------------------------------------------

    def _guarded(
        self,
        source: str,
        path: str,
        load: Callable[[], LoadedText],
        replace: bool,
        protected: set[str],
        *,
        ask: bool = False,
        observer: IngestObserver | None = None,
    ) -> FileReport:
        """Any failure becomes a failed FileReport; the file's previous version stays active.
        `protected`: doc ids that replace=True must not retire (this run's own documents)."""
        seen = observer or NullObserver()
        try:
            seen.stage("parsing")
            loaded = load()
            source = loaded.source or source  # the loader's name: no directory (uploads from Windows)
            collapsed = collapse_repeats(loaded.text)
            loaded = dataclasses.replace(loaded, text=collapsed.text)
            seen.check()
            built = _dedupe(self._build(loaded))
            if not built:
                raise IngestError(source, "没有识别出讲话正文")
            seen.check()
            with self._lock, observing(seen):  # the store's passage batches report to `seen`
                report = self._ingest_built(source, built, replace, protected, ask, seen, collapsed.removed)
            if report.status == "ok":
                self._notify()
        except IngestCancelledError as exc:
            return FileReport(source=source, path=path, status="cancelled", error=exc.message)
        except PolicyQAError as exc:
            reason = exc.reason if isinstance(exc, IngestError) else exc.message
            return FileReport(source=source, path=path, status="failed", error=reason)
        except OSError as exc:
            return FileReport(
                source=source, path=path, status="failed", error=f"无法读取文件：{exc.strerror or exc}"
            )
        except Exception as exc:  # a bug or a library failure: keep going with the other files
            log.exception("ingest of %s failed", source)
            return FileReport(source=source, path=path, status="failed", error=f"内部错误：{exc!r}")
        report.path = path
        return report

    def _ingest_built(
        self,
        source: str,
        built: list[tuple[Document, list[Chunk]]],
        replace: bool,
        protected: set[str],
        ask: bool,
        seen: IngestObserver,
        collapsed: int,
    ) -> FileReport:
        manifest = self._store.manifest()
        now = self._clock().isoformat(timespec="seconds")
        report = FileReport(
            source=source, docs=len(built), doc_ids=[d.doc_id for d, _ in built], collapsed=collapsed
        )
        if ask and not replace:
            report.matches = _matches(manifest, source, built)
            if report.matches:
                report.status = "conflict"
                return report
        to_write = [
            (doc, chunks)
            for doc, chunks in built
            if doc.doc_id not in manifest.documents and not self._store.has_document(doc.doc_id)
        ]
        seen.parsed(len(built), sum(len(chunks) for _, chunks in to_write), collapsed)
        seen.stage("embedding")
        adds: dict[str, DocumentInfo] = {}
        for doc, chunks in built:
            known = manifest.documents.get(doc.doc_id)
            if known is not None:
                report.chunks_unchanged += known.chunks
                if source not in known.sources:
                    adds[doc.doc_id] = dataclasses.replace(known, sources=(*known.sources, source))
                continue
            if any(doc is d for d, _ in to_write):
                self._store.write_document(doc, chunks)
            adds[doc.doc_id] = _info(doc, source, len(chunks), now)
            report.chunks_added += len(chunks)
        removes = self._retired(manifest, source, built, replace, protected, adds, report)
        report.retired = list(removes)
        seen.check()  # the last moment a cancel is honoured: after the commit the change is made
        seen.stage("committing")
        if adds or removes:
            self._commit(add=adds.values(), remove=removes)
        else:
            report.status = "unchanged"
        return report

    def _retired(
        self,
        manifest: Manifest,
        source: str,
        built: list[tuple[Document, list[Chunk]]],
        replace: bool,
        protected: set[str],
        adds: dict[str, DocumentInfo],
        report: FileReport,
    ) -> list[str]:
        """Doc ids to deactivate; fills in `adds` for documents that only lose this source name."""
        produced = {doc.doc_id for doc, _ in built}
        retired: list[str] = []
        for info in manifest.documents.values():
            if info.doc_id in produced or source not in info.sources:
                continue
            remaining = tuple(s for s in info.sources if s != source)
            if remaining:
                adds[info.doc_id] = dataclasses.replace(info, sources=remaining)
            else:
                retired.append(info.doc_id)
        for info in _same_title(manifest, built, exclude=produced | set(retired)):
            described = f"文档 {info.doc_id}（{'、'.join(info.sources)}）"
            if replace and info.doc_id not in protected:
                adds.pop(info.doc_id, None)
                retired.append(info.doc_id)
                report.replaced.append(info.doc_id)
            elif replace:
                report.warnings.append(f"与本次导入的{described}标题、讲话人和日期相同，未替换")
            else:  # the edge says how to replace (a CLI flag, a button in the tab)
                report.warnings.append(f"与已有{described}标题、讲话人和日期相同，两篇都已保留")
                report.matches.append(_match(info, "same_title"))
        report.chunks_removed = sum(manifest.documents[d].chunks for d in retired)
        return retired

    def _commit(self, add: Iterable[DocumentInfo], remove: Iterable[str]) -> None:
        if self.before_commit is not None:
            self.before_commit()
        try:
            self._store.commit(add=add, remove=remove)
        except BaseException:
            self._notify()  # what before_commit announced will not come: release the askers
            raise

    def _notify(self) -> None:
        if self.on_commit is None:
            return
        try:
            self.on_commit()
        except Exception:  # the change is committed; readers notice it on their own
            log.exception("after-commit hook failed")

    def _collect_garbage(self) -> int:
        try:
            with self._lock:
                return self._store.collect_garbage()
        except Exception:  # the index is consistent without it; the next run retries
            log.exception("garbage collection failed")
            return 0


def _info(doc: Document, source: str, chunks: int, now: str) -> DocumentInfo:
    return DocumentInfo(
        doc_id=doc.doc_id,
        sources=(source,),
        title=doc.title,
        speaker=doc.speaker,
        date=doc.date,
        chunks=chunks,
        ingested_at=now,
        chars=len(doc.text),
    )


def _matches(manifest: Manifest, source: str, built: Sequence[tuple[Document, list[Chunk]]]) -> list[Match]:
    """What committing `built` under `source` would replace or duplicate (see Match)."""
    produced = {doc.doc_id for doc, _ in built}
    same_source = [
        info for info in manifest.documents.values() if source in info.sources and info.doc_id not in produced
    ]
    found = [_match(info, "same_source") for info in same_source]
    exclude = produced | {info.doc_id for info in same_source}
    return found + [_match(info, "same_title") for info in _same_title(manifest, built, exclude)]


def _match(info: DocumentInfo, reason: Literal["same_source", "same_title"]) -> Match:
    return Match(
        info.doc_id, reason, info.title, info.speaker, info.date, info.sources, local_iso(info.ingested_at)
    )


def _same_title(
    manifest: Manifest, built: Sequence[tuple[Document, list[Chunk]]], exclude: set[str]
) -> list[DocumentInfo]:
    keys = {(doc.title, doc.speaker, doc.date) for doc, _ in built if doc.title}
    return [
        info
        for info in manifest.documents.values()
        if info.doc_id not in exclude and (info.title, info.speaker, info.date) in keys
    ]


def _dedupe(built: list[tuple[Document, list[Chunk]]]) -> list[tuple[Document, list[Chunk]]]:
    """A file that repeats a speech verbatim yields it once."""
    seen: set[str] = set()
    unique = []
    for doc, chunks in built:
        if doc.doc_id not in seen:
            seen.add(doc.doc_id)
            unique.append((doc, chunks))
    return unique


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileReport]]:
    """Files to ingest (directories walked for supported extensions, sorted) and per-path problems.

    The file name is the source name that replacement keys on, so a second file with a name
    already seen in this run is refused rather than silently replacing the first.
    """
    from ingest.loaders import SUPPORTED_EXTENSIONS

    files: list[Path] = []
    problems: list[FileReport] = []
    by_name: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [p for p in sorted(_walk(path)) if p.suffix.lower() in SUPPORTED_EXTENSIONS]
            if not found:
                problems.append(_problem(path, "目录中没有可导入的文件"))
        elif path.is_file():
            found = [path]
        else:
            problems.append(_problem(path, "文件不存在"))
            found = []
        for file in found:
            earlier = by_name.get(file.name)
            if earlier is None:
                by_name[file.name] = file
                files.append(file)
            elif earlier.resolve() != file.resolve():
                problems.append(_problem(file, f"与 {earlier} 同名；文件名用于识别来源，请改名后再导入"))
    return files, problems


def _walk(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*"):
        hidden = any(part.startswith((".", "~$")) for part in path.relative_to(directory).parts)
        if path.is_file() and not hidden:
            yield path


def _problem(path: Path, reason: str) -> FileReport:
    return FileReport(source=path.name or str(path), path=str(path), status="failed", error=reason)
