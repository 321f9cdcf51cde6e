"""Gradio's page template carries link-preview tags for social sites (og:image, twitter:image …)
pointing at raw.githubusercontent.com and gradio.app, and its config holds example file URLs on
github.com (the upload component's API example). An intranet page must reference no outside host,
and no one previews it on a social site: both are removed from the chat page.

Pure ASGI (no buffering of anything but the small HTML page itself); the page is asked for
uncompressed so it can be read.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PREVIEW_META = re.compile(rb"<meta\s+(?:property|name)=\"(?:og|twitter):[^\"]*\"[^>]*>\s*", re.S)
_GRADIO_EXAMPLE_URL = re.compile(
    rb"https?://(?:github\.com|raw\.githubusercontent\.com)/gradio-app/[^\"\\\s]*"
)


def strip_preview_meta(html: bytes) -> bytes:
    return _GRADIO_EXAMPLE_URL.sub(b"", _PREVIEW_META.sub(b"", html))


class NoPreviewMeta:
    def __init__(self, app: ASGIApp, root_path: str = "") -> None:
        self.app = app
        self.root = "/" + root_path.strip("/") if root_path.strip("/") else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or not self._is_page(scope):
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]
        start: Message | None = None
        body = bytearray()

        async def filtered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if not content_type.startswith(b"text/html"):
                    await send(message)  # not the page: pass through untouched
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = strip_preview_meta(bytes(body))
            kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*kept, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(dict(scope, headers=headers), receive, filtered)

    def _is_page(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        root = (scope.get("root_path") or "").rstrip("/")
        for prefix in (root, self.root):
            if prefix and (path == prefix or path.startswith(prefix + "/")):
                path = path[len(prefix) :]
        return path in ("", "/")
