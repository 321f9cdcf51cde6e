"""A question read once into what its words ask for (`Cues`): why or how, a number or a date, a list
and the word its items share, counted terms ("三个聚焦"), quoted terms, the entities it lists, whether
it points back to an earlier turn. The strategies read these fields instead of re-reading the text.

The cue lists are data: a wording a question uses for "why" goes into WHY, not into a strategy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.query import list_head, wants_list
from assistant.topic import wants_date, wants_quantity
from assistant.values import asked_kinds
from core.normalize import fold_for_search
from core.numerals import CN_COUNT, CN_NUMERAL, parse_numeral
from core.tokens import tokenize_query

META = re.compile(
    r"什么会|哪个会|哪次会|哪些会|哪几个会|哪几次会|哪些场合|什么会议|什么场合|日期|哪天|哪一天|什么时候(讲|说|召开)|哪年讲|谁讲|谁的讲话|讲话人|发言人|谁在|标题|题目|是谁|谁主持|主持人|谁出席|哪些人参加|谁参加"
)
# Who chaired or attended: a META question the speech's header does not answer (its body does)
NOT_IN_HEADER = re.compile(r"主持|出席|参加|参会|列席")
# "整治搞到哪天结束", "哪天之前报上来": a date inside the speech's work, not the speech's own date
DEADLINE = re.compile(
    r"结束|截止|完成|之前|以前|到期|开始|启动|搞完|干完|交付|建成|投用|开学|报送|上报|报上来"
)
WHY = re.compile(r"为什么|为何|为啥|原因|意义|重要性|必要性|目的")
HOW_OR_WHY = re.compile(r"怎么|如何|怎样|咋|为什么|为何|为啥")  # asks how or why, never what a term is
HOW = re.compile(r"怎么|如何|怎样|咋|措施|办法|举措|途径|路径|要求|做法")
# Why-questions are answered by reasons and stakes, how-questions by measures: sentences that carry
# these cues get a small edge over ones that merely repeat the question's words.
WHY_CUES = re.compile(
    r"因为|由于|为了|目的|必然要求|重要举措|战略选择|重大机遇|使命|意义|在于|根本要求|根本保证|前提|不足|短板|差距|矛盾|现象|太少|依然|仍然|但是|然而|既是|也是"
    r"|问题频发|突出问题|问题突出|教训|顽疾|瓶颈|困难|挑战|影响|不平衡|不充分|迫切|需要|必须"
)
HOW_CUES = re.compile(
    r"通过|实施|建立|完善|推行|推进|加快|加强|坚持|落实|开展|采取|方式|措施|机制|做到|构建|着力|确保|健全|深化|强化"
)
# Sentences about the occasion rather than the subject ("今天，县委、县政府召开…动员大会", "刚才，
# 某某同志作了工作报告", "请予审议"): they name the meeting and its topic, so they match a question's
# words, yet never answer what it asks; only a question about the meeting itself (META) wants them.
CEREMONY = re.compile(
    r"(?:今天|今日|[上下]午|晚上|日)[^。；]{0,25}召开|出席会议|主持会议|参加会议|会议开始|刚才|讲得(?:都)?很好|我(?:都)?同意|下面，?我|向大会|请予审议"
    r"|致以(?:节日的)?(?:问候|祝贺)|表示(?:崇高的|衷心的)?(?:敬意|感谢)|作了(?:工作报告|重要讲话|交流发言|表态发言|发言)"
)
COUNTED = re.compile(rf"([{CN_COUNT}\d]{{1,2}})\s*(?:个|项|条|点|件|种|大|方面)")
# A counted term the question gives as a name: "三个聚焦", "“四个强化”", "5＋N", "1+2+X".
NAMED_COUNT = re.compile(
    rf"(?<![第哪几多那这每其另])([{CN_COUNT}]{{1,2}})([个项大条种点张])[“\"‘']?"
    r"((?:(?![了的是有在和与及几哪么什分各要多少最里])[\u4e00-\u9fff]){2,6}?)[”\"’']?"
    r"(?=是|指|具体|分别|包括|包含|有哪|都|的|，|,|？|\?|。|$|\s|呢|吗|要求|内容|主要|讲|说|里|中|上)"
)
# "五融入指的是啥", "六进是哪六进": a count and a verb or noun with no classifier, asked about as a name
# ("一体化" starts with no count; "三年" counts years, not items).
BARE_COUNT = re.compile(
    rf"(?<![第哪几多那这每其另{CN_NUMERAL}\d])([两三四五六七八九十])"
    r"((?![年月日天次倍成岁名人所元万亿个项大条种点张是要])[\u4e00-\u9fff]{1,2}?)"
    r"(?=指|是|具体|分别|都|包括|包含)"
)
QUOTED_TERM = re.compile(
    rf"[“\"‘']([{CN_COUNT}]{{1,2}}[个项大条点种]?[\u4e00-\u9fff]{{1,6}}"
    r"|[0-9０-９]{1,2}(?:[＋+][A-Za-zＡ-Ｚａ-ｚ0-9０-９]{1,2})+)[”\"’']"
)
CODED = re.compile(r"(?<![\d.])(\d{1,2}(?:[＋+][A-Za-zＡ-Ｚａ-ｚ\d]{1,2})+)(?![\d])")
# "县中振兴“3456”工程": a digit run naming a programme (its items are “3”…“4”…), not a number
DIGIT_CODE = re.compile(
    r"(?<![\d.])(\d{3,5})(?![\d.%])[”\"’']?(?=工程|行动|计划|模式|战略|体系|目标|机制|举措|布局)"
)
SURVEY = re.compile(r"讲话里|讲话中|各篇|几篇|哪些讲话|都是|分别|都指|都有")
QUOTED = re.compile(r"[“\"‘'《]([^”\"’'》]{2,12})[”\"’'》]")
# "保障措施有几条", "分几大块": the count of a list's own items, which the list answers with its items;
# "停办了几个", "几项指标" count things in the world and stay values
ITEM_COUNT = re.compile(
    r"(?:有|分|提了|讲了|列了|包括)几(?:条|项|点|大[块项类部]?|个?方面|个?部分|层)(?!指标|政策|工程|任务)"
    r"|几(?:项|条|点|个方面)(?:工作|要求|措施|举措|意见|部署)"  # "要求做好的几项工作": the list of them
)
# "首先其次再次最后都是啥", "一是二是三是四是 各是啥": the question names a list by how its items are
# marked; two or more markers of one family (MARKERS) ask for that list.
MARKERS = re.compile(
    rf"首先|其次|再次|最后|一方面|另一方面|第[{CN_NUMERAL}]{{1,2}}(?=[，,、是要条点个])|[{CN_NUMERAL}]{{1,2}}[是要抓](?![否])"
)
# When the asked thing happened: "今年要招多少老师" is this year's plan, not last year's record.
# A sentence is of the past when it says so or stands in a review part ("一、2024年工作回顾").
PAST_ASKED = re.compile(r"去年|前年|上一年|上年|过去一年|那一年")
CURRENT_ASKED = re.compile(r"今年|明年|年内|下一步|接下来|计划|打算")
PAST_SAID = re.compile(r"去年|前年|上年|过去一年|一年来|累计|已经|已")
CURRENT_SAID = re.compile(r"今年|明年|年内|年底前|计划|力争|将")
REVIEW_PART = re.compile(r"回顾|成效|成绩|去年|过去|取得")
PLAN_PART = re.compile(r"任务|部署|计划|今年|明年|下一步|重点工作")
SLOT = re.compile(r"哪个|哪里|哪所|哪家|哪位|是谁|叫什么|什么名字|名称|几加几|什么模式")
# "谁主持的", "是谁出席讲的话", "由谁牵头": the act a person is asked for; the sentence that states
# that act ("…主持，副区长…出席并讲话") holds the name
WHO_ACTS = re.compile(
    r"(?:谁|哪位(?:副?[\u4e00-\u9fff]{0,3}?(?:长|书记|主任|领导|同志))?)([^的是在来讲说呢吗啊？?，,。\s\d][\u4e00-\u9fff])"
)
# A question that points back at an earlier turn ("第二个具体怎么做", "那第三部分呢", "它的目标是什么").
# Words inside a question that point at what the conversation was about ("投入这个具体多少钱",
# "上面说的这些人优先补哪些学科"): the follow-up stays in the previous turn's speech.
REFERS_BACK = re.compile(
    r"^(?:那|那么|其中|还有)|它|这个|这些|那个|那些|上面|上述|刚才|前面说|前者|后者|该项|此项"
)
# "那督导多久搞一次": "then, about 督导…" — a new topic after 那, where "那个/那些/那块" point back
NEW_TOPIC_RE = re.compile(r"^(?:那么|那)(?![个些里块儿边])")
# "还有呢，第三个呢" after "第二个关键讲的啥": the next item of the same list, not of the last answer
SIBLING = re.compile(r"还有|另外|其他|其余|下一个|再往下|接着")
POINTS_BACK = re.compile(
    rf"^(那|那么|其中|它|这个|这些|上述|前者|后者|该)|第[{CN_NUMERAL}\d]+(个|项|条|点)|^具体|^展开"
)


@dataclass(frozen=True)
class Cues:
    why: bool
    how: bool
    meta: bool
    quantity: bool
    date: bool
    slot: bool
    listing: bool
    item_count: bool  # "有几条": asks how many items a list has (ITEM_COUNT)
    list_head: str | None
    counts: tuple[int, ...]  # every count the question gives ("三个关键" → 3)
    named_counts: tuple[str, ...]  # counted terms given as names, compacted ("三个聚焦", "5+N")
    codes: tuple[str, ...]  # digit runs naming a programme ("3456工程"): DIGIT_CODE
    quoted: tuple[str, ...]  # quoted pieces, folded
    alternatives: tuple[str, ...]  # entities the question lists with 、
    survey: bool  # "讲话里/各篇/分别…": asks across the speeches
    points_back: bool
    kinds: tuple[str, ...] = ()  # the kinds of value asked for (assistant/values.py)
    markers: tuple[str, ...] = ()  # list markers the question names ("首先", "其次"), two or more
    tense: str = ""  # "past" (去年…) or "current" (今年/计划…) when the question says which
    acts: tuple[str, ...] = ()  # what a person is asked to have done ("谁主持" → 主持): WHO_ACTS

    @property
    def value(self) -> bool:
        return self.quantity or self.date


def read_cues(text: str) -> Cues:
    folded = fold_for_search(text)
    found = tuple(dict.fromkeys(MARKERS.findall(folded)))
    markers = found if len(found) >= 2 else ()
    listing = wants_list(text) or bool(markers)
    kinds = asked_kinds(text)
    named = [m.group(1) + m.group(2) + m.group(3) for m in NAMED_COUNT.finditer(folded)]
    named += [m.group(1) for m in QUOTED_TERM.finditer(folded)]
    named += [m.group(1) for m in CODED.finditer(folded)]
    named += [m.group(1) + m.group(2) for m in BARE_COUNT.finditer(folded)]
    return Cues(
        why=bool(WHY.search(text)),
        how=bool(HOW.search(text)),
        meta=bool(META.search(text)) and not DEADLINE.search(text),
        quantity=wants_quantity(text) or any(k != "date" for k in kinds),
        date=wants_date(text) or "date" in kinds,
        slot=bool(SLOT.search(text)),
        listing=listing,
        item_count=listing and bool(ITEM_COUNT.search(text)),
        list_head=list_head(text) if listing else None,
        counts=tuple(n for n in (parse_numeral(c) for c in COUNTED.findall(text)) if n),
        named_counts=tuple(dict.fromkeys(_compact(n) for n in named)),
        codes=tuple(dict.fromkeys(DIGIT_CODE.findall(folded))),
        quoted=tuple(fold_for_search(q) for q in QUOTED.findall(text)),
        alternatives=tuple(_alternatives(text)),
        survey=bool(SURVEY.search(text)),
        points_back=bool(POINTS_BACK.search(text.strip())),
        kinds=kinds,
        markers=markers,
        tense=_tense(text),
        acts=tuple(dict.fromkeys(WHO_ACTS.findall(folded))),
    )


def _tense(text: str) -> str:
    past, current = bool(PAST_ASKED.search(text)), bool(CURRENT_ASKED.search(text))
    return "past" if past and not current else "current" if current and not past else ""


def sentence_tense(sentence: str, heading: str) -> str:
    """ "past", "current" or "" for a sentence (with its relative years) under its section heading."""
    past = bool(PAST_SAID.search(sentence))
    current = bool(CURRENT_SAID.search(sentence))
    if past != current:
        return "past" if past else "current"
    if past:
        return ""
    review, plan = bool(REVIEW_PART.search(heading)), bool(PLAN_PART.search(heading))
    return "past" if review and not plan else "current" if plan and not review else ""


def _compact(term: str) -> str:
    return re.sub(r"[“”\"'‘’\s]", "", term).replace("＋", "+")


def _alternatives(text: str) -> list[str]:
    """The words a question lists with 、 ("组织部、宣传部、政法委、编办")."""
    folded = fold_for_search(text)
    if "、" not in folded:
        return []
    tokens = tokenize_query(text)
    return [t for t in dict.fromkeys(tokens) if len(t) >= 2 and (f"{t}、" in folded or f"、{t}" in folded)]
