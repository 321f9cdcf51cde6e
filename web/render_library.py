"""HTML of the 提法库 tab (web/templates/library.html, outlines.html), from the stored documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.records import Document
from web import formulations as F
from web.pages import render
from web.render import speech_title


def render_library(documents: Mapping[str, Document], query: str = "") -> str:
    found = F.search(F.entries(documents), query)
    return render(
        "library.html",
        groups=F.groups(found),
        total=len(found),
        query=query.strip(),
        labels=F.STATUS_LABELS,
        title=lambda title: speech_title(title, ""),
    )


def render_outlines(documents: Mapping[str, Document]) -> str:
    ordered = sorted(documents.values(), key=lambda d: (d.date, d.title, d.doc_id))
    speeches: list[dict[str, Any]] = [
        {
            "doc_id": d.doc_id,
            "title": d.title or d.source,
            "speaker": d.speaker,
            "date": d.date,
            "nodes": F.outline(d),
        }
        for d in ordered
    ]
    return render("outlines.html", speeches=speeches, title=lambda title: speech_title(title, ""))
