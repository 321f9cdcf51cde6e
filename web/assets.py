"""The files in web/static (CSS, JS, the embed page), read from the installed package."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def static_text(name: str) -> str:
    return resources.files("web").joinpath("static", name).read_text(encoding="utf-8")
