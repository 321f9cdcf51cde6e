"""The head of one speech (its first few lines) read into title, subtitle, speaker, post, date and meeting.

Layouts read (GENRE.md), in any order within the head:

    2024年11月7日                          ← a date first (any of the date forms of `parse_date`)
    凝心聚力 奋力谱写教育强县建设新篇章      ← main title (any wording) when a subtitle follows it
    ——在2025年全县教育工作会议上的讲话      ← subtitle; alone it is the title
    ——周某某副市长在…推进会上的讲话         ← a subtitle that names the speaker and their post
    中共X县委书记　韩某某                   ← post + name (full-width space between them)
    王某某　2025年6月20日                   ← name + date on one line
    （2025年2月18日）                       ← the speech's own date
    同志们：                               ← the head ends at a salutation, a heading or running text

The head is at most `HEAD_LINES` lines and stops at the first line that is not a head line (a sentence,
an outline heading, a salutation); when more short lines come first (a saved page's menus), the head is
the last `HEAD_LINES` of them, next to the body. A line is used only for what it clearly is: an unknown short line is
a main title only right above a subtitle, or the title when nothing else names the speech and it opens
the head. A bare name counts as a speaker only under a title, or when a date or salutation follows it.
The speech's own date is the first date of the head; the page's publishing date is another field.

Long because every head layout of GENRE.md is read here, in one place: split up, the rules that decide
between a title, a subtitle and a speaker line would have to know each other across files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from core.normalize import normalize_for_match
from ingest.metadata import (
    CJK,
    SPEECH_LABEL,
    is_date_line,
    is_salutation,
    is_title_line,
    meeting_from_title,
    parse_date,
    split_trailing_date,
    starts_with_marker,
)

HEAD_LINES = 8  # a head is at most this many lines
HEAD_SCAN = 16  # short lines looked at before the body: menus of a saved page may come first
_TITLE_MAX = 120
_SHORT_WITH_COMMA = 40  # a title may hold a comma ("坚持立德树人，办好人民满意教育"); prose is longer
_FALLBACK_TITLE_MIN_CJK = 6  # an unknown opening line shorter than this is a label ("领导讲话"), not a title

# Posts, as the end of a role: 县委书记, 党组书记, 常务副市长, 副区长, 局长, 市委常委 …
_POST = (
    r"(?:(?:省|市|县|区|州|旗|镇|乡|盟)委|党组|党委|党工委|工委|纪委|总支)?(?:常务)?副?"
    r"(?:书记|省长|市长|县长|区长|州长|旗长|镇长|乡长|局长|厅长|处长|科长|主任|部长|校长|院长|所长|主席|"
    r"秘书长|组长|总督学|督学|巡视员|调研员|会长|理事长|董事长|司长|署长|常委|委员|主委|馆长|站长|队长)"
)
_POST_END_RE = re.compile(f"{_POST}$")
_POST_FULL_RE = re.compile(f"^{_POST}$")
_NAME_CORE = rf"[{CJK}]{{2,4}}|[{CJK}]{{1,2}}(?:[Xx某*]{{1,2}})"
_NAME_RE = re.compile(rf"^(?:{_NAME_CORE})$")
_TONGZHI = "同志"
_NOT_NAMES = frozenset(
    [
        "提纲",
        "目录",
        "正文",
        "讲话",
        "发言",
        "致辞",
        "附件",
        "会议",
        "说明",
        "前言",
        "摘要",
        "全文",
        "同志们",
        "大家好",
        "谢谢",
        "谢谢大家",
        "结束语",
        "领导讲话",
        "讲话稿",
        "讲话提纲",
        "工作报告",
        "新闻中心",
        "政务公开",
        "来源",
        "首页",
    ]
)
# "…在X上的讲话": who speaks before 在, what meeting between 在 and 上的讲话.
_SPOKEN_AT_RE = re.compile(
    r"^(?P<who>[^\s在,，。:：]{0,20}?)\s?在(?P<meeting>.{2,120}?)\s?[上中]\s?的\s?"
    r"(?:讲话|讲话提纲|讲话稿|讲稿|发言|发言稿|致辞|总结讲话|动员讲话|工作报告|报告|主题党课|党课|辅导报告)"
)
_WHOSE_RE = re.compile(
    rf"^(?P<who>(?:(?!的)[{CJK}、]){{2,20}}?)\s?的?\s?(?:讲话|讲话提纲|讲话稿|发言|致辞|总结讲话|动员讲话|工作报告|报告)$"
)
_CHAIRED_RE = re.compile(rf"^([{CJK}]{{2,12}}?)(?:同志)?主持召开")
_CHAIR_IN_BODY_RE = re.compile(rf"({_POST})([{CJK}]{{2,3}})(?:同志)?主持")
_CHAIR_WINDOW = 80
_SPOKE_IN_BODY_RE = re.compile(
    rf"({_POST})([{CJK}]{{2,3}}?)(?:同志)?(?:出席(?:会议|大会|活动)?并(?:作重要)?讲话|在会上(?:作重要)?讲话|作(?:重要)?讲话)"
)
_HELD_RE = re.compile(rf"([{CJK}“”\"0-9０-９]{{4,30}}?(?:会议|大会|会))在[{CJK}]{{1,15}}召开")
_NEWS_WINDOW = 300
_LEAD_DAY_RE = re.compile(r"^[0-9０-９]{1,2}月[0-9０-９]{1,2}日(?:[上下]午)?")  # "9月16日全市…会在…召开"
_SEVERAL_RE = re.compile(rf"{_POST}[{CJK}]{{2,3}}[、和]$")  # "市长罗安平、副秘书长许青出席会议并讲话"
_ORGAN_RE = re.compile(r"^(?:(?:省|市|县|区|州|旗|镇|乡|盟)委|党组|党委|党工委|工委|纪委|总支)")
_MEETING_WORD_RE = re.compile(r"(?:会议|大会|座谈会|推进会|党课|论坛|仪式|典礼)$")
_DASHES_RE = re.compile(r"^-{1,3}\s?")
_MD_RE = re.compile(r"^#{1,6}\s+")
_LABEL_NUMBER_RE = re.compile(rf"^[一二三四五六七八九十]{{1,2}}、(?=[^，。；]{{2,20}}{SPEECH_LABEL})")
_SENTENCE_RE = re.compile(r"[。!?;；]")


@dataclass(frozen=True)
class Header:
    title: str = ""  # what a citation shows: main title, joined to its subtitle by ——
    subtitle: str = ""  # "在…上的讲话" without its leading dashes; '' when there is none
    speaker: str = ""
    post: str = ""  # "副市长", "县委书记", "党组书记、局长"; '' when not stated
    date: str = ""  # ISO; the speech's own date
    meeting: str = ""
    lines: int = 0  # lines of the head, from the first (title, speaker and date lines included)
    first_used: bool = False  # the first line is part of the head (not an ignored unknown line)


@dataclass
class _Reading:
    main: str = ""
    subtitle: str = ""
    titled: str = ""  # a line worded like a title (…讲话)
    unknown_first: str = ""  # the first unknown line of the head: the title when nothing else is
    unknown_first_at: int = -1
    unknown_last: str = ""  # the latest unknown line: a main title when a subtitle follows it
    speaker: str = ""
    post: str = ""
    date: str = ""
    title_date: str = ""  # a date closing the title line
    last: int = -1  # index of the last line used
    first_used: bool = False


def read_header(lines: Sequence[str], limit: int = HEAD_LINES) -> Header:
    """Read the head of one speech from its first lines (each a line of the cleaned text).

    When more than `limit` short lines come before the body (a saved page's menus), the head is the
    last `limit` of them: the lines next to the body."""
    zone = 0
    while zone < min(len(lines), HEAD_SCAN) and _head_like(_strip_markdown(lines[zone])):
        zone += 1
    skip = max(0, zone - limit)
    reading = _Reading()
    previous_kind = ""
    for index in range(skip, zone):
        raw = lines[index]
        text = _strip_markdown(raw)
        original = raw.strip()[len(raw.strip()) - len(text) :] if text else ""
        if not text:
            break
        kind = _read_line(reading, text, original, index, previous_kind, lines)
        if kind == "":
            if not reading.unknown_first:
                reading.unknown_first, reading.unknown_first_at = original, index
            reading.unknown_last = original
            previous_kind = "unknown"
            continue
        reading.last = index
        reading.first_used = reading.first_used or index == 0
        previous_kind = kind
    head = _assemble(reading, skip == 0)
    first_body = lines[zone] if zone < len(lines) else ""
    if not head.speaker and (chaired := _chaired(head.title, first_body)):
        head = replace(head, speaker=chaired[0], post=head.post or chaired[1])
    lead = normalize_for_match(first_body)[:_NEWS_WINDOW]
    spoke = _SPOKE_IN_BODY_RE.search(lead)
    if not head.speaker and spoke and not _SEVERAL_RE.search(lead, max(0, spoke.start() - 30), spoke.start()):
        # a news report: "…推进会在云台区召开。市教育局局长钟明远出席会议并讲话" in its lead (one speaker:
        # "市长罗安平、副秘书长许青出席会议并讲话" leaves each speech to its own label)
        held = _HELD_RE.search(first_body[:_NEWS_WINDOW])  # as written: “双减” keeps its quotes
        meeting = head.meeting or (_LEAD_DAY_RE.sub("", held.group(1)) if held else "")
        head = replace(head, speaker=spoke.group(2), post=head.post or spoke.group(1), meeting=meeting)
    return head


def _chaired(title: str, first_body_line: str) -> tuple[str, str] | None:
    """Minutes: '冯立群主持召开…会议' (post from the first sentence: '副市长冯立群主持召开…')."""
    found = _CHAIRED_RE.match(normalize_for_match(title).strip())
    if found is None:
        # '青阳县召开县委常委会会议…' over '…县委书记韩立新主持召开…': the chair named in the first sentence
        said = _CHAIR_IN_BODY_RE.search(normalize_for_match(first_body_line)[:_CHAIR_WINDOW])
        if "召开" not in title or said is None or not _is_name(said.group(2)):
            return None
        return said.group(2), said.group(1)
    name, post = _glued_name_and_post(found.group(1))
    name = name or (found.group(1) if _is_name(found.group(1)) else "")
    if not name:
        return None
    if not post:
        said = re.search(f"({_POST}){re.escape(name)}(?:同志)?主持", normalize_for_match(first_body_line))
        post = said.group(1) if said else ""
    return name, post


def _strip_markdown(line: str) -> str:
    """Without a markdown mark, or a compilation's numbering ("一、沈明轩市长在推进会上的讲话")."""
    return _LABEL_NUMBER_RE.sub("", _MD_RE.sub("", normalize_for_match(line).strip()))


def _head_like(text: str) -> bool:
    """Could this line belong to a head? Not a sentence, heading, salutation or long prose."""
    if len(text) > _TITLE_MAX or _SENTENCE_RE.search(text) or text.endswith((":", "：")):
        return False
    if is_salutation(text) or (starts_with_marker(text) and not text.startswith("-")):
        return False
    return not (("," in text or "，" in text) and len(text) > _SHORT_WITH_COMMA and not is_title_line(text))


def _read_line(
    reading: _Reading, text: str, original: str, index: int, previous: str, lines: Sequence[str]
) -> str:
    """Record what the line says in `reading`; its kind, or '' when it says nothing certain."""
    if is_date_line(text):
        reading.date = reading.date or parse_date(text)
        return "date"
    head, date = split_trailing_date(text)
    if date:
        original = original[: len(head)]
    if text.startswith("-"):
        dashes = _DASHES_RE.match(text)
        _read_subtitle(reading, original[dashes.end() if dashes else 0 :], previous)
        reading.title_date = reading.title_date or date
        return "subtitle"
    name, post = speaker_and_post(head)
    title_above = bool(reading.main or reading.subtitle or reading.titled)
    # A bare name needs a date or a salutation after it: a short subtitle is not a speaker.
    if name and (post or date or _date_or_salutation_next(lines, index)):
        if not reading.speaker:
            reading.speaker, reading.post = name, post
        reading.date = reading.date or date
        return "speaker"
    if post and not name and _POST_FULL_RE.match(head) and title_above:
        reading.post = reading.post or head  # "市长" alone under the title
        return "speaker"
    labelled = _whose(normalize_for_match(head).strip())
    if labelled is not None and not reading.speaker:  # "骆启明市长讲话" over a speech a page prints
        reading.speaker, reading.post = labelled[0], labelled[1] or reading.post
        reading.titled = reading.titled or original  # its title, unless a title line follows
        return "speaker"
    if is_title_line(head):
        spoken = _SPOKEN_AT_RE.match(normalize_for_match(head)) is not None
        above = reading.titled and _SPOKEN_AT_RE.match(normalize_for_match(reading.titled)) is None
        if spoken and not reading.subtitle and above and previous == "title":
            _read_subtitle(reading, original, previous)  # right under a slogan title: the subtitle
        else:  # a later title line is the speech's own: a page title or a table of contents came first
            reading.titled = original
        reading.title_date = reading.title_date or date
        return "title"
    return ""


def _read_subtitle(reading: _Reading, subtitle: str, previous: str) -> None:
    if reading.subtitle:
        return
    reading.subtitle = subtitle.strip()
    if previous == "title" and reading.titled and not reading.main:
        reading.main, reading.titled = reading.titled, ""
    elif previous == "unknown" and not reading.main:
        reading.main = reading.unknown_last


def _date_or_salutation_next(lines: Sequence[str], index: int) -> bool:
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return bool(following) and (is_date_line(following) or is_salutation(following))


def _assemble(reading: _Reading, from_first: bool) -> Header:
    subtitle = reading.subtitle
    main_said = spoken_at(reading.main) if reading.main else None
    sub_said = spoken_at(subtitle) if subtitle else None
    if main_said and sub_said and main_said[2] == sub_said[2]:
        title, subtitle = reading.main, ""  # a page title repeating the speech title, with the name in it
    elif reading.main and subtitle:
        title = f"{reading.main}——{subtitle}"
    else:  # a subtitle alone is the title
        title, subtitle = subtitle or reading.titled, ""
    first_used = reading.first_used and from_first
    if not title and reading.unknown_first and _cjk_count(reading.unknown_first) >= _FALLBACK_TITLE_MIN_CJK:
        title = reading.unknown_first  # a news title under a date ("某某主持召开…会议")
        first_used = from_first and (reading.unknown_first_at == 0 or first_used)
    elif reading.main and reading.main == reading.unknown_first and reading.unknown_first_at == 0:
        first_used = from_first  # the opening line was the main title
    speaker, post, meeting = reading.speaker, reading.post, ""
    for source in (reading.subtitle, reading.titled, reading.main):
        said = spoken_at(source) if source else None
        if said is None:
            continue
        who_name, who_post, meeting = said
        if not speaker and (who_name or who_post):
            speaker, post = who_name, who_post or post
        elif speaker and not post and who_post and (not who_name or who_name == speaker):
            post = who_post
        break
    meeting = meeting or meeting_from_title(reading.subtitle or reading.titled)
    if not meeting and subtitle and _MEETING_WORD_RE.search(subtitle):
        meeting = subtitle  # ——全市教育系统师德师风建设专题党课
    last = reading.last if reading.last >= 0 else (0 if first_used else -1)
    return Header(
        title=title,
        subtitle=subtitle,
        speaker=speaker,
        post=post,
        date=reading.date or reading.title_date,
        meeting=meeting,
        lines=last + 1,
        first_used=first_used,
    )


def _cjk_count(text: str) -> int:
    return len(re.findall(f"[{CJK}]", text))


def spoken_at(title: str) -> tuple[str, str, str] | None:
    """'——周某某副市长在全市推进会上的讲话' → ('周某某', '副市长', '全市推进会'); None when not so worded.

    The speaker needs 同志 or a post next to the name: a bare '市长在…' gives the post alone."""
    stripped = normalize_for_match(title).strip()
    text = _DASHES_RE.sub("", stripped)
    match = _SPOKEN_AT_RE.match(text)
    if match is None:
        return _whose(text)
    offset = len(title) - len(title.lstrip()) + (len(stripped) - len(text))
    meeting = title[offset + match.start("meeting") : offset + match.end("meeting")].strip()
    who = match.group("who")
    name, post = "", ""
    if who.endswith(_TONGZHI) and _is_name(who[: -len(_TONGZHI)]):
        name = who[: -len(_TONGZHI)]
    elif who:
        name, post = _glued_name_and_post(who)
    return name, post, meeting


def _whose(text: str) -> tuple[str, str, str] | None:
    """ "副区长吴倩的讲话", "唐明远同志的讲话": a news page's label over each speech it prints."""
    match = _WHOSE_RE.match(text)
    if match is None:
        return None
    who = _strip_tongzhi(match.group("who"))
    name, post = _glued_name_and_post(who)
    if not name and match.group("who").endswith(_TONGZHI) and _is_name(who):
        name = who
    return (name, post, "") if name else None


def _glued_name_and_post(who: str) -> tuple[str, str]:
    """'周某某副市长' → ('周某某', '副市长'); '市长张某' → ('张某', '市长'); '市长' → ('', '市长')."""
    if _POST_FULL_RE.match(who):
        return "", who
    found = _POST_END_RE.search(who)
    if found and _is_name(who[: found.start()]):
        return who[: found.start()], found.group()
    for size in (3, 2, 4):  # the name last, after the roles: '市委常委、常务副市长赵某某'
        name, roles = who[-size:], who[:-size]
        if len(roles) >= 2 and _POST_END_RE.search(roles) and _is_name(name):
            return name, post_of(roles)
    return "", ""


# "主讲人：市教育局党组副书记、副局长　郑某某" (a 党课), "报告人：…": a label, then the usual line
_SPEAKER_LABEL_RE = re.compile(r"^(?:主讲人|讲话人|报告人|宣讲人|主讲|发言人)\s*[:：]\s*")


def speaker_and_post(line: str) -> tuple[str, str]:
    """A speaker line → (name, post): '中共X县委书记 韩某某' → ('韩某某', '县委书记');
    'XX市教育局党组书记、局长 孙某某' → ('孙某某', '党组书记、局长'); '杨继宏' → ('杨继宏', '');
    '市长 张某' → ('张某', '市长'); '韩某某 区委书记' → ('韩某某', '区委书记'). Anything else → ('', '')."""
    text = _SPEAKER_LABEL_RE.sub("", normalize_for_match(line).strip())
    if not text or len(text) > 40 or re.search(r"[,，:：;；。!?]", text) or is_salutation(text):
        return "", ""
    parts = text.split()
    last = _strip_tongzhi(parts[-1])
    if len(parts) == 1:
        if _is_name(last):
            return last, ""
        name, post = _glued_name_and_post(last)
        return (name, post) if name else ("", "")
    if _is_name(last) and not _POST_END_RE.search(last):
        return last, post_of(" ".join(parts[:-1]))
    first = _strip_tongzhi(parts[0])
    rest = " ".join(parts[1:])
    if _is_name(first) and (post := post_of(rest)):
        return first, post
    return "", ""


def post_of(roles: str) -> str:
    """The posts in a role string, organisation words dropped: '市委常委、副市长' → '市委常委、副市长';
    '中共X县委书记' → '县委书记'; 'XX市教育局' → ''."""
    posts = [found.group() for part in re.split(r"[、\s]+", roles) if (found := _POST_END_RE.search(part))]
    return "、".join(posts)


def _strip_tongzhi(word: str) -> str:
    return word[: -len(_TONGZHI)] if word.endswith(_TONGZHI) and len(word) > len(_TONGZHI) + 1 else word


def _is_name(word: str) -> bool:
    return (
        bool(_NAME_RE.match(word))
        and word not in _NOT_NAMES
        and not _POST_FULL_RE.match(word)
        and not word.endswith(("同志们", "大会", "会议"))
        and not is_title_line(word)
    )


def speaker_aliases(name: str, post: str) -> tuple[str, ...]:
    """How a question may name the speaker: '周海峰' + '副区长' → 周海峰, 周副区长, 周海峰副区长, 副区长 …;
    '韩立群' + '县委书记' → … 韩书记, 韩县委书记, 县委书记, 书记 (for "韩书记讲的几点要求")."""
    posts: list[str] = []
    for role in (p for p in re.split(r"[、\s]+", post) if p):
        core = _ORGAN_RE.sub("", role)  # 县委书记 → 书记, 党组书记 → 书记, 常务副市长 → 副市长
        posts.extend(dict.fromkeys((role, core, core.removeprefix("常务"))))
    posts = list(dict.fromkeys(p for p in posts if p))
    surnames = [name[:1]] + ([name[:2]] if len(name) == 4 else [])  # 欧阳某某
    names = [name] if name else []
    aliases = [
        *names,
        *(f"{s}{p}" for s in surnames for p in posts if name),
        *(f"{name}{p}" for p in posts if name),
    ]
    return tuple(dict.fromkeys([*aliases, *posts]))
