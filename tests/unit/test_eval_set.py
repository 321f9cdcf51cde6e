"""Validates the evaluation sets (eval/questions.jsonl, questions_b.jsonl, questions_c.jsonl) against the speeches.

The evaluation sets are data, but a wrong quote or key silently corrupts every
recall / coverage figure computed from them, so they are checked like code.
The second set (questions_b.jsonl) was written blind, as a generalisation check; the third
(questions_c.jsonl) was written blind too and is kept as the final check; see eval/README.md.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEECHES = ROOT / "data" / "speeches"

FIELDS = {"id", "question", "shape", "answerable", "gold", "keys", "speaker"}
SHAPES = ("fact", "explanation", "enumeration", "outline", "cross_speech", "same_term", "unanswerable")


@dataclass(frozen=True)
class EvalSet:
    name: str
    path: Path
    id_prefix: str
    min_size: int
    # Lower bounds per shape: the set must stay representative of what staff ask (see eval/README.md).
    min_per_shape: dict[str, int]


# The blind sets have 50 questions: the first set's minimums scaled by 50/110 (rounded), same_term at least 2.
SCALED_MINIMUMS = {
    "fact": 7,
    "explanation": 5,
    "enumeration": 7,
    "outline": 4,
    "cross_speech": 4,
    "same_term": 2,
    "unanswerable": 5,
}
EVAL_SETS = (
    EvalSet(
        name="questions",
        path=ROOT / "eval" / "questions.jsonl",
        id_prefix="q",
        min_size=90,
        min_per_shape={
            "fact": 15,
            "explanation": 12,
            "enumeration": 15,
            "outline": 8,
            "cross_speech": 8,
            "same_term": 4,
            "unanswerable": 10,
        },
    ),
    # The second set has 50 questions: the same minimums scaled by 50/110 (rounded), same_term at least 2.
    EvalSet(
        name="questions_b",
        path=ROOT / "eval" / "questions_b.jsonl",
        id_prefix="b",
        min_size=45,
        min_per_shape=SCALED_MINIMUMS,
    ),
    # The third set (written blind, kept as the final check) has 50 questions: the second set's minimums.
    EvalSet(
        name="questions_c",
        path=ROOT / "eval" / "questions_c.jsonl",
        id_prefix="c",
        min_size=45,
        min_per_shape=SCALED_MINIMUMS,
    ),
)
# Web-scrape noise: a quote from such a line would not survive cleaning.
NOISE_MARKERS = ("新文秘网", "正式会员", "您的位置", "未完，全文共", "未完,全文共")


@cache
def load_questions(path: Path) -> tuple[dict[str, Any], ...]:
    with path.open(encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip())


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


ANSWERABLE = [
    pytest.param(q, id=f"{s.name}:{q['id']}")
    for s in EVAL_SETS
    for q in load_questions(s.path)
    if q["answerable"]
]
set_params = pytest.mark.parametrize("eval_set", EVAL_SETS, ids=lambda s: s.name)


@set_params
def test_set_size_and_unique_ids(eval_set: EvalSet) -> None:
    questions = load_questions(eval_set.path)
    ids = [q["id"] for q in questions]
    assert len(questions) >= eval_set.min_size
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(rf"{eval_set.id_prefix}\d{{3}}", i) for i in ids), eval_set.name
    texts = [q["question"] for q in questions]
    assert len(set(texts)) == len(texts), "duplicate question text"


@pytest.mark.parametrize(("one", "other"), list(combinations(EVAL_SETS, 2)), ids=lambda s: s.name)
def test_sets_do_not_share_ids_or_questions(one: EvalSet, other: EvalSet) -> None:
    first, second = load_questions(one.path), load_questions(other.path)
    assert not {q["id"] for q in first} & {q["id"] for q in second}
    assert not {normalise(q["question"]) for q in first} & {normalise(q["question"]) for q in second}


@set_params
def test_fields_and_shapes(eval_set: EvalSet) -> None:
    assert set(eval_set.min_per_shape) == set(SHAPES)
    for q in load_questions(eval_set.path):
        assert set(q) == FIELDS, q["id"]
        assert q["shape"] in SHAPES, q["id"]
        assert isinstance(q["question"], str) and q["question"].strip(), q["id"]
        assert isinstance(q["speaker"], str), q["id"]
        assert q["answerable"] is (q["shape"] != "unanswerable"), q["id"]


@set_params
def test_every_shape_is_represented(eval_set: EvalSet) -> None:
    counts = Counter(q["shape"] for q in load_questions(eval_set.path))
    for shape, minimum in eval_set.min_per_shape.items():
        assert counts[shape] >= minimum, (eval_set.name, shape, counts[shape])


@set_params
def test_unanswerable_have_no_gold_and_no_keys(eval_set: EvalSet) -> None:
    for q in load_questions(eval_set.path):
        if not q["answerable"]:
            assert q["gold"] == [] and q["keys"] == [], q["id"]


@pytest.mark.parametrize("q", ANSWERABLE)
def test_gold_quotes_are_on_one_line_of_their_source(q: dict[str, Any]) -> None:
    assert 1 <= len(q["gold"]) <= 6
    for gold in q["gold"]:
        assert set(gold) == {"source", "quote"}
        assert (SPEECHES / gold["source"]).is_file(), gold["source"]
        quote = gold["quote"]
        assert 6 <= len(quote) <= 80, quote
        assert "\n" not in quote and not any(m in quote for m in NOISE_MARKERS), quote
        assert found_on_one_line(quote, gold["source"]), quote


@pytest.mark.parametrize("q", ANSWERABLE)
def test_keys_appear_in_gold_or_source(q: dict[str, Any]) -> None:
    assert 1 <= len(q["keys"]) <= 8
    quotes = normalise("".join(g["quote"] for g in q["gold"]))
    sources = normalise("\n".join("\n".join(source_lines(g["source"])) for g in q["gold"]))
    for key in q["keys"]:
        assert key.strip() == key and key, q["id"]
        assert normalise(key) in quotes or normalise(key) in sources, (q["id"], key)


@set_params
def test_named_speaker_is_in_a_gold_source(eval_set: EvalSet) -> None:
    for q in load_questions(eval_set.path):
        if q["answerable"] and q["speaker"]:
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
