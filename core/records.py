"""Typed records that flow out of ingest and into the store.

Offsets (`start`, `end`) are always character offsets into `Document.text`, the
cleaned text of one speech, so any layer can point a user at the exact passage.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoadedText:
    """What a loader returns: the raw text of one file, before cleaning."""

    source: str  # file name as the user gave it (no directory)
    text: str
    encoding: str = "utf-8"  # detected encoding, or the container format ("docx", "pdf", "html")


@dataclass(frozen=True)
class Section:
    """One node of a speech's outline (一、 / （一） / 一是 / 1. / # heading)."""

    section_id: str  # stable within the document: "s3", "s3.1", "s3.1.2"
    level: int  # 1 = top-level part, 2 = sub-point, 3 = sub-sub-point
    marker: str  # "三、", "（一）", "一是", "1.", "#"
    title: str  # the heading text without the marker, e.g. "强化“两个保障”"
    start: int  # first character of the heading
    heading_end: int  # end of the heading line / lead sentence
    end: int  # end of the section's body (exclusive)
    parent_id: str | None = None

    @property
    def label(self) -> str:
        """What users see in a section path: marker + title, e.g. "三、强化“两个保障”"."""
        return f"{self.marker}{self.title}" if self.marker != "#" else self.title


@dataclass(frozen=True)
class FormulationItem:
    label: str  # "经费保障" (the item's name), or its heading when it has no short name
    text: str  # the item's key sentence as it stands in the cleaned text
    start: int
    end: int
    section_id: str | None = None


@dataclass(frozen=True)
class Formulation:
    """A numbered formulation (两个保障, 三个关键, 八项工程, 12881 …) and where it is defined."""

    name: str  # as written: "两个保障", "12881"
    count: int | None  # 2 for 两个保障; None when the name is a code such as 12881
    items: tuple[FormulationItem, ...]  # in order; may be fewer than count (then it is incomplete)
    section_id: str | None  # the section that defines it (None when defined in running text)
    start: int  # where the defining passage starts
    end: int

    @property
    def complete(self) -> bool:
        return self.count is None or len(self.items) == self.count


@dataclass(frozen=True)
class ListItem:
    label: str  # what an answer shows: the heading or the item's lead clause
    start: int  # offsets of the lead in the document text
    end: int


@dataclass(frozen=True)
class ListCandidate:
    """An enumerable list of a speech: its parts, a section's sub-sections, or a list inside a
    paragraph ("一是…二是…", ①②, （1）, 一方面/另一方面, 首先…最后), so a "哪几个" question gets it whole."""

    doc_id: str
    kind: str  # "root" (the speech's parts) | "section" (a section's sub-sections) | "inline"
    head: str  # the words that introduce the list: heading, intro sentence, title for the root
    start: int
    end: int
    items: tuple[ListItem, ...]
    section_id: str | None = None
    part: int | None = None  # 1-based number of the top-level part this list is (kind "section")


@dataclass(frozen=True)
class ParallelRun:
    """A run of parallel items that open alike ("进教材、进课堂、进头脑"): what may define a formulation
    another speech names without listing it."""

    prefix: str  # the opening the items share ("进")
    items: tuple[FormulationItem, ...]
    start: int
    end: int


@dataclass(frozen=True)
class NearItem:
    text: str
    start: int


@dataclass(frozen=True)
class NearbyItems:
    """Items of a formulation stored without items, found where the speech names it (by `name` at `start`)."""

    name: str
    start: int
    items: tuple[NearItem, ...]


@dataclass(frozen=True)
class Document:
    """One speech. A file may hold several (sample 002 holds two)."""

    doc_id: str  # content-derived: same cleaned text → same id
    source: str  # file name it came from
    text: str  # cleaned text; what users read and what offsets index
    title: str = ""
    speaker: str = ""
    date: str = ""  # ISO "2023-04-28" when the text states a full date, else as written
    meeting: str = ""
    part: int = 0  # index of this speech inside its source file
    sections: tuple[Section, ...] = ()
    formulations: tuple[Formulation, ...] = ()
    # Added with the header reader (defaults keep records stored before them readable):
    subtitle: str = ""  # "在…上的讲话" under a main title ('' when the title has none); `title` joins both
    speaker_post: str = ""  # "副市长", "县委书记", "党组书记、局长": so "周副市长" finds the speech
    published: str = ""  # the web page's publishing date (ISO); `date` falls back to it, labelled
    publisher: str = ""  # the page's 来源 (云川市教育局): whose place 全市/全县 is
    # Structures found at ingest with the outline and formulations. None on a record stored before they
    # were (the reader derives them then: ingest/structures.py), so older indexes need no rebuild.
    lists: tuple[ListCandidate, ...] | None = None
    runs: tuple[ParallelRun, ...] | None = None
    nearby: tuple[NearbyItems, ...] | None = None

    def section(self, section_id: str | None) -> Section | None:
        return next((s for s in self.sections if s.section_id == section_id), None)

    def section_path(self, section_id: str | None) -> list[Section]:
        """Root-to-leaf chain of sections ending at `section_id`."""
        chain: list[Section] = []
        current = self.section(section_id)
        while current is not None:
            chain.append(current)
            current = self.section(current.parent_id)
        return list(reversed(chain))


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage of one document."""

    chunk_id: str  # hash of (doc_id, text, position)
    doc_id: str
    text: str  # exactly Document.text[start:end]
    start: int
    end: int
    position: int  # order within the document
    section_id: str | None = None
    section_path: str = ""  # "三、强化“两个保障” > 一是经费保障"
    kind: str = "body"  # "body" | "heading" (a heading-only chunk, e.g. a list of sub-headings)
    metadata: dict[str, str] = field(default_factory=dict, compare=False)
