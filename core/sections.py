"""Where a position sits in a speech's outline: a question every layer asks of `Document.sections`
(the chunker when it labels chunks, the assistant when it labels sentences)."""

from __future__ import annotations

from core.records import Section


def innermost_sections(sections: tuple[Section, ...], positions: list[int]) -> list[str | None]:
    """The innermost section containing each of the increasing `positions`, by one sweep.

    Spans are not always nested (a TOC-only entry sits outside its parent's span), so every open
    section is kept rather than walking parents; ties go to the deeper, then the shorter span."""
    out: list[str | None] = []
    pending = iter(sorted(sections, key=lambda s: (s.start, s.level)))
    upcoming = next(pending, None)
    open_sections: list[Section] = []
    for pos in positions:
        while upcoming is not None and upcoming.start <= pos:
            open_sections.append(upcoming)
            upcoming = next(pending, None)
        open_sections = [s for s in open_sections if pos < s.end]
        best = max(open_sections, key=lambda s: (s.level, s.start - s.end), default=None)
        out.append(best.section_id if best else None)
    return out
