"""split_speeches + metadata on the five samples and on synthetic headers."""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.clean import clean_text
from ingest.metadata import (
    is_heading_line,
    meeting_from_title,
    parse_date,
    published_date,
    speaker_from_line,
    speaker_from_title,
    starts_with_marker,
    title_from_source,
)
from ingest.speeches import SpeechSpan, split_speeches

SPEECHES = Path(__file__).resolve().parents[2] / "data" / "speeches"
MEETING_002 = "市委教育工作领导小组 2023 年第 1 次工作会暨教育质量提升行动工作会议"
TITLE_002 = f"在{MEETING_002}上的讲话"
BODY = (
    "我们要坚持把立德树人成效作为检验教育一切工作的根本标准，融入教育的各领域各环节，促进学生全面发展。" * 6
)


@cache
def spans(prefix: str) -> tuple[str, list[SpeechSpan]]:
    path = next(SPEECHES.glob(f"{prefix}_*.txt"))
    raw = path.read_text(encoding="utf-8")
    cleaned = clean_text(raw)
    return cleaned, split_speeches(cleaned, raw=raw, source=path.name)


def only(prefix: str) -> SpeechSpan:
    _, found = spans(prefix)
    assert len(found) == 1
    return found[0]


# --- the samples -------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_spans_tile_the_cleaned_text(prefix: str) -> None:
    cleaned, found = spans(prefix)
    assert found[0].start == 0 and found[-1].end == len(cleaned)
    for span in found:
        assert span.text == cleaned[span.start : span.end]
        assert span.text == span.text.strip("\n")
    for left, right in pairwise(found):
        assert right.start == left.end + 1 and cleaned[left.end] == "\n"


def test_000_metadata() -> None:
    span = only("000")
    assert span.title == "在全市教育高质量发展大会上的讲话提纲"
    assert span.meeting == "全市教育高质量发展大会"
    # 朱书记 and X书记 are people the speaker talks about, not the speaker.
    assert (span.speaker, span.date, span.published) == ("", "", "")


def test_001_metadata_publishing_date_is_not_the_speech_date() -> None:
    span = only("001")
    assert span.title == "在全市教育工作高质量发展推进会议上的讲话"
    assert span.meeting == "全市教育工作高质量发展推进会议"
    assert span.speaker == ""
    assert span.date == ""
    assert span.published == "2025-07-04"
    assert span.display_date == "2025-07-04（发布日期）"


def test_002_two_speeches_with_their_own_speakers() -> None:
    _, found = spans("002")
    assert [s.speaker for s in found] == ["杨继宏", "杨生俊"]
    assert [s.date for s in found] == ["2023-04-28", "2023-04-28"]
    assert [s.title for s in found] == [TITLE_002, TITLE_002]
    assert [s.meeting for s in found] == [MEETING_002, MEETING_002]
    first, second = found
    assert first.text.startswith(TITLE_002 + "\n杨继宏\n（2023 年 4 月 28 日）\n同志们：\n今天，我们召开")
    assert first.text.endswith("奋进现代化固原建设新征程贡献教育力量。")
    assert second.text.startswith(TITLE_002 + "\n杨生俊\n")
    assert second.text.endswith("确保校园安全稳定。")
    assert "杨生俊" not in first.text and "杨继宏" not in second.text
    assert first.display_date == "2023-04-28"


def test_003_untitled_speech_is_named_by_its_opening() -> None:
    span = only("003")
    assert span.title_source == "opening"
    assert span.title.startswith("（无标题）今天这次会议，主要任务是")
    assert span.title.endswith("…")
    assert (span.speaker, span.date, span.meeting) == ("", "", "")


def test_004_title_from_teaser_and_meeting() -> None:
    span = only("004")
    assert span.title == "2024年市教育行政工作会强调讲话"
    assert span.meeting == "2024年市教育行政工作会"
    # '2024年' names the meeting, and the speech looks back on 2024: no date is stated.
    assert (span.speaker, span.date) == ("", "")


# --- splitting rules, synthetic ----------------------------------------------------------


def test_empty_text_has_no_speeches() -> None:
    assert split_speeches("") == []


def test_repeated_title_starts_a_new_speech() -> None:
    text = f"在全市教育大会上的讲话\n{BODY}\n在全市教育大会上的讲话\n{BODY}"
    found = split_speeches(text)
    assert len(found) == 2
    assert found[1].text.startswith("在全市教育大会上的讲话\n")


def test_title_repeated_without_body_before_or_after_does_not_split() -> None:
    assert len(split_speeches(f"在全市教育大会上的讲话\n在全市教育大会上的讲话\n{BODY}")) == 1
    assert len(split_speeches(f"在全市教育大会上的讲话\n{BODY}\n在全市教育大会上的讲话")) == 1


def test_new_title_alone_does_not_split_a_speech() -> None:
    # A line worded like a title inside a speech (no speaker/date/salutation) is just a line.
    text = f"在全市教育大会上的讲话\n同志们：\n{BODY}\n学习贯彻总书记重要讲话\n{BODY}"
    assert len(split_speeches(text)) == 1


def test_header_with_date_only_splits() -> None:
    text = (
        f"在甲会议上的讲话\n同志们：\n{BODY}\n在乙会议上的讲话\n（二〇二三年四月二十八日）\n同志们：\n{BODY}"
    )
    first, second = split_speeches(text)
    assert (first.meeting, second.meeting) == ("甲会议", "乙会议")
    assert (first.date, second.date) == ("", "2023-04-28")


def test_speaker_needs_a_date_or_salutation_after_it() -> None:
    text = f"在全市教育大会上的讲话\n凝心聚力\n{BODY}"
    assert split_speeches(text)[0].speaker == ""
    text = f"在全市教育大会上的讲话\n市委常委、副市长 杨继宏\n同志们：\n{BODY}"
    assert split_speeches(text)[0].speaker == "杨继宏"


def test_speaker_from_title_pattern() -> None:
    span = split_speeches(f"张三同志在全市教育大会上的讲话\n{BODY}")[0]
    assert (span.speaker, span.meeting) == ("张三", "全市教育大会")


def test_untitled_speech_prefers_a_meaningful_file_name() -> None:
    span = split_speeches(f"同志们：\n{BODY}", source="在全市教育大会上的讲话.docx")[0]
    assert (span.title, span.title_source) == ("在全市教育大会上的讲话", "source")


# --- metadata helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("（2023 年 4 月 28 日）", "2023-04-28"),
        ("(2023年4月8日)", "2023-04-08"),
        ("二〇二三年四月二十八日", "2023-04-28"),
        ("（二〇二二年十月十日）", "2022-10-10"),
        ("（2023 年 13 月 28 日）", ""),
        ("2023 年 4 月", ""),
        ("会议于2023年4月28日召开", ""),
    ],
)
def test_parse_date(line: str, iso: str) -> None:
    assert parse_date(line) == iso


@pytest.mark.parametrize(
    ("line", "marker", "heading"),
    [
        ("一、凝聚“一个共识”", True, True),
        ("(一)推进教育高质量发展是落实立德树人根本任务的必然要求", True, True),
        ("二、认清当前形势、找准目标定位。", True, True),
        ("1.深化思政课程改革创新", True, True),
        ("（一）突出铸魂育人。思想政治教育工作是全方位的", True, False),
        ("一要坚持五育并举，全面落实立德树人根本任务。要深化思政课程改革，抓", True, False),
        ("另一方面，高校要紧盯产业和技术升级需求", True, True),
        ("1.44 万个学位", False, False),
        ("2025 年通过国家验收", False, False),
        ("一些项目能倾斜的要予以倾斜", False, False),
    ],
)
def test_outline_markers_and_headings(line: str, marker: bool, heading: bool) -> None:
    assert (starts_with_marker(line), is_heading_line(line)) == (marker, heading)


def test_published_date_from_raw_header() -> None:
    assert published_date("标题\n发表时间:2025/7/4 11:05:29\n正文") == "2025-07-04"
    assert published_date("发布日期：2024-12-01") == "2024-12-01"
    assert published_date("没有日期") == ""


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("杨继宏", "杨继宏"),
        ("杨继宏同志", "杨继宏"),
        ("同志们", ""),
        ("提纲", ""),
        ("同志们：", ""),
        ("今天，开会", ""),
    ],
)
def test_speaker_from_line(line: str, name: str) -> None:
    assert speaker_from_line(line) == name


def test_speaker_from_title_needs_tongzhi() -> None:
    assert speaker_from_title("市长在全市教育大会上的讲话") == ""
    assert speaker_from_title("——李四同志在全市教育大会上的讲话") == "李四"


@pytest.mark.parametrize(
    ("title", "meeting"),
    [
        ("在全市教育高质量发展大会上的讲话提纲", "全市教育高质量发展大会"),
        ("在市委教育工作领导小组 2023 年第 1 次 工作会暨教育质量提升行动工作会议上 的讲话", None),
        ("2024年市教育行政工作会强调讲话", "2024年市教育行政工作会"),
        ("关于教育工作的几点思考", ""),
    ],
)
def test_meeting_from_title(title: str, meeting: str | None) -> None:
    found = meeting_from_title(title)
    if meeting is None:  # raw spacing: still the words between 在 and 上的讲话
        assert found.startswith("市委教育工作领导小组") and found.endswith("工作会议")
    else:
        assert found == meeting


def test_title_from_source_skips_index_and_hash() -> None:
    assert title_from_source("003_6f23c409fe163a4d.txt") == ""
    assert title_from_source("012_在全市教育大会上的讲话_6f23c409fe.docx") == "在全市教育大会上的讲话"


# --- robustness ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "在全市大会上的讲话",
                    "杨继宏",
                    "（2023 年 4 月 28 日）",
                    "同志们：",
                    "一、总体要求",
                    BODY,
                    "",
                ]
            ),
            st.text(max_size=60),
        ),
        max_size=30,
    )
)
def test_split_never_raises_and_spans_are_consistent(parts: list[str]) -> None:
    cleaned = clean_text("\n".join(parts))
    found = split_speeches(cleaned, raw="\n".join(parts), source="x.txt")
    assert (found == []) == (cleaned == "")
    for span in found:
        assert span.text == cleaned[span.start : span.end]
        assert span.date == "" or parse_date(f"{span.date[:4]}年{span.date[5:7]}月{span.date[8:]}日")
