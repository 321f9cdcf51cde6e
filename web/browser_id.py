"""Who a chat request comes from, without a login: the signed random id of the `qa_client` cookie.

The id is random (a client cannot guess another's) and signed with a secret kept in the data dir, so a
cookie stays valid across app restarts — the saved conversations it owns (web/history.py) stay reachable —
and a forged one is refused. With POLICY_QA_AUTH the login name is the owner instead: one history per user,
whichever browser they use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

COOKIE = "qa_client"
SECRET_BYTES = 32


class CookieSigner:
    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(SECRET_BYTES)

    def issue(self) -> tuple[str, str]:
        """A new client id and the cookie value that carries it."""
        client = secrets.token_urlsafe(18)
        return client, f"{client}.{self._mac(client)}"

    def verify(self, cookie: str | None) -> str | None:
        client, _, mac = (cookie or "").partition(".")
        return client if client and mac and hmac.compare_digest(mac, self._mac(client)) else None

    def _mac(self, client: str) -> str:
        return hmac.new(self._secret, client.encode(), hashlib.sha256).hexdigest()[:32]

    def owner(self, request: Any) -> str | None:
        """The history owner of a Gradio request: "user:<login>", "browser:<id>", or None (a browser that
        sends no cookie, e.g. a cross-site iframe with third-party cookies blocked: nothing is saved)."""
        if request is None:
            return None
        username = getattr(request, "username", None)
        if username:
            return f"user:{username}"
        cookies = getattr(request, "cookies", None) or {}
        client = self.verify(cookies.get(COOKIE))
        return f"browser:{client}" if client else None


def load_secret(path: Path) -> bytes:
    """The signing secret in `path`, created (owner-only, atomically) on first use. Two processes starting
    together may both create one; the rename makes one of them win, and both then read the winner."""
    try:
        secret = path.read_bytes()
        if len(secret) >= SECRET_BYTES:
            return secret
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(SECRET_BYTES))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()
