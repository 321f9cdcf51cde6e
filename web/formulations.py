"""The 提法库: every numbered formulation the ingest found in the speeches (read from the stored
documents, never parsed again), grouped by name, and each speech's outline as a tree.

Shared by `GET /api/formulations` and the 提法库 tab (web/ui_formulations.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from core.records import Document, Formulation, Section
from ingest.normalize import fold_for_search

Status = Literal["complete", "partial", "named"]
STATUS_LABELS: dict[str, str] = {
    "complete": "已列全",
    "partial": "只列出一部分",
    "named": "只提到名称，未展开",
}


@dataclass(frozen=True)
class Item:
    label: str
    text: str
    start: int
    end: int
    section: str  # the item's section path, "" in running text


@dataclass(frozen=True)
class Entry:
    """One formulation as one speech spells it out."""

    name: str
    count: int | None
    status: Status
    items: list[Item]
    doc_id: str
    title: str
    speaker: str
    date: str
    section: str  # where it is defined: a section path, "" in running text
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"status_label": STATUS_LABELS[self.status]}

    def item_key(self) -> tuple[str, ...]:
        return tuple(fold_for_search(i.label) for i in self.items)


@dataclass
class Group:
    """Every speech's version of one name: `differs` when they list different items."""

    name: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        spelled = {e.item_key() for e in self.entries if e.items}
        return len(spelled) > 1

    @property
    def speeches(self) -> int:
        return len({e.doc_id for e in self.entries})

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "speeches": self.speeches,
            "differs": self.differs,
            "entries": [e.to_dict() for e in self.entries],
        }


def entries(documents: Mapping[str, Document]) -> list[Entry]:
    """Every formulation of every speech, by speech (date, then title) then place in the speech."""
    ordered = sorted(documents.values(), key=lambda d: (d.date, d.title, d.doc_id))
    return [_entry(doc, f) for doc in ordered for f in sorted(doc.formulations, key=lambda f: f.start)]


def _entry(doc: Document, formulation: Formulation) -> Entry:
    items = [Item(i.label, i.text, i.start, i.end, _path(doc, i.section_id)) for i in formulation.items]
    status: Status = "named" if not items else "complete" if formulation.complete else "partial"
    return Entry(
        name=formulation.name,
        count=formulation.count,
        status=status,
        items=items,
        doc_id=doc.doc_id,
        title=doc.title,
        speaker=doc.speaker,
        date=doc.date,
        section=_path(doc, formulation.section_id),
        start=formulation.start,
        end=formulation.end,
    )


def search(found: Iterable[Entry], query: str) -> list[Entry]:
    """Entries whose name, items, speech title or speaker contain the query (folded: width, case)."""
    wanted = fold_for_search(query.strip())
    if not wanted:
        return list(found)
    return [e for e in found if wanted in fold_for_search(_haystack(e))]


def _haystack(entry: Entry) -> str:
    items = " ".join(f"{i.label} {i.text}" for i in entry.items)
    return f"{entry.name} {items} {entry.title} {entry.speaker} {entry.section}"


def groups(found: Iterable[Entry]) -> list[Group]:
    """By name, in first-seen order; a name in several speeches keeps each speech's version."""
    by_name: dict[str, Group] = {}
    for entry in found:
        by_name.setdefault(entry.name, Group(entry.name)).entries.append(entry)
    return list(by_name.values())


@dataclass(frozen=True)
class OutlineNode:
    section_id: str
    label: str
    level: int
    start: int
    heading_end: int
    end: int
    children: list[OutlineNode]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def outline(doc: Document) -> list[OutlineNode]:
    """The speech's sections as a tree (parent_id links), in text order."""
    children: dict[str | None, list[Section]] = {}
    known = {s.section_id for s in doc.sections}
    for section in sorted(doc.sections, key=lambda s: s.start):
        parent = section.parent_id if section.parent_id in known else None  # an orphan: a root
        children.setdefault(parent, []).append(section)

    def build(parent: str | None, depth: int) -> list[OutlineNode]:
        if depth > 12:  # a cycle in stored data would otherwise never end
            return []
        return [
            OutlineNode(
                s.section_id, s.label, s.level, s.start, s.heading_end, s.end, build(s.section_id, depth + 1)
            )
            for s in children.get(parent, [])
        ]

    return build(None, 0)


def _path(doc: Document, section_id: str | None) -> str:
    return " > ".join(s.label for s in doc.section_path(section_id))
