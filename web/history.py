"""Saved conversations (the 问答 tab's 历史对话): one SQLite file in the data dir, stdlib only.

A row per conversation, keyed by its owner — a browser (the signed `qa_client` cookie's random id) or a
user (the login name when POLICY_QA_AUTH is on) — so nobody lists or opens another's conversations, and an
id from elsewhere reads as "not found". Each save is one transaction: a crash leaves the earlier version,
never half of one, and several app processes may share the file (WAL mode, a busy timeout).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from errors import ConversationNotFoundError
from web.history_codec import session_from_dict, session_to_dict
from web.session import ChatSession

MAX_CONVERSATIONS = 200  # per owner; the least recently used beyond it are dropped
MAX_NAME_CHARS = 60
TITLE_CHARS = 40  # an unnamed conversation is listed by its first question, cut to this
_ID_RE = re.compile(r"^[0-9a-f]{12}$")  # ChatSession's ids: anything else was never saved
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    owner TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    turns INTEGER NOT NULL,
    updated TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (owner, id)
);
CREATE INDEX IF NOT EXISTS conversations_recent ON conversations (owner, updated);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    name: str  # given by the user ("" = none)
    title: str  # its first question, cut
    turns: int
    updated: str  # ISO time with its offset (UTC); shown in local time

    @property
    def label(self) -> str:
        return self.name or self.title

    def local_time(self) -> str:
        return datetime.fromisoformat(self.updated).astimezone().strftime("%m-%d %H:%M")


class ConversationStore:
    def __init__(
        self, path: Path, *, max_conversations: int = MAX_CONVERSATIONS, clock: Callable[[], str] = _now
    ) -> None:
        self.path = Path(path)
        self._max = max_conversations
        self._clock = clock
        self._ready = False

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: Gradio runs events on worker threads, and sqlite3 objects stay on theirs.
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            if not self._ready:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                self._ready = True
            with db:  # one transaction, committed (or rolled back) here
                yield db

    def save(self, owner: str, session: ChatSession) -> None:
        """Store the conversation's finished turns (nothing while it has none)."""
        data = session_to_dict(session)
        if not data["turns"]:
            return
        title = " ".join(data["turns"][0]["question"].split())[:TITLE_CHARS]
        row = (_key(owner), session.session_id, session.name, title, len(data["turns"]), self._clock())
        body = json.dumps(data, ensure_ascii=False)
        with self._db() as db:
            db.execute(
                "INSERT INTO conversations (owner, id, name, title, turns, updated, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO UPDATE SET "
                "name = excluded.name, title = excluded.title, turns = excluded.turns, "
                "updated = excluded.updated, body = excluded.body",
                (*row, body),
            )
            db.execute(
                "DELETE FROM conversations WHERE owner = ? AND id NOT IN "
                "(SELECT id FROM conversations WHERE owner = ? ORDER BY updated DESC LIMIT ?)",
                (_key(owner), _key(owner), self._max),
            )

    def list(self, owner: str) -> list[ConversationSummary]:
        """The owner's conversations, the most recently used first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, name, title, turns, updated FROM conversations WHERE owner = ? "
                "ORDER BY updated DESC",
                (_key(owner),),
            ).fetchall()
        return [ConversationSummary(*row) for row in rows]

    def load(self, owner: str, conversation_id: str) -> ChatSession:
        body = self._body(owner, conversation_id)
        try:
            return session_from_dict(json.loads(body))
        except (ValueError, KeyError, TypeError):  # a row this version cannot read: as good as gone
            raise ConversationNotFoundError(conversation_id) from None

    def latest(self, owner: str) -> ChatSession | None:
        """The conversation used last (what a reloaded page shows again), or None."""
        recent = self.list(owner)[:1]
        return self.load(owner, recent[0].id) if recent else None

    def rename(self, owner: str, conversation_id: str, name: str) -> str:
        """Returns the name as stored: one line, at most MAX_NAME_CHARS ("" puts back the question)."""
        name = " ".join(str(name).split())[:MAX_NAME_CHARS]
        session = self.load(owner, conversation_id)
        session.name = name
        body = json.dumps(session_to_dict(session), ensure_ascii=False)
        with self._db() as db:  # the time is kept: renaming is not using
            db.execute(
                "UPDATE conversations SET name = ?, body = ? WHERE owner = ? AND id = ?",
                (name, body, _key(owner), conversation_id),
            )
        return name

    def delete(self, owner: str, conversation_id: str) -> None:
        self._check(conversation_id)
        with self._db() as db:
            gone = db.execute(
                "DELETE FROM conversations WHERE owner = ? AND id = ?", (_key(owner), conversation_id)
            ).rowcount
        if not gone:
            raise ConversationNotFoundError(conversation_id)

    def _body(self, owner: str, conversation_id: str) -> str:
        self._check(conversation_id)
        with self._db() as db:
            row = db.execute(
                "SELECT body FROM conversations WHERE owner = ? AND id = ?", (_key(owner), conversation_id)
            ).fetchone()
        if row is None:
            raise ConversationNotFoundError(conversation_id)
        return str(row[0])

    @staticmethod
    def _check(conversation_id: str) -> None:
        if not _ID_RE.match(str(conversation_id)):
            raise ConversationNotFoundError(str(conversation_id)[:40])


def _key(owner: str) -> str:
    """Owners are stored hashed: the file alone names no browser id and no login."""
    return hashlib.sha256(owner.encode()).hexdigest()
