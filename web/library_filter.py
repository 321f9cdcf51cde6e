"""The documents tab's library filters: speaker, year, tag (tags are set at upload, kept with each
version's record in ingest/versions.py; speeches imported before tags existed simply have none)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.store import DocumentInfo
from ingest.audit import one_line

_YEAR = re.compile(r"(19|20)\d{2}")
ALL = ""


def year_of(info: DocumentInfo) -> str:
    found = _YEAR.search(info.date or "")
    return found.group(0) if found else ""


@dataclass(frozen=True)
class LibraryFilter:
    speaker: str = ALL
    year: str = ALL
    tag: str = ALL

    def apply(
        self, documents: Sequence[DocumentInfo], tags_of: Callable[[str], Sequence[str]]
    ) -> list[DocumentInfo]:
        return [
            d
            for d in documents
            if (not self.speaker or self.speaker in (d.speaker or ""))
            and (not self.year or year_of(d) == self.year)
            and (not self.tag or self.tag in tags_of(d.doc_id))
        ]


def choices(
    documents: Sequence[DocumentInfo], tags_of: Callable[[str], Sequence[str]]
) -> dict[str, list[str]]:
    """The values each filter offers: what the library holds, sorted (years newest first)."""
    speakers = sorted({d.speaker for d in documents if d.speaker})
    years = sorted({y for d in documents if (y := year_of(d))}, reverse=True)
    tags = sorted({t for d in documents for t in tags_of(d.doc_id)})
    return {"speaker": speakers, "year": years, "tag": tags}


def parse_tags(text: str) -> list[str]:
    """ "职业教育, 2025，会议" → ["职业教育", "2025", "会议"]: commas (either width), bounded, no repeats."""
    tags: list[str] = []
    for part in text.replace("，", ",").replace("、", ",").split(","):
        tag = one_line(part, 20)
        if tag and tag not in tags and len(tags) < 10:
            tags.append(tag)
    return tags
