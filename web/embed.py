"""GET /embed (copy-paste snippets + a live demo) and GET /static/widget.js.

Every URL the snippets contain is built from the request's base URL, which includes the root path,
so the snippets are right behind a reverse proxy on a sub-path.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from settings import Settings
from web.assets import static_text
from web.pages import environment, render

WIDGET_PATH = "/static/widget.js"  # a single route: Gradio (mounted at /) serves the rest of /static


def _snippet(name: str, base_url: str) -> str:
    return str(getattr(environment().get_template("snippets.html").module, name)(base_url))


def widget_snippet(base_url: str) -> str:
    return _snippet("widget", base_url)


def iframe_snippet(base_url: str) -> str:
    return _snippet("iframe", base_url)


def embed_page(base_url: str, frame_ancestors: str) -> str:
    """The page (web/templates/embed.html): the snippets are shown as text, so they are escaped again."""
    return render(
        "embed.html",
        base_url=base_url,
        widget_snippet=widget_snippet(base_url),
        iframe_snippet=iframe_snippet(base_url),
        frame_ancestors=frame_ancestors,
    )


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
