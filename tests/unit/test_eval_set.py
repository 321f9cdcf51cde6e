"""Validates eval/questions.jsonl against the sample speeches.

The evaluation set is data, but a wrong quote or key silently corrupts every
recall / coverage figure computed from it, so it is checked like code.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "eval" / "questions.jsonl"
SPEECHES = ROOT / "data" / "speeches"

FIELDS = {"id", "question", "shape", "answerable", "gold", "keys", "speaker"}
# Lower bounds per shape: the set must stay representative of what staff ask (see eval/README.md).
MIN_PER_SHAPE = {
    "fact": 15,
    "explanation": 12,
    "enumeration": 15,
    "outline": 8,
    "cross_speech": 8,
    "same_term": 4,
    "unanswerable": 10,
}
# Web-scrape noise: a quote from such a line would not survive cleaning.
NOISE_MARKERS = ("新文秘网", "正式会员", "您的位置", "未完，全文共", "未完,全文共")


def load_questions() -> list[dict[str, Any]]:
    with QUESTIONS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@cache
def source_lines(source: str) -> tuple[str, ...]:
    # "**" is markdown bold from the scrape; cleaning drops it, so quotes are written without it.
    text = (SPEECHES / source).read_text(encoding="utf-8")
    return tuple(line.replace("**", "") for line in text.splitlines())


def normalise(text: str) -> str:
    """What key coverage compares: NFKC (full-width ％ → %), no whitespace, no markdown bold."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("**", ""))


def found_on_one_line(quote: str, source: str) -> bool:
    return any(quote in line for line in source_lines(source))


QUESTION_LIST = load_questions()
ANSWERABLE = [q for q in QUESTION_LIST if q["answerable"]]


def test_set_size_and_unique_ids() -> None:
    ids = [q["id"] for q in QUESTION_LIST]
    assert len(QUESTION_LIST) >= 90
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"q\d{3}", i) for i in ids)
    questions = [q["question"] for q in QUESTION_LIST]
    assert len(set(questions)) == len(questions), "duplicate question text"


def test_fields_and_shapes() -> None:
    for q in QUESTION_LIST:
        assert set(q) == FIELDS, q["id"]
        assert q["shape"] in MIN_PER_SHAPE, q["id"]
        assert isinstance(q["question"], str) and q["question"].strip(), q["id"]
        assert isinstance(q["speaker"], str), q["id"]
        assert q["answerable"] is (q["shape"] != "unanswerable"), q["id"]


def test_every_shape_is_represented() -> None:
    counts = Counter(q["shape"] for q in QUESTION_LIST)
    for shape, minimum in MIN_PER_SHAPE.items():
        assert counts[shape] >= minimum, (shape, counts[shape])


def test_unanswerable_have_no_gold_and_no_keys() -> None:
    for q in QUESTION_LIST:
        if not q["answerable"]:
            assert q["gold"] == [] and q["keys"] == [], q["id"]


@pytest.mark.parametrize("q", ANSWERABLE, ids=lambda q: q["id"])
def test_gold_quotes_are_on_one_line_of_their_source(q: dict[str, Any]) -> None:
    assert 1 <= len(q["gold"]) <= 6
    for gold in q["gold"]:
        assert set(gold) == {"source", "quote"}
        assert (SPEECHES / gold["source"]).is_file(), gold["source"]
        quote = gold["quote"]
        assert 6 <= len(quote) <= 80, quote
        assert "\n" not in quote and not any(m in quote for m in NOISE_MARKERS), quote
        assert found_on_one_line(quote, gold["source"]), quote


@pytest.mark.parametrize("q", ANSWERABLE, ids=lambda q: q["id"])
def test_keys_appear_in_gold_or_source(q: dict[str, Any]) -> None:
    assert 1 <= len(q["keys"]) <= 8
    quotes = normalise("".join(g["quote"] for g in q["gold"]))
    sources = normalise("\n".join("\n".join(source_lines(g["source"])) for g in q["gold"]))
    for key in q["keys"]:
        assert key.strip() == key and key, q["id"]
        assert normalise(key) in quotes or normalise(key) in sources, (q["id"], key)


def test_named_speaker_is_in_a_gold_source() -> None:
    for q in ANSWERABLE:
        if q["speaker"]:
            text = "\n".join("\n".join(source_lines(g["source"])) for g in q["gold"])
            assert q["speaker"] in text, q["id"]


def test_line_check_rejects_a_quote_across_a_page_break() -> None:
    # Sample 002 splits "…知识功底、过硬" / "的教学能力…" over two lines; such a quote must not pass.
    assert found_on_one_line("扎实的知识功底、过硬", "002_30aa19420a7ce07f.txt")
    assert not found_on_one_line("扎实的知识功底、过硬的教学能力", "002_30aa19420a7ce07f.txt")


def test_normalise_folds_width_and_whitespace() -> None:
    assert normalise("5％以内") == normalise("5%以内")
    assert normalise("8 个方面 **29** 条") == "8个方面29条"
    assert normalise("2－3个") != normalise("23个")
