"""Turning chunks into passages and numbering the citations of one answer."""

from __future__ import annotations

import re

from assistant.corpus import Corpus
from assistant.records import Citation, Passage
from core.records import Chunk


def to_passage(corpus: Corpus, chunk: Chunk, score: float = 0.0) -> Passage:
    doc = corpus.documents[chunk.doc_id]
    info = corpus.manifest.documents.get(chunk.doc_id)
    source = info.sources[0] if info and info.sources else doc.source
    return Passage(
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        source=source,
        title=doc.title,
        speaker=doc.speaker,
        date=doc.date,
        section=chunk.section_path,
        text=chunk.text,
        start=chunk.start,
        end=chunk.end,
        score=round(float(score), 4),
        section_id=chunk.section_id,
        position=chunk.position,
    )


class Citations:
    """Hands out [n] marks: one number per cited passage, in order of first use."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._numbers: dict[str, int] = {}
        self.citations: list[Citation] = []

    def mark(self, chunk: Chunk, sentence: str = "", score: float = 0.0) -> str:
        n = self._numbers.get(chunk.chunk_id)
        if n is None:
            n = len(self.citations) + 1
            self._numbers[chunk.chunk_id] = n
            self.citations.append(Citation(n, to_passage(self.corpus, chunk, score), sentence))
        return f"[{n}]"

    def passages(self) -> list[Passage]:
        return [c.passage for c in self.citations]


_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def chinese_date(date: str) -> str:
    """'2023-04-28' → '2023年4月28日' (what staff read); anything else as it is."""
    return _ISO_DATE_RE.sub(lambda m: f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日", date)


def speech_label(corpus: Corpus, doc_id: str) -> str:
    """《title》（speaker，date）— how an answer names a speech when several are involved."""
    doc = corpus.documents[doc_id]
    extras = "，".join(x for x in (doc.speaker, chinese_date(doc.date)) if x)
    return f"《{doc.title}》" + (f"（{extras}）" if extras else "")
