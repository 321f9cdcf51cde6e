"""Every imported version of a speech, kept outside the live index: its original file and its record.

Why: replacing a speech retires its old documents and garbage collection deletes their chunks, so without
this an administrator could never see what a correction changed, nor undo a wrong one. Under
`<data dir>/versions/`: `files/<sha256><ext>` holds each original file once (the same bytes are stored
once however often they are imported), `index.jsonl` one line per imported version (append-only).

A *speech* is a chain of versions: a document that retires another (a replace) continues that
document's speech; anything else starts a new one (`speech_id` = its first document's id). A
document imported twice (say, restored) gets a new version record each time: the history is the order
in which versions became current.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath
from typing import Any

from core.store import DocumentInfo
from errors import OriginalNotKeptError, VersionNotFoundError
from ingest.audit import append_lines, local_now, read_lines


@dataclass(frozen=True)
class VersionRecord:
    version_id: str
    speech_id: str
    doc_id: str
    source: str  # the file name it was imported under
    title: str
    speaker: str
    date: str
    saved_at: str  # local time with offset
    sha256: str
    file: str  # under versions/files/
    actor: str = ""
    chars: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)


class VersionArchive:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    @property
    def _index(self) -> Path:
        return self.root / "index.jsonl"

    def keep(
        self,
        source: str,
        data: bytes,
        infos: Sequence[DocumentInfo],
        retired: Sequence[str] = (),
        *,
        actor: str = "",
        tags: Sequence[str] = (),
    ) -> list[VersionRecord]:
        """Record the documents `infos` (just committed from the file `source` = `data`) as new versions;
        `retired`: the doc ids their commit deactivated (their speech continues here)."""
        digest = hashlib.sha256(data).hexdigest()
        name = digest + PurePath(source).suffix.lower()[:10]
        with self._lock:
            known = self._read()
            earlier = next((r for d in retired for r in reversed(known) if r.doc_id == d), None)
            continued = earlier.speech_id if earlier is not None else ""
            tags = tuple(tags) or (
                earlier.tags if earlier is not None else ()
            )  # a new version keeps its tags
            path = self.root / "files" / name
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            records = [
                VersionRecord(
                    version_id="v" + secrets.token_hex(5),
                    speech_id=continued or _speech_of(known, info.doc_id) or info.doc_id,
                    doc_id=info.doc_id,
                    source=source,
                    title=info.title,
                    speaker=info.speaker,
                    date=info.date,
                    saved_at=local_now(),
                    sha256=digest,
                    file=name,
                    actor=actor,
                    chars=info.chars,
                    tags=tuple(tags),
                )
                for info in infos
            ]
            append_lines(self._index, [json.dumps(asdict(r), ensure_ascii=False) for r in records])
        return records

    def records(self) -> list[VersionRecord]:
        with self._lock:
            return self._read()

    def history(self, speech_id: str) -> list[VersionRecord]:
        """The speech's versions, oldest first."""
        return [r for r in self.records() if r.speech_id == speech_id]

    def get(self, version_id: str) -> VersionRecord:
        found = next((r for r in self.records() if r.version_id == version_id), None)
        if found is None:
            raise VersionNotFoundError(version_id)
        return found

    def speech_of(self, doc_id: str) -> str:
        """The speech a document belongs to ("" when it was never archived)."""
        return _speech_of(self.records(), doc_id)

    def number(self, record: VersionRecord) -> int:
        """1 for a speech's first version, 2 for the next …"""
        ids = [r.version_id for r in self.history(record.speech_id)]
        return ids.index(record.version_id) + 1 if record.version_id in ids else 0

    def latest_for(self, doc_id: str) -> VersionRecord:
        """The last version record of a document (its original file); raises when none was kept."""
        found = next((r for r in reversed(self.records()) if r.doc_id == doc_id), None)
        if found is None:
            raise OriginalNotKeptError("这篇讲话的原始文件没有保存（在启用版本记录之前导入）。")
        return found

    def kept_docs(self) -> set[str]:
        """Doc ids whose original file was archived."""
        return {r.doc_id for r in self.records()}

    def original(self, record: VersionRecord) -> bytes:
        try:
            return (self.root / "files" / PurePath(record.file).name).read_bytes()
        except OSError as exc:
            raise OriginalNotKeptError(f"版本 {record.version_id} 的原始文件已不在服务器上。") from exc

    def _read(self) -> list[VersionRecord]:
        return read_lines(self._index, _record)


def _record(raw: dict[str, Any]) -> VersionRecord:
    return VersionRecord(**{**raw, "tags": tuple(raw.get("tags") or ())})


def _speech_of(records: Sequence[VersionRecord], doc_id: str) -> str:
    return next((r.speech_id for r in reversed(records) if r.doc_id == doc_id), "")
