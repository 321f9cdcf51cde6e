"""Gradio's file routes behind the administrator's session (issue 13, findings 1 and 3).

- `POST /gradio_api/upload`: only with an admin cookie (web/admin_session.py), a declared length within
  the per-request budget, and room left in the total budget; what Gradio stored is recorded for the
  session. Refused before a byte of the body is read.
- Every other `POST /gradio_api/…` (queue/join, run, call, stream): a body within `max_event_bytes`,
  and any file object in it (`{"path": …}` or `{"url": …}`) must be an upload of the same admin session.
  Gradio skips its own "was this uploaded?" check when it is mounted rather than launched, so without
  this any server file could be passed to the documents tab and ingested.
- `GET /gradio_api/file=…`: only with an admin cookie (the chat serves no files; the route would also
  fetch URLs on the server's behalf).

Pure ASGI (no response buffering for the streamed answers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from errors import TooManyAttemptsError
from web.admin_session import COOKIE, AdminSessions
from web.fair import RateLimiter
from web.refusals import RefusalLog
from web.throttle import FailureThrottle

NEED_ADMIN = "上传文件需要管理员身份：请先在“文档管理”中输入管理员令牌。"
NEED_LENGTH = "上传请求必须声明长度（Content-Length）。"
TOO_LARGE = "上传内容过大：一次最多 {mb} MB。"
STORE_FULL = "上传暂存空间已满，请先导入或稍后再试。"
FOREIGN_FILE = "只能导入本次会话上传的文件。"
EVENT_TOO_LARGE = "请求过大。"
BUSY = "当前提问的人较多，请稍后再试。"


class GradioGate:
    def __init__(
        self,
        app: ASGIApp,
        sessions: AdminSessions,
        *,
        request_bytes: int,
        total_bytes: int,
        max_event_bytes: int = 256 * 1024,
        refusals: RefusalLog | None = None,
        limiter: RateLimiter | None = None,
        throttle: FailureThrottle | None = None,
    ) -> None:
        self.limiter = limiter
        self.throttle = throttle
        self.app = app
        self.sessions = sessions
        self.request_bytes = request_bytes
        self.total_bytes = total_bytes
        self.max_event_bytes = max_event_bytes
        self.refusals = refusals or RefusalLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = _route(scope)
        method = scope.get("method", "GET")
        if route == "/gradio_api/upload" and method == "POST":
            await self._upload(scope, receive, send)
        elif route == "/login" and method == "POST" and self.throttle is not None:
            await self._login(scope, receive, send, self.throttle)
        elif _is_file_route(route):
            if self._session(scope) is None:
                await self._refuse(scope, send, 401, NEED_ADMIN, "gradio_file")
                return
            await self.app(scope, receive, send)
        elif route.startswith("/gradio_api/") and method == "POST":
            await self._event(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _session(self, scope: Scope) -> str | None:
        return self.sessions.verify(HTTPConnection(scope).cookies.get(COOKIE))

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        session = self._session(scope)
        if session is None:
            await self._refuse(scope, send, 401, NEED_ADMIN, "upload_no_admin")
            return
        length = _content_length(scope)
        if length is None:
            await self._refuse(scope, send, 411, NEED_LENGTH, "upload_no_length")
            return
        if length > self.request_bytes:
            message = TOO_LARGE.format(mb=self.request_bytes // 2**20)
            await self._refuse(scope, send, 413, message, "upload_too_large")
            return
        self.sessions.sweep()
        if self.sessions.total_bytes() + length > self.total_bytes:
            await self._refuse(scope, send, 413, STORE_FULL, "upload_store_full")
            return
        status = 0
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 200 and len(body) < 2**20:
                body.extend(message.get("body", b""))
            await send(message)

        # Gradio compresses responses (Brotli) for browsers that accept it: ask for the plain list of
        # paths, which is what gets recorded for the session.
        headers = [(k, v) for k, v in scope.get("headers", []) if k != b"accept-encoding"]
        await self.app(dict(scope, headers=headers), receive, capture)
        if status == 200:
            try:
                stored = json.loads(bytes(body))
            except ValueError:
                stored = []
            self.sessions.record(session, [p for p in stored if isinstance(p, str)])

    async def _login(self, scope: Scope, receive: Receive, send: Send, throttle: FailureThrottle) -> None:
        """Gradio's login form: password guessing slowed down per client like the admin token."""
        client = _client(scope)
        try:
            throttle.check(client)
        except TooManyAttemptsError as exc:
            await self._refuse(scope, send, 429, exc.message, "login_throttled")
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if status == 200:
            throttle.succeeded(client)
        elif status in (400, 401):
            throttle.failed(client)

    async def _event(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limiter is not None and _route(scope) == "/gradio_api/queue/join":
            try:
                self.limiter.check(_client(scope))
            except TooManyAttemptsError as exc:
                await self._refuse(scope, send, 429, exc.message, "rate_limit_chat")
                return
        length = _content_length(scope)
        if length is not None and length > self.max_event_bytes:
            await self._refuse(scope, send, 413, EVENT_TOO_LARGE, "event_too_large")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_event_bytes:
                await self._refuse(scope, send, 413, EVENT_TOO_LARGE, "event_too_large")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        paths = list(_file_paths(_json(body)))
        if paths:
            session = self._session(scope)
            if not all(isinstance(p, str) and self.sessions.owns(session, p) for p in paths):
                await self._refuse(scope, send, 403, FOREIGN_FILE, "foreign_file", detail=str(paths[0])[:200])
                return
        await self.app(scope, replaying(body, receive), self._readable_queue_full(scope, send))

    def _readable_queue_full(self, scope: Scope, send: Send) -> Send:
        """Gradio's full queue answers 503 in English: say it in Chinese, and log it once."""
        full = False

        async def rewrite(message: Message) -> None:
            nonlocal full
            if message["type"] == "http.response.start" and message["status"] == 503:
                full = True
                self.refusals.refused("queue_full", _client(scope))
                return
            if full and message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await json_response(send, 503, {"error": BUSY, "msg": "queue_full"})
                return
            await send(message)

        return rewrite

    async def _refuse(
        self, scope: Scope, send: Send, status: int, message: str, kind: str, *, detail: str = ""
    ) -> None:
        self.refusals.refused(kind, _client(scope), detail)
        await json_response(send, status, {"error": message})


async def json_response(
    send: Send, status: int, payload: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),  # the body we did not read is not left on the connection
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _route(scope: Scope) -> str:
    """The path inside the app (without the root path a proxy may have left on it)."""
    path: str = scope.get("path", "")
    root: str = (scope.get("root_path") or "").rstrip("/")
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root) :]
    return path or "/"


def _is_file_route(route: str) -> bool:
    return "/file=" in route or route.startswith("/gradio_api/file/")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _file_paths(value: Any, depth: int = 0) -> Iterator[Any]:
    """`path` (or `url`) of every file-like object in a Gradio payload."""
    if depth > 32:
        yield "<too deep>"
        return
    if isinstance(value, dict):
        if "path" in value or "url" in value:
            yield value.get("path") or value.get("url")
        for item in value.values():
            yield from _file_paths(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _file_paths(item, depth + 1)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, once, then the connection's own messages."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
