"""Layouts met on speeches written outside the team (blind set 4, now a development set): formulations
spelled out after the code's own sentence, lists that carry no 等, a table of contents labelled "目 录",
a Word title styled as a heading, news leads and minutes without a title line, a compilation's numbered
speech labels. Each case is a small text of its own, not a copy of the set's speeches."""

from __future__ import annotations

from core.records import Formulation
from ingest.clean import clean_text
from ingest.formulations import find_formulations
from ingest.outline import parse_outline
from ingest.speeches import split_speeches
from tests.unit.test_formulations import assert_consistent

BODY = "要坚持问题导向，把各项任务落到实处，确保群众满意。" * 12


def formulations(text: str) -> dict[str, Formulation]:
    found = find_formulations(text, parse_outline(text))
    assert_consistent(text, found)
    return {f.name: f for f in found}


def labels(f: Formulation) -> list[str]:
    return [i.label for i in f.items]


# --- formulations ---------------------------------------------------------------------------------


def test_code_parts_explained_in_the_sentences_after_the_code() -> None:
    text = (
        "从今年起，全市推行“4321”工作法。“4”就是四级联动，层层签订承诺书；“3”就是入职查、年度查、"
        "晋升查三项审查；“2”就是学生评教和家长评教两类评价；“1”就是建立一人一档。"
    )
    code = formulations(text)["4321"]
    assert labels(code) == [
        "四级联动",
        "入职查、年度查、晋升查三项审查",
        "学生评教和家长评教两类评价",
        "建立一人一档",
    ]
    assert code.items[0].text.endswith("层层签订承诺书")  # the item runs to its part's end, past the comma


def test_a_list_right_before_a_name_needs_exactly_its_count() -> None:
    found = formulations("二要找准定位，围绕全市新能源电池、精密机械、文旅康养三大主导产业来调整专业。")
    assert labels(found["三大主导产业"]) == ["全市新能源电池", "精密机械", "文旅康养"]
    two = formulations("围绕新能源电池、精密机械、文旅康养两大主导产业来调整专业。")
    assert two.get("两大主导产业") is None or two["两大主导产业"].items == ()  # three parts are no two
    clause = formulations("各县（市、区）要尽快建立“两个清单”，实行挂号销号管理。")
    assert clause.get("两个清单") is None or clause["两个清单"].items == ()  # "区）要尽快建立" is no item


def test_a_verb_run_ending_at_a_comma_and_a_semicolon_run_after_a_colon() -> None:
    text = (
        "今年全市要全面推进“四个对接”，也就是突出“专业对接产业”、突出“课程对接岗位”、突出“教学对接生产”、"
        "突出“实训对接车间”，推动校企合作走深走实。\n"
        "具体来说，要做到“三个一批”：建设一批产业学院，今年新建8个；打造一批“双师型”教师队伍，比例达到65%；"
        "培养一批“霁州工匠”，每年输送3000人。"
    )
    found = formulations(text)
    assert len(found["四个对接"].items) == 4 and labels(found["四个对接"])[0] == "突出“专业对接产业”"
    assert labels(found["三个一批"]) == ["建设一批产业学院", "打造一批“双师型”教师队伍", "培养一批“霁州工匠”"]


# --- structure and heads ---------------------------------------------------------------------------


def test_a_run_after_ji_with_the_named_count_beats_shorter_ordinals_after_it() -> None:
    text = (
        f"一、抓好开学安全\n{BODY}\n"
        "开学工作要做到“四个到位”，即人员到位、经费到位、设施到位、责任到位。一是各校要落实校长责任；"
        "二是各校要上好开学第一课；三是教育局要组织一次督查。\n"
    )
    assert labels(formulations(text)["四个到位"]) == ["人员到位", "经费到位", "设施到位", "责任到位"]


def test_a_codes_quoted_parts_one_per_line_are_its_items() -> None:
    text = (
        f"一、抓好开学安全\n{BODY}\n"
        "全区各学校要全面推行“3456”安全管理模式。“3”即每天3个时段护学岗值守；“4”即每学期开展4次演练；\n"
        "“5”即对5类学生重点关爱；\n“6”即围绕6个方面开展安全教育。\n"
    )
    assert [i.text[:3] for i in formulations(text)["3456"].items] == ["“3”", "“4”", "“5”", "“6”"]


def test_items_before_a_name_that_points_back_with_zhe() -> None:
    text = (
        f"一、推进县中振兴\n{BODY}\n"
        "我们要突出“扩容”，就是要扩大资源；突出“提质”，就是要提高质量；突出“特色”，就是要办出特色。"
        "这“三个突出”，是今后三年的总要求。今年还要实现标准化实验室全覆盖、智慧教室全覆盖，这“两个全覆盖”要在年底前验收。\n"
    )
    found = formulations(text)
    assert labels(found["三个突出"]) == ["突出“扩容”", "突出“提质”", "突出“特色”"]
    assert labels(found["两个全覆盖"]) == ["标准化实验室全覆盖", "智慧教室全覆盖"]


def test_a_run_with_the_named_count_beats_the_sentences_that_open_with_its_head() -> None:
    text = (
        f"一、加强思政教育\n{BODY}\n"
        "要推动思政教育“四进”：进课堂、进社团、进家庭、进社区。进课堂，就是要上好思政课；进社团，就是要办好社团。\n"
    )
    assert labels(formulations(text)["四进"]) == ["进课堂", "进社团", "进家庭", "进社区"]


def test_toc_labelled_without_a_colon_is_dropped_but_the_body_headings_stay() -> None:
    raw = f"会议纪要\n目　录\n一、关于学前教育\n二、关于校园安全\n一、关于学前教育\n{BODY}\n二、关于校园安全\n{BODY}\n"
    cleaned = clean_text(raw)
    assert cleaned.count("一、关于学前教育") == 1 and "目　录" not in cleaned and "目 录" not in cleaned
    assert [s.title for s in parse_outline(cleaned)] == ["关于学前教育", "关于校园安全"]


def test_a_word_title_styled_as_heading_1_is_no_part() -> None:
    text = f"2025-05-12\n# 守护学生健康成长\n——某副区长在全区动员会上的讲话\n同志们：\n{BODY}\n# 认清形势\n{BODY}\n# 突出重点\n{BODY}\n"
    assert [s.title for s in parse_outline(text)] == ["认清形势", "突出重点"]


def test_a_news_lead_names_the_one_speaker_and_the_meeting() -> None:
    raw = (
        "我市召开教育数字化转型推进会\n2025-09-18 08:45 来源：霁州日报\n"
        "9月16日，全市教育数字化转型推进会在云台区召开。市教育局党组书记、局长钟明远出席会议并讲话。\n"
        f"{BODY}\n"
    )
    (speech,) = split_speeches(clean_text(raw), raw=raw, source="news.txt")
    assert (speech.speaker, speech.speaker_post) == ("钟明远", "局长")
    assert speech.meeting == "全市教育数字化转型推进会"
    assert speech.display_date == "2025-09-18（发布日期）"


def test_untitled_minutes_are_named_by_the_meeting_they_record() -> None:
    raw = f"二〇二五年七月八日\n7月8日上午，市人民政府召开全市中考招生工作会议。副市长贺文涛出席会议并讲话。\n{BODY}\n"
    (speech,) = split_speeches(clean_text(raw), raw=raw, source="minutes.txt")
    assert speech.title == speech.meeting == "全市中考招生工作会议"
    assert speech.speaker == "贺文涛"


def test_a_compilation_splits_at_its_numbered_speech_labels() -> None:
    raw = (
        "推进会领导讲话汇编\n"
        f"一、沈明轩市长在推进会上的讲话\n青禾市人民政府市长 沈明轩\n（2025年5月22日）\n同志们：\n{BODY}\n"
        f"二、程晓燕副市长在推进会上的讲话\n青禾市人民政府副市长 程晓燕\n（2025年5月22日）\n同志们：\n{BODY}\n"
    )
    found = split_speeches(clean_text(raw), raw=raw, source="汇编.docx")
    assert [s.speaker for s in found] == ["沈明轩", "程晓燕"]


def test_a_second_speakers_head_without_a_title_opens_a_speech_at_the_same_meeting() -> None:
    raw = (
        "在全区学生安全工作推进会上的讲话\n中共青禾区委书记　沈明轩\n（2025年4月15日）\n同志们：\n"
        f"{BODY}\n区政府副区长　程晓燕\n（2025年4月15日）\n同志们：\n{BODY}\n"
    )
    found = split_speeches(clean_text(raw), raw=raw, source="讲话.txt")
    assert [(s.speaker, s.speaker_post) for s in found] == [("沈明轩", "区委书记"), ("程晓燕", "副区长")]
    assert found[1].meeting == found[0].meeting == "全区学生安全工作推进会"
    assert found[1].title == "在全区学生安全工作推进会上的讲话"


def test_a_word_headings_mark_is_never_part_of_a_sentence() -> None:
    from core.sentences import split_sentences

    text = "前文。\n## （二）实施教师强基行动\n正文。"
    shown = [(s.text, text[s.start : s.end]) for s in split_sentences(text)]
    assert shown == [
        ("前文。", "前文。"),
        ("（二）实施教师强基行动", "（二）实施教师强基行动"),
        ("正文。", "正文。"),
    ]


def test_yi_shi_after_a_comma_opens_an_inline_list() -> None:
    from core.records import Document
    from ingest.lists import find_lists

    text = (
        "第二部分 清醒看到存在的突出问题\n"
        "究其原因，一是有的教师理想信念淡化；二是有的学校管理失之于宽；三是监督渠道还不够畅通。\n"
    )
    doc = Document(doc_id="d1", source="x.txt", text=text, title="t", sections=parse_outline(text))
    inline = [c for c in find_lists(doc) if c.kind == "inline"]
    assert [i.label[:4] for i in inline[0].items] == ["一是有的", "二是有的", "三是监督"]


def test_inline_items_after_commas_end_where_the_next_one_opens() -> None:
    from core.records import Document
    from ingest.lists import find_lists

    text = (
        "第一部分 希望企业主动参与\n"
        "希望各位企业家，一要把职业院校当成人才蓄水池，二要拿出一些岗位和设备给学生练手，三要把技术标准带进课堂。\n"
    )
    doc = Document(doc_id="d1", source="x.txt", text=text, title="t", sections=parse_outline(text))
    inline = [c for c in find_lists(doc) if c.kind == "inline"]
    assert [i.label for i in inline[0].items] == [
        "一要把职业院校当成人才蓄水池",
        "二要拿出一些岗位和设备给学生练手",
        "三要把技术标准带进课堂",
    ]
    assert all(text[i.start : i.end] == i.label for i in inline[0].items)


def test_a_compilations_label_of_the_speech_is_no_part_of_it() -> None:
    text = f"二、程晓燕副市长在推进会上的讲话\n同志们：\n一是全面摸清底数。{BODY}\n二是坚持两个确保。{BODY}\n"
    assert [s.marker for s in parse_outline(text)] == ["一是", "二是"]


def test_a_meeting_named_with_its_year_keeps_the_year() -> None:
    raw = (
        "北湾区校园安全工作会议纪要\n"
        "8月28日，北湾区2024年秋季学期校园安全工作会议在区政府召开。副区长温雅琴出席会议并讲话。\n"
        f"{BODY}\n"
    )
    (speech,) = split_speeches(clean_text(raw), raw=raw, source="minutes.pdf")
    assert speech.meeting == "北湾区2024年秋季学期校园安全工作会议"
