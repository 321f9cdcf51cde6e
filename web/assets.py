"""The files in web/static (CSS, JS), read from the installed package; pages are web/templates (web/pages.py)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def static_text(name: str) -> str:
    return resources.files("web").joinpath("static", name).read_text(encoding="utf-8")
