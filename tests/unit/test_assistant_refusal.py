"""When not to answer: names the speeches never mention, answers that miss the topic or the asked type."""

from __future__ import annotations

import pytest

from assistant.refusal import lacks_answer_type, rarest_term, term_presence, topic_coverage, unknown_names
from assistant.topic import has_cjk, topic_terms, wants_date, wants_quantity
from core.normalize import fold_for_search
from tests.fakes import sample_speeches


@pytest.fixture(scope="module")
def corpus_text() -> str:
    """What the assistant's corpus holds as `search_text`: every title, speaker, meeting and text, folded."""
    docs = [doc for doc, _ in sample_speeches()]
    return fold_for_search("\n".join(f"{d.title} {d.speaker} {d.meeting}\n{d.text}" for d in docs))


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("郑州市2025年高考录取了多少人？", ["郑州市"]),
        ("郑州市的研究生教育提了什么要求？", ["郑州市"]),  # a name; "研究生" is left to the topic check
        ("两个保障是什么？", []),
        ("全市新增中小学编制多少个？", []),
        ("杨生俊的讲话分几个部分？", []),  # a speaker the corpus has
    ],
)
def test_unknown_names(question: str, unknown: list[str], corpus_text: str) -> None:
    assert unknown_names(question, corpus_text) == unknown


def test_an_english_question_has_only_unknown_words(corpus_text: str) -> None:
    question = "What is the tuition fee of universities in Canada?"
    unknown = unknown_names(question, corpus_text)
    assert "canada" in [w.lower() for w in unknown]
    assert not {"what", "the", "is", "of", "in"} & {w.lower() for w in unknown}  # stop words are no topic
    assert not has_cjk(question) and has_cjk("两个保障")


def test_a_two_character_paraphrase_is_not_unknown(corpus_text: str) -> None:
    """ "火星" is absent but two characters long: such words too often paraphrase the speeches."""
    assert unknown_names("火星基地什么时候建成", corpus_text) == []


def test_term_presence_counts_halves_of_a_long_compound() -> None:
    assert term_presence("工资标准", "工资和待遇标准") == pytest.approx(0.8)
    assert term_presence("工资标准", "工资待遇") == pytest.approx(0.4)
    assert term_presence("工资标准", "教师工资标准") == 1.0
    assert term_presence("研究生", "研究和生活") == 0.0  # three characters have no halves worth trusting


def test_topic_coverage_is_the_share_of_topic_terms_present() -> None:
    terms = topic_terms("职业教育产教融合怎么推进")
    assert terms
    assert topic_coverage(terms, "要深化产教融合，推动职业教育提质培优。") == 1.0
    assert topic_coverage(terms, "要加强师德师风建设。") == 0.0
    assert topic_coverage((), "任何文字") == 1.0


def test_topic_terms_drop_question_words_and_generic_nouns() -> None:
    words = [t.word for t in topic_terms("各篇讲话对教师培训提了哪些要求？")]
    assert "教师" in words or "教师培训" in words
    assert not {"讲话", "要求", "哪些", "什么"} & set(words)


@pytest.mark.parametrize(
    ("question", "answer", "lacks"),
    [
        ("全市新增中小学编制多少个？", "要加强教师队伍建设。", True),
        ("全市新增中小学编制多少个？", "全市新增中小学编制1816个。", False),
        ("新增了几所学校", "新建中小学五所。", False),  # a Chinese count with its classifier
        ("什么时候补足缺口？", "教师节之前补足缺口。", False),
        ("什么时候补足缺口？", "要补足缺口。", True),
        ("哪一年建成？", "到2025年底所有中职学校达标。", False),
        ("两个保障是什么？", "一是经费保障。", False),  # neither a number nor a date is asked for
    ],
)
def test_lacks_answer_type(question: str, answer: str, lacks: bool) -> None:
    assert lacks_answer_type(question, answer) is lacks


def test_wants_quantity_and_date() -> None:
    assert wants_quantity("录取了多少人") and wants_quantity("新增几个专业")
    assert not wants_quantity("两个保障是什么")
    assert wants_date("什么时候完成") and wants_date("哪一年提出的")
    assert not wants_date("为什么要推进集团化办学")


def test_rarest_term_is_the_least_mentioned_present_term(corpus_text: str) -> None:
    question = "中职学校标准化建设要求到什么时候所有中职学校办学条件达到国家标准？"
    rarest = rarest_term(question, corpus_text)
    counts = {t.word: corpus_text.count(t.word) for t in topic_terms(question)}
    assert rarest is not None and counts[rarest] > 0
    assert counts[rarest] == min(n for n in counts.values() if n > 0)
    assert counts[rarest] < counts["学校"]


def test_rarest_term_ignores_absent_terms(corpus_text: str) -> None:
    assert rarest_term("郑州市2025年高考录取了多少人？", corpus_text) is None  # 郑州市 is the only term
    assert rarest_term("两个保障是什么？", corpus_text) is None  # no topic term at all


def test_corpus_counts_stay_right_when_threads_and_snapshots_interleave() -> None:
    """Found by the concurrency test: the per-snapshot count cache broke under concurrent answers."""
    from concurrent.futures import ThreadPoolExecutor

    from assistant.refusal import corpus_count

    old, new = "教育 保障 " * 50, "保障 " * 30
    expected = {(id(old), "保障"): 50, (id(new), "保障"): 30, (id(old), "教育"): 50, (id(new), "教育"): 0}

    def hammer(seed: int) -> bool:
        ok = True
        for i in range(3000):
            text = old if (i + seed) % 3 else new
            word = "保障" if i % 2 else f"词{i % 5000}"
            count = corpus_count(word, text)
            ok &= word.startswith("词") or count == expected[(id(text), word)]
        return ok

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(hammer, range(8)))


def test_a_verb_of_saying_glued_to_a_word_is_no_part_of_the_term() -> None:
    """jieba cuts "邵市长说产教融合…" as "说产教": the topic is 产教; a real word ("说明书") stays whole."""
    assert next(t.word for t in topic_terms("邵市长说产教融合专项资金一年给多少")) == "产教"
    assert [t.word for t in topic_terms("说明书怎么写")] == ["说明书"]
    # "这个事各讲话" → "事各": 各 belongs to 讲话, and a one-character rest is no topic
    assert [t.word for t in topic_terms("县中振兴这个事各讲话是怎么部署的")] == []


def test_jiebas_glued_pieces_are_no_unknown_names() -> None:
    """ "青岚提的…" → "青岚提", "各县区的…", "普惠托班" → "普惠托": cuts, not names the speeches lack."""
    assert [t.word for t in topic_terms("青岚提的三个聚焦具体指哪三个")] == ["青岚"]
    assert "各县区" not in [t.word for t in topic_terms("各县区的年度重点任务清单啥时候报给市教育局")]
    corpus = fold_for_search("普惠性托班收费标准原则上每生每月不超过1200元。")
    assert unknown_names("普惠托班一个月最多收多少钱", corpus) == []
    assert unknown_names("柳川县托班一个月最多收多少钱", corpus) == ["柳川县"]
    # "时间节点" asks when: no topic a sentence must hold
    assert [t.word for t in topic_terms("隐患排查的时间节点呢")] == ["隐患", "排查"]


def test_a_deputys_surname_and_a_follow_ups_opening_are_no_names() -> None:
    """jieba reads "柯副市长" as the name 柯副 and "那大班额" as the place 那大: a surname before 副+post
    names a speaker (resolved elsewhere), and a follow-up's opening 那 is no part of the next word."""
    assert [t.word for t in topic_terms("柯副市长说的双导师制怎么个搞法")] == ["导师制"]
    assert next(t.word for t in topic_terms("那大班额啥时候全部消掉")) == "大班额"
    assert "规划" in [t.word for t in topic_terms("全市长期规划是什么")]


def test_a_name_jieba_cuts_across_two_words_is_no_unknown_name() -> None:
    """ "普惠民办园" → 普/惠民/办园 (惠民 a county): 普惠 and 民办 are the speeches' words."""
    corpus = fold_for_search("对认定的普惠性民办园按照每生每年1200元的标准给予生均补助。")
    assert unknown_names("那普惠民办园怎么补", corpus) == []
    assert unknown_names("惠民县的民办园怎么补", corpus) == ["惠民县"]
