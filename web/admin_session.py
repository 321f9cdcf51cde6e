"""Administrator sessions (a signed cookie) and the files each session uploaded through Gradio.

Gradio's upload route would take files from anyone and keep them an hour; only an administrator needs
it (the chat never uploads). The documents tab exchanges the admin token for a cookie
(`POST /api/admin/session`); `web/gradio_gate.py` lets an upload through only with that cookie, within
a per-request and a total budget, and records what it stored for that session. A `FileData` path sent
to any Gradio event must be one of the session's own uploads; files are removed once ingested, and
any left over (uploaded, never imported) after `ttl_s`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

COOKIE = "qa_admin"
SESSION_SECONDS = 8 * 3600


@dataclass
class _Upload:
    session: str
    size: int
    created: float = field(default_factory=time.monotonic)


class AdminSessions:
    """Issues and verifies admin cookies; keeps the registry of uploaded files per session."""

    def __init__(self, *, secret: bytes | None = None, ttl_s: float = 900.0) -> None:
        self._secret = secret or secrets.token_bytes(32)  # per process: a restart logs admins out
        self._ttl_s = ttl_s
        self._uploads: dict[str, _Upload] = {}  # real path → owner
        self._lock = threading.Lock()

    # -- the cookie: "<session>.<expiry>.<mac>", the mac over both with the process's secret
    def issue(self, now: float | None = None, *, session: str | None = None) -> str:
        """A cookie for a new session, or a renewed one for `session` (its uploads stay its own)."""
        session = session or secrets.token_urlsafe(18)
        expiry = int((now if now is not None else time.time()) + SESSION_SECONDS)
        return f"{session}.{expiry}.{self._mac(session, expiry)}"

    def verify(self, cookie: str | None, now: float | None = None) -> str | None:
        """The session id of a valid, unexpired cookie; None otherwise."""
        parts = (cookie or "").split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        session, expiry, mac = parts[0], int(parts[1]), parts[2]
        if not hmac.compare_digest(mac, self._mac(session, expiry)):
            return None
        return session if expiry > (now if now is not None else time.time()) else None

    def _mac(self, session: str, expiry: int) -> str:
        return hmac.new(self._secret, f"{session}.{expiry}".encode(), hashlib.sha256).hexdigest()

    # -- uploaded files
    def record(self, session: str, paths: list[str]) -> None:
        with self._lock:
            for path in paths:
                real = os.path.realpath(path)
                self._uploads[real] = _Upload(session, _size(real))

    def owns(self, session: str | None, path: str) -> bool:
        if not session:
            return False
        with self._lock:
            upload = self._uploads.get(os.path.realpath(path))
            return upload is not None and upload.session == session

    def known(self, path: str) -> bool:
        """Uploaded through the gate by any admin session (and not yet removed)."""
        with self._lock:
            return os.path.realpath(path) in self._uploads

    def total_bytes(self) -> int:
        with self._lock:
            return sum(u.size for u in self._uploads.values())

    def release(self, paths: list[str]) -> None:
        """Delete uploaded files (and their now empty folders) and forget them."""
        for path in paths:
            real = os.path.realpath(path)
            with self._lock:
                known = self._uploads.pop(real, None)
            if known is not None:
                _remove(Path(real))

    def sweep(self, now: float | None = None) -> int:
        """Remove uploads older than the ttl (uploaded but never imported); returns how many."""
        now = now if now is not None else time.monotonic()
        with self._lock:
            old = [p for p, u in self._uploads.items() if now - u.created > self._ttl_s]
        self.release(old)
        return len(old)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
        path.parent.rmdir()  # Gradio stores each upload in its own folder (named by the content hash)
    except OSError:
        pass  # the folder holds another upload with the same content, or is gone already
