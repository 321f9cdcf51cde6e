"""What a question is about: its topic terms (nouns, names) and what kind of answer it wants.

Refusal rests on these: a question whose named entity (a place, a person, an English term) occurs
nowhere in the speeches, or whose topic the best passage does not cover, is not answered.
Function words and verbs ("一直", "怎么做") say nothing about whether the speeches hold the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.normalize import fold_for_search
from core.tokens import ensure_jieba

NOUN_TAGS = ("n", "nr", "ns", "nt", "nz", "vn", "an", "j", "l", "i", "eng", "nrt", "nrfg")
NAMED_TAGS = ("nr", "ns", "nt", "nrt", "nrfg", "eng")
# Nouns every question about these speeches uses; they do not tell speeches or passages apart.
_GENERIC_TEXT = """
讲话 问题 要求 内容 方面 措施 情况 工作 意见 部分 方法 做法 哪些 时候 事情 东西 意思 目标 任务 重点
哪几个 哪几项 哪几条 哪几点 哪几件 什么 多少 本市 我市 全市 讲话稿 篇讲话
各篇 各个 篇 不同 区别 异同 相同 部署 分别 一共 总共 这次 本次 数量 数目 个数 名称 名字 规定 说法
人数 金额 数字 总数 次数 各自 专门 特别 主要 一定 现在 目前 当前 县区 县市区 市县 各地
时间 节点 时间节点 时限 期限 截止时间
书记 副书记 县长 副县长 区长 副区长 市长 副市长 省长 局长 副局长 厅长 主任 副主任 部长 校长 院长 同志 领导
报告 工作报告 致辞 讲稿 发言 会上 程度 县里 市里 区里 省里 乡里 镇里 本县 本区 我县 我区 全县 全区 全省
"""
GENERIC = frozenset(_GENERIC_TEXT.split())
# Nouns that name the kind of a value asked for ("补助标准多少", "占多大比例"): the speech states the
# value ("每人每月500元") without the word, so they are no thing the value must be about.
_ATTRIBUTE_TEXT = "标准 金额 额度 数额 规模 比例 比重 占比 面积 进度 幅度 力度 水平 规格 档次 指标 数据"
ATTRIBUTES = frozenset(_ATTRIBUTE_TEXT.split())
# English words that carry no topic (a question in English is judged by its content words).
_ENGLISH_STOP_TEXT = """
what which who whom whose when where why how is are was were be been do does did the a an of for to in on
at by with about from and or not my your our their its this that these those i you we they it can could
should would will shall may might must please tell me give
"""
ENGLISH_STOP = frozenset(_ENGLISH_STOP_TEXT.split())
_PARTICLES = "里的"
_PLACE_SUFFIXES = "县市区省镇乡"
_GLUED_FIRST = "说讲"
_NUMBER_WORD_RE = re.compile(r"^[\d.一二两三四五六七八九十百千万亿几]+[个名人所项元年天次成倍]?$")
# A follow-up's opening "那" is no part of the next word ("那大班额…": jieba reads 那大, a place).
_OPENING_RE = re.compile(r"^(?:那么|那)(?=[\u4e00-\u9fff])")
# "柯副市长": jieba reads 柯副 as a name; the surname stands alone before the post.
_DEPUTY_RE = re.compile(r"(?<=[\u4e00-\u9fff])(?=副(?:书记|[县区市省州镇乡]长|局长|厅长|主任|部长|秘书长))")
_GLUED_LAST = "说讲提"
# "多少个" and "几所" ask for a number; "哪几个" asks for a list.
QUANTITY_RE = re.compile(
    r"多少|多长时间|多久|(?<![哪这那])几[个所名项次年月日人万亿条](?!方面)|百分之几|占比多少|比例是多少"
    r"|几块钱|几元|几毛|几分钱"
)
_QUESTION_WORD_RE = re.compile(
    r"几|哪|什么|多少|多长|多久|多大|多高|多远|怎|谁|吗|是否|有没有|啥|咋|是不是|能不能|要不要|越来越|意思"
)
DATE_RE = re.compile(r"何时|什么时候|哪一?年|哪天|几月|日期|时间节点|截止")


@dataclass(frozen=True)
class Term:
    word: str
    named: bool  # a proper name or foreign word: its absence from the corpus is decisive


def _ensure() -> None:
    ensure_jieba()
    import jieba.posseg  # noqa: F401  (its HMM tables load on first import)


@lru_cache(maxsize=4096)
def topic_terms(question: str) -> tuple[Term, ...]:
    _ensure()
    import jieba.posseg as posseg

    out: dict[str, Term] = {}
    previous = ""
    text = _DEPUTY_RE.sub(" ", _OPENING_RE.sub("", fold_for_search(question)))
    for pair in posseg.cut(text):
        # jieba glues a particle to a noun now and then ("讲话里思政" → "里思政")
        word, flag, after = pair.word.strip(), pair.flag, previous
        previous = flag
        if (
            after.startswith("ns")
            and len(word) == 2
            and word[0] in _PLACE_SUFFIXES
            and not in_dictionary(word)
        ):
            continue  # "桑河县防溺水" → 桑河 / 县防 / 溺水: the place's 县 glued to the next word
        if (len(word) >= 2 and word[0] in _PARTICLES) or len(word) >= 3:
            word = word.strip(_PARTICLES)  # "里县" (几个讲话里县中…) is no word: the particle is glued on
        if len(word) >= 2 and word.endswith("们"):
            word = word[:-1]  # "娃们", "老师们": the plural is the same thing
        if _NUMBER_WORD_RE.match(word):
            continue  # "两千人" (学生两千人以上的学校) is a value the question gives, not its topic
        if len(word) >= 2 and word.endswith("各"):
            word = word[:-1]  # "这个事各讲话" → "事各": 各 belongs to 讲话
        if len(word) >= 3 and word[0] == "各":
            word = word[1:]  # "各县区的…清单": each of them, not a thing called 各县区
        elif len(word) >= 3 and not in_dictionary(word):
            # no word but jieba's glue: "说产教" (邵市长说产教融合…), "青岚提" (青岚提的…)
            word = word[1:] if word[0] in _GLUED_FIRST else word[:-1] if word[-1] in _GLUED_LAST else word
        if not word or not flag.startswith(NOUN_TAGS) or word in GENERIC or _QUESTION_WORD_RE.search(word):
            continue
        if flag == "eng":
            if len(word) < 3 or word.lower() in ENGLISH_STOP or word.isdigit():
                continue
        elif len(word) < 2:
            continue
        named = flag in NAMED_TAGS
        out[word] = Term(word, named or out.get(word, Term(word, False)).named)
    return tuple(out.values())


def in_dictionary(word: str) -> bool:
    """jieba's dictionary holds the word (not one of its out-of-vocabulary cuts)."""
    _ensure()
    import jieba

    return bool(jieba.get_FREQ(word))


def wants_quantity(question: str) -> bool:
    return bool(QUANTITY_RE.search(question))


def wants_date(question: str) -> bool:
    return bool(DATE_RE.search(question))


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def warm_up() -> None:
    topic_terms("两个保障是什么")
