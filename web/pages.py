"""The page templates (web/templates/, package data) and the one Jinja2 environment that renders them.

Autoescape is on for every template: a value is text unless it is `Markup`, so a `<script>` in a
question, a speech or a file name arrives as text without anybody remembering to escape it. The
templates' helpers are registered here as globals and filters.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from web.review import local_time


def nl2br(text: object) -> Markup:
    """Escaped text with its line breaks kept as <br>."""
    return Markup("<br>").join(escape(line) for line in str(text).split("\n"))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt name fails the render instead of vanishing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["nl2br"] = nl2br
    env.filters["local_time"] = local_time  # never a bare UTC time on a page: the server's zone
    return env


def render(name: str, **values: Any) -> str:
    """Template `name` of web/templates/ with `values`."""
    return str(environment().get_template(name).render(**values))
