"""HTML from Jinja2 templates in web/templates (package data), autoescaped: every value a user or a
speech supplies is text in the page. New HTML goes here, not into f-strings."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=True,  # .html.j2 too: never rely on the file name for escaping
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)
