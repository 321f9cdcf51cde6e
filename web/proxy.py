"""Serving under a sub-path (POLICY_QA_ROOT_PATH) behind a reverse proxy.

Uvicorn's root_path expects a proxy that strips the prefix (`proxy_pass http://app/;`). A proxy that
forwards the prefix as well (`proxy_pass http://app;`) would then 404 on every page; this middleware
removes a repeated prefix so both set-ups work.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send


class RootPathTolerance:
    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root = "/" + root_path.strip("/") if root_path.strip("/") else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.root and scope["type"] in ("http", "websocket"):
            doubled = self.root + self.root
            path: str = scope.get("path", "")
            if path == doubled or path.startswith(doubled + "/"):
                stripped = path[len(self.root) :]
                raw = scope.get("raw_path")
                scope = dict(scope, path=stripped)
                if isinstance(raw, bytes) and raw.startswith(doubled.encode()):
                    scope["raw_path"] = raw[len(self.root.encode()) :]
        await self.app(scope, receive, send)


_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_PREFIX_RE = re.compile(r"^(/[A-Za-z0-9._~\-]+)*/?$")


def public_base_url(request: Request) -> str:
    """The app's address as its users reach it, ending in "/".

    A reverse proxy says where it was reached with X-Forwarded-Proto / X-Forwarded-Host (or keeps
    Host) and X-Forwarded-Prefix; nginx sends none of them by default, so without them this is the
    address the proxy used (README, 反向代理). Values that are not a plain scheme / host / path are
    ignored: they end up in the page as text, never trusted.
    """
    base = request.base_url  # scheme, Host header, and the root path (POLICY_QA_ROOT_PATH)
    proto = _first(request.headers.get("x-forwarded-proto", "")).lower()
    host = _first(request.headers.get("x-forwarded-host", ""))
    prefix = _first(request.headers.get("x-forwarded-prefix", ""))
    scheme = proto if proto in ("http", "https") else base.scheme
    netloc = host if host and _HOST_RE.match(host) else base.netloc
    path = prefix if prefix and _PREFIX_RE.match(prefix) else base.path
    path = path.strip("/")
    return f"{scheme}://{netloc}/{path}/" if path else f"{scheme}://{netloc}/"


def _first(value: str) -> str:
    """The first of a comma-separated list (each proxy in a chain appends its own)."""
    return value.split(",", 1)[0].strip()
