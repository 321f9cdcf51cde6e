"""Questions in staff's everyday words on a speech none of the fixtures are fitted to: money asked as
"钱", a compound said with another head ("专项经费" for the speech's "专项资金"), a value's kind named
("补助标准多少"), and sentences about the meeting itself, which match a question's words but never
answer it."""

from __future__ import annotations

import pytest

from assistant.followup import Turn
from assistant.service import PolicyAssistant
from core.records import LoadedText
from ingest.build import build_documents
from tests.fakes import MemoryStore

SPEECH = (
    "枫川区召开课后服务工作推进会\n（2025年10月15日）\n"
    "10月13日下午，枫川区召开课后服务工作推进会。区委书记葛明出席会议并讲话。\n"
    "会议指出，课后服务经费按照“政府补助+家长适当分担”方式筹措，区财政今年安排课后服务专项资金1200万元。"
    "全区68所义务教育学校全部开展课后服务，学生参与率达到95.6%。\n"
    "会议要求，落实乡村教师生活补助每人每月500元至1000元，全年发放补助资金2280万元。"
    "还有，教师参与课后服务的，在绩效工资分配和评优评先中予以倾斜。\n"
    "区教育局将组织专项督查，督查从11月1日开始，到11月30日结束。\n"
)


def over(**files: str) -> PolicyAssistant:
    """An assistant over these speeches (file name → text), built by the real ingest."""
    built = [pair for name, text in files.items() for pair in build_documents(LoadedText(name, text))]
    return PolicyAssistant(MemoryStore(built))


@pytest.fixture(scope="module")
def assistant() -> PolicyAssistant:
    return over(fenglin_html=SPEECH)


def test_money_asked_as_qian_is_answered_from_the_funding_sentence_not_the_meeting(
    assistant: PolicyAssistant,
) -> None:
    answer = assistant.ask("枫川区课后服务的钱从哪来")
    assert answer.answerable and "政府补助+家长适当分担" in answer.answer
    assert "召开" not in answer.answer


REPORT = (
    "凝心聚力谋发展——在2025年全县教育工作会议上的工作报告\n县教育局局长　范文涛\n（2025年1月16日）\n"
    "各位代表：\n现在，我代表县教育局向大会作工作报告，请予审议。\n"
    "一、2024年全县教育工作回顾\n过去一年，青山县新建学校5所，新增学位4050个。\n"
    "二、当前存在的主要问题\n在看到成绩的同时，我们也清醒认识到，全县教育还存在一些突出问题："
    "一是城乡教育发展不够均衡，城区大班额问题有所反弹；二是教师队伍结构性矛盾突出，音体美教师缺口较大；"
    "三是学前教育保教质量不高。\n"
    "三、2025年重点工作任务\n1.扩大学位供给\n今年要新建青山县第五小学，新增学位1620个。\n"
    "2.深化集团化办学\n推行“名校+新校”模式，集团内实行教师统一调配、课程统一安排，今年全县交流轮岗教师不少于300人。\n"
    "3.守牢安全底线\n县应急管理局要牵头做好预防学生溺水工作，全县43处重点水域明年5月1日前全部设置警示牌。\n"
    "四、保障措施\n要加强组织领导，落实经费保障。\n"
)


@pytest.fixture(scope="module")
def two() -> PolicyAssistant:
    return over(fenglin=SPEECH, report=REPORT)


def test_the_frame_of_a_speech_named_by_its_place_is_its_outline(two: PolicyAssistant) -> None:
    answer = two.ask("青山县2025年教育工作会议工作报告的框架")
    for part in ("工作回顾", "存在的主要问题", "重点工作任务", "保障措施"):
        assert part in answer.answer


def test_what_problems_remain_is_the_list_under_the_problems_heading(two: PolicyAssistant) -> None:
    answer = two.ask("工作报告里说青山教育还有哪些问题")
    for item in ("城乡教育发展不够均衡", "教师队伍结构性矛盾突出", "学前教育保教质量不高"):
        assert item in answer.answer


def test_how_many_items_a_part_has_is_answered_with_its_items(two: PolicyAssistant) -> None:
    answer = two.ask("青山县工作报告的重点工作任务有几条")
    assert "三" in answer.answer
    for item in ("扩大学位供给", "深化集团化办学", "守牢安全底线"):
        assert item in answer.answer


def test_how_many_things_in_the_world_stays_a_number(two: PolicyAssistant) -> None:
    answer = two.ask("青山县去年新建了几所学校")  # 几所 counts schools, not a list's items
    assert "5所" in answer.answer


# question → what the answer must quote
ONE_SPEECH = {
    "课后服务专项经费有多少": "1200万元",  # 专项经费 is the speech's 专项资金
    "乡村老师补助标准多少": "500元至1000元",  # 标准 names the value's kind
    "推进会谁出席的": "葛明",  # about the meeting itself: its sentences answer
    "专项督查搞到哪天结束": "11月30日",  # a date of the work, not the speech's own date
}
TWO_SPEECHES = {
    "范局长说集团化办学怎么搞": "名校+新校",  # the heading above names the topic
    "青山县防溺水明年怎么弄": "43处",  # jieba's 县防 is the place's 县 glued on
}


@pytest.mark.parametrize("question", ONE_SPEECH)
def test_staff_wording_finds_the_speechs_sentence(assistant: PolicyAssistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.answerable and ONE_SPEECH[question] in answer.answer


@pytest.mark.parametrize("question", TWO_SPEECHES)
def test_staff_wording_finds_the_sentence_among_two_speeches(two: PolicyAssistant, question: str) -> None:
    answer = two.ask(question)
    assert answer.answerable and TWO_SPEECHES[question] in answer.answer


TASKS = (
    "在全县教育工作推进会上的讲话\n县长　程立新\n（2025年3月28日）\n同志们：\n今天主要讲两点。\n"
    "一、认清形势\n全县已通过义务教育基本均衡国家认定。\n"
    "二、做到“四个统筹”\n（一）统筹城乡学校布局\n今年新建学校5所，改扩建学校12所。\n"
    "（二）统筹建设资金投入\n今年县财政安排创建资金1.8亿元，重点补齐办学条件短板。\n"
    "（三）统筹师资力量配置\n今年城区学校向乡村学校交流轮岗教师不少于180人。\n"
    "（四）统筹质量评价考核\n把创建成效纳入乡镇年度考核，每一项指标都落实到学校。\n"
)


@pytest.fixture(scope="module")
def tasks() -> PolicyAssistant:
    return over(fenglin=SPEECH, tasks=TASKS)


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ("钱那个统筹，今年县里拿了多少", "1.8亿元"),  # 钱 names the one item holding 资金
        ("第一个今年有啥具体任务", "5所"),  # 具体任务 only asks: the item as a whole
    ],
)
def test_a_follow_up_names_an_item_in_its_own_words(
    tasks: PolicyAssistant, follow_up: str, expected: str
) -> None:
    first = "程县长讲的四个统筹是啥"
    history = [Turn(first, tasks.ask(first))]
    answer = tasks.ask(follow_up, history=history)
    assert answer.answerable and expected in answer.answer


def test_a_cross_speech_question_naming_the_kind_of_value_finds_each_speechs_figure() -> None:
    answer = over(report=REPORT, tasks=TASKS).ask("老师交流轮岗在各篇讲话里定了多少指标")
    assert answer.answerable and "300人" in answer.answer and "180人" in answer.answer


def test_pointing_back_at_a_turn_that_said_nothing_asks_which_is_meant(two: PolicyAssistant) -> None:
    first = "帮我看看这几个讲话"
    said = two.ask(first)
    answer = two.ask("上面说的那个补助标准是多少", history=[Turn(first, said)])
    assert not said.answerable and not answer.answerable and answer.notice == "ambiguous"


CODED = (
    "关于县域高中振兴的讲话\n（2025年5月8日）\n为此，市政府决定实施县域高中振兴“3456”工程。"
    "具体来说：“3”就是新增3所省级示范性普通高中；“4”就是建成4所市级特色高中；"
    "“5”就是本科上线率提高5个百分点；“6”就是县中教师补充6百人。\n"
)


def test_a_digit_coded_programme_the_speeches_lack_is_refused_by_its_name() -> None:
    assistant = over(coded=CODED)
    absent = assistant.ask("县中振兴2345工程是啥")
    assert not absent.answerable and "2345" in absent.answer and "省级示范性" not in absent.answer
    present = assistant.ask("县中振兴3456工程是啥")
    assert present.answerable and "省级示范性普通高中" in present.answer


MOBILIZATION = (
    "守护学生健康成长——某副区长在全区动员会上的讲话\n（2025年5月12日）\n同志们：\n"
    "一、突出重点，把课后服务办出质量\n首先，要丰富服务内容。各校开设科技、体育、艺术课程。\n"
    "其次，要延长服务时间。结束时间不早于当地正常下班时间。\n再次，要规范收费管理。严禁变相收费。\n"
    "最后，要做好教师激励。课后服务纳入绩效。\n"
    "二、多方联动，织密课后服务防护网\n一是建立协同机制。二是开展全员筛查。三是配齐专职教师。四是加强家庭指导。\n"
)


def test_a_list_named_by_its_markers_is_the_list_so_marked() -> None:
    """ "首先其次再次最后都是啥": two lists under parts about 课后服务; the one marked 首先… is asked for."""
    answer = over(mob_docx=MOBILIZATION).ask("课后服务提的首先其次再次最后都是啥")
    assert answer.answerable
    assert all(w in answer.answer for w in ("丰富服务内容", "延长服务时间", "规范收费管理", "做好教师激励"))
    assert "协同机制" not in answer.answer


def test_a_code_named_as_context_yields_to_the_counted_list_asked_for() -> None:
    lecture = (
        "在党课上的讲稿\n主讲人：韩某\n（2025年3月5日）\n同志们：\n"
        "全市推行思政育人“3456”工程，即搭建三个平台、建强四支队伍、开展五类实践、健全六项机制。\n"
        "落实“3456”工程，要抓住“三个关键”：一是守好课堂主渠道；二是用好红色资源；三是建强教师队伍。\n"
    )
    answer = over(lecture_txt=lecture).ask("落实3456要抓住哪几个关键")
    assert answer.answerable and "守好课堂主渠道" in answer.answer and "搭建三个平台" not in answer.answer


MINUTES = (
    "二〇二五年七月八日\n7月8日上午，市人民政府召开全市中考招生工作会议。副市长贺文涛出席会议并讲话。\n"
    "会议要求，要扎实做好以下几项工作：\n一是科学编制招生计划。根据毕业生人数合理确定计划。\n"
    "二是稳步扩大优质高中学位。新增学位4500个。\n三是完善指标到校政策。比例提高到60%。\n"
    "四是做好录取服务保障。会议对做好中职招生也作出部署：①坚持质量优先；②实施贯通培养；③免除学费。\n"
)


def test_the_parts_lead_in_makes_them_the_list_asked_for() -> None:
    """ "要求做好的几项工作" is what the sentence before 一是…四是 announces, not part 四's ① list."""
    answer = over(minutes_txt=MINUTES).ask("中考招生会上要求做好的几项工作")
    assert answer.answerable and "科学编制招生计划" in answer.answer and "做好录取服务保障" in answer.answer
    assert "免除学费" not in answer.answer


def test_an_item_with_its_own_list_is_answered_by_that_list() -> None:
    report = (
        "在全县教育工作会议上的工作报告\n县教育局局长　邓某\n（2025年1月22日）\n同志们：\n"
        "一、2025年重点任务\n总体思路是深入实施校舍提升行动、教师强基行动等五大行动。\n"
        "（一）实施校舍提升行动\n1.加快重点项目建设。年内建成第四中学。\n2.推进乡村学校标准化。投入1.2亿元。\n"
        "（二）实施教师强基行动\n1.补足配齐教师。全年招聘教师200人。\n2.提升教师能力。培训教师3000人次。\n"
        "二、保障措施\n要加强组织领导。\n"
    )
    answer = over(report_docx=report).ask("教师强基行动有哪几条")
    assert "补足配齐教师" in answer.answer and "提升教师能力" in answer.answer
    assert "实施校舍提升行动" not in answer.answer


def test_a_formulation_named_but_not_spelled_out_is_said_so_when_asked_with_the_pages_place() -> None:
    """The place is only in the page's 来源 line; "除了…另外两个" asks for what a partial list lacks."""
    page = (
        "来源：枫林县教育局　发布时间：2025-06-25\n在全县学前教育推进会上的讲话\n县长　唐某\n（2025年6月24日）\n同志们：\n"
        "县政府已将学前教育“三项改革”列入今年重点改革任务，9月底前报县政府审定。\n"
        "今年要深入实施扩容行动、提质行动、强师行动等五大行动，全面提升保教质量。\n"
    )
    assistant = over(page_html=page)
    reforms = assistant.ask("枫林县学前教育的三项改革是什么")
    assert not reforms.answerable and "没有说明" in reforms.answer
    rest = assistant.ask("五大行动里 除了扩容、提质、强师，另外两个行动是啥")
    assert not rest.answerable and "3项" in rest.answer


def test_this_years_plan_and_last_years_record_are_told_apart() -> None:
    speech = (
        "在全市教育工作会议上的讲话\n副市长　贺某\n（2025年2月26日）\n同志们：\n"
        "一、客观看待工作成效\n全年公开招聘中小学教师960人，其中乡村学校补充教师412人。\n"
        "二、聚焦重点任务\n加强教师队伍建设，招聘中小学教师1000人，其中不少于40%补充到乡村学校。\n"
    )
    assistant = over(conference_txt=speech)
    this_year = assistant.ask("今年全市要招多少老师").answer
    last_year = assistant.ask("去年全市招了多少老师").answer
    assert (
        this_year.index("1000人") < this_year.find("960人") if "960人" in this_year else "1000人" in this_year
    )
    assert (
        last_year.index("960人") < last_year.find("1000人") if "1000人" in last_year else "960人" in last_year
    )


def test_a_then_follow_up_with_its_own_topic_stays_in_the_speech_and_asks_anew() -> None:
    """ "那督导多久搞一次" after "茶岭县报告里说的两个确保是什么": the named report, its 督导, how often."""
    report = (
        "在2025年茶岭县教育工作会议上的工作报告\n县教育局局长　邓某\n（2025年1月22日）\n同志们：\n"
        "为确保各项任务落到实处，我们要做到“两个确保”：确保县财政教育支出只增不减，确保教师工资不低于公务员。\n"
        "同时，要严格落实教育督导问责制度，每季度对乡镇中心学校开展一次专项督导。\n"
    )
    other = (
        "在全区课后服务推进会上的讲话\n副区长　罗某\n（2025年5月12日）\n同志们：\n"
        "要做到“两个确保”：确保课后服务全覆盖，确保学生自愿参加。区教育督导室要在10月份组织一次专项督导。\n"
    )
    assistant = over(report_docx=report, district_docx=other)
    first = assistant.ask("茶岭县报告里说的两个确保是什么")
    assert "只增不减" in first.answer and "全覆盖" not in first.answer
    then = assistant.ask("那督导多久搞一次", history=[Turn(first.question, first)])
    assert then.answerable and "每季度" in then.answer and "10月份" not in then.answer


def test_who_chaired_is_read_in_the_body_not_the_header() -> None:
    speech = (
        "在全县教育工作大会上的讲话\n县委书记　韩某\n（2025年2月18日）\n同志们：\n"
        "今天，县委、县政府召开全县教育工作大会。会议由县委常委、常务副县长何建平同志主持。\n"
        "要坚持教育优先发展，今年县财政安排教育经费12亿元。\n"
    )
    answer = over(county_txt=speech).ask("县教育工作大会是谁主持的")
    assert "何建平" in answer.answer


def test_a_part_past_the_last_asked_as_ge_fangmian_is_said_not_to_exist() -> None:
    speech = (
        "在全县学前教育推进会上的讲话\n县长　唐某\n（2025年6月24日）\n同志们：\n下面，我讲三个方面的意见。\n"
        "一、充分肯定学前教育取得的成绩\n新建幼儿园21所。\n二、扎实推进学前教育普及普惠\n今年新增学位720个。\n"
        "三、切实加强组织领导\n要压实各方责任。\n"
    )
    assistant = over(preschool_html=speech)
    first = assistant.ask("唐县长在学前教育推进会上讲了哪三个方面")
    fourth = assistant.ask("那第四个方面讲的啥", history=[Turn(first.question, first)])
    assert not fourth.answerable and "没有第四部分" in fourth.answer


def test_which_meetings_a_speaker_spoke_at_lists_each_speech() -> None:
    forum = "在全市职业教育校企合作座谈会上的讲话\n局长　钟明远\n（2025年4月17日）\n同志们：\n校企合作是职业教育的生命线。\n"
    digital = "在全市教育数字化转型推进会上的讲话\n局长　钟明远\n（2025年9月16日）\n同志们：\n教育数字化是新赛道。\n"
    answer = over(forum_md=forum, digital_txt=digital).ask("钟明远局长都在哪些会上讲过话")
    assert "校企合作座谈会" in answer.answer and "数字化转型推进会" in answer.answer


def test_a_speech_named_by_place_and_post_gets_its_part_and_a_new_part_replaces_the_old() -> None:
    """ "桐溪县委书记讲话第三点" names the speech by its place and the speaker's post; "第四部分呢" after
    "第二部分讲了什么" asks for part four, not two again."""
    speech = (
        "在全县义务教育推进会上的讲话\n中共桐溪县委书记　聂某\n（2025年3月14日）\n同志们：\n"
        "第一，提高站位，认清形势。义务教育是重中之重。\n第二，聚焦短板，攻坚达标。今年要新建学校3所。\n"
        "第三，深化改革，推动城乡一体。我们要坚持“四个统筹”，推行集团化办学。\n"
        "第四，压实责任，形成合力。领导小组每季度召开一次专题会议。\n"
    )
    other = (
        "在全市教师队伍建设会议上的讲话\n市教育局局长　瞿某\n（2025年2月27日）\n同志们：\n"
        "第一，师德为先。第二，培训为要。第三，保障为本，今年发放乡村教师补助3000万元。\n"
    )
    assistant = over(county_docx=speech, city_html=other)
    third = assistant.ask("桐溪县委书记讲话第三点讲的什么")
    assert "四个统筹" in third.answer and "保障为本" not in third.answer
    second = assistant.ask("聂书记讲话第二部分讲了什么")
    fourth = assistant.ask("第四部分呢", history=[Turn(second.question, second)])
    assert "压实责任" in fourth.answer and "聚焦短板" not in fourth.answer


def test_who_attended_a_meeting_is_the_sentence_that_says_so() -> None:
    minutes = (
        "南湾区秋季开学安全工作会议纪要\n（2024年8月28日）\n"
        "8月27日下午，南湾区秋季开学安全工作会议在区行政中心召开。\n"
        "会上，区公安分局负责同志通报了秋季开学校园周边安全形势，区市场监管局负责同志就秋季开学食品安全作了部署。\n"
        "会议强调，要扎实做好秋季开学各项安全工作。\n"
        "会议由区教育局局长庞某主持，副区长温某出席并讲话。\n"
        "会议要求，各校要在9月10日前上好开学第一课。\n"
    )
    answer = over(minutes_pdf=minutes).ask("南湾区秋季开学安全会是谁出席讲的话")
    assert "温某" in answer.answer


def test_two_places_each_a_speechs_own_get_one_line_per_speech() -> None:
    """ "桐溪县搞均衡和北湾区搞安全，今年各安排了多少专项资金": each place names its own speech; the
    answer gives each speech's figure, not the one speech that matched best."""
    county = (
        "在桐溪县义务教育优质均衡发展推进会上的讲话\n县委书记　聂某\n（2025年3月14日）\n同志们：\n"
        "今年县财政安排义务教育优质均衡专项资金1.2亿元，明年不低于这个规模。\n要严控班额，补齐运动场地。\n"
    )
    district = (
        "北湾区秋季学期校园安全工作会议纪要\n（2024年8月28日）\n"
        "会议指出，今年区财政已安排校园安全专项经费1650万元，主要用于校舍加固。\n各校要上好开学第一课。\n"
    )
    answer = over(county_docx=county, district_pdf=district).ask(
        "桐溪县搞均衡和北湾区搞安全，今年各安排了多少专项资金"
    )
    assert "1.2亿元" in answer.answer and "1650万元" in answer.answer


def test_a_masked_figure_or_chair_is_said_to_be_hidden_though_the_question_names_the_place() -> None:
    """ "枫林县还有多少个小区配套园没移交" in 枫林县's own speech, "哪位副局长主持的" where the page
    prints 副局长XXX: the speech hides the answer; a figure of another clause is no answer."""
    county = (
        "在枫林县学前教育推进会上的讲话\n县长　唐某\n（2025年6月24日）\n同志们：\n"
        "两所园建成后共新增学位720个。目前全县还有XX个小区配套园未按规定移交，要在10月底前全部完成移交。\n"
    )
    news = (
        "市教育局召开全市校外培训治理工作会议\n发布时间：2025-06-13\n"
        "6月12日，市教育局召开全市校外培训治理工作会议。局长乔某出席会议并讲话，市教育局副局长XXX主持会议。\n"
        "会议要求，今年年底前要实现预收费资金监管全覆盖。\n"
    )
    assistant = over(county_docx=county, news_html=news)
    count = assistant.ask("枫林县还有多少个小区配套园没移交")
    assert not count.answerable and "720个" not in count.answer
    chair = assistant.ask("校外培训那个会是哪位副局长主持的")
    assert not chair.answerable


def test_a_named_but_unexplained_formulation_asked_with_the_speechs_place_is_said_undefined() -> None:
    speech = (
        "在全县教师座谈会上的讲话\n县长　何某\n（2025年9月9日）\n各位老师：\n"
        + "要坚持立德树人，把师德师风作为评价教师的第一标准，引导广大教师潜心育人。" * 12
        + "\n在关爱上，县里将实施“四项暖心工程”，明年起每两年为全县教师免费体检一次。\n"
        + "要坚持立德树人，把师德师风作为评价教师的第一标准，引导广大教师潜心育人。" * 12
        + "\n蒲溪县是山区县，全县中小学97所。\n"
    )
    city = (
        "在全市教育工作会议上的讲话\n市长　程某\n（2025年2月20日）\n同志们：\n"
        "蒲溪县、棠岭县要加快县中建设，今年新增学位5400个。\n"
    )
    answer = over(puxi_txt=speech, city_txt=city).ask("蒲溪县的四项暖心工程包括哪些")
    assert not answer.answerable and "没有说明" in answer.answer


def test_a_follow_up_pointing_at_a_part_by_a_short_word_gets_that_part() -> None:
    """ "问题那部分说了啥" after the outline: 问题 is two characters, but "X那部分" points at the one
    part whose heading holds it."""
    speech = (
        "在全市“双减”工作推进会上的讲话\n局长　严某\n（2024年10月15日）\n同志们：\n"
        "一、取得的成效\n全市课后服务覆盖率达到100%。\n二、存在的问题\n作业设计质量不高，课后服务内容不够丰富。\n"
        "三、下一步工作\n要建立工作专班，定期研究解决困难和问题。\n"
    )
    assistant = over(shuangjian_txt=speech)
    first = assistant.ask("严局长在双减推进会上讲了哪几个部分")
    then = assistant.ask("问题那部分说了啥", history=[Turn(first.question, first)])
    assert "作业设计质量不高" in then.answer and "工作专班" not in then.answer
