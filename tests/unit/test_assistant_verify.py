"""The citation check: a [n] stays only where passage n supports its sentence; marks are renumbered 1..m."""

from __future__ import annotations

from assistant.records import Citation, Passage
from assistant.verify import MARK_RE, bigrams, supports, verify

FUNDS = (
    "一是经费保障。再穷不能穷教育，再苦不能苦孩子。过去两年教育经费拨付滞后的县市区，会后一周要拿出整改方案。"
)
TEACHERS = "二是教师保障。教育大计，教师为本。一流的教育必须要有一流的教师队伍。"
SAFETY = "一是人防技防物防要到位。二是食堂管理要到位。三是齐抓共管要到位。"


def passage(text: str, name: str) -> Passage:
    return Passage(
        chunk_id=name, doc_id="d1", source="000.txt", title="讲话", speaker="", date="", section="三、",
        text=text, start=0, end=len(text),
    )  # fmt: skip


def cite(*texts: str) -> list[Citation]:
    """Citations numbered 1..n in the order given."""
    return [Citation(n, passage(text, f"c{n}")) for n, text in enumerate(texts, 1)]


def chunk_ids(citations: list[Citation]) -> list[tuple[int, str]]:
    return [(c.n, c.passage.chunk_id) for c in citations]


def test_supports_needs_most_of_the_claim_in_the_passage() -> None:
    assert supports(FUNDS, "再穷不能穷教育，再苦不能苦孩子")
    assert supports(FUNDS, "会后一周要拿出整改方案[1]")  # marks are not content
    assert not supports(TEACHERS, "再穷不能穷教育，再苦不能苦孩子")
    assert not supports(FUNDS, "全市将为每位教师发放十万元奖金")
    assert supports(FUNDS, "，。")  # nothing to check


def test_bigrams_ignore_punctuation_marks_and_ordinal_connectives() -> None:
    assert bigrams("一是经费保障[1]。") == bigrams("经费保障") == {"经费", "费保", "保障"}


def test_a_correct_mark_is_kept() -> None:
    text, citations = verify("再穷不能穷教育，再苦不能苦孩子[1]。", cite(FUNDS), drop_unsupported=True)
    assert text == "再穷不能穷教育，再苦不能苦孩子[1]。"
    assert chunk_ids(citations) == [(1, "c1")]


def test_a_mark_on_the_wrong_passage_is_removed_and_the_right_one_kept() -> None:
    text, citations = verify(
        "再穷不能穷教育，再苦不能苦孩子[1][2]。", cite(TEACHERS, FUNDS), drop_unsupported=False
    )
    assert text == "再穷不能穷教育，再苦不能苦孩子[1]。"
    assert chunk_ids(citations) == [(1, "c2")]  # renumbered: the teacher passage is gone


def test_lenient_mode_keeps_the_sentence_without_its_wrong_mark() -> None:
    text, citations = verify("再穷不能穷教育，再苦不能苦孩子[1]。", cite(TEACHERS), drop_unsupported=False)
    assert text == "再穷不能穷教育，再苦不能苦孩子。" and citations == []


def test_a_mark_after_the_stop_belongs_to_the_sentence_before_it() -> None:
    answer = "再穷不能穷教育，再苦不能苦孩子。[2]教育大计，教师为本。[2]"
    text, citations = verify(answer, cite(TEACHERS, FUNDS), drop_unsupported=False)
    # The first mark is right (moved before the stop); the second points at FUNDS, which lacks the claim.
    assert text == "再穷不能穷教育，再苦不能苦孩子[1]。教育大计，教师为本。"
    assert chunk_ids(citations) == [(1, "c2")]


def test_strict_mode_drops_an_invented_sentence_even_when_marked() -> None:
    answer = "再穷不能穷教育，再苦不能苦孩子[1]。全市将为每位教师发放十万元奖金[1]。教育大计，教师为本[2]。"
    text, citations = verify(answer, cite(FUNDS, TEACHERS), drop_unsupported=True)
    assert text == "再穷不能穷教育，再苦不能苦孩子[1]。教育大计，教师为本[2]。"
    assert "奖金" not in text and chunk_ids(citations) == [(1, "c1"), (2, "c2")]


def test_lenient_mode_keeps_template_text_without_marks() -> None:
    """Extractive answers' connective text ("共有2篇讲话谈到这一点：") carries no mark and stays."""
    answer = "共有2篇讲话谈到这一点：\n再穷不能穷教育，再苦不能苦孩子[1]。"
    text, _ = verify(answer, cite(FUNDS), drop_unsupported=False)
    assert text == answer


def test_marks_are_renumbered_in_order_of_first_use_and_unused_citations_go() -> None:
    answer = "一是人防技防物防要到位[3]。再穷不能穷教育[1]。二是食堂管理要到位[3]。"
    text, citations = verify(answer, cite(FUNDS, TEACHERS, SAFETY), drop_unsupported=True)
    assert text == "一是人防技防物防要到位[1]。再穷不能穷教育[2]。二是食堂管理要到位[1]。"
    assert chunk_ids(citations) == [(1, "c3"), (2, "c1")]
    assert sorted({int(n) for n in MARK_RE.findall(text)}) == [c.n for c in citations]


def test_a_mark_without_a_citation_is_removed() -> None:
    text, citations = verify("再穷不能穷教育，再苦不能苦孩子[9]。", cite(FUNDS), drop_unsupported=False)
    assert text == "再穷不能穷教育，再苦不能苦孩子。" and citations == []


def test_lines_are_kept_apart() -> None:
    answer = "《讲话一》：\n再穷不能穷教育[1]。\n《讲话二》：\n一是人防技防物防要到位[2]。"
    text, citations = verify(answer, cite(FUNDS, SAFETY), drop_unsupported=True)
    assert text.split("\n") == [
        "《讲话一》：",
        "再穷不能穷教育[1]。",
        "《讲话二》：",
        "一是人防技防物防要到位[2]。",
    ]
    assert chunk_ids(citations) == [(1, "c1"), (2, "c2")]


def test_every_sentence_of_a_list_is_checked_on_its_own() -> None:
    answer = "一是人防技防物防要到位[1]；二是食堂管理要到位[1]；三是每月发放伙食补贴五百元[1]。"
    text, _ = verify(answer, cite(SAFETY), drop_unsupported=True)
    assert text.startswith("一是人防技防物防要到位[1]；二是食堂管理要到位[1]") and "补贴" not in text
