"""The kind of value a 多少/几/何时 question asks for, and whether a sentence holds one (data).

"给多少安家费" wants money (…万元), "占多少" a share (…%), "一天最多干几个钟头" a duration (…小时),
"新建几所" a count of 所, "几号前报" a date. A sentence with some other number ("留用率达到78%" for a
question about hours) does not answer it: ranking prefers, and acceptance requires, the asked kind.
A question that names no kind ("多少幼儿园") accepts any number, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.numerals import CN_COUNT, CN_NUMERAL

# A number starts with a digit: "约***万元" (masked) holds none
_NUM = rf"(?:[\d０-９][\d０-９.．,，]*|[{CN_COUNT}几数][{CN_COUNT}百千万亿]*)"
_CN = r"[\u4e00-\u9fff]"
# Nouns a money question ends its subject with ("安家费", "专项资金", "奖补", "工资").
_MONEY_NOUN = r"(?:钱|费|金|款|资|贴|助|励|酬|元|预算|投入|支出|投资|工资|收入|奖补)"
# Units of a count: the question's unit, or one a speech uses for the same thing. "几个/几条/几项"
# count a list's items more often than things (query.wants_list reads those).
_COUNT_UNITS: dict[str, str] = {
    "人": "人|名|位|人次",
    "名": "名|人|位|人次",
    "位": "位|名|人",
    "所": "所|家|个|座",
    "家": "家|所|个",
    "次": "次|场|轮",
    "场": "场|次",
    "支": "支|个",
    "批": "批|个",
    "辆": "辆",
    "张": "张",
    "间": "间|个",
    "套": "套|台",
    "台": "台|套",
    "门": "门|个",
    "节": "节|课时",
    "班": "班|个",
    "座": "座|所|个",
    "栋": "栋|幢|座",
    "期": "期",
    "起": "起|件|例",
    "例": "例|起",
    "亩": "亩",
    "平方米": "平方米|㎡|万平方米",
    "床": "床|张",
}
# People counted by what they are ("招多少学生", "补多少老师"): a count of 人/名.
_PEOPLE_RE = re.compile(
    r"(?<![哪第])(?:几|多少)(?:个|位)?(?:学生|老师|教师|人|幼儿|孩子|新生|校长|毕业生|名额)"
)


@dataclass(frozen=True)
class ValueKind:
    name: str
    asks: re.Pattern[str]  # in the question
    holds: re.Pattern[str]  # in a sentence that can answer it


def _kind(name: str, asks: str, holds: str) -> ValueKind:
    return ValueKind(name, re.compile(asks), re.compile(holds))


KINDS: tuple[ValueKind, ...] = (
    _kind(
        "money",
        rf"多少钱|几块钱|多少元|多少{_CN}{{0,3}}{_MONEY_NOUN}|{_MONEY_NOUN}(?:标准)?{_CN}{{0,4}}多少(?![个所名人项次条家位年天月周小节])"
        # "一年给多少", "拿了多少": a paying verb and nothing after 多少 ("补多少老师" counts people)
        rf"|(?:花|投|拿|给|拨|补|奖|收|交|发|出|筹|省)了?{_CN}{{0,2}}多少(?=$|[？?，,。！!\s]|呢|吗|啊)",
        rf"{_NUM}\s*(?:[万亿千百]\s*)?(?:多)?元",
    ),
    _kind(
        "share",
        r"比例|占比|占多少|百分之几|几成|率[^，。？?]{0,4}多少|多少的?比例",
        rf"[%％]|百分之|个百分点|[{CN_NUMERAL}]成(?![绩果立效为员])",
    ),
    _kind(
        "duration",
        r"多久|多长时间|几个?(?:钟头|小时|星期)|几(?:天|周)(?![前后])|多少(?:小时|天|分钟|课时|学时)"
        # "任教满多少年", "干几年": a length of years, not a year ("哪一年") or a grade ("几年级")
        r"|(?:多少|几)(?:个月|年)(?![前后底初内级度])",
        rf"{_NUM}\s*(?:个)?(?:小时|钟头|天|日|周|星期|个月|月|年|分钟|课时|学时|节|学期)"
        # "督导多久搞一次": how often — 每季度, 每学期一次, 定期
        r"|每(?:个)?(?:天|日|周|星期|月|季度|学期|学年|年)|定期",
    ),
    _kind(
        "date",
        r"何时|什么时候|啥时候|哪天|哪一天|几号|几月|哪个月|哪一?年|截止|时间节点|日期|到什么时间",
        rf"\d{{4}}\s*年|[\d０-９]+\s*月|[\d０-９]+\s*日|[{CN_NUMERAL}]+月|年底|年初|年内|年中|月底|月初"
        rf"|上半年|下半年|[春秋]季|暑假|寒假|今年|明年|开学|节前|之前|以前|会后|[{CN_COUNT}\d]+个?(?:周|天|日|月|工作日)[以之]?内",
    ),
)


@lru_cache(maxsize=2048)
def asked_kinds(question: str) -> tuple[str, ...]:
    """The kinds the question asks for, most specific first; a count's unit as "count:所"."""
    kinds: list[str] = []
    rest = question
    for kind in KINDS:
        if kind.asks.search(rest):
            kinds.append(kind.name)
            rest = kind.asks.sub("　", rest)
    unit = _UNIT_RE.search(rest)
    if unit:
        kinds.append(f"count:{unit.group(1)}")
        rest = _UNIT_RE.sub("　", rest)
    elif _PEOPLE_RE.search(rest):
        kinds.append("count:人")
        rest = _PEOPLE_RE.sub("　", rest)
    if kinds and _ASKS_NUMBER_RE.search(rest):
        kinds.append("number")  # "招多少老师，乡村学校占多少": the first 多少 takes any number
    return tuple(kinds)


# "哪几条" asks for a list, not a count
_UNIT_RE = re.compile(rf"(?<![哪第])(?:几|多少)({'|'.join(_COUNT_UNITS)})(?!领导|讲话)")
# "几个讲话都怎么说", "几位领导": the speeches, not a number
_ASKS_NUMBER_RE = re.compile(r"多少|(?<![哪第])几(?!乎|个?(?:讲话|篇|位领导|方面|部分))")
_NUMBER_RE = re.compile(rf"{_NUM}\s*[万千百亿]?\s*[\u4e00-\u9fff%％]")


@lru_cache(maxsize=256)
def _count_re(unit: str) -> re.Pattern[str]:
    return re.compile(rf"{_NUM}\s*[万千百亿]?\s*(?:多|余)?个?(?:{_COUNT_UNITS[unit]})")


def holds_kind(kind: str, text: str) -> bool:
    if kind == "number":
        return _NUMBER_RE.search(text) is not None
    if kind.startswith("count:"):
        return _count_re(kind[6:]).search(text) is not None
    return next(k for k in KINDS if k.name == kind).holds.search(text) is not None


def holds_asked(kinds: tuple[str, ...], text: str) -> bool:
    """The text holds a value of one of the asked kinds."""
    return any(holds_kind(k, text) for k in kinds)
