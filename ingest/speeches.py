"""Cleaned text of one file → its speeches, each with title, speaker, date and meeting.

A file usually holds one speech; sample 002 holds two, each opening with the same block:

    在…上的讲话          ← title line
    杨继宏               ← speaker line   } at least one of the two
    （2023 年 4 月 28 日）← date line      }
    同志们：             ← salutation

A new speech starts at such a block (title + speaker/date + salutation) or at a line that
repeats an earlier speech's title, and only when the speech before it already has a body:
a normal speech is never split. The build step is

    cleaned = clean_text(raw)
    spans = split_speeches(cleaned, raw=raw, source=loaded.source)

`raw` is needed for what cleaning removes (the page's 发表时间), `source` names a speech that
has no title line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import accumulate

from ingest.metadata import (
    is_date_line,
    is_prose,
    is_salutation,
    is_title_line,
    meeting_from_title,
    parse_date,
    published_date,
    speaker_from_line,
    speaker_from_title,
    title_from_opening,
    title_from_source,
)
from ingest.normalize import normalize_for_match

_HEADER_LINES = 3  # title, speaker and date sit within the first lines of a speech
_MIN_BODY_CHARS = 200  # prose a speech must have before another one may start


@dataclass(frozen=True)
class SpeechSpan:
    """One speech inside a file's cleaned text: `text == cleaned[start:end]`."""

    start: int
    end: int
    title: str = ""
    speaker: str = ""  # '' when the text does not name one
    date: str = ""  # the speech's own date, ISO; '' when the text does not state a full date
    meeting: str = ""
    published: str = ""  # the web page's publishing date (ISO), NOT the speech date; '' if none
    title_source: str = "text"  # text | source (file name) | opening (first words; untitled)
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
    spans: list[SpeechSpan] = []
    for i, first in enumerate(starts):
        last = starts[i + 1] if i + 1 < len(starts) else len(lines)
        block = lines[first:last]
        start, end = block[0].start, block[-1].end
        spans.append(_describe(block, cleaned[start:end], start, end, published, source))
    return spans


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
    """Title line, then speaker and/or date line, then a salutation."""
    if not is_title_line(lines[index].text):
        return False
    speaker, date, after = _header(lines, index)
    return bool(speaker or date) and after < len(lines) and is_salutation(lines[after].text)


def _header(lines: list[_Line], title_index: int) -> tuple[str, str, int]:
    """Speaker and date from up to two lines under the title; also the index after them.

    A bare name counts only when the header block goes on to a date or a salutation, so a
    four-character subtitle under a title is never taken for a speaker.
    """
    speaker, date = "", ""
    index = title_index + 1
    while index < len(lines) and index <= title_index + 2:
        text = lines[index].text
        if not date and is_date_line(text):
            date = parse_date(text)
        elif not speaker and (name := speaker_from_line(text)):
            following = lines[index + 1].text if index + 1 < len(lines) else ""
            if not (is_date_line(following) or is_salutation(following)):
                break
            speaker = name
        else:
            break
        index += 1
    return speaker, date, index


def _describe(block: list[_Line], text: str, start: int, end: int, published: str, source: str) -> SpeechSpan:
    title_index = next((i for i, line in enumerate(block[:_HEADER_LINES]) if is_title_line(line.text)), None)
    if title_index is None:
        title, title_source = _fallback_title(block, source)
        return SpeechSpan(start, end, title=title, published=published, title_source=title_source, text=text)
    title = block[title_index].text
    speaker, date, _ = _header(block, title_index)
    return SpeechSpan(
        start,
        end,
        title=title,
        speaker=speaker or speaker_from_title(title),
        date=date,
        meeting=meeting_from_title(title),
        published=published,
        text=text,
    )


def _fallback_title(block: list[_Line], source: str) -> tuple[str, str]:
    """No title line: a meaningful file name, else the opening words marked （无标题）."""
    if named := title_from_source(source):
        return named, "source"
    opening = next((line.text for line in block if not is_salutation(line.text)), "")
    return title_from_opening(opening), "opening"


def _key(text: str) -> str:
    return "".join(normalize_for_match(text).split())
