"""The audit log of document changes: who (the administrator's name given with the token), what (document
id, title, file name, action, version), when (the server's local time, with its UTC offset).

Append-only JSON lines under the data dir: one line per change, never rewritten, so concurrent writers
(the import worker, a delete request) only append. Names, titles and file names are kept as given; the
edges show them as text (autoescaped pages, CSV cells that cannot start a formula).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

T = TypeVar("T")
AuditAction = Literal["add", "replace", "delete", "restore"]
ACTIONS: dict[str, str] = {"add": "新增", "replace": "替换", "delete": "删除", "restore": "恢复旧版本"}
MAX_NAME_CHARS = 40
UNNAMED = "未署名"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def local_now() -> str:
    """The server's local time with its offset ("2026-12-03T18:40:12+08:00"): never a bare UTC time."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def one_line(raw: str | None, limit: int = MAX_NAME_CHARS) -> str:
    """Text a user typed (a name, a tag) as one bounded line, without control or bidi characters."""
    return _CONTROL.sub("", raw or "").strip()[:limit]


def admin_name(raw: str | None) -> str:
    """The name an administrator gave (header, form field); empty → 未署名."""
    return one_line(raw) or UNNAMED


def append_lines(path: Path, lines: list[str]) -> None:
    """Append JSON lines; after a torn last line (a crash mid-write) start on a new line, so only the
    torn one is lost."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        torn = handle.tell() > 0 and _last_byte(path) != b"\n"
        handle.write(("\n" if torn else "").encode() + "".join(f"{line}\n" for line in lines).encode("utf-8"))


def read_lines(path: Path, build: Callable[[dict[str, Any]], T]) -> list[T]:
    """The records of a JSON-lines file written by `append_lines`, oldest first; a torn line (a crash
    mid-write) is skipped."""
    if not path.exists():
        return []
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                records.append(build(json.loads(line)))
            except (ValueError, TypeError):
                continue
    return records


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1)


@dataclass(frozen=True)
class AuditEntry:
    time: str
    actor: str
    action: AuditAction
    doc_id: str
    title: str
    source: str
    version: int = 0  # the version's number in the speech's history (1 = first); 0 = not known
    speech_id: str = ""  # the speech's history (ingest/versions.py) the version belongs to
    detail: str = ""  # e.g. which doc ids a replace retired


class AuditLog:
    def __init__(self, path: Path, *, clock: Callable[[], str] = local_now) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()

    def record(
        self,
        action: AuditAction,
        *,
        actor: str,
        doc_id: str,
        title: str = "",
        source: str = "",
        version: int = 0,
        speech_id: str = "",
        detail: str = "",
    ) -> AuditEntry:
        entry = AuditEntry(
            self._clock(), admin_name(actor), action, doc_id, title, source, version, speech_id, detail
        )
        with self._lock:
            append_lines(self.path, [json.dumps(asdict(entry), ensure_ascii=False)])
        return entry

    def read(self) -> list[AuditEntry]:
        """Oldest first; a torn last line (a crash mid-write) is skipped."""
        return read_lines(self.path, lambda raw: AuditEntry(**raw))
