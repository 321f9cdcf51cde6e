"""Typed records ↔ Chroma records (ids, documents, flat metadata, JSON).

Chroma metadata values must be scalars and never None, so optional fields are
stored as "" and nested structures (sections, formulations, lists, runs, nearby items, the manifest) as
JSON strings. Everything that leaves the store goes back through these
functions: no other module sees a raw Chroma dict.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, TypeVar

from core.records import (
    Chunk,
    Document,
    Formulation,
    FormulationItem,
    ListCandidate,
    ListItem,
    NearbyItems,
    NearItem,
    ParallelRun,
    Section,
)
from core.store import DocumentInfo, Manifest

Metadata = dict[str, str | int | float | bool]
T = TypeVar("T")

# Chunk.metadata keys are stored with this prefix so they can never shadow our own fields
# and can still be used in `where` filters.
EXTRA_PREFIX = "x_"
MANIFEST_FORMAT = 2  # 2: the record is packed (zlib + base85); 1 (plain JSON) is still read
_PACKED = "zlib85:"


def passage_text(chunk: Chunk) -> str:
    """What gets embedded for a chunk: its section path gives the model the outline context
    (a sub-point's body rarely repeats the heading it answers), the stored text stays exact."""
    return f"{chunk.section_path}\n{chunk.text}" if chunk.section_path else chunk.text


def chunk_metadata(chunk: Chunk) -> Metadata:
    meta: Metadata = {f"{EXTRA_PREFIX}{key}": value for key, value in chunk.metadata.items()}
    meta.update(
        doc_id=chunk.doc_id,
        start=chunk.start,
        end=chunk.end,
        position=chunk.position,
        section_id=chunk.section_id or "",
        section_path=chunk.section_path,
        kind=chunk.kind,
    )
    return meta


def chunk_from_record(chunk_id: str, text: str | None, meta: Mapping[str, Any]) -> Chunk:
    extra = {
        key[len(EXTRA_PREFIX) :]: str(value) for key, value in meta.items() if key.startswith(EXTRA_PREFIX)
    }
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        text=text or "",
        start=int(meta["start"]),
        end=int(meta["end"]),
        position=int(meta["position"]),
        section_id=str(meta.get("section_id") or "") or None,
        section_path=str(meta.get("section_path", "")),
        kind=str(meta.get("kind", "body")),
        metadata=extra,
    )


def document_metadata(doc: Document, chunk_count: int) -> Metadata:
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "title": doc.title,
        "speaker": doc.speaker,
        "date": doc.date,
        "meeting": doc.meeting,
        "subtitle": doc.subtitle,
        "speaker_post": doc.speaker_post,
        "published": doc.published,
        "publisher": doc.publisher,
        "part": doc.part,
        "chunks": chunk_count,
        "sections": json.dumps([asdict(s) for s in doc.sections], ensure_ascii=False),
        "formulations": json.dumps([asdict(f) for f in doc.formulations], ensure_ascii=False),
        **{key: _dumps(value) for key, value in _structures(doc).items() if value is not None},
    }


def _structures(doc: Document) -> dict[str, tuple[Any, ...] | None]:
    return {"lists": doc.lists, "runs": doc.runs, "nearby": doc.nearby}


def _dumps(records: tuple[Any, ...]) -> str:
    return json.dumps([asdict(r) for r in records], ensure_ascii=False, separators=(",", ":"))


def document_from_record(text: str | None, meta: Mapping[str, Any]) -> Document:
    return Document(
        doc_id=str(meta["doc_id"]),
        source=str(meta.get("source", "")),
        text=text or "",
        title=str(meta.get("title", "")),
        speaker=str(meta.get("speaker", "")),
        date=str(meta.get("date", "")),
        meeting=str(meta.get("meeting", "")),
        subtitle=str(meta.get("subtitle", "")),  # the three fields below: absent from records of index 1
        speaker_post=str(meta.get("speaker_post", "")),
        published=str(meta.get("published", "")),
        publisher=str(meta.get("publisher", "")),
        part=int(meta.get("part", 0)),
        sections=tuple(Section(**s) for s in json.loads(str(meta.get("sections", "[]")))),
        formulations=tuple(_formulation(f) for f in json.loads(str(meta.get("formulations", "[]")))),
        # absent from records stored before ingest found them: None, and the reader derives them
        lists=_loaded(meta, "lists", _list),
        runs=_loaded(meta, "runs", _run),
        nearby=_loaded(meta, "nearby", _nearby),
    )


def _loaded(meta: Mapping[str, Any], key: str, build: Callable[[dict[str, Any]], T]) -> tuple[T, ...] | None:
    raw = meta.get(key)
    return None if raw is None else tuple(build(r) for r in json.loads(str(raw)))


def _list(raw: dict[str, Any]) -> ListCandidate:
    return ListCandidate(**{**raw, "items": tuple(ListItem(**i) for i in raw["items"])})


def _run(raw: dict[str, Any]) -> ParallelRun:
    return ParallelRun(**{**raw, "items": tuple(FormulationItem(**i) for i in raw["items"])})


def _nearby(raw: dict[str, Any]) -> NearbyItems:
    return NearbyItems(**{**raw, "items": tuple(NearItem(**i) for i in raw["items"])})


def _formulation(raw: dict[str, Any]) -> Formulation:
    items = tuple(FormulationItem(**item) for item in raw.pop("items"))
    return Formulation(items=items, **raw)


def manifest_to_record(documents: Mapping[str, DocumentInfo]) -> str:
    """The manifest as one packed string. Packed because every commit rewrites it whole and
    Chroma's cost per upsert grows with the record's size (it full-text indexes documents): at
    100× the samples a 171 KB JSON record packs to 19 KB."""
    rows = [asdict(info) for info in documents.values()]
    raw = json.dumps(
        {"format": MANIFEST_FORMAT, "documents": rows}, ensure_ascii=False, separators=(",", ":")
    )
    return _PACKED + base64.b85encode(zlib.compress(raw.encode("utf-8"), 6)).decode("ascii")


def manifest_from_record(generation: str, raw: str | None) -> Manifest:
    if not raw:
        return Manifest(generation=generation)
    if raw.startswith(_PACKED):
        raw = zlib.decompress(base64.b85decode(raw[len(_PACKED) :])).decode("utf-8")
    payload = json.loads(raw)
    infos = [_document_info(row) for row in payload.get("documents", [])]
    return Manifest(generation=generation, documents={info.doc_id: info for info in infos})


def _document_info(row: dict[str, Any]) -> DocumentInfo:
    return DocumentInfo(**{**row, "sources": tuple(row.get("sources", ()))})


def info_to_record(info: DocumentInfo) -> str:
    """One manifest entry's document info (a few hundred bytes: written per commit, per document)."""
    return json.dumps(asdict(info), ensure_ascii=False, separators=(",", ":"))


def info_from_record(raw: str | None) -> DocumentInfo:
    return _document_info(json.loads(raw or "{}"))
