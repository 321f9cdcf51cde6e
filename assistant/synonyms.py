"""Everyday words staff type and the words speeches write for them (data: add a pair here, not a rule).

"去年一共投了多少钱" asks for "投入资金…万元"; "老师" are "教师", "娃" are "幼儿"/"学生". A question
word counts as found in a sentence that holds one of its written forms. Relative years (去年/今年/
明年) are resolved against each speech's own date in assistant/strategies/common.py.
"""

from __future__ import annotations

from functools import lru_cache

_PAIRS = """
老师 教师 师资
娃 幼儿 儿童 学生 孩子
孩子 学生 幼儿 儿童 未成年人
小孩 幼儿 儿童 学生
钱 资金 经费 投入 万元 亿元 元
投 投入 投资 安排
花 投入 支出 资金 经费
费用 经费 资金
经费 资金 投入
资金 经费
盖 建设 新建 建成 改扩建
建 建设 新建
招 招聘 招录 招生 录取
招人 招聘 招录
查 查处 排查 检查 核查
管 管理 监管
学校 校
职校 职业学校 中职 职业院校 职教 职业教育
中职 中等职业
高职 高等职业
幼儿园 园
托班 托育
小学 义务教育
初中 义务教育
课后 课后服务
食堂 餐
吃饭 就餐 用餐 午餐
报 报送 上报 报备
交 报送 提交 上交
开会 会议
补贴 补助 津贴
钟头 小时
工资 待遇 收入
宿舍 周转房 住房
营养餐 营养改善计划 膳食补助
评职称 职称
上学 入学 就读
学生 在校生 学子
事故 安全事故 伤亡
问题 短板 不足 差距
一节课 课时 节课
节课 课时
买菜 食材 采购
买 采购 购买 购置
警示牌 警示标志 警示标识 标牌
死 死亡 遇难
出事 事故 发生
考上 录取 上线 升入
关掉 停办 关停 取缔 撤并
关 停办 关停 取缔
合并 撤并 整合
打架 欺凌 斗殴
手机 电子产品 智能终端
睡觉 睡眠
看病 就医 医疗
涨 提高 增加 上调
加钱 提高 增加 补助
参加 参与
毛病 问题 不足 短板 差距
难处 困难 问题
运动 体育 锻炼
改造 加固 改建 改扩建 维修 拆除
锻炼 体育 运动
教书 任教 从教 执教
走 流失 流出 调离 离开
外县 跨县 县外 外地
几成 %
"""


# Words with which a follow-up asks for an item as a whole ("第三个具体怎么做", "那块具体咋搞"): they
# add nothing to what the item itself is about.
_FOLLOW_UP_TEXT = """
    具体 怎么 怎样 怎么样 如何 咋 咋搞 搞 做 怎么做 说 怎么说 讲 讲了 说了 什么 啥 有啥 哪些 哪几 几件 几项
    内容 要求 措施 举措 工作 情况 意思 展开 展开讲 详细 详细说 说说 讲讲 那块 这块 那个 这个 里面 里 其中
    推 推进 落实 抓 干 部署 安排 提了 提出 哪几件 哪几条 哪几点 一下 呢 吗
    还有 还有呢 那 那么 再 接着 然后 继续 下一个 后面 块 一块 啥意思 什么意思 后面呢
"""
FOLLOW_UP_WORDS = frozenset(_FOLLOW_UP_TEXT.split())


def _table(text: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in text.strip().splitlines():
        word, *forms = line.split()
        table[word] = tuple(forms)
    return table


SYNONYMS = _table(_PAIRS)
FORMS_CACHE = (
    8192  # distinct question words whose forms are kept: a question's few words are read per sentence
)


@lru_cache(maxsize=FORMS_CACHE)
def forms(word: str) -> tuple[str, ...]:
    """The word and the forms a speech may write it in; a compound ending in a listed word is
    written with that word's forms too ("专项经费" → "专项资金")."""
    own = SYNONYMS.get(word)
    if own is not None:
        return (word, *own)
    return (word, *_compound_forms(word))


def _compound_forms(word: str) -> tuple[str, ...]:
    for cut in range(2, len(word) - 1):  # the head keeps two characters or more
        head, tail = word[:cut], word[cut:]
        if len(tail) >= 2 and tail in SYNONYMS:
            return tuple(head + form for form in SYNONYMS[tail] if len(form) >= 2)
    return ()


def found_in(word: str, folded_text: str) -> bool:
    return any(form in folded_text for form in forms(word))
