"""Structure-aware chunker: invariants on every sample, outline/heading chunks, ids, robustness."""

from __future__ import annotations

import hashlib
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.records import Chunk, Document
from ingest.chunker import DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS, chunk_document
from ingest.formulations import find_formulations
from ingest.outline import parse_outline
from tests.unit.test_outline import sample

SAMPLES = ["000", "001", "002a", "002b", "003", "004"]


def document(text: str, doc_id: str = "d0") -> Document:
    sections = parse_outline(text)
    return Document(
        doc_id=doc_id,
        source="x.txt",
        text=text,
        title="标题",
        sections=sections,
        formulations=find_formulations(text, sections),
    )


def body(chunks: list[Chunk]) -> list[Chunk]:
    return [c for c in chunks if c.kind == "body"]


def innermost(doc: Document, pos: int) -> str | None:
    inside = [s for s in doc.sections if s.start <= pos < s.end]
    return max(inside, key=lambda s: (s.level, s.start - s.end)).section_id if inside else None


def assert_invariants(doc: Document, chunks: list[Chunk], max_chars: int, min_chars: int) -> None:
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(c.doc_id == doc.doc_id and len(c.chunk_id) == 32 for c in chunks)
    bodies = body(chunks)
    for c in bodies:
        assert c.text == doc.text[c.start : c.end] and c.text.strip() == c.text and c.text
        assert len(c.text) <= max_chars
    starts = [c.start for c in bodies]
    assert starts == sorted(starts) and all(a.end <= b.start for a, b in itertools.pairwise(bodies))
    # every non-blank character of the text is in exactly one body chunk
    covered = sum(len("".join(c.text.split())) for c in bodies)
    assert covered == len("".join(doc.text.split()))
    tops = [s for s in doc.sections if s.parent_id is None]
    for c in bodies:
        for top in tops:  # never across a top-level boundary
            assert not c.start < top.start < c.end and not c.start < top.end < c.end
        if innermost(doc, c.start) is not None:
            assert c.section_id is not None and c.section_path
        if c.section_id is not None:
            section = doc.section(c.section_id)
            assert section is not None and section.start <= c.start and c.end <= section.end
            assert c.section_path == " > ".join(s.label for s in doc.section_path(c.section_id))
    for i, c in enumerate(bodies):  # a small chunk is small because no neighbour could take it
        if len(c.text) < min_chars:
            for j in (i - 1, i + 1):
                if 0 <= j < len(bodies):
                    n = bodies[j]
                    same_top = root(doc, c.section_id) == root(doc, n.section_id)
                    span = max(c.end, n.end) - min(c.start, n.start)
                    assert not same_top or span > max_chars or _outside_all(doc, c) != _outside_all(doc, n)
    for c in chunks:
        assert 0 <= c.start <= c.end <= len(doc.text) and len(c.text) <= max_chars


def root(doc: Document, section_id: str | None) -> str | None:
    path = doc.section_path(section_id)
    return path[0].section_id if path else None


def _outside_all(doc: Document, chunk: Chunk) -> bool:
    return innermost(doc, chunk.start) is None


@pytest.mark.parametrize("name", SAMPLES)
def test_invariants_on_every_sample(name: str) -> None:
    doc = document(sample(name), f"d{name}")
    chunks = chunk_document(doc)
    assert_invariants(doc, chunks, DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS)
    assert [c.kind for c in chunks].count("outline") == 1


@pytest.mark.parametrize("name", SAMPLES)
def test_ids_are_stable_and_content_bound(name: str) -> None:
    doc = document(sample(name), "dx")
    first, again = chunk_document(doc), chunk_document(document(sample(name), "dx"))
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    other = chunk_document(document(sample(name), "dy"))
    assert not {c.chunk_id for c in first} & {c.chunk_id for c in other}


def test_headings_sit_in_their_sections_first_chunk() -> None:
    doc = document(sample("000"))
    chunks = body(chunk_document(doc))
    holder = next(c for c in chunks if "三、强化“两个保障”" in c.text)
    assert holder.text.startswith("三、强化“两个保障”") and holder.section_id == "s3"
    assert holder.section_path == "三、强化“两个保障”"
    teacher = next(c for c in chunks if c.text.startswith("二是教师保障"))
    assert teacher.section_path == "三、强化“两个保障” > 二是教师保障"


def test_outline_chunk_lists_the_headings_verbatim() -> None:
    doc = document(sample("004"))
    outline = next(c for c in chunk_document(doc) if c.kind == "outline")
    assert outline.section_id is None
    lines = outline.text.split("\n")
    assert lines[0] == "提纲：标题（共2个部分）"
    assert "下面，我着重讲三点意见：" in lines  # the sentence announcing the parts
    assert "二、认清当前形势、找准目标定位。" in lines
    assert "  （一）要始终强化精神引领，坚持教育人的理想与目标追求。" in lines
    tops = [s for s in doc.sections if s.level == 1]
    assert outline.start == tops[0].start and outline.end >= tops[-1].heading_end
    assert outline.text != doc.text[outline.start : outline.end]  # synthesised: documented


def test_heading_chunk_brings_list_items_together() -> None:
    doc = document(sample("000"))
    heading = next(c for c in chunk_document(doc) if c.kind == "heading" and c.section_id == "s3")
    assert heading.text.split("\n") == [
        "第三部分 三、强化“两个保障”",
        "一是经费保障。再穷不能穷教育，再苦不能苦孩子。",
        "二是教师保障。教育大计，教师为本。",
    ]
    focus = next(
        c for c in chunk_document(document(sample("004"))) if c.section_id == "s2.1" and c.kind == "heading"
    )
    assert "思想是行动的先导，*年做好教育工作要在理念上立足于四个聚焦。" in focus.text.split("\n")


def test_small_items_merge_with_their_siblings_not_the_next_point() -> None:
    doc = document(sample("004"))
    chunks = body(chunk_document(doc))
    last_focus = next(c for c in chunks if "四是聚焦根本任务" in c.text)
    assert last_focus.section_id in ("s2.1", "s2.1.4")
    assert "（二）" not in last_focus.text


def test_long_paragraph_is_cut_at_sentence_ends() -> None:
    sentence = "要坚持教育优先发展，办好人民满意的教育。"
    text = "一、总体要求\n" + sentence * 60 + "\n二、保障\n短。"
    doc = document(text)
    chunks = body(chunk_document(doc, max_chars=200, min_chars=50))
    inner = [c for c in chunks if c.section_id == "s1"]
    assert len(inner) >= 6
    assert all(c.text.endswith("。") for c in inner)
    sizes = [len(c.text) for c in inner]
    assert max(sizes) <= 200 and min(sizes) >= 100  # balanced: no tiny tail


def test_a_sentence_longer_than_the_limit_is_cut_anyway() -> None:
    text = "甲" * 1000
    chunks = chunk_document(document(text), max_chars=100, min_chars=10)
    assert [len(c.text) for c in chunks] == [100] * 10


def test_no_outline_gives_plain_paragraph_chunks() -> None:
    one, two = "第一段" * 5 + "。", "第二段比较长一些" * 3 + "。"
    text = f"{one}\n{two}\n"
    whole = chunk_document(document(text), max_chars=100, min_chars=0)
    assert [(c.text, c.section_path, c.kind) for c in whole] == [(f"{one}\n{two}", "", "body")]
    split = chunk_document(document(text), max_chars=30, min_chars=0)
    assert [c.text for c in split] == [one, two]
    assert chunk_document(document("")) == [] and chunk_document(document(" \n\n ")) == []


def test_chunk_ids_hash_doc_position_and_text() -> None:
    doc = document("一、甲\n正文。\n二、乙\n正文。")
    chunks = chunk_document(doc)
    expected = hashlib.sha256(f"d0\x1f0\x1f{chunks[0].text}".encode()).hexdigest()[:32]
    assert chunks[0].chunk_id == expected


@pytest.mark.parametrize(("max_chars", "min_chars"), [(10, 0), (100, 100), (100, -1)])
def test_bad_sizes(max_chars: int, min_chars: int) -> None:
    with pytest.raises(ValueError):
        chunk_document(document("正文。"), max_chars=max_chars, min_chars=min_chars)


# --- robustness ---------------------------------------------------------------------------------

_PIECES = [
    "一、总体",
    "二、任务",
    "（一）目标",
    "一是甲。",
    "二是乙。",
    "同志们，",
    "。",
    "\n",
    "\n\n",
    "正文内容",
    "两个保障",
    "“",
    "”",
    "\x00",
    "\r",
    " ",
    "\u3000",
    "# 标题\n",
    "1.细则",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES) | st.text(max_size=30), max_size=60).map("".join),
    st.integers(20, 400),
    st.integers(0, 400),
)
def test_random_documents_keep_the_invariants(text: str, max_chars: int, min_chars: int) -> None:
    min_chars = min(min_chars, max_chars - 1)
    doc = document(text)
    assert_invariants(
        doc, chunk_document(doc, max_chars=max_chars, min_chars=min_chars), max_chars, min_chars
    )


def test_100k_characters() -> None:
    rng = random.Random(3)
    text = "".join(rng.choice([*_PIECES, "教育" * 20, "，"]) for _ in range(12_000))[:100_000]
    doc = document(text)
    assert_invariants(doc, chunk_document(doc), DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS)
