"""Reading a question: its shape, the formulation it names, the speech it points at."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.formulation_match import FormulationMatch
from assistant.lookup import HeadingIndex, TitleIndex
from assistant.naming import CLASSIFIERS, compact
from core.numerals import CN_COUNT, CN_NUMERAL, parse_numeral
from core.records import Document

# Order matters: the first shape whose pattern matches wins (outline before enumeration, …).
_SHAPES: list[tuple[str, re.Pattern[str]]] = [
    (
        "outline",
        re.compile(
            r"(分为|分成|分|讲了|包括|包含|由)(几|哪几|多少)(个)?(部分|方面|点意见|层次)|几部分|(讲话|全文|这篇|那篇|整篇|文章)[^，。？]{0,4}(结构|提纲|框架|大纲|目录)|^(结构|框架|大纲|目录)"
            rf"|第[{CN_NUMERAL}\d]+个?(部分|点|方面)|主要(讲|内容|谈)了?(哪些|什么)|(几|哪几)点意见"
            rf"|(几|哪几)大?块(?!钱)|哪[{CN_NUMERAL}]+(点意见|个方面|个部分|部分|句话)|(结构|框架|大纲|目录)[？?]?$"
        ),
    ),
    (
        "cross",
        re.compile(
            r"各篇|各个讲话|各讲话|各地讲话|各位领导|哪些讲话|哪几篇|几篇讲话|不同讲话|每篇|分别.*(讲话|怎么|如何)|两篇|比较"
            r"|(几|多|这几|这些|所有)(个|篇|份)?(讲话|报告|材料)(里|中|都|是|对|分别|各)"
        ),
    ),
    (
        "explanation",
        re.compile(r"为什么|为何|为啥|原因|怎么(做|办|抓|推进|落实|理解|搞)|咋|如何|怎样|意义|目的|为了什么"),
    ),
    (
        "fact",
        re.compile(
            r"多少|几[个所名项次年月日人万亿%]|何时|什么时候|哪一?年|哪天|日期|时间|谁|哪位|比例|达到|占比|率"
        ),
    ),
]

LIST_RE = re.compile(
    r"哪几|哪些|几个(?!钟头|小时|月|星期|百分点|学期|工作日)|几[项条点件大种样]|几方面|几小[点条项]|各是|各有|包括|包含"
    r"|分别(是|有|指)|列举|都有|都是(?:些)?(?:啥|什么|哪)"
    rf"|哪[{CN_COUNT}\d]+[个项条点件大种]"
    # "四个“强化”是什么": a counted term asked about as such wants its items
    r"|[两三四五六七八九十]+[个项条点件大种][\"'“‘]?[\u4e00-\u9fff]{1,6}[\"'”’]?(是什么|指什么|是哪|有哪|分别)"
)
# Words a question uses to ask what a formulation is (what is left after them must be context).
_DEFINITIONAL_TEXT = """
是 什么 是什么 指 是指 指什么 意思 什么意思 含义 内容 具体 分别 包括 包含 哪 哪些 哪几 几 个 项 条 点 有
哪个 哪几个 哪几项 都 介绍 解释 说说 讲讲 讲 提 提出 提到 说 要求 另外 其余 其他 剩下 等 和 与 及 里 中 的
完整 全部 所有 一下 请问 呢 吗 到底 究竟 主要 好几个 好几 几个 多个 好些 讲话 讲话里 讲话中 里面 其中
那些 这些 那个 这个 那 这 啥 是啥 指啥 谁 哪些人 具体是 具体指 是谁 几样 哪几样 样 各是 些 都是些 除了 除 以外 之外
"""
DEFINITIONAL = frozenset(_DEFINITIONAL_TEXT.split())
_COUNTED_RE = re.compile(rf"[{CN_COUNT}\d]+[个项条点件大种类]?")
_ORDINAL_RE = re.compile(rf"第([{CN_NUMERAL}\d]{{1,3}})(?:个|项|条|点|是)?")


@dataclass
class Query:
    text: str
    folded: str
    shape: str
    doc_ids: list[str] = field(default_factory=list)  # speeches the question names
    formulations: list[FormulationMatch] = field(default_factory=list)
    part: int | None = None  # "第三部分" → 3
    ordinals: list[int] = field(default_factory=list)  # "第七项和第八项" → [7, 8]
    sections: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, section_id) it names
    naming: list[str] = field(default_factory=list)  # the words that name a speech (not the topic)
    scope: list[str] = field(default_factory=list)  # the speeches 查找范围 limits the search to
    unresolved: str = ""  # a follow-up with nothing to follow: what it points back to ("第二个")
    focus: tuple[str, str] | None = None  # (doc_id, section_id) of the earlier answer's item it follows
    span: tuple[int, int] | None = None  # that item's own text when it heads no section (一是…二是…)
    asked: str = ""  # what a follow-up asks about its item, without the words that point back
    item_label: str = ""  # that item's name as the earlier answer listed it ("师资保障")


def without_asking(question: str) -> str:
    """A question's topic without the way it asks ("…第二部分讲了哪些重点工作" → "…重点工作", "…是怎么安排的"):
    what a follow-up inherits, so the earlier "哪些", "第二部分" or "怎么" does not make it a list or a how."""
    return _ASKING_RE.sub("", question).strip()


_ASKING_RE = re.compile(
    r"(?:分为|分成|分|包括|包含|有)?(?:哪几|哪些|几|多少)(?:个|项|条|点|块|大块)?(?:部分|方面|层次|点意见)?"
    rf"|第[{CN_NUMERAL}\d]+(?:部分|点|方面|个|项|条)|讲了|说了|提了|是什么|是啥|什么|是哪|哪|吗|呢|[？?！!。，,]"
    r"|(?:是)?(?:怎么|怎样|如何|咋)(?:安排|部署|做|搞|办|抓|推进|落实|弄|说|讲)?的?|为什么|为啥|为何"  # its how/why
)


def wants_list(question: str) -> bool:
    return bool(LIST_RE.search(question))


_HEAD_AFTER_RE = re.compile(
    rf"哪(?:几|些|[{CN_COUNT}])[个种项条点类大件]?[“\"‘']?"
    r"((?![个种项条点类大件])(?!方面|部分|层次)[\u4e00-\u9fff]{1,3}?)[”\"’']?(?=[？?，,。！]|$|呢|吗|分别|是|有)"
)
_HEAD_BEFORE_RE = re.compile(
    r"([\u4e00-\u9fff]{2})(?:都|分别)?(?:有|是|包括|包含)哪(?:几|些)[个种项条点类大件]?(?=[？?，,。]|$|呢)"
)


# "哪几件事": things, not a word the items share; "下面有哪几点": where, not what
_VAGUE_HEADS = frozenset(
    {"事", "事儿", "样", "些", "类", "块", "下面", "上面", "里面", "其中", "这里", "当中", "具体"}
)


def list_head(question: str) -> str | None:
    """The word every item of the asked-for list shares: "严把哪几关" → 关, "哪几种方式" → 方式,
    "哪几个“者”" → 者, "教师培养计划有哪几个" → 计划. None when the question names no such word."""
    from assistant.topic import GENERIC  # words like 要求, 措施 are shared by no list's items

    text = question.strip()
    for pattern in (_HEAD_AFTER_RE, _HEAD_BEFORE_RE):
        found = pattern.search(text)
        if found and found.group(1) not in CLASSIFIERS and found.group(1) not in GENERIC | _VAGUE_HEADS:
            return found.group(1)
    return None


def asks_definition(question: str, names: list[str], context: str) -> bool:
    """True when the question asks what a formulation is, rather than something else about it.

    Everything the question says besides the name, its items, ordinals ("第七项") and asking words
    must already stand around the formulation (`context`: its passage, the speech's title and
    speaker): "朱书记提的“三个优先”是哪三个" asks for the items; "推动“两集中”时要注意哪些问题"
    asks something the passage does not frame, and goes to the ordinary answer.
    """
    from core.tokens import tokenize

    rest = compact(question)
    for word in sorted(names, key=len, reverse=True):
        rest = rest.replace(compact(word), " ")
    rest = _ORDINAL_RE.sub(" ", rest)
    folded_context = compact(context)
    leftover = [
        t
        for t in tokenize(rest)
        if t not in DEFINITIONAL and not _COUNTED_RE.fullmatch(t) and _unglued(t) not in folded_context
    ]
    return not leftover


def _unglued(token: str) -> str:
    """jieba glues an asking character to a word ("说防溺水" → "说防"): the token without it ("防")."""
    start = 1 if len(token) > 1 and token[0] in DEFINITIONAL else 0
    end = -1 if len(token) - start > 1 and token[-1] in DEFINITIONAL else None
    return token[start:end]


def item_ordinals(question: str) -> list[int]:
    """'第七项和第八项分别是什么' → [7, 8]; [] when the question asks for the whole list."""
    if re.search(rf"第[{CN_NUMERAL}\d]+(部分|方面)", question):
        return []
    # "第二点里的三个聚焦": an ordinal followed by 里/中/下 names the container, not an item
    values = [
        parse_numeral(m.group(1))
        for m in _ORDINAL_RE.finditer(question)
        if not re.match(r"(?:的)?[里中下]", question[m.end() :])
    ]
    return [v for v in values if v]


def detect_shape(question: str) -> str:
    for name, pattern in _SHAPES:
        if pattern.search(question):
            if name == "outline" and ("《" in question or "多少" in question):
                continue  # "《方案》包含几个方面、多少条" asks about a document it cites, not the speech
            return name
    return "general"


def ordinal_part(question: str) -> int | None:
    match = re.search(rf"第([{CN_NUMERAL}\d]+)(部分|点|方面|个方面|条|块|大块)", question)
    return parse_numeral(match.group(1)) if match else None


def named_documents(question: str, documents: dict[str, Document]) -> list[str]:
    return naming(question, documents)[0]


# "提出“12881”总体工作思路的那篇讲话": a speech named by something only it says.
_SAID_IN_RE = re.compile(
    r"(?:提出|提到|讲到|说到|部署|强调)了?(.{2,24}?)的(?:那篇|这篇|那次|这次|哪篇)?(?:讲话|发言)"
)
# A title piece right before these words names the speech ("推进会议讲话"); elsewhere it may be the topic.
_NAMING_AFTER = (
    "讲话",
    "发言",
    "会议",
    "会上",
    "大会",
    "的讲话",
    "上的讲话",
    "那篇",
    "这篇",
    "报告",
    "工作报告",
    "党课",
    "讲稿",
)


def naming(
    question: str, documents: dict[str, Document], titles: TitleIndex | None = None
) -> tuple[list[str], list[str]]:
    """Speeches the question names (by speaker, title words, meeting, year, or a term only one
    of them uses), and the words of the question that do the naming.

    A clue counts only when it separates speeches: words every title shares (讲话, 教育, 会议)
    name nothing. `titles` indexes the titles of (at least) `documents`.
    """
    q = compact(question)
    index = titles or TitleIndex(documents)
    pieces = _title_pieces(q, index, documents)
    scores: dict[str, int] = {}
    spans: dict[str, list[str]] = {}
    for doc_id, doc in documents.items():
        score, used = 0, []
        speaker = _speaker_in(q, doc.speaker) or _surname_post_in(q, doc) or _place_post_in(q, doc)
        if speaker:
            score += 10
            used.append(speaker)
        size, piece = pieces.get(doc_id, (0, ""))
        if size:
            score += size
            used.append(piece)
        year = doc.date[:4] if doc.date[:4].isdigit() else ""
        # a year names a speech only beside another clue or the word for a speech ("2024年的讲话");
        # "溪宁2024年教育支出多少" asks about 2024, which a 2025 speech calls 去年
        if year and f"{year}年" in q and (score or re.search(rf"{year}年{_SPEECH_AFTER_YEAR}", q)):
            score += 2
        if score:
            scores[doc_id], spans[doc_id] = score, used
    if not scores:
        return _said_in(q, documents)
    best = max(scores.values())
    named = [d for d, s in scores.items() if s == best]
    return named, list(dict.fromkeys(w for d in named for w in spans[d]))


_SPEECH_AFTER_YEAR = r"[^，。？?]{0,8}(?:讲话|会议|会上|报告|大会|党课|致辞|座谈|动员会|推进会)"
# "周副区长", "韩书记", "孙局长": a surname and a post name a speaker as well as the full name does.
_POSTS = "副?(?:书记|县长|区长|市长|省长|州长|局长|厅长|主任|校长|院长|部长|镇长|乡长|主席|秘书长|处长|科长|委员|理事长|督学)"
SURNAME_POST_RE = re.compile(rf"([\u4e00-\u9fff])({_POSTS})")


def _surname_post_in(q: str, doc: Document) -> str:
    """The question's "surname + post" fits the speech: its speaker has that surname and the
    speech's header (speaker line, title, first lines) gives that post right by the name."""
    if not doc.speaker:
        return ""
    header = compact(f"{doc.speaker_post} {doc.speaker} {doc.title} {doc.text[:300]}")
    for found in SURNAME_POST_RE.finditer(q):
        surname, post = found.group(1), found.group(2)
        if not doc.speaker.startswith(surname):
            continue
        # the post by the name, or no post at all in the header ("罗春燕　2024年9月9日"): a
        # surname that fits and a post that nothing contradicts
        if _post_by_name(header, compact(doc.speaker), post) or not _any_post_by_name(
            header, compact(doc.speaker)
        ):
            return found.group(0)
    return ""


def _place_post_in(q: str, doc: Document) -> str:
    """ "桐溪县委书记讲话第三点": the speaker's post ("县委书记") after a place the speech's header
    names ("桐溪"), for a speaker the question does not name."""
    header = compact(f"{doc.title} {doc.meeting} {doc.text[:300]}")
    for post in (p for p in re.split(r"[、，,\s]+", doc.speaker_post) if len(p) >= 2):
        at = q.find(compact(post))
        while at >= 2:
            place = q[max(0, at - 3) : at]
            if any(place[i:] in header for i in range(len(place) - 1)):
                return q[max(0, at - 3) : at + len(post)]
            at = q.find(compact(post), at + 1)
    return ""


def _any_post_by_name(header: str, name: str) -> bool:
    at = header.find(name)
    return at >= 0 and bool(re.search(_POSTS, header[max(0, at - 16) : at + len(name) + 8]))


def _post_by_name(header: str, name: str, post: str) -> bool:
    """`post` stands within a few characters of `name` ("区长周海峰", "邵红梅副市长"); "县长" is
    not "副县长"."""
    for at in (m.start() for m in re.finditer(re.escape(name), header)):
        window = header[max(0, at - 16) : at + len(name) + 8]
        for hit in re.finditer(re.escape(post), window):
            if post.startswith("副") or window[hit.start() - 1 : hit.start()] != "副":
                return True
    return False


def _speaker_in(q: str, speaker: str) -> str:
    if speaker and speaker in q:
        return speaker
    if len(speaker) >= 3 and speaker[-2:] in q:
        return speaker[-2:]
    return ""


def _said_in(q: str, documents: dict[str, Document]) -> tuple[list[str], list[str]]:
    match = _SAID_IN_RE.search(q)
    if not match:
        return [], []
    term = match.group(1)
    texts = {d: compact(doc.text) for d, doc in documents.items()}
    for size in range(min(len(term), 12), 2, -1):  # the most specific piece only one speech holds
        for i in range(len(term) - size + 1):
            piece = term[i : i + size]
            holders = [d for d, text in texts.items() if piece in text]
            # the speech that "proposes" something says it more than once (12881: three times);
            # a passing mention ("总结2022年工作") names nothing
            if len(holders) == 1 and texts[holders[0]].count(piece) >= 2:
                return holders, [match.group(0)]
    return [], []


def _title_pieces(q: str, index: TitleIndex, documents: dict[str, Document]) -> dict[str, tuple[int, str]]:
    """Per speech, the best run of the question that names its title: four or five characters
    must be in no other title ("推进会议") and stand where the question speaks of a speech; six
    or more in not every title. A run followed by 讲话/会议 ("推进会议讲话") weighs more:
    elsewhere a title's words may just be the topic."""
    best: dict[str, tuple[int, str]] = {}
    of_one = detect_shape(q) != "cross" and ("讲话" in q or "会上" in q)  # "…在几个讲话里…": several
    for size in range(min(12, len(q)), 2, -1):
        for i in range(len(q) - size + 1):
            piece = q[i : i + size]
            naming_after = _names_speech(piece, q[i + size :])
            if size == 3 and not naming_after:
                continue  # "茶岭县报告": three characters name a speech only right before 报告/讲话
            holders = index.holders(piece) & documents.keys()
            if not holders:
                continue
            # a short piece names a speech only where the question speaks of a speech: in
            # "教育经费拨付滞后…" the words of a 教育经费 meeting's title are the topic
            short_ok = len(holders) == 1 and (naming_after or of_one)
            if short_ok or (size >= 6 and len(holders) < len(documents)):
                weight = size + (6 if naming_after else 0)
                for doc_id in holders:
                    if weight > best.get(doc_id, (0, ""))[0]:
                        best[doc_id] = (weight, piece)
    return best


_GENERIC_RE = re.compile(r"讲话|会议|会上|大会|在|上|的|全市|市")


def _names_speech(piece: str, after: str) -> bool:
    """The piece stands right before 讲话/会议 and says more than those generic words."""
    return after.startswith(_NAMING_AFTER) and len(_GENERIC_RE.sub("", piece)) >= 2


def named_sections(
    question: str, documents: dict[str, Document], headings: HeadingIndex | None = None
) -> list[tuple[str, str]]:
    """Sections whose heading the question quotes ("“加强组织领导，压实工作责任”具体提了哪些措施"),
    names by a run of six characters or more no other heading has, or names by a short heading no
    other section has ("教师保障具体要抓哪几件事"). `headings` indexes at least `documents`; only
    their headings count."""
    if headings is None:
        return HeadingIndex(documents).named_in(compact(question))
    return headings.named_in(compact(question), within=set(documents))
