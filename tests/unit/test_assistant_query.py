"""Reading a question: numerals, its shape, the formulations, speeches and sections it names."""

from __future__ import annotations

import pytest

from assistant.formulation_match import FormulationMatch, match_formulations
from assistant.naming import formulation_head
from assistant.query import (
    asks_definition,
    compact,
    detect_shape,
    item_ordinals,
    list_head,
    named_documents,
    named_sections,
    naming,
    ordinal_part,
    wants_list,
)
from core.numerals import parse_numeral, to_chinese
from core.records import Document, Formulation
from tests.fakes import sample_speeches


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return {doc.doc_id: doc for doc, _ in sample_speeches()}


@pytest.fixture(scope="module")
def formulations(documents: dict[str, Document]) -> list[tuple[str, Formulation]]:
    return [(d, f) for d, doc in documents.items() for f in doc.formulations]


def doc_of(documents: dict[str, Document], source: str, speaker: str = "") -> Document:
    """The sample speech from file `source…` (and `speaker`: 002 holds two speeches)."""
    found = [d for d in documents.values() if d.source.startswith(source) and speaker in d.speaker]
    assert len(found) == 1, (source, speaker, found)
    return found[0]


def names(matches: list[FormulationMatch], documents: dict[str, Document]) -> list[tuple[str, str, bool]]:
    return sorted((documents[m.doc_id].source[:3], m.formulation.name, m.exact) for m in matches)


# --- numerals --------------------------------------------------------------------------------


NUMERALS = {"一": 1, "两": 2, "二": 2, "十": 10, "十二": 12, "二十": 20, "二十三": 23, "九十九": 99,
            "8": 8, "12": 12, "〇": 0}  # fmt: skip


@pytest.mark.parametrize(("text", "value"), NUMERALS.items())
def test_parse_numeral_reads_chinese_and_arabic_numbers(text: str, value: int) -> None:
    assert parse_numeral(text) == value


@pytest.mark.parametrize("text", ["", "三四", "一百", "十二三", "二二十", "保障", "两个"])
def test_parse_numeral_refuses_what_is_not_a_number_up_to_99(text: str) -> None:
    assert parse_numeral(text) is None


def test_to_chinese_writes_ordinals_and_round_trips() -> None:
    assert [to_chinese(n) for n in (1, 2, 10, 11, 12, 20, 23, 99)] == [
        "一", "二", "十", "十一", "十二", "二十", "二十三", "九十九"
    ]  # fmt: skip
    assert all(parse_numeral(to_chinese(n)) == n for n in range(1, 100))


# --- shape -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "shape"),
    [
        ("杨生俊的讲话分几个部分？", "outline"),
        ("这篇讲话第三部分有哪几条？", "outline"),
        ("讲话的提纲是什么", "outline"),
        ("提纲里的“5＋N”千百亿产业集群，那5个是啥产业", "general"),  # 提纲 names the speech here
        ("学前教育资源结构怎么样", "general"),  # a structure of resources, not of the speech
        ("为啥说学前教育首当其冲", "explanation"),
        ("各篇讲话对职业教育提了哪些要求？", "cross"),
        ("哪些讲话提到了县管校聘", "cross"),
        ("幼儿园普惠这块各地讲话都有啥安排", "cross"),
        ("为什么要深化教育评价改革？", "explanation"),
        ("县管校聘改革如何推进", "explanation"),
        ("全市新增中小学编制多少个？", "fact"),
        ("教师节之前要补足什么？什么时候？", "fact"),
        ("两个保障是什么？", "general"),
    ],
)
def test_detect_shape(question: str, shape: str) -> None:
    assert detect_shape(question) == shape


def test_wants_list_sees_enumeration_words() -> None:
    assert wants_list("学校安全方面要做到哪些到位")
    assert wants_list("三个关键包括什么")
    assert wants_list("哪五个到位")
    assert wants_list("加强师资队伍建设的四个“强化”是什么？")  # a counted term asked about as such
    assert not wants_list("全市新增中小学编制多少个")
    assert not wants_list("两个保障的经费从哪来")
    assert wants_list("“以资源优化为重点”那一条分了几小点，各是啥")


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("师德师风建设要严把哪几关", "关"),
        ("推进教师资源交流可以用哪几种方式", "方式"),
        ("讲话提纲里要心怀的是哪几个“者”", "者"),
        ("杨继宏提到的教师培养计划有哪几个？", "计划"),
        ("要做到哪几个“到位”？", "到位"),
        ("杨生俊的讲话讲了哪几个方面？", None),  # 方面, 部分: the outline's own words
        ("教师保障具体要抓哪几件事", None),  # things, not a word the items share
        ("“以德育铸魂为引领”下面有哪几点", None),  # where, not what
        ("各篇讲话对职业教育提了哪些要求？", None),  # every requirement is a 要求
    ],
)
def test_list_head_is_the_word_the_items_share(question: str, head: str | None) -> None:
    assert list_head(question) == head


# --- formulations ------------------------------------------------------------------------------


def test_formulation_head_splits_count_classifier_and_head() -> None:
    assert formulation_head("两个保障") == (2, "保障")
    assert formulation_head("八项工程") == (8, "工程")
    assert formulation_head("12881") == (None, "12881")
    assert formulation_head("“四有”好老师") == (4, "有好老师")


def test_compact_ignores_quotes_and_spaces() -> None:
    assert compact("“两个 保障”") == compact("两个保障") == "两个保障"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("两个保障是什么？", [("000", "两个保障", True)]),
        ("“两个保障”是什么？", [("000", "两个保障", True)]),
        ("哪两个保障", [("000", "两个保障", True)]),  # the name stands in it, split only by 哪
        ("两大保障指的是哪两个？", [("000", "两个保障", False)]),
        ("保障有哪两个", [("000", "两个保障", False)]),
        ("“12881”是什么", [("003", "12881", True)]),
        ("八项工程是什么", [("003", "八项工程", True)]),  # not 八项改革, not 八项重点工作
    ],
)
def test_match_formulations_tolerates_loose_wording(
    question: str,
    expected: list[tuple[str, str, bool]],
    formulations: list[tuple[str, Formulation]],
    documents: dict[str, Document],
) -> None:
    assert names(match_formulations(question, formulations), documents) == expected


def test_a_wrong_count_or_an_unrelated_question_matches_nothing(
    formulations: list[tuple[str, Formulation]],
) -> None:
    assert match_formulations("两个关键是什么？", formulations) == []  # the speech has 三个关键
    assert match_formulations("教师培训怎么做？", formulations) == []


def test_a_name_in_two_speeches_matches_both(
    formulations: list[tuple[str, Formulation]], documents: dict[str, Document]
) -> None:
    assert names(match_formulations("三点意见是什么", formulations), documents) == [
        ("001", "三点意见", True),
        ("004", "三点意见", True),
    ]


def test_a_bare_count_matches_every_formulation_it_starts(
    formulations: list[tuple[str, Formulation]], documents: dict[str, Document]
) -> None:
    found = names(match_formulations("讲话里提到好几个“八项”，分别指什么", formulations), documents)
    found_names = {name for _, name, _ in found}
    assert {"八项工程", "八项改革", "八项重点工作"} <= found_names
    assert all(name.startswith("八项") and not exact for _, name, exact in found)
    assert {source for source, _, _ in found} == {"002", "003"}


def test_asks_definition_separates_what_from_something_else(
    formulations: list[tuple[str, Formulation]], documents: dict[str, Document]
) -> None:
    def arguments(question: str) -> tuple[str, list[str], str]:
        """What the answerer passes: names and item labels, and the text around each definition."""
        matches = match_formulations(question, formulations)
        assert matches, question
        labels = [m.formulation.name for m in matches] + [
            i.label for m in matches for i in m.formulation.items
        ]
        context = " ".join(
            f"{documents[m.doc_id].title} {documents[m.doc_id].speaker} "
            + documents[m.doc_id].text[max(0, m.formulation.start - 300) : m.formulation.end + 300]
            for m in matches
        )
        return question, labels, context

    for question in ("两个保障是什么？", "“两个保障”具体指哪两个", "朱书记提的“三个优先”是哪三个"):
        assert asks_definition(*arguments(question)), question
    for question in ("推动“两集中”时要注意哪些问题", "两个保障的经费从哪里来，财政预算怎么安排"):
        assert not asks_definition(*arguments(question)), question


def test_an_asking_character_glued_to_the_next_word_is_no_new_topic() -> None:
    """jieba cuts "说防溺水" as "说防": without 说 the rest ("防") stands in the passage."""
    context = "预防学生溺水工作，关键是要做到“四个到位”，即责任落实到位、隐患排查到位。"
    assert asks_definition("说防溺水要做到哪四个到位", ["四个到位"], context)
    assert not asks_definition("说防溺水的经费从哪来", ["四个到位"], context)


@pytest.mark.parametrize(
    ("question", "ordinals"),
    [
        ("杨生俊讲的八项重点工作的第七项和第八项是什么？", [7, 8]),
        ("第二个具体怎么做？", [2]),
        ("第3条是什么", [3]),
        ("两个保障是什么？", []),
        ("第三部分有哪几条？", []),  # a part of the speech, not an item of a list
    ],
)
def test_item_ordinals(question: str, ordinals: list[int]) -> None:
    assert item_ordinals(question) == ordinals


@pytest.mark.parametrize(
    ("question", "part"),
    [("第三部分讲了什么", 3), ("第二个方面是什么", 2), ("第十条", 10), ("两个保障是什么", None)],
)
def test_ordinal_part(question: str, part: int | None) -> None:
    assert ordinal_part(question) == part


# --- speeches and sections ---------------------------------------------------------------------


def test_named_documents_by_speaker(documents: dict[str, Document]) -> None:
    yang = doc_of(documents, "002", "杨生俊")
    assert named_documents("杨生俊的讲话分几个部分？", documents) == [yang.doc_id]
    assert named_documents("生俊同志讲了什么", documents) == [yang.doc_id]  # given name only
    other = doc_of(documents, "002", "杨继宏")
    assert named_documents("杨继宏讲的县管校聘怎么推进", documents) == [other.doc_id]


def test_named_documents_by_title_words_and_year(documents: dict[str, Document]) -> None:
    assert named_documents("2024年市教育行政工作会讲话第二部分", documents) == [
        doc_of(documents, "004").doc_id
    ]
    assert named_documents("高质量发展大会讲话", documents) == [doc_of(documents, "000").doc_id]
    assert named_documents("在全市教育工作高质量发展推进会议上讲了几点意见", documents) == [
        doc_of(documents, "001").doc_id
    ]
    both = {doc_of(documents, "002", "杨继宏").doc_id, doc_of(documents, "002", "杨生俊").doc_id}
    assert set(named_documents("2023年的会议讲了什么", documents)) == both


def test_a_title_piece_names_a_speech_where_the_question_speaks_of_one(
    documents: dict[str, Document],
) -> None:
    d001 = doc_of(documents, "001")
    # "教育高质量发展" is in 000's title but here it is the topic; "推进会议讲话" names 001
    named, words = naming("推进会议讲话从哪几个方面讲教育高质量发展的重大意义？", documents)
    assert named == [d001.doc_id] and words == ["推进会议"]
    meeting = Document(
        "dx", "x.txt", "同志们：\n要确保教育经费按时足额拨付。", title="在全市教育经费管理工作会议上的讲话"
    )
    with_meeting = documents | {"dx": meeting}
    assert naming("教育经费拨付滞后的县市区什么时候补足缺口？", with_meeting) == ([], [])
    assert naming("教育经费管理工作会议讲了什么", with_meeting)[0] == ["dx"]
    # a question about several speeches: the title's words are its topic, not one speech's name
    assert naming("教育经费在几个讲话里分别怎么部署的", with_meeting) == ([], [])
    # "会上的讲话" is in one title only, but it says nothing: the speaker names the speech
    yang = doc_of(documents, "002", "杨继宏")
    assert naming("杨继宏在领导小组会上的讲话讲了哪几个方面？", documents)[0] == [yang.doc_id]


def test_a_speech_named_by_what_only_it_says(documents: dict[str, Document]) -> None:
    d003 = doc_of(documents, "003")  # it has no title: "the speech that set out 12881"
    assert naming("提出“12881”总体工作思路的那篇讲话分几个部分？", documents)[0] == [d003.doc_id]
    assert naming("提出“教育”的那篇讲话", documents)[0] == []  # every speech says it


def test_words_every_title_shares_name_no_speech(documents: dict[str, Document]) -> None:
    assert named_documents("两个保障是什么", documents) == []
    assert named_documents("这篇讲话一共有几个部分", documents) == []


def test_named_sections_finds_a_quoted_heading(documents: dict[str, Document]) -> None:
    d001 = doc_of(documents, "001")
    found = named_sections("“加强组织领导，压实工作责任”具体提了哪些措施？", documents)
    assert (d001.doc_id, "s3.1") in found
    section = d001.section("s3.1")
    assert section is not None and section.title.startswith("加强组织领导")
    d003 = doc_of(documents, "003")
    assert named_sections("突出安全稳定，着力创建平安和谐校园有什么要求", documents) == [
        (d003.doc_id, "s2.9")
    ]
    assert named_sections("两个保障是什么", documents) == []
    d000 = doc_of(documents, "000")
    # a short heading no other section has names its section; a run three headings share names none
    assert named_sections("教师保障具体要抓哪几件事", documents) == [(d000.doc_id, "s3.2")]
    assert named_sections("推进教育高质量发展是什么", {d001.doc_id: d001}) == []


@pytest.mark.parametrize(
    "question",
    [
        "“加强组织领导，压实工作责任”具体提了哪些措施？",
        "突出安全稳定，着力创建平安和谐校园有什么要求",
        "教师保障具体要抓哪几件事",
        "推进教育高质量发展是什么",
        "两个保障是什么",
    ],
)
def test_the_corpus_heading_index_scoped_to_speeches_equals_an_index_of_them(
    documents: dict[str, Document], question: str
) -> None:
    # a scoped question uses the snapshot's index (building one per question cost seconds at scale)
    from assistant.lookup import HeadingIndex

    whole = HeadingIndex(documents)
    for doc_id in documents:
        few = {doc_id: documents[doc_id]}
        assert named_sections(question, few, whole) == named_sections(question, few)
    assert named_sections(question, documents, whole) == named_sections(question, documents)
