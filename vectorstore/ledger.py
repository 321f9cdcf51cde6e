"""The manifest's commit and garbage-collection rules, shared by every store (Chroma, the test store).

Why this layout: the manifest used to be one record rewritten whole on every commit, so a commit cost
grew with the corpus (at 100× the samples, 97% of ingesting one speech was the store). Here it is a
table of small *entries*, one per (document, version): the `DocumentInfo`, `since` (the commit that
activated it) and `until` (the commit that retired it; 0 = still active), plus one small *head* record
{seq, generation, count}.

- A reader at head `seq` S sees the entries with since ≤ S and (until = 0 or until > S).
- Commit S+1 writes the new entries (since = S+1) and marks the ones it replaces (until = S+1): a
  reader at S sees none of that. Then it moves the head: that single record write is the commit point.
  A commit writes what it changes, never the whole manifest.
- A crash before the head moves leaves entries with since > S or until > S: invisible, and undone by
  the next commit before it writes anything (`_repair`).
- `collect()` deletes retired entries (until ≤ S). A reader re-reads the head after reading entries
  and starts again when it moved (a seqlock), so a half-collected table is never trusted; a reader
  that follows commits incrementally checks its result against the head's count, which catches a
  removal whose entry was already collected (it then reads the table whole).
- Stores written before this layout hold one manifest record (`legacy()`): read as is, and turned
  into entries by the first commit (the migration: one commit that writes every entry).

Writers serialise outside (the ingest lock); readers take no lock.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from core.store import DocumentInfo, Manifest

Field = Literal["since", "until"]
_READ_ATTEMPTS = 8


@dataclass(frozen=True)
class Entry:
    info: DocumentInfo
    since: int
    until: int = 0  # 0: active
    rank: int = 0  # place among the entries of its commit: a whole read keeps the committed order

    @property
    def entry_id(self) -> str:
        return entry_id(self.info.doc_id, self.since)

    def visible_at(self, seq: int) -> bool:
        return self.since <= seq and (self.until == 0 or self.until > seq)


@dataclass(frozen=True)
class Head:
    seq: int
    generation: str
    count: int  # active documents at `seq`: lets an incremental reader check itself


class EntryTable(Protocol):
    """What a store keeps for the ledger (ChromaStore: records of its state collection)."""

    def head(self) -> Head | None: ...

    def set_head(self, head: Head) -> None:
        """The commit point: one record write."""
        ...

    def put(self, entries: Sequence[Entry]) -> None:
        """Insert, or overwrite by `entry_id` (retiring an entry rewrites it with `until`)."""
        ...

    def between(self, field: Field, above: int, at_most: int | None) -> list[Entry]:
        """Entries whose `field` lies in (above, at_most] (no upper bound when None)."""
        ...

    def delete(self, entry_ids: Sequence[str]) -> None: ...

    def legacy(self) -> Manifest | None:
        """The manifest of a store written before entries existed, if it still holds one."""
        ...

    def drop_legacy(self) -> None: ...


def entry_id(doc_id: str, since: int) -> str:
    return f"entry:{doc_id}:{since}"


@dataclass(frozen=True)
class _View:
    head: Head
    entries: dict[str, Entry] = field(default_factory=dict)  # doc_id → its visible entry

    def manifest(self) -> Manifest:
        return Manifest(self.head.generation, {d: e.info for d, e in self.entries.items()})


_EMPTY = _View(Head(0, "", 0))


class Ledger:
    """The active set of one store: read (cached per generation), committed, collected."""

    def __init__(self, table: EntryTable) -> None:
        self.table = table  # replaceable: a reopened client's table over the same records
        self._view = _EMPTY
        self._manifest = Manifest("")
        self._lock = threading.Lock()  # the cached view is swapped whole; this keeps two readers from racing

    def generation(self) -> str:
        head = self.table.head()
        if head is not None:
            return head.generation
        legacy = self.table.legacy()
        return legacy.generation if legacy is not None else ""

    def manifest(self) -> Manifest:
        """The active documents. Callers treat it as read-only (it is shared until the next change)."""
        for _ in range(_READ_ATTEMPTS):
            head = self.table.head()
            if head is None:
                return self.table.legacy() or Manifest("")
            with self._lock:
                view = self._view
            if view.head == head:
                return self._manifest
            fresh = self._advance(view, head)
            if self.table.head() == head:  # nothing committed or collected meanwhile
                self._remember(fresh)
                return self._manifest
        raise RuntimeError("the manifest kept changing while it was read")

    def commit(
        self, add: Iterable[DocumentInfo], remove: Iterable[str], written: Container[str] | None = None
    ) -> Manifest:
        """`add` inserts or replaces entries; `written` holds the documents fully written (a commit may
        not activate any other). Nothing is written when nothing changes."""
        added, removed = list(add), set(remove)
        check_commit(added, removed, written)
        head = self.table.head()
        if head is None:  # an empty store, or one written before entries: this commit migrates it
            legacy = self.table.legacy() or Manifest("")
            before, seq = legacy, 0
            active: dict[str, Entry] = {}
        else:
            self._repair(head.seq)
            before, seq = self.manifest(), head.seq
            active = self._view.entries
        # (same order as the one-record manifest had: kept documents in place, new ones appended)
        documents = {k: v for k, v in before.documents.items() if k not in removed}
        documents.update({info.doc_id: info for info in added})
        if documents == before.documents:
            return before
        changed = [d for d, info in documents.items() if d not in active or active[d].info != info]
        retired = [replace_until(e, seq + 1) for d, e in active.items() if d not in documents or d in changed]
        fresh = {d: Entry(documents[d], seq + 1, rank=rank) for rank, d in enumerate(changed)}
        self.table.put([*retired, *fresh.values()])
        new_head = Head(seq + 1, uuid.uuid4().hex, len(documents))
        self.table.set_head(new_head)
        self._remember(_View(new_head, {d: fresh.get(d) or active[d] for d in documents}))
        return self._manifest

    def collect(self) -> int:
        """Delete retired entries (and a migrated store's old record); returns how many entries went."""
        head = self.table.head()
        if head is None:
            return 0
        self.table.drop_legacy()
        retired = [e.entry_id for e in self.table.between("until", 0, head.seq)]
        self.table.delete(retired)
        return len(retired)

    # --- internals ------------------------------------------------------------------------------

    def _remember(self, view: _View) -> None:
        with self._lock:
            self._view = view
            self._manifest = view.manifest()

    def _repair(self, seq: int) -> None:
        """Undo what a commit that never reached its head left behind."""
        self.table.delete([e.entry_id for e in self.table.between("since", seq, None)])
        reopened = [replace_until(e, 0) for e in self.table.between("until", seq, None)]
        if reopened:
            self.table.put(reopened)

    def _advance(self, view: _View, head: Head) -> _View:
        """The view at `head`: from `view` by the entries that changed since (what one commit
        touched), or from the whole table when that cannot be trusted."""
        if view.head.seq == 0 or not 0 < view.head.seq < head.seq:
            return self._read_whole(head)
        entries = dict(view.entries)
        changed = self.table.between("since", view.head.seq, head.seq)
        changed += self.table.between("until", view.head.seq, head.seq)
        for entry in changed:
            doc_id = entry.info.doc_id
            if not entry.visible_at(head.seq) and entries.get(doc_id, entry).since == entry.since:
                entries.pop(doc_id, None)
        for entry in changed:
            if entry.visible_at(head.seq):
                entries[entry.info.doc_id] = entry
        if len(entries) != head.count:  # a removal whose entry was collected meanwhile
            return self._read_whole(head)
        return _View(head, entries)

    def _read_whole(self, head: Head) -> _View:
        entries = [e for e in self.table.between("since", 0, head.seq) if e.visible_at(head.seq)]
        # committed order: a file's speeches stay in the order they were committed
        entries.sort(key=lambda e: (e.since, e.rank))
        return _View(head, {e.info.doc_id: e for e in entries})


def replace_until(entry: Entry, until: int) -> Entry:
    return Entry(entry.info, entry.since, until, entry.rank)


def check_commit(added: Sequence[DocumentInfo], removed: set[str], written: Container[str] | None) -> None:
    if overlap := removed & {info.doc_id for info in added}:
        raise ValueError(f"documents both added and removed: {sorted(overlap)}")
    if written is not None and (missing := [i.doc_id for i in added if i.doc_id not in written]):
        raise ValueError(f"cannot commit documents that were never fully written: {missing}")


def orphans(ids: Iterable[str], active: Container[str]) -> list[str]:
    """The garbage rule for document and chunk records: whatever no active document owns."""
    return [i for i in ids if i not in active]
