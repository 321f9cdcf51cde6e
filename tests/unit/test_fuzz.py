"""Hostile input end to end: the whole ingest build (clean → speeches → outline → formulations → chunks →
store records) and the assistant's question handling, on arbitrary Unicode weighted towards what breaks
text code: lone surrogates, control and format characters, bidi/RTL marks, odd line breaks, combining
marks, astral characters, the markers our parsers look for, and 100k-character strings.

Each parser is fuzzed on its own in its module's tests (test_clean, test_speeches, test_outline,
test_formulations, test_chunker); this file fuzzes what they do together, what reaches the store, and
what a user can type. Properties: nothing raises (except InvalidQuestionError for a question with no
content), every offset stays inside its text, a body chunk is exactly its slice of the speech, and
every record survives the trip through the store's codec.
"""

from __future__ import annotations

import random
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.query import compact
from assistant.service import MAX_QUESTION_CHARS, PolicyAssistant, Turn, clean_question
from core.normalize import fold_for_search, normalize_for_match
from core.records import Chunk, Document, LoadedText
from errors import DocumentNotFoundError, IngestError, InvalidQuestionError
from ingest.build import build_documents
from ingest.clean import clean_text
from ingest.formulations import find_formulations
from ingest.outline import parse_outline
from ingest.speeches import split_speeches
from tests.fakes import check_answer
from vectorstore import codec

_BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_ODD = [
    *_BIDI,
    "\ufeff", "\u200b", "\u200d", "\u00ad", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029",
    "\r\n", "\r", "\t", "\u3000", "\ud800", "\udbff\udc00", "\udfff", "\U0001f600", "e\u0301",
    "\ufb01", "İ", "\uffff", "\U0010ffff", "שלום", "مرحبا", "Ａ１（", "…",
]  # fmt: skip
_MARKERS = [
    "一、", "二、", "（一）", "(二)", "1.", "一是", "二是", "第一，", "# ", "同志们：", "在全市大会上的讲话\n",
    "杨继宏\n", "（2023 年 4 月 28 日）\n", "两个保障", "“", "”", "：", "。", "，", "\n", "\n\n", "**",
    "……(省略12字)……", "(未完,全文共5103字", "目录/提纲:", "您的位置:首页>>正文\n",
]  # fmt: skip
_WORDS = "教育保障经费教师要坚持发展质量学校学生工作"
_CHAR = st.one_of(
    st.characters(),
    st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp", "Mn"]),
    st.sampled_from(_ODD),
)
HOSTILE = st.lists(
    st.one_of(_CHAR, st.sampled_from(_MARKERS), st.text(alphabet=_WORDS, min_size=1, max_size=30)),
    max_size=120,
).map("".join)


def hostile_100k(seed: int) -> str:
    rng = random.Random(seed)
    pieces = [*_ODD, *_MARKERS, _WORDS, "教育", "，"]
    return "".join(rng.choice(pieces) for _ in range(40_000))[:100_000]


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def assert_sound(built: list[tuple[Document, list[Chunk]]]) -> None:
    for doc, chunks in built:
        # What users read and what the store keeps: valid UTF-8, no debris characters.
        assert _utf8(doc.text) and _utf8(doc.title) and _utf8(doc.speaker)
        assert not any(unicodedata.category(ch) in ("Cs", "Cf") for ch in doc.text)
        assert not any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in doc.text)
        for section in doc.sections:
            assert 0 <= section.start <= section.heading_end <= section.end <= len(doc.text)
        for formulation in doc.formulations:
            assert 0 <= formulation.start <= formulation.end <= len(doc.text)
            assert all(doc.text[i.start : i.end] == i.text for i in formulation.items)
        assert [c.position for c in chunks] == list(range(len(chunks)))
        assert len({c.chunk_id for c in chunks}) == len(chunks)
        for chunk in chunks:
            assert chunk.doc_id == doc.doc_id and 0 <= chunk.start <= chunk.end <= len(doc.text)
            if chunk.kind == "body":
                assert chunk.text == doc.text[chunk.start : chunk.end]
            assert codec.chunk_from_record(chunk.chunk_id, chunk.text, codec.chunk_metadata(chunk)) == chunk
        record = codec.document_from_record(doc.text, codec.document_metadata(doc, len(chunks)))
        assert record == doc


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE)
def test_build_documents_on_hostile_text(text: str) -> None:
    built = build_documents(LoadedText("f.txt", text))
    assert_sound(built)
    cleaned = clean_text(text)
    assert (built == []) == (split_speeches(cleaned, raw=text, source="f.txt") == [])


@settings(max_examples=100, deadline=None)
@given(HOSTILE)
def test_parsers_on_uncleaned_hostile_text(text: str) -> None:
    """The outline and formulation parsers must not rely on cleaning having happened."""
    sections = parse_outline(text)
    assert all(0 <= s.start <= s.heading_end <= s.end <= len(text) for s in sections)
    for formulation in find_formulations(text, sections):
        assert 0 <= formulation.start <= formulation.end <= len(text)
        assert all(text[i.start : i.end] == i.text for i in formulation.items)


@settings(max_examples=200, deadline=None)
@given(HOSTILE)
def test_cleaning_hostile_text_is_idempotent_and_fold_keeps_length(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert len(normalize_for_match(text)) == len(text) == len(fold_for_search(text))


def test_100k_hostile_characters_through_the_whole_build() -> None:
    text = hostile_100k(5)
    began = time.perf_counter()
    built = build_documents(LoadedText("big.txt", text))
    elapsed = time.perf_counter() - began
    assert_sound(built)
    assert len(normalize_for_match(text)) == len(text) == len(fold_for_search(text))
    print(f"\n100k hostile characters built into {len(built)} speeches in {elapsed:.1f} s")


# --- untrusted uploads: any bytes under any name ----------------------------------------------------

_CONTAINER_STARTS = [
    b"", b"PK\x03\x04", b"%PDF-1.7\n", b"<html><meta charset=gbk>", b"<?xml version='1.0'?>", b"\xef\xbb\xbf",
    b"\xff\xfe", b"\xfe\xff", "两个保障".encode("gb18030"), "一、总体要求\n".encode(),
]  # fmt: skip
_NAMES = st.one_of(
    st.sampled_from(["a.txt", "b.md", "c.html", "d.htm", "e.docx", "f.pdf", "G.TXT", "../../x.txt"]),
    st.sampled_from(["C:\\dir\\y.txt", "a/../../z.pdf", "\u202etxt.exe", "x.doc", "noext", "..", ""]),
    st.tuples(HOSTILE, st.sampled_from([".txt", ".pdf", ".docx", ".html", ""])).map("".join),
).filter(lambda name: _utf8(name))  # names on disk that are not UTF-8: the test after this one


@settings(max_examples=150, deadline=None)
@given(start=st.sampled_from(_CONTAINER_STARTS), body=st.binary(max_size=600), name=_NAMES)
def test_untrusted_uploads_load_and_build_or_fail_as_ingest_errors(
    start: bytes, body: bytes, name: str
) -> None:
    from ingest.loaders import load_bytes

    try:
        loaded = load_bytes(start + body, name)
    except IngestError as exc:
        assert exc.reason and "/" not in exc.source and "\\" not in exc.source
        return
    assert "/" not in loaded.source and "\\" not in loaded.source and loaded.source not in ("", ".", "..")
    assert_sound(build_documents(loaded))


def test_a_file_name_that_is_not_utf8_on_disk(tmp_path: Path) -> None:
    from ingest.loaders import load

    raw_name = "讲话稿.txt".encode("gb18030")
    with open(bytes(tmp_path) + b"/" + raw_name, "wb") as handle:  # the name as the file system holds it
        handle.write("同志们：\n今天召开全市教育工作会议，研究部署经费保障和教师保障工作。".encode())
    [path] = list(tmp_path.iterdir())
    loaded = load(path)
    assert _utf8(loaded.source) and loaded.source.endswith(".txt")
    assert_sound(build_documents(loaded))


# --- the assistant: what a user can type ------------------------------------------------------------


def ask_or_refuse(assistant: PolicyAssistant, question: str, **options: Any) -> None:
    """An answer that keeps the contract, or one of the two domain errors, each only when it is due."""
    try:
        answer = assistant.ask(question, **options)
    except InvalidQuestionError:
        cleaned = "".join(ch for ch in question if unicodedata.category(ch) not in ("Cc", "Cs"))
        # only a question with no content, one over the limit, or an empty scope is refused
        too_long = len(cleaned.strip()) > MAX_QUESTION_CHARS
        assert not compact(cleaned.strip()) or too_long or options.get("doc_ids") == [], question
        return
    except DocumentNotFoundError as exc:
        assert exc.doc_id in set(options.get("doc_ids") or []) - set(assistant.corpus().documents)
        return
    check_answer(answer, assistant.corpus())
    assert answer.question == clean_question(question) and len(answer.question) <= MAX_QUESTION_CHARS
    assert _utf8(answer.answer) and _utf8(answer.question)


_QUESTION = st.one_of(
    HOSTILE,
    st.tuples(st.sampled_from(["两个保障是什么？", "这篇讲话分几个部分", "经费保障"]), HOSTILE).map("".join),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=_QUESTION, earlier=st.lists(HOSTILE, max_size=2), top_k=st.integers(1, 20))
def test_ask_with_hostile_questions(
    assistant: PolicyAssistant, question: str, earlier: list[str], top_k: int
) -> None:
    ask_or_refuse(assistant, question, top_k=top_k, history=[Turn(q) for q in earlier])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=_QUESTION, doc_ids=st.lists(st.one_of(HOSTILE, st.just("../../etc/passwd")), max_size=3))
def test_unknown_document_scopes_and_streaming(
    assistant: PolicyAssistant, question: str, doc_ids: list[str]
) -> None:
    ask_or_refuse(assistant, question, doc_ids=doc_ids)
    try:
        events = list(assistant.stream(question))
    except InvalidQuestionError:
        return
    assert all(isinstance(e, str) for e in events[:-1]) and not isinstance(events[-1], str)


@pytest.mark.parametrize(
    "question", [hostile_100k(9), "两个保障是什么？" + hostile_100k(10), "\ud800" * 100_000]
)
def test_100k_character_questions(assistant: PolicyAssistant, question: str) -> None:
    began = time.perf_counter()
    ask_or_refuse(assistant, question)
    assert time.perf_counter() - began < 30  # refused at MAX_QUESTION_CHARS first: bounded, not quadratic
