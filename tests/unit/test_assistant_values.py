"""The kind of value a question asks for, and whether a sentence holds it (assistant/values.py)."""

from __future__ import annotations

import pytest

from assistant.values import asked_kinds, holds_asked


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("引进高层次高中老师给多少安家费", ("money",)),
        ("产教融合专项资金一年给多少", ("money",)),
        ("危房改造县里拿了多少钱", ("money",)),
        ("双师型老师现在占多少", ("share",)),
        ("普惠园覆盖率是多少", ("share",)),
        ("学生实习一天最多干几个钟头", ("duration",)),
        ("名单几号前报市教育局", ("date",)),
        ("白鹭湾今年新建几所公办幼儿园", ("count:所",)),
        ("今年招多少老师，乡村学校占多少", ("share", "count:人")),  # people counted by what they are
        ("雁坪要达标还得补多少老师", ("count:人",)),
        ("雁坪要达标还差多少", ()),  # no kind named: any number, as before
        ("保障措施有哪几条", ()),  # a list, not a count
        ("学前教育行动计划现在是第几期了", ()),  # an ordinal
        ("食品安全这块几个讲话都怎么说的", ()),  # the speeches, not a number
    ],
)
def test_the_asked_kind_is_read_from_everyday_wording(question: str, kinds: tuple[str, ...]) -> None:
    assert asked_kinds(question) == kinds


def test_a_sentence_answers_only_with_a_value_of_the_asked_kind() -> None:
    assert holds_asked(("money",), "县财政给予每人一次性安家补贴10万元")
    assert not holds_asked(("money",), "引进高层次高中教师不少于20名")
    assert not holds_asked(("money",), "还需追加投入约***万元")  # masked: no number
    assert holds_asked(("duration",), "实习时间每天不超过8小时")
    assert not holds_asked(("duration",), "学生顶岗实习留用率达到78%")
    assert holds_asked(("share",), "比例目前只有４６％")
    assert holds_asked(("count:人",), "在园幼儿8.37万人")
    assert holds_asked(("count:所",), "全市共有幼儿园612所")
    assert holds_asked(("date",), "会后一周要拿出整改方案，教师节之前补足缺口")


def test_the_header_lines_above_the_body_are_never_quoted_as_content() -> None:
    from assistant.strategies.common import body_start
    from core.records import Document

    text = "压紧压实责任\n——周海涛副市长在全市推进会上的讲话\n（2025年4月28日）\n同志们：\n今天召开会议。"
    doc = Document(doc_id="d", source="x.txt", text=text, title="压紧压实责任")
    assert text[body_start(doc) :].startswith("同志们")


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("廉洁文化五融入指的是啥", ("五融入",)),  # a count and a verb: a name, though no classifier
        ("廉洁文化六进是哪六进", ("六进",)),
        ("县中振兴的三张清单是哪三张", ("三张清单",)),
        ("一体化是什么", ()),
        ("三年行动计划是什么", ()),  # years, not items
        ("县中振兴要抓五个关键 是哪五个", ("五个关键",)),  # a space before the asking words
    ],
)
def test_counted_names_without_a_classifier_are_read_as_formulations(question: str, names: tuple) -> None:
    from assistant.cues import read_cues

    assert read_cues(question).named_counts == names


def test_people_and_area_are_kinds_of_count() -> None:
    assert asked_kinds("今年订单班要招多少学生") == ("count:人",)
    assert asked_kinds("新校区占地多少亩") == ("count:亩",)
    assert not holds_asked(("count:人",), "今年新增订单班不少于60个")
    assert not holds_asked(("count:亩",), "项目总投资3.2亿元")
