"""Cleaned text of one file → its speeches, each with title, speaker, date and meeting.

A file usually holds one speech; sample 002 holds two, each opening with the same block:

    在…上的讲话          ← title line
    杨继宏               ← speaker line   } at least one of the two
    （2023 年 4 月 28 日）← date line      }
    同志们：             ← salutation

Every head layout of GENRE.md (main title + ——subtitle, post + name, name + date, a date first …) is
read by `ingest.header`. A new speech starts at a head that names the speech and gives a speaker or a
date, followed by a salutation (or giving both speaker and date), or at a line that repeats an earlier
speech's title, and only when the speech before it already has a body: a normal speech is never split.
The build step is

    cleaned = clean_text(raw)
    spans = split_speeches(cleaned, raw=raw, source=loaded.source)

`raw` is needed for what cleaning removes (the page's 发表时间), `source` names a speech that
has no title line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import accumulate

from core.normalize import normalize_for_match
from ingest.header import HEAD_SCAN, read_header, spoken_at
from ingest.metadata import (
    is_date_line,
    is_prose,
    is_salutation,
    is_title_line,
    published_date,
    publisher,
    title_from_opening,
    title_from_source,
)

_MIN_BODY_CHARS = 200  # prose a speech must have before another one may start
_LABEL_SCAN = 8  # lines of a page's lead and labels before the first salutation


@dataclass(frozen=True)
class SpeechSpan:
    """One speech inside a file's cleaned text: `text == cleaned[start:end]`."""

    start: int
    end: int
    title: str = ""  # main title, joined to a subtitle by ——; a lone subtitle without its dashes
    subtitle: str = ""  # "在…上的讲话" under a main title, dashes dropped
    speaker: str = ""  # '' when the text does not name one
    speaker_post: str = ""  # "副市长", "县委书记", "党组书记、局长"; '' when not stated
    date: str = ""  # the speech's own date, ISO; '' when the text does not state a full date
    meeting: str = ""
    published: str = ""  # the web page's publishing date (ISO), NOT the speech date; '' if none
    publisher: str = ""  # the page's 来源 body ('' if none)
    title_source: str = "text"  # text | source (file name) | opening (first words; untitled) | meeting
    text: str = field(default="", repr=False, compare=False)

    @property
    def display_date(self) -> str:
        """What a citation shows: the speech date, else the publishing date labelled as such."""
        if self.date:
            return self.date
        return f"{self.published}（发布日期）" if self.published else ""


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


def split_speeches(cleaned: str, *, raw: str = "", source: str = "") -> list[SpeechSpan]:
    """The speeches in `cleaned` (output of `clean_text`), in order; [] for empty text."""
    lines = _lines(cleaned)
    if not lines:
        return []
    starts = _speech_starts(lines)
    published = published_date(raw) if raw else ""
    source_body = publisher(raw) if raw else ""
    spans: list[SpeechSpan] = []
    for i, first in enumerate(starts):
        last = starts[i + 1] if i + 1 < len(starts) else len(lines)
        block = lines[first:last]
        start, end = block[0].start, block[-1].end
        spans.append(_describe(block, cleaned[start:end], start, end, published, source))
    spans = [replace(span, publisher=source_body) for span in spans]
    if not spans:
        return spans
    later = [
        _at_same_meeting(_under_page_title(span, spans[0]), spans[i]) for i, span in enumerate(spans[1:])
    ]
    return [spans[0], *later]


def _at_same_meeting(span: SpeechSpan, before: SpeechSpan) -> SpeechSpan:
    """A second speaker's head with no title ("区政府副区长　施雨桐" / its date / "同志们："): a speech
    at the meeting of the speech before it, on the same day."""
    if span.title_source != "opening" or span.meeting or not before.meeting or span.date != before.date:
        return span
    return replace(span, title=f"在{before.meeting}上的讲话", meeting=before.meeting, title_source="meeting")


def _under_page_title(span: SpeechSpan, first: SpeechSpan) -> SpeechSpan:
    """A news page prints "副区长吴倩的讲话" under its own title ("南溪区召开…推进会"): the label alone
    names no meeting, so the speech is the page's title —— its label, at the page's meeting."""
    said = spoken_at(span.title)
    if span.meeting or span.subtitle or said is None or said[2] or not first.title:
        return span
    return replace(
        span,
        title=f"{first.title}——{span.title}",
        subtitle=span.title,
        meeting=first.meeting or first.title,
    )


def _lines(cleaned: str) -> list[_Line]:
    lines: list[_Line] = []
    offset = 0
    for text in cleaned.split("\n"):
        if text.strip():
            lines.append(_Line(offset, offset + len(text), text))
        offset += len(text) + 1
    return lines


def _speech_starts(lines: list[_Line]) -> list[int]:
    """Line indexes where speeches begin; a start needs a body both before and after it."""
    body = [len(line.text) if is_prose(line.text) and not is_salutation(line.text) else 0 for line in lines]
    after = list(accumulate(reversed(body)))[::-1]  # after[i]: body characters from line i on
    starts = [0]
    titles = {_key(lines[0].text)} if is_title_line(lines[0].text) else set()
    before = body[0]
    for index in range(1, len(lines)):
        text = lines[index].text
        repeated = _key(text) in titles
        if (
            (repeated or _opens_speech(lines, index))
            and before >= _MIN_BODY_CHARS
            and after[index] >= _MIN_BODY_CHARS
        ):
            starts.append(index)
            before = 0
        before += body[index]
        if is_title_line(text):
            titles.add(_key(text))
    return starts


def _opens_speech(lines: list[_Line], index: int) -> bool:
    """A head (see `ingest.header`) that starts at this line, names the speech, and gives a
    speaker or a date, followed by a salutation (or by a full head: title, speaker and date)."""
    head = read_header([line.text for line in lines[index : index + HEAD_SCAN + 1]])
    after = index + head.lines
    saluted = after < len(lines) and is_salutation(lines[after].text)
    if head.first_used and not head.title and head.speaker and head.post and head.date and saluted:
        return (
            True  # "区政府副区长　施雨桐" / "（2025年4月15日）" / "同志们：": the next speaker of the meeting
        )
    if not (head.first_used and head.title and (head.speaker or head.date)):
        return False
    if saluted:
        return True
    # a speaker's label, then the speech's own title line, then the salutation
    titled = (
        after + 1 < len(lines) and not is_prose(lines[after].text) and is_salutation(lines[after + 1].text)
    )
    return bool(head.speaker and (head.date or titled))


def _describe(block: list[_Line], text: str, start: int, end: int, published: str, source: str) -> SpeechSpan:
    head = read_header([line.text for line in block[: HEAD_SCAN + 1]])
    if not head.title:
        title, title_source, convened = _fallback_title(block, source)
        return SpeechSpan(
            start,
            end,
            title=title,
            speaker=head.speaker,
            speaker_post=head.post,
            date=head.date,
            meeting=head.meeting or convened,  # the meeting the opening says was held
            published=published,
            title_source=title_source,
            text=text,
        )
    speaker, post = (head.speaker, head.post) if head.speaker else _labelled_speaker(block)
    return SpeechSpan(
        start,
        end,
        title=head.title,
        subtitle=head.subtitle,
        speaker=speaker,
        speaker_post=post,
        date=head.date,
        meeting=head.meeting,
        published=published,
        text=text,
    )


def _labelled_speaker(block: list[_Line]) -> tuple[str, str]:
    """A news page prints a lead paragraph, then "区委书记唐明远的讲话" and "同志们：": the label over
    the salutation names the speaker the head did not."""
    for at, line in enumerate(block[:_LABEL_SCAN]):
        if is_salutation(line.text):
            # the label right above, or above the speech's own title ("骆启明市长讲话" / "持续深化…")
            for above in reversed(block[max(0, at - 2) : at]):
                said = spoken_at(above.text)
                if said and said[0]:
                    return said[0], said[1]
            return "", ""
    return "", ""


def _fallback_title(block: list[_Line], source: str) -> tuple[str, str, str]:
    """No title line: (title, title_source, meeting). A meaningful file name, else the meeting the opening
    says was held ("霁州市人民政府召开全市中考招生…工作会议。", also the meeting), else the opening words
    marked （无标题）. A date line is no opening."""
    if named := title_from_source(source):
        return named, "source", ""
    opening = next(
        (line.text for line in block if not is_salutation(line.text) and not is_date_line(line.text)), ""
    )
    if convened := _CONVENED_RE.search(normalize_for_match(opening)[:_CONVENED_WINDOW]):
        return convened.group(1), "opening", convened.group(1)
    return title_from_opening(opening), "opening", ""


_CONVENED_RE = re.compile(
    r"召开了?([^，。；,;\s]{4,40}?(?:会议|大会|座谈会|推进会|动员会|部署会|现场会))[，。,]"
)
_CONVENED_WINDOW = 120


def _key(text: str) -> str:
    return "".join(normalize_for_match(text).split())
