"""What administrators review: the audit log and the feedback votes, filtered and exported.

Pure functions over the logs' entries (ingest/audit.py, web/feedback.py), shared by the documents tab and
`GET /api/audit`, `GET /api/feedback`. Times are shown in the server's local zone (the feedback log writes
UTC; it is converted here). CSV cells that a spreadsheet would run as a formula are written as text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from core.localtime import local_time
from ingest.audit import ACTIONS, AuditEntry

AUDIT_FIELDS = ("time", "actor", "action", "doc_id", "title", "source", "version", "speech_id", "detail")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_QUOTE_CHARS = 80


def _local_date(stamp: str) -> date | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return (moment.astimezone() if moment.tzinfo else moment).date()


def safe_cell(value: object) -> str:
    """A CSV cell shown as text: a leading = + - @ would make a spreadsheet evaluate it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fields)
    for row in rows:
        writer.writerow([safe_cell(row.get(f, "")) for f in fields])
    return "\ufeff" + out.getvalue()  # a BOM: Excel opens UTF-8 Chinese correctly


def to_jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


# --- the audit log --------------------------------------------------------------------------------


def audit_rows(entries: Sequence[AuditEntry], *, limit: int = 0) -> list[dict[str, Any]]:
    """Newest first, with the time in local time and the action's Chinese name."""
    rows = [
        asdict(e) | {"time": local_time(e.time), "action_label": ACTIONS.get(e.action, e.action)}
        for e in reversed(entries)
    ]
    return rows[:limit] if limit else rows


# --- feedback -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackFilter:
    rating: str = ""  # "up", "down" or "" for both
    with_comment: bool = False
    since: date | None = None  # local dates, inclusive
    until: date | None = None
    text: str = ""  # in the question, the answer or the comment

    def keeps(self, entry: dict[str, Any]) -> bool:
        if self.rating and entry.get("rating") != self.rating:
            return False
        if self.with_comment and not str(entry.get("comment") or "").strip():
            return False
        day = _local_date(str(entry.get("timestamp", "")))
        if (self.since and (day is None or day < self.since)) or (
            self.until and (day is None or day > self.until)
        ):
            return False
        needle = self.text.strip().lower()
        haystack = " ".join(str(entry.get(k) or "") for k in ("question", "answer", "comment")).lower()
        return not needle or needle in haystack


def parse_day(text: str | None) -> date | None:
    """ "2026-12-03" → a date; empty → None; anything else → ValueError (the edge says so)."""
    text = (text or "").strip()
    return date.fromisoformat(text) if text else None


def feedback_rows(entries: Sequence[dict[str, Any]], keep: FeedbackFilter) -> list[dict[str, Any]]:
    """The latest vote per answer that passes `keep`, newest first, with a local time."""
    kept = [e for e in entries if keep.keeps(e)]
    return [e | {"time": local_time(str(e.get("timestamp", "")))} for e in reversed(kept)]


def eval_case(entry: dict[str, Any], number: int) -> dict[str, Any]:
    """A test-case skeleton in eval/README.md's format: the cited passages are gold candidates (one line
    each, short), `shape` and `keys` are for the reviewer to fill in; the vote travels in `review`."""
    gold = []
    for citation in entry.get("citations") or []:
        text = str(citation.get("sentence") or citation.get("text") or "")  # the cited sentence first
        line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        if line:
            gold.append({"source": citation.get("source", ""), "quote": line[:MAX_QUOTE_CHARS]})
    answer_id = str(entry.get("answer_id") or "")
    return {
        "id": f"fb{number:03d}",
        "question": entry.get("question", ""),
        "shape": "",
        "answerable": bool(entry.get("answerable", True)),
        "gold": gold,
        "keys": [],
        "speaker": "",
        "review": {
            "rating": entry.get("rating", ""),
            "comment": entry.get("comment", ""),
            "answer": entry.get("answer", ""),
            "time": local_time(str(entry.get("timestamp", ""))),
            "answer_id": answer_id,
        },
    }


def eval_jsonl(rows: Sequence[dict[str, Any]]) -> str:
    """Oldest first, numbered fb001 …"""
    return to_jsonl(eval_case(row, n) for n, row in enumerate(reversed(rows), start=1))
