"""Outline parser: the five sample speeches, false positives, nesting rules, robustness."""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.records import Section
from ingest.clean import clean_text
from ingest.outline import cn_number, parse_outline

SPEECHES = Path(__file__).resolve().parents[2] / "data" / "speeches"


@cache
def sample(prefix: str) -> str:
    """Cleaned text of a sample; "002a"/"002b" are the two speeches of 002 (the caller splits them)."""
    path = next(SPEECHES.glob(f"{prefix[:3]}_*.txt"))
    text = clean_text(path.read_text(encoding="utf-8"))
    if prefix[:3] == "002":
        second = text.find(text.split("\n", 1)[0], 10)  # both speeches open with the same title line
        return text[:second] if prefix == "002a" else text[second:]
    return text


def collapsed_raw(prefix: str) -> str:
    """A stand-in cleaner that keeps everything (001's table of contents included)."""
    raw = next(SPEECHES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    return "\n".join(line.strip() for line in raw.splitlines() if line.strip())


def tree(sections: tuple[Section, ...], parent: str | None = None) -> list[tuple[str, list]]:  # type: ignore[type-arg]
    """(marker, children) pairs: the outline's shape without titles."""
    return [(s.marker, tree(sections, s.section_id)) for s in sections if s.parent_id == parent]


def children(sections: tuple[Section, ...], parent: str | None) -> list[Section]:
    return [s for s in sections if s.parent_id == parent]


def assert_well_formed(text: str, sections: tuple[Section, ...]) -> None:
    ids = [s.section_id for s in sections]
    assert len(ids) == len(set(ids))
    by_id = {s.section_id: s for s in sections}
    for s in sections:
        assert 0 <= s.start <= s.heading_end <= s.end <= len(text)
        assert s.title and s.title == s.title.strip()
        if s.parent_id is None:
            assert s.level == 1 and re.fullmatch(r"s\d+", s.section_id)
        else:
            parent = by_id[s.parent_id]
            assert s.level == parent.level + 1
            assert s.section_id.startswith(parent.section_id + ".")


# --- the samples -----------------------------------------------------------------------------------------


def test_000_three_parts_named_after_their_formulations() -> None:
    text = sample("000")
    sections = parse_outline(text)
    assert_well_formed(text, sections)
    top = children(sections, None)
    assert [s.marker for s in top] == ["一、", "二、", "三、"]
    for part, name in zip(top, ["一个共识", "三个关键", "两个保障"], strict=True):
        assert name in part.title
    assert [s.label for s in children(sections, "s3")] == ["一是经费保障", "二是教师保障"]
    assert [s.marker for s in children(sections, "s2")] == ["一要", "二要", "三要"]
    # a heading line is its own heading; an inline heading ends at its lead clause
    assert text[top[2].start : top[2].heading_end] == "三、强化“两个保障”"
    assert text[sections[-2].start : sections[-2].heading_end] == "一是经费保障。"


def test_000_sections_end_where_the_next_one_of_same_or_higher_level_starts() -> None:
    sections = parse_outline(sample("000"))
    by_id = {s.section_id: s for s in sections}
    assert by_id["s1"].end == by_id["s2"].start
    assert by_id["s2.3"].end == by_id["s3"].start  # the last item of 二、 ends where 三、 starts
    assert by_id["s3.2"].end == by_id["s3"].end == len(sample("000"))


def test_001_three_parts_of_three_points() -> None:
    text = sample("001")
    sections = parse_outline(text)
    assert_well_formed(text, sections)
    points = ["(一)", "(二)", "(三)"]
    # the cleaner puts headings a paywall gap swallowed back from the table of contents
    assert tree(sections) == [
        ("一、", [(m, []) for m in points]),
        ("二、", [(m, [("1.", []), ("2.", [])]) for m in points]),
        ("三、", [(m, []) for m in points]),
    ]


def test_001_table_of_contents_completes_the_truncated_body() -> None:
    text = collapsed_raw("001")
    sections = parse_outline(text)
    assert_well_formed(text, sections)
    top = children(sections, None)
    assert [s.marker for s in top] == ["一、", "二、", "三、"]
    for part in top:
        assert [c.marker for c in children(sections, part.section_id)] == ["(一)", "(二)", "(三)"]
    body_start = text.index("同志们")
    one, two, three = top
    assert one.start > body_start and two.start > body_start  # headings present in the body keep body offsets
    assert three.start < body_start and three.heading_end <= three.end  # 三、 only exists in the TOC
    toc_only = [s for s in sections if s.start < body_start]
    assert {s.section_id for s in toc_only} == {"s1.2", "s1.3", "s3", "s3.1", "s3.2", "s3.3"}
    assert all(text[s.start : s.heading_end].startswith(s.marker) for s in sections)
    assert "(一)加强组织领导,压实工作责任" in [text[s.start : s.heading_end] for s in toc_only]


def test_002_first_speech_has_five_parts_of_three_points() -> None:
    text = sample("002a")
    sections = parse_outline(text)
    assert_well_formed(text, sections)
    assert tree(sections) == [
        (m, [("（一）", []), ("（二）", []), ("（三）", [])])
        for m in ("一、", "二、", "三、", "四、", "五、")
    ]


def test_002_second_speech_counts_yi_yao_on_into_qi_shi() -> None:
    text = sample("002b")
    sections = parse_outline(text)
    assert_well_formed(text, sections)
    top = children(sections, None)
    assert [s.marker for s in top] == ["一、", "二、", "三、"]
    markers = [s.marker for s in children(sections, "s2")]
    assert markers == ["一要", "二要", "三要", "四要", "五要", "六要", "七是", "八是"]
    assert [s.marker for s in children(sections, "s3")] == ["一是", "二是", "三是", "四是"]
    assert children(sections, "s2")[6].title == "深化教育改革，不断激发办学活力"


def test_003_ten_points_and_five_items_and_closing_words_outside() -> None:
    text = sample("003")
    sections = parse_outline(text)
    assert_well_formed(text, sections)
    ten = ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）", "（八）", "（九）", "（十）"]
    assert [s.marker for s in children(sections, "s1")] == ten
    assert [s.marker for s in children(sections, "s2")] == ten
    assert [s.marker for s in children(sections, "s3")] == ["一是", "二是", "三是", "四是", "五是"]
    # "一要强化师德师风建设。…二要强化教师培训。" inside one paragraph is prose, not outline
    assert children(sections, "s2.6") == []
    closing = text.index("同志们，面对新形势")
    assert max(s.end for s in sections) == closing


def test_004_mixed_brackets_and_short_item_lines() -> None:
    text = sample("004")
    sections = parse_outline(text)
    assert_well_formed(text, sections)
    assert [s.marker for s in children(sections, None)] == ["一、", "二、"]
    assert [s.marker for s in children(sections, "s2")] == ["（一）", "（二）", "(三)", "（四）", "（五）"]
    focus = children(sections, "s2.1")
    assert [s.title for s in focus][:2] == ["聚焦根本保证", "聚焦根本问题"]
    assert len(focus) == 4
    assert [s.marker for s in children(sections, "s2.2")] == ["一是", "二是", "三是", "四要"]
    assert [s.marker for s in children(sections, "s2.4")] == ["一是", "二是", "三是"]
    assert focus[0].heading_end == text.index("一是聚焦根本保证。") + len("一是聚焦根本保证。")


# --- rules on small texts ----------------------------------------------------------------------------------


def test_levels_are_relative() -> None:
    text = "引言。\n（一）第一点\n正文。\n（二）第二点\n一是甲。乙。\n二是丙。\n"
    sections = parse_outline(text)
    assert [(s.section_id, s.level, s.marker, s.title) for s in sections] == [
        ("s1", 1, "（一）", "第一点"),
        ("s2", 1, "（二）", "第二点"),
        ("s2.1", 2, "一是", "甲"),
        ("s2.2", 2, "二是", "丙"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "1.2亿元用于改善办学条件。\n2.5万名学生受益。",  # decimals, not items
        "2023.全年完成投资。\n2024.继续推进。",  # years
        "我们要做到两点，一是稳定，二是发展。\n今年的重点，一要抓质量，二要抓安全。",  # inline lists
        "一是要坚持标准不降低。\n其他工作照常开展。",  # a list of one item is prose
        "最后，我再强调一点。\n大家辛苦了。",  # 最后 without 首先/其次
        "二是要加强领导。\n四是要加大投入。",  # a list must count 1, 2, …
    ],
)
def test_false_positives(text: str) -> None:
    assert parse_outline(text) == ()


def test_first_second_and_shouxian_qici_lists() -> None:
    text = (
        "总体要求：\n第一，抓好党建。\n第二，抓好质量。\n首先，统一思想。\n其次，落实责任。\n最后，强化督查。"
    )
    sections = parse_outline(text)
    assert [s.marker for s in sections] == ["第一，", "第二，", "首先，", "其次，", "最后，"]
    assert [s.title for s in sections] == ["抓好党建", "抓好质量", "统一思想", "落实责任", "强化督查"]


def test_markdown_headings_nest_and_carry_inner_markers() -> None:
    text = "# 在全市教育大会上的讲话\n同志们：\n## 一、总体要求\n正文\n### （一）目标\n正文\n"
    text += "## 二、重点任务\n正文"
    sections = parse_outline(text)
    assert [(s.section_id, s.marker, s.title) for s in sections] == [
        ("s1", "一、", "总体要求"),
        ("s1.1", "（一）", "目标"),
        ("s2", "二、", "重点任务"),
    ]
    plain = parse_outline("# 总体要求\n正文\n## 目标\n正文\n# 任务\n正文")
    assert [(s.section_id, s.label) for s in plain] == [("s1", "总体要求"), ("s1.1", "目标"), ("s2", "任务")]


def test_arabic_items_and_headings_with_gaps() -> None:
    text = "一、甲\n1.子一\n内容\n2、子二\n（1）细一\n（2）细二\n三、丙（二、缺失）\n"
    sections = parse_outline(text)
    assert [(s.section_id, s.marker) for s in sections] == [
        ("s1", "一、"),
        ("s1.1", "1."),
        ("s1.2", "2、"),
        ("s1.2.1", "（1）"),
        ("s1.2.2", "（2）"),
        ("s2", "三、"),  # a lost 二、 does not hide 三、
    ]


def test_long_lead_clause_is_cut_at_a_comma() -> None:
    lead = "要加快制定全市教育资源布局专项规划，" + "扎实推进教育资源优质均衡工作" * 4
    sections = parse_outline(f"一是{lead}。\n二是短句。")
    assert sections[0].title == "要加快制定全市教育资源布局专项规划"
    assert sections[0].heading_end == len(f"一是{lead}。")


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("一", 1), ("两", 2), ("九", 9), ("十", 10), ("十一", 11), ("十九", 19), ("二十", 20), ("二十三", 23)],
)
def test_cn_number(numeral: str, value: int) -> None:
    assert cn_number(numeral) == value


@pytest.mark.parametrize("numeral", ["", "零", "十十", "一二", "百"])
def test_cn_number_rejects(numeral: str) -> None:
    assert cn_number(numeral) is None


# --- robustness --------------------------------------------------------------------------------------------

_PIECES = [
    "一、",
    "二、",
    "三、",
    "（一）",
    "(二)",
    "1.",
    "2、",
    "一是",
    "二是",
    "三要",
    "第一，",
    "首先，",
    "其次，",
    "最后，",
    "# ",
    "## ",
    "同志们，",
    "。",
    "：",
    "\n",
    "\n\n",
    "“",
    "”",
    "\x00",
    "\r",
    "\u3000",
    "经费保障",
    "abc",
    "1.2亿",
    " ",
    "*",
]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_fails(text: str) -> None:
    assert_well_formed(text, parse_outline(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=5), max_size=80).map("".join))
def test_heading_soup_is_well_formed(text: str) -> None:
    assert_well_formed(text, parse_outline(text))


def test_100k_characters_of_noise_and_markers() -> None:
    rng = random.Random(7)
    alphabet = [*_PIECES, "教", "育", "，", "\x07", "\ufeff", "😀"]
    text = "".join(rng.choice(alphabet) for _ in range(40_000))[:100_000]
    assert_well_formed(text, parse_outline(text))


def test_deterministic() -> None:
    assert parse_outline(sample("003")) == parse_outline(sample("003"))


# --- every numbering system of GENRE.md, on synthetic speeches ------------------------------------------

PARA = "这项工作要抓紧抓实，确保按时完成。"


def shape(text: str) -> list[tuple[str, str, str]]:
    """(section id, marker, title) in outline order."""
    sections = parse_outline(text)
    assert_well_formed(text, sections)
    return [(s.section_id, s.marker, s.title) for s in sections]


def test_first_second_with_shouxian_qici_inside() -> None:
    text = (
        f"同志们：\n下面讲三点意见。\n第一，统一思想认识。\n{PARA}\n首先，要看到成绩。\n{PARA}\n其次，要正视问题。\n"
        f"{PARA}\n第二，突出工作重点。\n{PARA}\n首先，抓质量。\n{PARA}\n其次，抓安全。\n{PARA}\n最后，抓落实。\n"
        f"第三，强化组织保障。\n{PARA}"
    )
    assert shape(text) == [
        ("s1", "第一，", "统一思想认识"),
        ("s1.1", "首先，", "要看到成绩"),
        ("s1.2", "其次，", "要正视问题"),
        ("s2", "第二，", "突出工作重点"),
        ("s2.1", "首先，", "抓质量"),
        ("s2.2", "其次，", "抓安全"),
        ("s2.3", "最后，", "抓落实"),
        ("s3", "第三，", "强化组织保障"),
    ]


def test_yi_shi_first_then_first_second_nests_the_other_way() -> None:
    text = f"一是抓队伍。\n第一，抓培训。{PARA}\n第二，抓考核。{PARA}\n二是抓投入。\n{PARA}"
    assert shape(text) == [
        ("s1", "一是", "抓队伍"),
        ("s1.1", "第一，", "抓培训"),
        ("s1.2", "第二，", "抓考核"),
        ("s2", "二是", "抓投入"),
    ]


def test_parts_with_title_on_the_next_line_circled_and_half_bracket_items() -> None:
    text = (
        f"第一部分 回顾过去一年工作\n{PARA}\n一、办学条件持续改善\n{PARA}\n二、队伍建设不断加强\n{PARA}\n"
        f"第二部分\n今年的主要任务\n{PARA}\n一、抓好学前教育\n①扩大普惠资源。{PARA}\n②提高保教质量。{PARA}\n"
        "二、抓好义务教育\n1）推进集团化办学。\n2）推进课后服务。"
    )
    assert shape(text) == [
        ("s1", "第一部分", "回顾过去一年工作"),
        ("s1.1", "一、", "办学条件持续改善"),
        ("s1.2", "二、", "队伍建设不断加强"),
        ("s2", "第二部分", "今年的主要任务"),
        ("s2.1", "一、", "抓好学前教育"),
        ("s2.1.1", "①", "扩大普惠资源"),
        ("s2.1.2", "②", "提高保教质量"),
        ("s2.2", "二、", "抓好义务教育"),
        ("s2.2.1", "1）", "推进集团化办学"),
        ("s2.2.2", "2）", "推进课后服务"),
    ]


def test_first_aspect_heads() -> None:
    text = f"第一个方面，关于成绩。\n{PARA}\n第二个方面，关于问题。\n{PARA}"
    assert [(m, t) for _, m, t in shape(text)] == [("第一个方面", "关于成绩"), ("第二个方面", "关于问题")]


@pytest.mark.parametrize("noun", ["句话", "个关键", "点体会", "点", "条"])
def test_talk_leads_with_a_noun(noun: str) -> None:
    text = f"下面讲三点。\n第一{noun}：安全是底线。{PARA}\n第二{noun}：质量是生命。{PARA}\n第三{noun}：队伍是根本。{PARA}"
    assert shape(text) == [
        ("s1", f"第一{noun}：", "安全是底线"),
        ("s2", f"第二{noun}：", "质量是生命"),
        ("s3", f"第三{noun}：", "队伍是根本"),
    ]


def test_one_side_other_side_and_full_width_arabic_dots() -> None:
    text = (
        f"一、总体要求\n{PARA}\n一方面，要稳住基本盘。{PARA}\n另一方面，要拓展新空间。{PARA}\n二、重点任务\n"
        f"1．抓质量\n{PARA}\n2．抓安全\n{PARA}\n（1）食品安全。{PARA}\n（2）交通安全。{PARA}"
    )
    assert shape(text) == [
        ("s1", "一、", "总体要求"),
        ("s1.1", "一方面，", "要稳住基本盘"),
        ("s1.2", "另一方面，", "要拓展新空间"),
        ("s2", "二、", "重点任务"),
        ("s2.1", "1．", "抓质量"),
        ("s2.2", "2．", "抓安全"),
        ("s2.2.1", "（1）", "食品安全"),
        ("s2.2.2", "（2）", "交通安全"),
    ]


def test_docx_headings_as_markdown_with_yi_yao_inside() -> None:
    text = f"# 一、统一思想\n{PARA}\n## （一）认清形势\n{PARA}\n一要抓早。{PARA}\n二要抓小。{PARA}\n## （二）明确目标\n{PARA}\n"
    text += f"# 二、落实任务\n{PARA}"
    assert shape(text) == [
        ("s1", "一、", "统一思想"),
        ("s1.1", "（一）", "认清形势"),
        ("s1.1.1", "一要", "抓早"),
        ("s1.1.2", "二要", "抓小"),
        ("s1.2", "（二）", "明确目标"),
        ("s2", "二、", "落实任务"),
    ]


def test_markdown_bold_leads_after_cleaning() -> None:
    text = clean_text(
        f"**一、统一思想**\n\n{PARA}\n\n**（一）认清形势**\n\n{PARA}\n\n**（二）明确目标**\n\n{PARA}"
    )
    assert shape(text) == [
        ("s1", "一、", "统一思想"),
        ("s1.1", "（一）", "认清形势"),
        ("s1.2", "（二）", "明确目标"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "第一时间响应群众诉求。\n第二天召开了会议。",  # 第一时间 / 第二天: not ordinals
        "第一个五年计划已经完成。",  # a lone lead is prose
        "①号楼已经完工。",  # one circled item is not a list
        "一方面，要看到成绩。\n大家辛苦了。",  # 一方面 without 另一方面
    ],
)
def test_new_families_false_positives(text: str) -> None:
    assert parse_outline(text) == ()


def test_list_families_nest_where_they_are_used() -> None:
    text = (
        f"一、肯定成绩\n（一）当前问题\n①督导结果运用不够。{PARA}\n②安全设施老化。{PARA}\n（二）今年形势\n{PARA}\n"
        f"二、抓住关键\n今年要抓好“三个关键”。\n第一个关键：督导要有力。\n①推行督导工作法。{PARA}\n②强化结果运用。{PARA}\n"
        f"第二个关键：安全零容忍。\n一要抓好防溺水。{PARA}\n二要抓好食品安全。{PARA}\n第三个关键：整改见实效。\n"
        f"①完成隐患整改。\n②建立闭环管理。"
    )
    assert [(i, m) for i, m, _ in shape(text)] == [
        ("s1", "一、"),
        ("s1.1", "（一）"),
        ("s1.1.1", "①"),
        ("s1.1.2", "②"),
        ("s1.2", "（二）"),
        ("s2", "二、"),
        ("s2.1", "第一个关键："),
        ("s2.1.1", "①"),
        ("s2.1.2", "②"),
        ("s2.2", "第二个关键："),
        ("s2.2.1", "一要"),
        ("s2.2.2", "二要"),
        ("s2.3", "第三个关键："),
        ("s2.3.1", "①"),
        ("s2.3.2", "②"),
    ]


def test_a_list_restarting_in_the_same_section_is_a_new_run_not_a_child() -> None:
    text = f"（一）甲\n一是抓早。{PARA}\n二是抓小。{PARA}\n另外还要注意。{PARA}\n一是抓实。{PARA}\n二是抓细。{PARA}"
    assert [(i, m) for i, m, _ in shape(text)] == [
        ("s1", "（一）"),
        ("s1.1", "一是"),
        ("s1.2", "二是"),
        ("s1.3", "一是"),
        ("s1.4", "二是"),
    ]


def test_markdown_title_under_a_date_line_is_not_a_part() -> None:
    text = f"2025年4月16日\n# 争做新时代“大先生”\n——在专题党课上的讲稿\n同志们：\n{PARA}\n一、深刻领会\n{PARA}\n二、清醒认识\n{PARA}"
    assert [m for _, m, _ in shape(text)] == ["一、", "二、"]


def test_parts_hold_their_aspects_and_aspects_alone_are_the_parts() -> None:
    """ "第一部分…" then "第一个方面，…": the aspects nest in their part; a speech of 方面 only has them as parts."""
    both = "同志们：\n第一部分　正视差距\n第一个方面，看到基础\n正文。\n第二个方面，看到差距\n正文。\n第二部分　精准发力\n第一个方面，抓好共同体\n正文。\n第二个方面，抓好生源\n正文。\n"
    sections = parse_outline(both)
    assert [len(children) for _, children in tree(sections)] == [2, 2]
    alone = "同志们：\n第一个方面，看到基础\n正文。\n第二个方面，看到差距\n正文。\n"
    assert len(tree(parse_outline(alone))) == 2
