"""A speech's lists, parallel runs and nearby formulation items are found once, at ingest, stored with the
document (through the store's codec) and read by the assistant's snapshot; a record stored before ingest
found them is given them on read, the same ones."""

from __future__ import annotations

import dataclasses

from assistant.corpus import CorpusCache
from assistant.nearby import items_near
from core.records import Document
from ingest.lists import find_lists
from ingest.nearby import nearby_items
from ingest.runs import parallel_runs
from ingest.structures import has_structures, with_structures
from tests.fakes import MemoryStore, built_speech, sample_speeches
from vectorstore import codec


def without_structures(doc: Document) -> Document:
    """The document as a record written before ingest stored its structures reads back."""
    return dataclasses.replace(doc, lists=None, runs=None, nearby=None)


def test_ingest_stores_every_structure_of_a_speech() -> None:
    for doc, _ in sample_speeches():
        assert has_structures(doc)
        assert doc.lists == tuple(find_lists(doc)) and doc.runs == tuple(parallel_runs(doc))
        assert doc.nearby == nearby_items(doc, doc.lists)
    assert any(doc.lists for doc, _ in sample_speeches()) and any(doc.runs for doc, _ in sample_speeches())


def test_structures_round_trip_through_the_codec() -> None:
    for doc, chunks in sample_speeches():
        meta = codec.document_metadata(doc, len(chunks))
        assert codec.document_from_record(doc.text, meta) == doc


def test_a_record_stored_before_the_structures_reads_as_not_found_and_is_given_the_same_ones() -> None:
    doc, chunks = sample_speeches()[0]
    meta = codec.document_metadata(doc, len(chunks))
    for key in ("lists", "runs", "nearby"):
        del meta[key]
    old = codec.document_from_record(doc.text, meta)
    assert (old.lists, old.runs, old.nearby) == (None, None, None)
    assert with_structures(old) == doc


def test_the_snapshot_reads_the_stored_structures_and_derives_only_missing_ones() -> None:
    built = sample_speeches()
    fresh = CorpusCache(MemoryStore(built)).get()
    old = CorpusCache(MemoryStore([(without_structures(d), c) for d, c in built])).get()
    assert old.lists == fresh.lists and old.formulations == fresh.formulations
    assert old.documents == fresh.documents
    # stored ones are read, not searched for again: a record that says "no lists, no runs" is believed
    emptied = [(dataclasses.replace(d, lists=(), runs=()), c) for d, c in built]
    read = CorpusCache(MemoryStore(emptied)).get()
    assert fresh.lists and read.lists == []
    assert len(read.formulations) < len(fresh.formulations)  # no run defines what another speech names


def test_items_near_a_formulation_name_are_found_at_ingest_and_looked_up_by_the_answerer() -> None:
    text = (
        "关于教师队伍建设的讲话\n张三\n（2024年3月1日）\n同志们：\n"
        "一、关心乡村教师\n要坚持“三个倾斜”，做到职称评聘向乡村倾斜、评优评先向乡村倾斜、培训进修向乡村倾斜。\n"
        "二、抓好落实\n各地要抓好落实，确保各项政策落地见效。\n"
    )
    doc = built_speech(text)
    (form,) = doc.formulations  # named, not listed: the index holds it without items
    assert form.name == "三个倾斜" and form.items == ()
    near = items_near(doc, form)
    assert [n.text for n in near] == ["职称评聘向乡村倾斜", "评优评先向乡村倾斜", "培训进修向乡村倾斜"]
    assert all(doc.text[n.start : n.start + len(n.text)] == n.text for n in near)
    assert items_near(doc, dataclasses.replace(form, name="两个倾斜")) == []  # only what ingest found for it
    assert items_near(dataclasses.replace(doc, nearby=()), form) == []  # read, never searched for


def test_items_after_ji_are_found_however_unlike_and_never_more_than_the_count() -> None:
    """ "“五个一”活动，即A、B、C，确保…": 即 defines; three of five are given (a partial definition)."""
    text = (
        "关于校园安全的讲话\n张三\n（2024年3月1日）\n同志们：\n"
        "一、抓好安全教育\n全市中小学要开展“五个一”安全教育活动，即上好一堂安全教育课、给家长发放一封告知书、"
        "组织一次应急演练，确保每一名学生都掌握自救常识。\n"
        "二、抓好落实\n各地要抓好落实，确保各项政策落地见效。\n"
    )
    doc = built_speech(text)
    (form,) = doc.formulations
    assert [n.text for n in items_near(doc, form)] == [
        "上好一堂安全教育课",
        "给家长发放一封告知书",
        "组织一次应急演练",
    ]


def test_a_lists_head_holds_the_sentence_that_introduces_it() -> None:
    """A long lead paragraph ends "…主要面临以下几个方面的挑战。": the head keeps that sentence."""
    lead = "去年以来，全市上下认真落实各项措施，总体形势平稳，各项工作取得积极进展。" * 3
    text = (
        "关于校园安全的讲话\n张三\n（2024年3月1日）\n同志们：\n"
        f"一、认清形势\n{lead}当前主要面临以下几个方面的挑战。\n"
        "（一）风险点多面广\n全市水域多。\n（二）监护缺位\n留守儿童多。\n"
        "二、抓好落实\n各地要抓好落实，确保各项政策落地见效。\n"
    )
    (section_list,) = [c for c in find_lists(built_speech(text)) if c.kind == "section"]
    assert "面临以下几个方面的挑战" in section_list.head
