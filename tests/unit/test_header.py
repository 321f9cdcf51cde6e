"""Speech heads in every layout of GENRE.md, on synthetic speeches (fictional places and people).

Each case goes through the real pipeline head: raw text → clean_text → split_speeches, so the noise
lines a page adds are dropped by the cleaner and the rest is read by `ingest.header`.
"""

from __future__ import annotations

import pytest

from ingest.clean import clean_text
from ingest.header import post_of, read_header, speaker_aliases, speaker_and_post, spoken_at
from ingest.speeches import SpeechSpan, split_speeches

BODY = (
    "今天召开这次会议，主要任务是总结去年工作，部署今年任务。全县上下要坚持把学生成长放在首位，"
    "扎实推进各项重点工作，确保每一项任务落地见效。" * 4
)


def one(raw: str) -> SpeechSpan:
    found = split_speeches(clean_text(raw), raw=raw, source="上传.txt")
    assert len(found) == 1, [s.title for s in found]
    return found[0]


def test_breadcrumb_main_title_subtitle_post_and_name_date_in_brackets() -> None:
    span = one(
        "首页 > 新闻中心 > 领导讲话 > 正文\n凝心聚力 奋力谱写教育强县建设新篇章\n"
        "——在2025年全县教育工作会议上的讲话\n中共青禾县委书记　韩立群\n（2025年2月18日）\n同志们：\n" + BODY
    )
    assert span.title == "凝心聚力 奋力谱写教育强县建设新篇章——在2025年全县教育工作会议上的讲话"
    assert span.subtitle == "在2025年全县教育工作会议上的讲话"
    assert (span.speaker, span.speaker_post, span.date) == ("韩立群", "县委书记", "2025-02-18")
    assert span.meeting == "2025年全县教育工作会议"
    assert "首页" not in span.text and span.text.startswith("凝心聚力")


def test_subtitle_alone_is_the_title_and_post_before_the_name() -> None:
    span = one(
        "您现在的位置：首页 > 领导讲话\n——在2025年全市教育工作会议上的讲话\n市长　张明德\n同志们：\n" + BODY
    )
    assert (span.title, span.subtitle) == ("在2025年全市教育工作会议上的讲话", "")
    assert (span.speaker, span.speaker_post) == ("张明德", "市长")


def test_speaker_and_post_inside_the_subtitle() -> None:
    span = one(
        "绿洲市人民政府门户网站 >> 政务公开 >> 领导讲话\n扎实推进义务教育优质均衡\n"
        "——周明远副市长在全市义务教育优质均衡推进会上的讲话\n" + BODY
    )
    assert span.title == "扎实推进义务教育优质均衡——周明远副市长在全市义务教育优质均衡推进会上的讲话"
    assert (span.speaker, span.speaker_post) == ("周明远", "副市长")
    assert span.meeting == "全市义务教育优质均衡推进会"
    assert "门户网站" not in span.text


def test_date_line_before_the_title_and_name_with_date_on_one_line() -> None:
    span = one("2024年11月7日\n在全区教师队伍建设座谈会上的讲话\n王晓岚　2024年11月7日\n" + BODY)
    assert span.title == "在全区教师队伍建设座谈会上的讲话"
    assert (span.speaker, span.date) == ("王晓岚", "2024-11-07")


@pytest.mark.parametrize(
    ("date_line", "iso"),
    [
        ("二〇二四年十一月七日", "2024-11-07"),
        ("2024-11-08", "2024-11-08"),
        ("（2025年2月18日）", "2025-02-18"),
    ],
)
def test_every_date_form_first_or_under_the_title(date_line: str, iso: str) -> None:
    assert one(f"{date_line}\n在全区学前教育工作推进会上的讲话\n同志们：\n{BODY}").date == iso
    assert one(f"在全区学前教育工作推进会上的讲话\n{date_line}\n同志们：\n{BODY}").date == iso


def test_source_line_gives_the_publishing_date_not_the_speech_date() -> None:
    raw = (
        "在全区学前教育工作推进会上的讲话\n来源：红柳区教育局  发布时间：2025-02-20 10:35  阅读次数：2316  "
        "字号：大 中 小\n【打印本页】【关闭窗口】\n分享到：\n（2025年2月14日）\n同志们：\n"
        + BODY
        + "\n责任编辑：马小川"
    )
    span = one(raw)
    assert (span.date, span.published, span.display_date) == ("2025-02-14", "2025-02-20", "2025-02-14")
    for noise in ("来源", "阅读次数", "打印本页", "分享到", "责任编辑"):
        assert noise not in span.text
    undated = one(raw.replace("（2025年2月14日）\n", ""))
    assert (undated.date, undated.display_date) == ("", "2025-02-20（发布日期）")


def test_work_report_with_role_list_and_tongzhi_subtitle() -> None:
    span = one(
        "——孙建国同志在全市教育系统工作会议上的工作报告\n绿洲市教育局党组书记、局长　孙建国\n同志们：\n"
        + BODY
    )
    assert span.title == "孙建国同志在全市教育系统工作会议上的工作报告"
    assert (span.speaker, span.speaker_post) == ("孙建国", "党组书记、局长")
    assert span.meeting == "全市教育系统工作会议"


def test_docx_heading_title_and_deputy_posts() -> None:
    span = one("# 在全县职业教育工作会议上的讲话\n县委副书记、县长 李青山\n2025年3月5日\n同志们：\n" + BODY)
    assert (span.title, span.speaker, span.speaker_post) == (
        "在全县职业教育工作会议上的讲话",
        "李青山",
        "县委副书记、县长",
    )
    assert span.date == "2025-03-05"


def test_title_with_enumeration_comma_is_not_joined_to_the_body() -> None:
    span = one("市委常委、常务副市长　赵某某在全市教育、科技、人才工作会议上的讲话\n" + BODY)
    assert span.title == "市委常委、常务副市长赵某某在全市教育、科技、人才工作会议上的讲话"
    assert (span.speaker, span.speaker_post) == ("赵某某", "市委常委、常务副市长")
    assert span.meeting == "全市教育、科技、人才工作会议"


def test_plain_title_without_talk_words_is_still_the_title() -> None:
    span = one("关于进一步加强全县中小学教师队伍建设的几点思考\n" + BODY)
    assert span.title == "关于进一步加强全县中小学教师队伍建设的几点思考"
    assert span.title_source == "text"


def test_short_label_line_is_not_a_title() -> None:
    span = one("领导讲话\n同志们：\n" + BODY)
    assert span.title_source != "text"


def test_two_speeches_with_new_layout_heads_split_with_their_main_titles() -> None:
    first = "凝心聚力谱写新篇\n——在全县教育大会上的讲话\n县长　李青山\n（2025年3月5日）\n同志们：\n" + BODY
    second = (
        "守正创新办好教育\n——在全县教育大会上的总结讲话\n县委书记　韩立群\n（2025年3月5日）\n同志们：\n"
        + BODY
    )
    found = split_speeches(clean_text(first + "\n" + second))
    assert [s.speaker for s in found] == ["李青山", "韩立群"]
    assert [s.speaker_post for s in found] == ["县长", "县委书记"]
    assert found[1].text.startswith("守正创新办好教育\n")
    assert found[1].title == "守正创新办好教育——在全县教育大会上的总结讲话"


# --- the helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "post"),
    [
        ("中共青禾县委书记 韩立群", "韩立群", "县委书记"),
        ("绿洲市教育局党组书记、局长　孙建国", "孙建国", "党组书记、局长"),
        ("市长 张某", "张某", "市长"),
        ("韩立群 区委书记", "韩立群", "区委书记"),
        ("杨继宏", "杨继宏", ""),
        ("市委常委、副市长 杨继宏", "杨继宏", "市委常委、副市长"),
        ("同志们：", "", ""),
        ("今天，开会", "", ""),
        ("副市长", "", ""),
        ("开学致辞", "", ""),
    ],
)
def test_speaker_and_post(line: str, name: str, post: str) -> None:
    assert speaker_and_post(line) == (name, post)


@pytest.mark.parametrize(
    ("title", "said"),
    [
        ("——周某某副市长在全市推进会上的讲话", ("周某某", "副市长", "全市推进会")),
        ("张三同志在全市教育大会上的讲话", ("张三", "", "全市教育大会")),
        ("市长在全市教育大会上的讲话", ("", "市长", "全市教育大会")),
        ("在2025年全市教育工作会议上的工作报告", ("", "", "2025年全市教育工作会议")),
        ("关于教育工作的几点思考", None),
    ],
)
def test_spoken_at(title: str, said: tuple[str, str, str] | None) -> None:
    assert spoken_at(title) == said


def test_post_of_drops_organisations() -> None:
    assert post_of("中共红柳区委副书记、区长") == "区委副书记、区长"
    assert post_of("红柳区教育局") == ""


def test_head_stops_at_running_text_and_headings() -> None:
    head = read_header(["在全县大会上的讲话", "一、统一思想", "李青山", "2025年3月5日"])
    assert (head.title, head.speaker, head.date, head.lines) == ("在全县大会上的讲话", "", "", 1)
    head = read_header(["同志们：", "在全县大会上的讲话"])
    assert head.title == "" and head.lines == 0


def test_saved_page_menus_before_the_head_and_a_repeated_page_title() -> None:
    raw = (
        "白沙县人民政府 | 无障碍浏览 | English | 2025年4月16日 星期三\n政务服务\n互动交流\n走进白沙\n"
        "唐国栋在全县校园安全工作推进会上的讲话\n主要领导讲话\n在全县校园安全工作推进会上的讲话\n县长　唐国栋\n"
        "2025年4月11日\n同志们：\n" + BODY
    )
    span = one(raw)
    assert span.title == "在全县校园安全工作推进会上的讲话"  # the title line next to the body wins
    assert (span.speaker, span.speaker_post, span.date) == ("唐国栋", "县长", "2025-04-11")
    assert "无障碍浏览" not in span.text and "主要领导讲话" not in span.text


def test_more_short_lines_than_a_head_keeps_the_lines_next_to_the_body() -> None:
    menus = "\n".join(["政务服务", "互动交流", "走进红柳", "办事指南", "数据开放", "专题专栏", "公众参与"])
    span = one(f"{menus}\n在全区教育大会上的讲话\n区长　马东来\n（2025年3月1日）\n同志们：\n{BODY}")
    assert (span.title, span.speaker, span.date) == ("在全区教育大会上的讲话", "马东来", "2025-03-01")


def test_page_break_after_an_opening_quote_is_joined() -> None:
    text = clean_text("我给同学们提三点希望，概括起来就是“\n三个学会”。下面分别来讲。")
    assert text == "我给同学们提三点希望，概括起来就是“三个学会”。下面分别来讲。"


def test_file_with_a_contents_list_of_two_speeches() -> None:
    meeting = "全区学前教育推进会"
    raw = (
        f"区领导在{meeting}上的讲话\n目录\n区委书记韦向阳在{meeting}上的讲话\n副区长龙雨琳在{meeting}上的讲话\n"
        f"区委书记韦向阳在{meeting}上的讲话\n（2025年5月28日）\n同志们：\n{BODY}\n"
        f"副区长龙雨琳在{meeting}上的讲话\n（2025年5月28日）\n同志们：\n{BODY}"
    )
    found = split_speeches(clean_text(raw), raw=raw)
    assert [(s.speaker, s.speaker_post) for s in found] == [("韦向阳", "区委书记"), ("龙雨琳", "副区长")]
    assert [s.title for s in found] == [
        f"区委书记韦向阳在{meeting}上的讲话",
        f"副区长龙雨琳在{meeting}上的讲话",
    ]
    assert {s.meeting for s in found} == {meeting}


def test_minutes_with_a_date_line_then_a_news_title() -> None:
    span = one(
        "2024-11-08\n杜明山主持召开市政府常务会议 研究部署校园食品安全工作\n11月7日下午，市长杜明山主持召开会议。"
        + BODY
    )
    assert span.title == "杜明山主持召开市政府常务会议 研究部署校园食品安全工作"
    assert (span.date, span.title_source) == ("2024-11-08", "text")


def test_party_lecture_subtitle_names_the_speaker() -> None:
    span = one(
        "2025年4月16日\n# 争做新时代“大先生”\n——蓝启文同志在全市教育系统专题党课上的讲稿\n同志们：\n" + BODY
    )
    assert span.title == "争做新时代“大先生”——蓝启文同志在全市教育系统专题党课上的讲稿"
    assert (span.speaker, span.meeting, span.date) == ("蓝启文", "全市教育系统专题党课", "2025-04-16")


def test_minutes_name_the_chair_and_their_post() -> None:
    span = one(
        "冯立新主持召开全市“双减”工作专题会议\n12月3日下午，副市长冯立新主持召开全市“双减”工作专题会议。"
        + BODY
    )
    assert (span.speaker, span.speaker_post) == ("冯立新", "副市长")


def test_subtitle_naming_a_meeting_without_zai() -> None:
    span = one("# 赓续师道初心\n——全市教育系统师德师风建设专题党课\n许清源　2025年6月20日\n同志们：\n" + BODY)
    assert (span.meeting, span.speaker, span.date) == (
        "全市教育系统师德师风建设专题党课",
        "许清源",
        "2025-06-20",
    )


def test_minutes_whose_title_names_no_one_take_the_chair_of_the_first_sentence() -> None:
    span = one(
        "青禾县召开县委常委会会议专题研究县中振兴工作\n11月7日下午，县委书记韩立群主持召开县委常委会会议。"
        + BODY
    )
    assert (span.speaker, span.speaker_post) == ("韩立群", "县委书记")


def test_speaker_aliases_for_questions_naming_surname_and_post() -> None:
    aliases = speaker_aliases("韩立群", "县委书记")
    assert {"韩立群", "韩书记", "韩县委书记", "韩立群县委书记", "县委书记", "书记"} <= set(aliases)
    assert {"孙局长", "孙书记"} <= set(speaker_aliases("孙建国", "党组书记、局长"))
    assert {"周副市长", "周常务副市长"} <= set(speaker_aliases("周明远", "常务副市长"))
    assert "欧阳副区长" in speaker_aliases("欧阳明远", "副区长")
    assert speaker_aliases("", "市长") == ("市长",)
    assert speaker_aliases("杨继宏", "") == ("杨继宏",)


def test_a_news_page_printing_two_labelled_speeches_splits_them() -> None:
    """A news lead, then "区委书记某某的讲话" / "同志们：" and "副区长某某的讲话" / "同志们：": two
    speeches, each with the speaker its label names."""
    raw = (
        "白沙区召开教育工作推进会\n"
        "6月3日，白沙区教育工作推进会召开。区委书记罗安平出席会议并讲话，副区长许青就有关工作作部署。\n"
        f"区委书记罗安平的讲话\n同志们：\n{BODY}\n"
        f"副区长许青的讲话\n同志们：\n{BODY}\n"
    )
    found = split_speeches(clean_text(raw), raw=raw, source="新闻.html")
    assert [(s.speaker, s.speaker_post) for s in found] == [("罗安平", "区委书记"), ("许青", "副区长")]
    assert found[0].title == "白沙区召开教育工作推进会"
    # the label names no meeting: the second speech is the page's, under its title
    assert found[1].title == "白沙区召开教育工作推进会——副区长许青的讲话"
    assert found[1].meeting == "白沙区召开教育工作推进会"


@pytest.mark.parametrize(
    ("label", "said"),
    [
        ("副区长许青的讲话", ("许青", "副区长", "")),
        ("罗安平同志的讲话", ("罗安平", "", "")),
        ("领导的讲话", None),  # no name
        ("习近平总书记的重要讲话", None),  # quoted, not a label over a speech
    ],
)
def test_a_label_over_a_printed_speech_names_its_speaker(
    label: str, said: tuple[str, str, str] | None
) -> None:
    assert spoken_at(label) == said


def test_a_saved_pages_source_body_is_kept_as_the_publisher() -> None:
    """ "来源：云川市教育局" is dropped from the text as page furniture but says whose 全市 it is."""
    raw = f"关于校园安全的讲话\n来源：白沙市教育局　　发布时间：2025-05-06 09:12　　阅读次数：1582\n同志们：\n{BODY}\n"
    span = one(raw)
    assert span.publisher == "白沙市教育局" and "来源" not in span.text
    assert one(f"关于校园安全的讲话\n同志们：\n{BODY}\n").publisher == ""


def test_a_label_without_de_and_the_speechs_own_title_under_it_still_split() -> None:
    """ "骆某市长讲话" / "持续深化…" / "同志们：": label, the speech's own title, salutation."""
    raw = (
        "全市教育工作推进会召开\n5月14日，全市教育工作推进会召开。市长罗安平、副秘书长许青出席会议并讲话。\n"
        f"罗安平市长讲话\n持续深化改革 让教育回归育人本位\n同志们：\n{BODY}\n"
        f"许青副秘书长讲话\n关于做好当前几项工作的意见\n同志们：\n{BODY}\n"
    )
    found = split_speeches(clean_text(raw), raw=raw, source="新闻.html")
    assert [(s.speaker, s.speaker_post) for s in found] == [("罗安平", "市长"), ("许青", "副秘书长")]
