"""Conversations bound to a signed cookie, not only to Gradio's session hash (issue 13, finding 8).

Gradio keys a conversation's state and its event stream by a session hash that appears in access logs
(`/gradio_api/queue/data?session_hash=…`): anyone who read it could subscribe to the answers or run an
event against that state. Each browser gets an HttpOnly cookie with a signed random id; the first
request that names a session hash binds it to that id, and a request naming it with another id (or
none) is refused. A browser that sends no cookie at all (a cross-site iframe whose browser blocks
third-party cookies) binds nothing and works as before.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from urllib.parse import parse_qs

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.browser_id import COOKIE, CookieSigner
from web.gradio_gate import _client, _route, json_response, replaying
from web.refusals import RefusalLog

COOKIE_AGE_S = 365 * 24 * 3600
NOT_YOURS = "这个会话属于另一个浏览器，请刷新页面后重新提问。"
_PATH_HASH = re.compile(r"^/gradio_api/(?:heartbeat|stream)/([^/]+)")


class SessionBinding:
    def __init__(
        self,
        app: ASGIApp,
        *,
        secret: bytes | None = None,
        max_sessions: int = 100_000,
        refusals: RefusalLog | None = None,
    ) -> None:
        self.app = app
        self.signer = CookieSigner(secret)  # the same secret signs the history owner (web/browser_id.py)
        self._owners: OrderedDict[str, str] = OrderedDict()  # session hash → client id
        self._max_sessions = max_sessions
        self._lock = threading.Lock()
        self.refusals = refusals or RefusalLog()

    def issue(self) -> tuple[str, str]:
        return self.signer.issue()

    def verify(self, cookie: str | None) -> str | None:
        return self.signer.verify(cookie)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = _route(scope) if scope["type"] == "http" else ""
        if not route.startswith("/gradio_api/") and route not in ("/", "/config"):
            await self.app(scope, receive, send)
            return
        cookies = HTTPConnection(scope).cookies
        sent_cookie = COOKIE in cookies
        client = self.verify(cookies.get(COOKIE))
        new_cookie = None
        if client is None:
            client, new_cookie = self.issue()
        hashes = _query_hashes(scope) + [m.group(1) for m in [_PATH_HASH.match(route)] if m]
        if scope.get("method") == "POST" and route != "/gradio_api/upload":
            body, receive = await _buffered(receive)
            hashes += _body_hashes(body)
        owner = client if sent_cookie and new_cookie is None else None  # a cookieless browser binds nothing
        if not all(self._allowed(h, owner) for h in hashes):
            self.refusals.refused("foreign_session", _client(scope))
            await json_response(send, 403, {"error": NOT_YOURS})
            return
        await self.app(scope, receive, _with_cookie(send, new_cookie, scope))

    def _allowed(self, session_hash: str, owner: str | None) -> bool:
        with self._lock:
            bound = self._owners.get(session_hash)
            if bound is None:
                if owner is not None:
                    self._owners[session_hash] = owner
                    while len(self._owners) > self._max_sessions:
                        self._owners.popitem(last=False)
                return True
            self._owners.move_to_end(session_hash)
            return bound == owner


def _query_hashes(scope: Scope) -> list[str]:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return [h for h in query.get("session_hash", []) if h]


def _body_hashes(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    value = data.get("session_hash") if isinstance(data, dict) else None
    return [value] if isinstance(value, str) and value else []


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body (GradioGate, outside this, has bounded it) and a receive that replays it."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    return body, replaying(body, receive)


def _with_cookie(send: Send, cookie: str | None, scope: Scope) -> Send:
    if cookie is None:
        return send
    path = (scope.get("root_path") or "").rstrip("/") + "/"
    # Max-Age: the browser keeps its id (and so its saved conversations) after it is closed
    header = f"{COOKIE}={cookie}; Path={path}; Max-Age={COOKIE_AGE_S}; HttpOnly; SameSite=Lax".encode(
        "latin-1"
    )

    async def add(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", header)]}
        await send(message)

    return add
