"""GET /embed (copy-paste snippets + a live demo) and GET /static/widget.js.

Every URL the snippets contain is built from the request's base URL, which includes the root path,
so the snippets are right behind a reverse proxy on a sub-path.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from settings import Settings
from web.assets import static_text
from web.render import esc

WIDGET_PATH = "/static/widget.js"  # a single route: Gradio (mounted at /) serves the rest of /static


def widget_snippet(base_url: str) -> str:
    return f'<script src="{base_url}static/widget.js" data-title="政策问答" defer></script>'


def iframe_snippet(base_url: str) -> str:
    return (
        f'<iframe src="{base_url}?qa_widget=1" title="政策问答" '
        'style="width:100%;max-width:480px;height:680px;border:1px solid #e5e7eb;border-radius:12px"></iframe>'
    )


def embed_page(base_url: str, frame_ancestors: str) -> str:
    page = static_text("embed.html")
    replacements = {
        "__BASE_URL__": esc(base_url),
        "__WIDGET_SNIPPET__": esc(widget_snippet(base_url)),
        "__IFRAME_SNIPPET__": esc(iframe_snippet(base_url)),
        "__FRAME_ANCESTORS__": esc(frame_ancestors),
    }
    for key, value in replacements.items():
        page = page.replace(key, value)
    return page


def embed_router(settings: Settings) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/embed")
    def embed(request: Request) -> HTMLResponse:
        return HTMLResponse(embed_page(str(request.base_url), settings.frame_ancestors))

    @router.get(WIDGET_PATH)
    def widget() -> Response:
        return Response(
            static_text("widget.js"),
            media_type="application/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    return router
