"""Page-furniture lines a saved web page adds around a speech (ingest.webnoise), and lines that only look so."""

from __future__ import annotations

import pytest

from ingest.clean import clean_text
from ingest.webnoise import is_web_noise


@pytest.mark.parametrize(
    "line",
    [
        "首页 > 新闻中心 > 领导讲话 > 正文",
        "您现在的位置：首页 > 领导讲话",
        "绿洲市人民政府门户网站 >> 政务公开 >> 领导讲话",
        "当前位置：首页»工作动态»正文",
        "来源：红柳区教育局  发布时间：2025-02-20 10:35  阅读次数：2316  字号：大 中 小",
        "信息来源：青禾县教育局",
        "责任编辑：马小川",
        "【打印本页】【关闭窗口】",
        "分享到：",
        "【字体：大 中 小】",
        "点击阅读全文",
        "上一篇：全县召开安全工作会议",
        "领导讲话",
        "— 2 —",
        "第 3 页 共 8 页",
        "白沙县人民政府 | 无障碍浏览 | English",
    ],
)
def test_page_furniture(line: str) -> None:
    assert is_web_noise(line)


@pytest.mark.parametrize(
    "line",
    [
        "在全县教育大会上的讲话",
        "来源于群众、服务于群众，是我们工作的出发点。",
        "一、坚持问题导向 > 补齐短板",
        "要推动优质资源进教材、进课堂、进头脑。",
        "大中小学思政课一体化建设要加快推进",
        "中共青禾县委书记　韩立群",
        "（2025年2月18日）",
        "——在全县教育大会上的讲话",
        "一是抓质量 | 二是抓安全",
    ],
)
def test_speech_lines_stay(line: str) -> None:
    assert not is_web_noise(line)


def test_clean_drops_furniture_and_keeps_the_speech() -> None:
    raw = "首页 > 领导讲话 > 正文\n在全县教育大会上的讲话\n字号：大 中 小\n同志们：\n今天开会。\n【打印本页】【关闭窗口】"
    assert clean_text(raw) == "在全县教育大会上的讲话\n同志们：\n今天开会。"
