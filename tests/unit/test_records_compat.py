"""The header fields added to Document (subtitle, speaker_post, published) go through the store's codec,
and a record written before they existed still reads (as '')."""

from __future__ import annotations

from core.records import Document
from vectorstore import codec


def test_new_header_fields_round_trip() -> None:
    doc = Document(
        doc_id="d1",
        source="a.txt",
        text="正文",
        title="凝心聚力——在全县教育大会上的讲话",
        subtitle="在全县教育大会上的讲话",
        speaker="韩立群",
        speaker_post="县委书记",
        date="2025-02-18",
        published="2025-02-20",
    )
    assert codec.document_from_record(doc.text, codec.document_metadata(doc, 0)) == doc


def test_record_of_index_version_1_still_reads() -> None:
    meta = {
        "doc_id": "d1",
        "source": "a.txt",
        "title": "在全县教育大会上的讲话",
        "speaker": "韩立群",
        "part": 0,
    }
    doc = codec.document_from_record("正文", meta)
    assert (doc.title, doc.speaker) == ("在全县教育大会上的讲话", "韩立群")
    assert (doc.subtitle, doc.speaker_post, doc.published) == ("", "", "")
