"""Numbered formulations: names, counts, definitions and items on the samples and on small texts."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.records import Formulation
from ingest.formulations import find_formulations
from ingest.outline import parse_outline
from tests.unit.test_outline import sample


def formulations(text: str) -> dict[str, Formulation]:
    found = find_formulations(text, parse_outline(text))
    assert_consistent(text, found)
    return {f.name: f for f in found}


def assert_consistent(text: str, found: tuple[Formulation, ...]) -> None:
    assert len({f.name for f in found}) == len(found)  # one formulation per name and speech
    for f in found:
        assert 0 <= f.start <= f.end <= len(text)
        assert f.name in text  # the name as written, never made up from a count and a word
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


# --- whatever numbering carries the items (GENRE.md), on synthetic speeches ------------------------------

PARA = "这项工作要抓紧抓实，确保按时完成。"


@pytest.mark.parametrize(
    ("lead", "markers"),
    [
        ("，", ["一是", "二是", "三是"]),
        ("，", ["一要", "二要", "三要"]),
        ("：", ["第一，", "第二，", "第三，"]),
        ("：", ["第一点，", "第二点，", "第三点，"]),
        ("，", ["首先是", "其次是", "最后是"]),
        ("：", ["首先，", "其次，", "再次，"]),
    ],
)
def test_inline_items_under_every_numbering(lead: str, markers: list[str]) -> None:
    words = ["认识到位", "责任到位", "措施到位"]
    body = "；".join(f"{m}{w}，不能打折扣" for m, w in zip(markers, words, strict=True))
    f = formulations(f"全县要做到“三个到位”{lead}{body}。{PARA}")["三个到位"]
    assert labels(f) == words and f.complete


def test_one_side_other_side_is_a_pair_only() -> None:
    pair = formulations(f"要落实“两个确保”：一方面，确保学位；另一方面，确保安全。{PARA}")["两个确保"]
    assert labels(pair) == ["确保学位", "确保安全"]
    wrong = formulations(f"要抓好“三项重点”。一方面，抓好招生；另一方面，抓好资助。{PARA}")["三项重点"]
    assert labels(wrong) == []  # a pair never spells out three: named, not defined


def test_items_are_the_next_run_of_talk_headings() -> None:
    text = (
        f"今年要抓住“三个关键”。\n第一个关键：抓班子。{PARA}\n第二个关键：抓队伍。{PARA}\n"
        f"第三个关键：抓投入。{PARA}"
    )
    f = formulations(text)["三个关键"]
    assert labels(f) == ["抓班子", "抓队伍", "抓投入"]
    assert f.items[1].text.startswith("第二个关键：抓队伍。")


def test_three_sentences_of_a_symposium_talk() -> None:
    text = f"我想讲三句话。\n第一句话：安全是底线。{PARA}\n第二句话：质量是生命。{PARA}\n第三句话：队伍是根本。{PARA}"
    assert labels(formulations(text)["三句话"]) == ["安全是底线", "质量是生命", "队伍是根本"]


def test_next_level_headings_after_the_name() -> None:
    text = f"突出抓好“两个保障”。\n（一）经费保障\n{PARA}\n（二）队伍保障\n{PARA}\n（三）其他工作\n{PARA}"
    f = formulations(text)["两个保障"]
    assert labels(f) == ["经费保障", "队伍保障"]


def test_headings_after_the_name_spell_it_out_in_part_only_when_they_name_its_head() -> None:
    text = (
        f"深入推进“六大工程”。\n一、实施校舍安全工程\n{PARA}\n二、实施教师素质工程\n{PARA}\n"
        f"三、实施质量提升工程\n{PARA}"
    )
    f = formulations(text)["六大工程"]
    assert labels(f) == ["实施校舍安全工程", "实施教师素质工程", "实施质量提升工程"] and not f.complete
    unrelated = f"今年抓好“五项任务”。\n一、统一思想\n{PARA}\n二、明确责任\n{PARA}"
    assert labels(formulations(unrelated)["五项任务"]) == []  # 2 headings, no 任务 in them: not its items


def test_parallel_run_of_short_phrases_after_ji() -> None:
    f = formulations(f"推动党的创新理论“三进”，即进教材、进课堂、进头脑。{PARA}")["三进"]
    assert labels(f) == ["进教材", "进课堂", "进头脑"]
    f = formulations(f"实现“三个一”目标：一校一品，一师一优课，一生一特长。{PARA}")["三个一"]
    assert labels(f) == ["一校一品", "一师一优课", "一生一特长"]


def test_head_clauses_after_a_comma_need_the_exact_count() -> None:
    text = f"要落实“四个统筹”，统筹城乡布局、统筹学段衔接、统筹资源配置、统筹队伍建设。{PARA}"
    assert labels(formulations(text)["四个统筹"]) == [
        "统筹城乡布局",
        "统筹学段衔接",
        "统筹资源配置",
        "统筹队伍建设",
    ]
    short = f"要落实“四个统筹”，统筹城乡布局、统筹学段衔接。{PARA}"
    assert labels(formulations(short)["四个统筹"]) == []


def test_quoted_pieces_before_or_after_the_name() -> None:
    pieces = "突出“均衡”要求，补齐农村短板；突出“优质”导向，扩大优质资源；突出“特色”发展，办出学校品牌"
    want = ["突出“均衡”要求", "突出“优质”导向", "突出“特色”发展"]
    assert labels(formulations(f"构建“三个突出”工作格局：{pieces}。{PARA}")["三个突出"]) == want
    assert labels(formulations(f"{pieces}，着力构建“三个突出”工作格局。{PARA}")["三个突出"]) == want


@pytest.mark.parametrize(
    ("text", "name", "items"),
    [
        (
            "全面实施“1+2+X”发展模式，即1个核心（立德树人）、2个支撑、X项特色。",
            "1+2+X",
            ["1个核心", "2个支撑", "X项特色"],
        ),
        ("推行“5＋N”课后服务模式，即5项规定动作加N项自选动作。", "5＋N", ["5项规定动作", "N项自选动作"]),
        (
            "我县提出“3456”工作思路，即三个目标、四项任务、五大工程、六项保障。",
            "3456",
            ["三个目标", "四项任务", "五大工程", "六项保障"],
        ),
        ("全面推行1+2+X育人模式，即1个核心、2个支撑、X项特色。", "1+2+X", ["1个核心", "2个支撑", "X项特色"]),
    ],
)
def test_coded_formulations_with_their_explanation(text: str, name: str, items: list[str]) -> None:
    f = formulations(text + PARA)[name]
    assert f.count is None and labels(f) == items


def test_coded_item_keeps_its_explanation() -> None:
    f = formulations(f"全面实施“1+2+X”发展模式，即1个核心（立德树人）、2个支撑、X项特色。{PARA}")["1+2+X"]
    assert f.items[0].text.endswith("1个核心（立德树人）")


def test_codes_need_quotes_or_a_scheme_word() -> None:
    assert formulations(f"全年投入1234万元，新建2+1所学校。{PARA}") == {}


def test_named_but_not_spelled_out_and_names_as_written() -> None:
    text = (
        f"今年重点抓好“五项工作”。{PARA}\n落实“两个确保”：第一，确保学位；第二，确保安全。\n推行“1+2+X”模式。"
    )
    found = formulations(text)
    assert labels(found["五项工作"]) == [] and not found["五项工作"].complete
    assert set(found) == {"五项工作", "两个确保"}  # a code never explained is no formulation
    for f in found.values():  # every name is literal text of the speech: answers quote it as written
        assert f.name in text and f.name in text[f.start : f.end]


def test_pointing_words_and_function_words_do_not_make_names() -> None:
    text = f"依托这两大载体推进工作。其余两项工程按照方案推进。让每一个孩子都能上好学。{PARA}"
    assert formulations(text) == {}
    found = formulations(f"全年推进三项工程按照计划完成。{PARA}")
    assert list(found) == ["三项工程"]  # the name stops before 按照


def test_a_longer_run_of_headings_is_not_the_items_of_a_smaller_count() -> None:
    text = (
        f"职业教育与普通教育是两种不同教育类型。我提三点希望。\n第一，学会敬业。{PARA}\n"
        f"第二，学会精业。{PARA}\n第三，学会乐业。{PARA}"
    )
    found = formulations(text)
    assert "两种不同教育" not in found or labels(found["两种不同教育"]) == []
    assert labels(found["三点希望"]) == ["学会敬业", "学会精业", "学会乐业"]


def test_code_parts_quoted_one_by_one() -> None:
    text = "构建“1+3+N”教师发展体系：“1”即建强1个市级中心，“3”即建设三类工作室，“N”即布局若干研训基地。"
    f = formulations(text + PARA)["1+3+N"]
    assert labels(f) == ["建强1个市级中心", "建设三类工作室", "布局若干研训基地"]
    assert f.items[0].text.startswith("“1”即")


def test_colon_after_a_longer_suffix() -> None:
    text = f"必须把握“两个确保”的目标要求：一是确保年底前达标；二是确保明年通过评估。{PARA}"
    assert labels(formulations(text)["两个确保"]) == ["确保年底前达标", "确保明年通过评估"]


def test_straight_quotes_are_not_read_as_a_list_before_the_name() -> None:
    text = '坚决杜绝"三无"食品进校园。学生吃得安全、吃得营养。\n四要抓好"三项清单"落实。县里已经研究了"三项清单"。'
    found = formulations(text + PARA)
    assert labels(found["三项清单"]) == [] and labels(found["三无"]) == []


def test_paragraphs_opening_with_the_head_spell_it_out_in_part() -> None:
    text = (
        f'全市党员教师要做到"五个带头"。这里我重点讲其中三个。\n带头学习提升。{PARA}\n带头遵规守纪。{PARA}\n'
        f"带头关爱学生。{PARA}\n同志们，{PARA}"
    )
    f = formulations(text)["五个带头"]
    assert labels(f) == ["带头学习提升", "带头遵规守纪", "带头关爱学生"] and not f.complete


def test_a_batch_is_not_a_formulation() -> None:
    assert formulations(f"甲中学、乙中学等一批县中办学特色逐步显现。{PARA}") == {}


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
