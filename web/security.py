"""Admin-token checks and the security headers every response carries.

The token is compared in constant time and never logged, echoed or put in an error message.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable

from pydantic import SecretStr
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from errors import NotAuthorizedError, ReadOnlyError
from settings import reveal
from web.throttle import FailureThrottle

READ_ONLY_MESSAGE = "文档管理未启用：请设置环境变量 POLICY_QA_ADMIN_TOKEN 后重启服务。"
BAD_TOKEN_MESSAGE = "管理员令牌不正确。"
LOGIN_MESSAGE = "需要登录：请用 HTTP Basic 认证提供用户名和密码（POLICY_QA_AUTH）。"


def check_admin_token(configured: SecretStr | str | None, given: str | None) -> None:
    """Raise ReadOnlyError (403) when no token is configured, NotAuthorizedError (401) on a mismatch."""
    configured = reveal(configured)
    if not configured:
        raise ReadOnlyError(READ_ONLY_MESSAGE)
    # compare_digest on bytes: constant time whatever the content (str needs ASCII).
    if not given or not hmac.compare_digest(given.encode("utf-8"), configured.encode("utf-8")):
        raise NotAuthorizedError(BAD_TOKEN_MESSAGE)


def check_admin_token_throttled(
    throttle: FailureThrottle | None, client: str, configured: SecretStr | str | None, given: str | None
) -> None:
    """check_admin_token, with guessing slowed down per client (web/throttle.py)."""
    _throttled(throttle, client, lambda: check_admin_token(configured, given), guessed=bool(given))


def _throttled(
    throttle: FailureThrottle | None, client: str, check: Callable[[], None], *, guessed: bool
) -> None:
    if throttle is None:
        check()
        return
    throttle.check(client)
    try:
        check()
    except NotAuthorizedError:
        if guessed:  # a request without any credentials guesses nothing
            throttle.failed(client)
        raise
    throttle.succeeded(client)


def check_login(configured: SecretStr | str | None, authorization: str | None) -> None:
    """With POLICY_QA_AUTH set, the JSON API asks for the chat's login too (HTTP Basic): a site
    that puts a login in front of the chat does not want the same answers open one path away."""
    configured = reveal(configured)
    if not configured:
        return
    given = _basic_credentials(authorization)
    if given is None or not hmac.compare_digest(given.encode("utf-8"), configured.encode("utf-8")):
        raise NotAuthorizedError(LOGIN_MESSAGE)


def check_login_throttled(
    throttle: FailureThrottle | None,
    client: str,
    configured: SecretStr | str | None,
    authorization: str | None,
) -> None:
    """check_login, with password guessing slowed down per client."""
    check = lambda: check_login(configured, authorization)  # noqa: E731
    _throttled(throttle if reveal(configured) else None, client, check, guessed=bool(authorization))


class LoginCheck:
    """The JSON APIs' login check for one app: `check(request, authorization)`.

    `api_key`: OpenAI clients can only send `Bearer <api key>`, so on the OpenAI-compatible API the
    key "用户名:密码" is the same login as HTTP Basic (the JSON API keeps Basic only).
    """

    def __init__(
        self, configured: SecretStr | str | None, throttle: FailureThrottle | None, *, api_key: bool = False
    ) -> None:
        self._configured = configured
        self._throttle = throttle
        self._api_key = api_key

    def __call__(self, request: Request, authorization: str | None) -> None:
        client = request.client.host if request.client else "?"
        key = bearer_token(authorization) if self._api_key else None
        if key is not None:
            authorization = "Basic " + base64.b64encode(key.encode("utf-8")).decode("ascii")
        check_login_throttled(self._throttle, client, self._configured, authorization)


def _basic_credentials(authorization: str | None) -> str | None:
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def content_security_policy(frame_ancestors: str) -> str:
    """Everything from our own origin only: a page that tried to reach a CDN would fail loudly.

    Gradio needs inline scripts/styles and `Function()` (its HTML templates), hence the unsafe-*.
    """
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            f"frame-ancestors {_safe_sources(frame_ancestors)}",
        ]
    )


def _safe_sources(value: str) -> str:
    # A source list cannot contain ';' or ',' (they would start a new directive / policy).
    cleaned = " ".join(value.replace(";", " ").replace(",", " ").encode("ascii", "ignore").decode().split())
    return cleaned or "'self'"


class SecurityHeaders:
    """Pure ASGI middleware (no response buffering: Gradio streams answers over SSE)."""

    def __init__(self, app: ASGIApp, frame_ancestors: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(frame_ancestors).encode("latin-1")),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
