"""Uvicorn with limits on idle and slow connections (issue 13, finding 5).

~21,000 idle sockets once exhausted the process's 20,000 file handles: uvicorn times out a connection
only between two requests (keep-alive), never one that has not sent its headers yet, and it caps tasks,
not sockets. Here every connection must finish a request's headers within `header_timeout_s` of opening
(or of its previous response), idle keep-alive ends after `idle_timeout_s`, and a connection over
`max_connections` (kept below the file-handle limit) is closed at once. Each kind is logged once per
client (web/refusals.py).
"""

from __future__ import annotations

import asyncio
import resource
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from settings import Settings
from web.refusals import RefusalLog

_SPARE_FILE_HANDLES = 200  # for the store, the model, logs and uploads


def connection_cap(wanted: int) -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(10, min(wanted, soft - _SPARE_FILE_HANDLES))


def guarded_protocol(max_connections: int, header_timeout_s: float, refusals: RefusalLog) -> type[Any]:
    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                refusals.refused("connection_cap", self._host())
                transport.abort()
                return
            self._await_headers()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._header_timer is None:
                self._await_headers()

        def on_headers_complete(self) -> None:
            self._stop_timer()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_timer()
            super().connection_lost(exc)

        def _await_headers(self) -> None:
            self._stop_timer()
            self._header_timer = self.loop.call_later(header_timeout_s, self._headers_late)

        def _headers_late(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                refusals.refused("header_timeout", self._host())
                self.transport.close()

        def _stop_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _host(self) -> str:
            return str(self.client[0]) if self.client else "?"

    return GuardedHttpToolsProtocol


def server_config(
    app: Any, settings: Settings, *, root_path: str = "", refusals: RefusalLog | None = None
) -> uvicorn.Config:
    cap = connection_cap(settings.max_connections)
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        root_path=root_path,
        log_level="info",
        http=guarded_protocol(cap, settings.header_timeout_s, refusals or RefusalLog()),
        timeout_keep_alive=max(1, round(settings.idle_timeout_s)),
        backlog=2048,
        timeout_graceful_shutdown=5,
    )
