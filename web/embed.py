"""GET /embed (copy-paste snippets + a live demo) and GET /static/widget.js.

Every URL the snippets contain is the app's public address: from the reverse proxy's forwarded
headers when it sends them (web/proxy.py), else the request's own base URL (with the root path), so
the snippets are right behind a proxy on a sub-path.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from settings import Settings
from web.assets import static_text
from web.pages import environment, render
from web.proxy import public_base_url

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
        page = embed_page(public_base_url(request), settings.frame_ancestors)
        # built from request headers: a shared cache must not hand one proxy's address to another
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @router.get(WIDGET_PATH)
    def widget() -> Response:
        return Response(
            static_text("widget.js"),
            media_type="application/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    return router
