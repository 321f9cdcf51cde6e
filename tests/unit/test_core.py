"""The ground floor: one numeral reader with a strict and a lenient face, one sentence splitter, and the
old import paths still handing out the very same objects."""

from __future__ import annotations

import importlib

import pytest

from core.numerals import cn_number, parse_numeral, to_chinese
from core.sentences import SENTENCE_STOPS, split_sentences


@pytest.mark.parametrize(
    ("text", "strict", "lenient"),
    [("两", 2, 2), ("十二", 12, 12), ("九十九", 99, 99), ("十十", None, 10), ("零", None, 0), ("8", None, 8)],
)
def test_strict_and_lenient_numerals(text: str, strict: int | None, lenient: int | None) -> None:
    assert cn_number(text) == strict and parse_numeral(text) == lenient


def test_ordinals_round_trip() -> None:
    assert all(cn_number(to_chinese(n)) == n for n in range(1, 100))


def test_the_splitter_ends_sentences_at_every_stop() -> None:
    text = "".join(f"第{i}句{stop}" for i, stop in enumerate(SENTENCE_STOPS)) + "末句"
    assert [s.text for s in split_sentences(text)][-1] == "末句"
    assert len(split_sentences(text)) == len(SENTENCE_STOPS) + 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("ingest.records", "core.records"),
        ("ingest.normalize", "core.normalize"),
        ("ingest.tokens", "core.tokens"),
        ("assistant.numerals", "core.numerals"),
        ("vectorstore.base", "core.store"),
    ],
)
def test_old_paths_re_export_the_core_objects(old: str, new: str) -> None:
    before, after = importlib.import_module(old), importlib.import_module(new)
    assert before.__all__ and all(getattr(before, name) is getattr(after, name) for name in before.__all__)
