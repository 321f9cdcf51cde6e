"""Every enumerable list of a speech: its parts, each section's sub-sections, lists inside a paragraph."""

from __future__ import annotations

import pytest

from core.records import Document, ListCandidate
from ingest.lists import find_lists
from tests.fakes import built_speech as built
from tests.fakes import sample_speeches


def speech(source: str, speaker: str = "") -> Document:
    found = [d for d, _ in sample_speeches() if d.source.startswith(source) and speaker in d.speaker]
    assert len(found) == 1
    return found[0]


def labels(candidate: ListCandidate) -> list[str]:
    return [item.label for item in candidate.items]


def only(candidates: list[ListCandidate], kind: str, section_id: str | None) -> ListCandidate:
    found = [c for c in candidates if c.kind == kind and c.section_id == section_id]
    assert len(found) == 1, (kind, section_id, [(c.kind, c.section_id) for c in candidates])
    return found[0]


def test_000_root_parts_and_section_children() -> None:
    doc = speech("000")
    lists = find_lists(doc)
    root = only(lists, "root", None)
    assert labels(root) == ["一、凝聚“一个共识”", "二、抓住“三个关键”", "三、强化“两个保障”"]
    assert doc.title in root.head
    keys = only(lists, "section", "s2")
    assert keys.part == 2 and [label[:2] for label in labels(keys)] == ["一要", "二要", "三要"]
    guarantees = only(lists, "section", "s3")
    assert guarantees.part == 3 and labels(guarantees) == ["一是经费保障", "二是教师保障"]
    assert "三、强化“两个保障”" in guarantees.head


def test_000_parallel_yao_sentences_under_the_teacher_guarantee() -> None:
    """二是教师保障's body: "要推进资源交流。…要提升能力素质。…要解决教师关切。…" (no numbers)."""
    doc = speech("000")
    teachers = only(find_lists(doc), "inline", "s3.2")
    assert labels(teachers) == ["要推进资源交流", "要提升能力素质", "要解决教师关切"]
    assert teachers.head.startswith("二是教师保障")


def test_002_eight_key_tasks_of_yang_shengjun() -> None:
    doc = speech("002", "杨生俊")
    lists = find_lists(doc)
    assert len(only(lists, "root", None).items) == 3
    tasks = only(lists, "section", "s2")
    assert tasks.part == 2 and len(tasks.items) == 8
    assert labels(tasks)[0].startswith("一要坚持五育并举") and labels(tasks)[7].startswith("八是强化安全意识")
    assert labels(only(lists, "section", "s3")) == [
        "一是组织领导再加强",
        "二是协调联动再强化",
        "三是支持力度再加大",
        "四是督导考核再强化",
    ]


def test_002_speeches_keep_their_own_lists() -> None:
    """The file holds two speeches: 杨继宏's five parts are not 杨生俊's three."""
    root = only(find_lists(speech("002", "杨继宏")), "root", None)
    assert len(root.items) == 5 and labels(root)[0].startswith("一、铸牢教育之魂")


def test_003_inline_yi_shi_list_in_section_nine() -> None:
    doc = speech("003")
    safety = only(find_lists(doc), "inline", "s2.9")
    assert labels(safety) == [
        "一是人防技防物防要到位",
        "二是食堂管理要到位",
        "三是齐抓共管要到位",
        "四是防范风险要到位",
        "五是疫情防控要到位",
    ]
    assert safety.head.startswith("（九）突出安全稳定")
    section = doc.section("s2.9")
    assert section is not None and section.start <= safety.start < safety.end <= section.end


def test_003_ten_sub_sections_per_part() -> None:
    lists = find_lists(speech("003"))
    assert len(only(lists, "section", "s1").items) == 10
    assert len(only(lists, "section", "s2").items) == 10
    assert only(lists, "section", "s2").part == 2


def test_004_truncated_speech_has_two_parts_and_its_sub_lists() -> None:
    lists = find_lists(speech("004"))
    assert labels(only(lists, "root", None)) == [
        "一、回望2024，成绩振奋人心",
        "二、认清当前形势、找准目标定位",
    ]
    focus = only(lists, "section", "s2.1")
    assert labels(focus)[:2] == ["一是聚焦根本保证", "二是聚焦根本问题"] and len(focus.items) == 4
    assert focus.part is None  # a sub-section, not a top-level part


@pytest.mark.parametrize("index", range(6))
def test_items_point_at_their_lead_in_order_inside_the_list(index: int) -> None:
    doc = sample_speeches()[index][0]
    lists = find_lists(doc)
    assert lists
    for candidate in lists:
        assert candidate.doc_id == doc.doc_id and candidate.kind in {"root", "section", "inline"}
        assert len(candidate.items) >= 2
        starts = [item.start for item in candidate.items]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
        for item in candidate.items:
            assert candidate.start <= item.start < item.end <= candidate.end
            assert doc.text[item.start : item.end].startswith(item.label.rstrip("…"))


def test_numbered_inline_items_must_run_without_gaps() -> None:
    doc = built(
        "在全市校园安全工作会议上的讲话\n张三\n（2024年3月1日）\n同志们：\n"
        "一、抓好校园安全\n"
        "安全工作要抓实抓细。一是门卫值守要到位。二是食堂管理要到位。四是应急演练要到位。\n"
        "二、抓好队伍建设\n要加强培训。\n"
    )
    inline = [c for c in find_lists(doc) if c.kind == "inline"]
    assert [labels(c) for c in inline] == [["一是门卫值守要到位", "二是食堂管理要到位"]]


def test_prose_without_a_list_yields_no_inline_list() -> None:
    doc = built(
        "在全市校园安全工作会议上的讲话\n张三\n（2024年3月1日）\n同志们：\n"
        "一、抓好校园安全\n安全工作事关千家万户，必须常抓不懈，任何时候都不能放松。\n"
        "二、抓好队伍建设\n队伍建设是基础，各校要结合实际制定培训计划，确保取得实效。\n"
    )
    kinds = [c.kind for c in find_lists(doc)]
    assert kinds == ["root"]
