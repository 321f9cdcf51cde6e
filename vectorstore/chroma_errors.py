"""Chroma failures as domain errors: what the edges can show (connection lost, disk full, read-only)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import httpx

from errors import StoreUnavailableError

CONNECTION_ERRORS = (httpx.TransportError, ConnectionError)
UNAVAILABLE = "向量库暂时无法连接，请稍后再试"

P = ParamSpec("P")
R = TypeVar("R")


def guarded(method: Callable[P, R]) -> Callable[P, R]:
    """Connection failures become a domain error the edges can show; anything else is a bug."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except CONNECTION_ERRORS as exc:
            raise StoreUnavailableError(UNAVAILABLE, detail=str(exc)) from exc
        except Exception as exc:
            storage = storage_error(exc)
            if storage is None:
                raise
            raise storage from exc

    return wrapper


def storage_error(exc: BaseException) -> StoreUnavailableError | None:
    """Disk full or a read-only index directory, said so (Chroma reports both as internal errors)."""
    text = str(exc).lower()
    if "disk is full" in text or "no space left" in text:
        return StoreUnavailableError(
            "索引所在磁盘已满，请清理空间后重试；原有索引未受影响。", detail=str(exc)
        )
    if "readonly database" in text or "read-only file system" in text:
        return StoreUnavailableError(
            "索引目录不可写（只读），请检查 POLICY_QA_DATA_DIR 的权限。", detail=str(exc)
        )
    return None
