"""Indexes over the snapshot's titles, headings and formulation names, so reading a question costs
what the question is long, not what the corpus is large (at 1,000× the samples a scan over every
title and heading took seconds per question; bench/README.md).

Built once per store generation (assistant/corpus.py); the functions in assistant/query.py accept
one, and build a small one themselves when called on a handful of documents (tests, a scoped
question).
"""

from __future__ import annotations

from collections import defaultdict

from assistant.naming import compact, formulation_head
from core.records import Document, Formulation


def substrings(text: str, shortest: int, longest: int) -> list[str]:
    return [
        text[i : i + size]
        for size in range(shortest, min(longest, len(text)) + 1)
        for i in range(len(text) - size + 1)
    ]


class TitleIndex:
    """Which speeches' titles (with their meeting) hold a piece of text."""

    def __init__(self, documents: dict[str, Document]) -> None:
        self.titles = {d: compact(doc.title + doc.meeting) for d, doc in documents.items()}
        self._grams: dict[str, set[str]] = defaultdict(set)
        for doc_id, title in self.titles.items():
            for i in range(len(title) - 3):
                self._grams[title[i : i + 4]].add(doc_id)

    def holders(self, piece: str) -> set[str]:
        """Speeches whose title holds `piece` (four characters or more)."""
        if len(piece) < 4:
            return {d for d, t in self.titles.items() if piece in t}
        first, last = self._grams.get(piece[:4], set()), self._grams.get(piece[-4:], set())
        return {d for d in first & last if piece in self.titles[d]}


class HeadingIndex:
    """Section headings by their compact title, and which headings share each six-character run."""

    def __init__(self, documents: dict[str, Document]) -> None:
        self.by_title: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._runs: dict[str, set[str]] = defaultdict(set)
        for doc_id, doc in documents.items():
            for section in doc.sections:
                title = compact(section.title)
                self.by_title[title].append((doc_id, section.section_id))
                for i in range(len(title) - 5):
                    self._runs[title[i : i + 6]].add(title)

    def named_in(self, q: str, within: set[str] | None = None) -> list[tuple[str, str]]:
        """Headings the (compact) question quotes whole (six characters or more), names by a short
        heading no other section has, or names by a six-character run no other heading has.
        `within`: only those documents' headings count (the same as an index of just them)."""

        def keep(keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
            return keys if within is None else [k for k in keys if k[0] in within]

        found: list[tuple[str, str]] = []
        for piece in substrings(q, 4, 40):
            keys = keep(self.by_title.get(piece, []))
            if keys and (len(piece) >= 6 or len(keys) == 1):
                found.extend(keys)
        for run in substrings(q, 6, 6):
            titles = [t for t in self._runs.get(run, ()) if keep(self.by_title[t])]
            if len(titles) == 1:
                found.extend(keep(self.by_title[titles[0]]))
        return list(dict.fromkeys(found))


class FormulationIndex:
    """Formulations a question can match, found from the question's own pieces."""

    def __init__(self, formulations: list[tuple[str, Formulation]]) -> None:
        self._order = {id(f): i for i, (_, f) in enumerate(formulations)}
        self._by_name: dict[str, list[tuple[str, Formulation]]] = defaultdict(list)
        self._by_head: dict[str, list[tuple[str, Formulation]]] = defaultdict(list)
        self._by_prefix: dict[str, list[tuple[str, Formulation]]] = defaultdict(list)
        for pair in formulations:
            name = compact(pair[1].name)
            self._by_name[name].append(pair)
            self._by_prefix[name[:2]].append(pair)
            count, head = formulation_head(pair[1].name)
            if count is not None and len(head) >= 2:
                self._by_head[head[:2]].append(pair)

    def candidates(self, q: str) -> list[tuple[str, Formulation]]:
        """Every formulation whose name, head word or count prefix stands in the (compact) question:
        a superset of what assistant.query.match_formulations can match, in index order."""
        found: dict[int, tuple[str, Formulation]] = {}
        for piece in substrings(q, 2, 16):
            for table in (self._by_name, self._by_head, self._by_prefix):
                for pair in table.get(piece, ()):
                    found[id(pair[1])] = pair
        return sorted(found.values(), key=lambda pair: self._order[id(pair[1])])
