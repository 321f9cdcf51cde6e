"""Numbered formulations: names, counts, definitions and items on the samples and on small texts."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.formulations import find_formulations
from ingest.outline import parse_outline
from ingest.records import Formulation
from tests.unit.test_outline import sample


def formulations(text: str) -> dict[str, Formulation]:
    found = find_formulations(text, parse_outline(text))
    assert_consistent(text, found)
    return {f.name: f for f in found}


def assert_consistent(text: str, found: tuple[Formulation, ...]) -> None:
    assert len({f.name for f in found}) == len(found)  # one formulation per name and speech
    for f in found:
        assert 0 <= f.start <= f.end <= len(text)
        for item in f.items:
            assert text[item.start : item.end] == item.text
            assert item.label.strip() and item.text.strip()
        starts = [item.start for item in f.items]
        assert starts == sorted(starts)


def labels(f: Formulation) -> list[str]:
    return [item.label for item in f.items]


@pytest.fixture(scope="module")
def f000() -> dict[str, Formulation]:
    return formulations(sample("000"))


@pytest.fixture(scope="module")
def f003() -> dict[str, Formulation]:
    return formulations(sample("003"))


# --- 000: defined by sections ------------------------------------------------------------------------------


def test_two_guarantees_are_the_items_of_part_three(f000: dict[str, Formulation]) -> None:
    two = f000["两个保障"]
    assert two.count == 2 and two.complete and two.section_id == "s3"
    assert labels(two) == ["经费保障", "教师保障"]
    assert two.items[0].text == "一是经费保障。再穷不能穷教育，再苦不能苦孩子。"
    assert two.items[1].text == "二是教师保障。教育大计，教师为本。"
    assert [i.section_id for i in two.items] == ["s3.1", "s3.2"]


def test_three_keys_are_the_yi_yao_items(f000: dict[str, Formulation]) -> None:
    keys = f000["三个关键"]
    assert keys.count == 3 and keys.section_id == "s2"
    assert labels(keys) == ["突出“均衡”要求", "突出“优质”导向", "突出“融合”目标"]
    assert keys.items[0].text.startswith("一要突出“均衡”要求，优化资源配置。")
    assert [i.text[:2] for i in keys.items] == ["一要", "二要", "三要"]


def test_one_consensus_is_the_quoted_phrase_of_part_one(f000: dict[str, Formulation]) -> None:
    one = f000["一个共识"]
    assert one.complete and one.section_id == "s1"
    assert labels(one) == ["坚持教育优先，建设教育强市"]
    assert one.items[0].text == "凝聚起“坚持教育优先，建设教育强市”的广泛共识"


def test_used_but_never_defined(f000: dict[str, Formulation]) -> None:
    priorities = f000["三个优先"]  # written “三个优先'' in the scrape
    assert priorities.count == 3 and priorities.items == () and not priorities.complete


def test_four_haves_listed_before_the_name(f000: dict[str, Formulation]) -> None:
    four = f000["四有"]
    assert labels(four) == ["有理想信念", "有道德情操", "有扎实知识", "有仁爱之心"]


# --- 003: inline lists and a code ----------------------------------------------------------------------


def test_code_12881_spells_its_sub_formulations(f003: dict[str, Formulation]) -> None:
    code = f003["12881"]
    assert code.count is None and code.complete
    assert labels(code) == ["一个目标", "两项重点", "八项工程", "八项改革", "一批教育民生实事"]
    assert code.items[0].text == "坚持“建设区域教育中心，办好人民满意教育”一个目标"
    assert code.items[1].text == "突出“全面提高教育教学质量、加快推进教育现代化”两项重点"


def test_eight_projects_in_order(f003: dict[str, Formulation]) -> None:
    projects = f003["八项工程"]
    assert projects.complete and len(projects.items) == 8
    assert labels(projects)[0] == "党建创优工程" and labels(projects)[-1] == "教育治理能力提高工程"
    reforms = f003["八项改革"]  # the complete list wins over the later, shortened one
    assert len(reforms.items) == 8 and labels(reforms)[5] == "‘县管校聘’改革"
    assert labels(f003["一个目标"]) == ["建设区域教育中心，办好人民满意教育"]
    assert labels(f003["两项重点"]) == ["全面提高教育教学质量", "加快推进教育现代化"]


def test_five_basics_in_parentheses(f003: dict[str, Formulation]) -> None:
    assert labels(f003["五个基本"]) == ["基本条件", "基本服务", "基本待遇", "基本保障", "基本教学"]


def test_three_stricts_after_a_colon(f003: dict[str, Formulation]) -> None:
    strict = f003["三个严格"]
    assert labels(strict) == ["严格治理", "严格审批", "严格监管"]
    assert strict.items[1].text.startswith("严格审批，学科类培训机构全部登记为非营利性质")
    assert all(i.section_id == "s2.4" for i in strict.items)


def test_three_raise_three_manage(f003: dict[str, Formulation]) -> None:
    both = f003["三提三管"]
    assert both.count == 6 and both.complete
    assert labels(both)[0] == "提高教育教学质量" and labels(both)[-1] == "管好教师违规补课"


def test_partly_listed_and_unlisted(f003: dict[str, Formulation]) -> None:
    five = f003["五项工程"]  # "党建领航、铸魂育人、固本强基等五项工程": three of five
    assert labels(five) == ["党建领航", "铸魂育人", "固本强基"] and not five.complete
    assert f003["十项重点任务"].items == ()
    assert labels(f003["六员"])[0] == "法制辅导员" and len(f003["六员"].items) == 6


def test_no_party_congress_or_plan_names(f003: dict[str, Formulation]) -> None:
    assert not any(name in f003 for name in ("十四五", "二十大", "十九大", "一批教育民生实事"))


def test_three_opinions_are_the_three_parts(f003: dict[str, Formulation]) -> None:
    parts = f003["三方面意见"]
    assert [i.section_id for i in parts.items] == ["s1", "s2", "s3"] and parts.complete


# --- 002, 004 ---------------------------------------------------------------------------------------------


def test_004_four_focuses_from_the_intro_of_point_one() -> None:
    found = formulations(sample("004"))
    focus = found["四个聚焦"]
    assert focus.section_id == "s2.1" and focus.complete
    assert labels(focus) == ["聚焦根本保证", "聚焦根本问题", "聚焦中心工作", "聚焦根本任务"]
    assert focus.items[0].text == "一是聚焦根本保证。\n坚持和加强党对教育工作的领导。"
    opinions = found["三点意见"]  # the scrape stops after part two
    assert len(opinions.items) == 2 and not opinions.complete


def test_002_eight_key_tasks_are_the_yi_yao_ba_shi_items() -> None:
    found = formulations(sample("002b"))
    tasks = found["八项重点工作"]
    assert tasks.section_id == "s2" and len(tasks.items) == 8
    assert labels(tasks)[6:] == ["深化教育改革", "强化安全意识"]
    first = formulations(sample("002a"))
    assert first["八项重点任务"].items == ()  # named in the first speech, listed by nobody there


# --- small texts --------------------------------------------------------------------------------------------


def test_inline_ordinals_after_the_name() -> None:
    text = "做好工作要把握两个重点，一是抓质量，提高水平。二是抓安全，守住底线。三是其他。"
    f = formulations(text)["两个重点"]
    assert labels(f) == ["抓质量", "抓安全"]  # the run stops at the count: 三是 is something else
    assert f.items[0].text == "一是抓质量，提高水平。"


def test_numerals_eleven_to_twenty_and_liang() -> None:
    names = "、".join(f"事项{i}" for i in range(1, 13))
    text = f"全年落实“十二项举措”（{names}）。同时抓好“两项重点”：重点甲，推进。重点乙，落实。"
    found = formulations(text)
    assert found["十二项举措"].count == 12 and len(found["十二项举措"].items) == 12
    assert found["两项重点"].count == 2 and labels(found["两项重点"]) == ["重点甲", "重点乙"]


def test_unquoted_names_need_a_definition() -> None:
    text = "这是一个孩子的梦想。我们从三个方面谈起。坚持一个目标。"
    assert formulations(text) == {}


def test_same_name_in_two_places_gives_one_formulation() -> None:
    text = "强化“两个保障”。\n一、强化“两个保障”\n一是经费保障。多投入。\n二是教师保障。多培养。"
    found = find_formulations(text, parse_outline(text))
    assert [f.name for f in found] == ["两个保障"]
    assert labels(found[0]) == ["经费保障", "教师保障"]


# --- robustness ---------------------------------------------------------------------------------

_PIECES = [
    "“",
    "”",
    "两个保障",
    "三个严格",
    "：",
    "严格治理，",
    "。",
    "（",
    "）",
    "、",
    "等",
    "八项工程",
    "12881",
    "一是",
    "二是",
    "一、",
    "\n",
    "四有",
    "有",
    "“四有”",
    "即",
    "一个目标",
    "\x00",
    "'",
    "''",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=4), max_size=60).map("".join))
def test_formulation_soup_never_fails(text: str) -> None:
    assert_consistent(text, find_formulations(text, parse_outline(text)))


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_arbitrary_text_never_fails(text: str) -> None:
    assert_consistent(text, find_formulations(text, parse_outline(text)))


def test_100k_characters() -> None:
    rng = random.Random(11)
    text = "".join(rng.choice([*_PIECES, "教育", "，", "\r"]) for _ in range(30_000))[:100_000]
    assert_consistent(text, find_formulations(text, parse_outline(text)))
