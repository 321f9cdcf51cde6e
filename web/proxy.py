"""Serving under a sub-path (POLICY_QA_ROOT_PATH) behind a reverse proxy.

Uvicorn's root_path expects a proxy that strips the prefix (`proxy_pass http://app/;`). A proxy that
forwards the prefix as well (`proxy_pass http://app;`) would then 404 on every page; this middleware
removes a repeated prefix so both set-ups work.
"""

from __future__ import annotations

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
