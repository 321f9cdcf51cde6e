"""Synthetic speeches for fault and load tests: large, structured like the samples, and versioned
(version N differs from N+1 in every paragraph, so each version is a different document with
different chunks)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "speeches"
_NUMERALS = "一二三四五六七八九十"
_TOPICS = ["学前教育", "义务教育", "职业教育", "高等教育", "教师队伍", "教育评价", "校园安全", "经费保障"]


def large_speech(version: int, *, parts: int = 8, points: int = 6, paragraphs: int = 8) -> str:
    """About parts × points × paragraphs paragraphs of ~150 characters: 8 × 6 × 8 ≈ 60k characters.

    The speech has a title, speaker, date and salutation, 一、 parts and （一） points, like the samples.
    """
    lines = [f"在全市教育工作会议上的讲话（第{version}稿）", "张三", "（2024年3月1日）", "同志们："]
    lines.append(f"今天召开全市教育工作会议，这是第{version}稿。下面，我讲{_NUMERALS[parts - 1]}点意见。")
    for part in range(parts):
        topic = _TOPICS[part % len(_TOPICS)]
        lines.append(f"{_NUMERALS[part]}、扎实推进{topic}高质量发展")
        for point in range(points):
            lines.append(f"（{_NUMERALS[point]}）抓好{topic}第{point + 1}项重点任务")
            for n in range(paragraphs):
                lines.append(_paragraph(version, topic, part, point, n))
    lines.append("同志们，让我们团结一心，奋力开创教育事业发展新局面！")
    return "\n".join(lines) + "\n"


def _paragraph(version: int, topic: str, part: int, point: int, n: int) -> str:
    tag = f"{version}-{part + 1}-{point + 1}-{n + 1}"
    return (
        f"要围绕{topic}第{point + 1}项任务第{n + 1}条要求（编号{tag}），完善工作机制，压实各方责任，"
        f"确保到年底完成目标任务{(version * 7 + n) % 97 + 3}项，新增学位{(part + 1) * (n + 2) * 10 + version}个。"
        f"各区县要结合实际制定落实方案，定期调度进展，对工作不力的单位进行通报，"
        f"切实把{topic}各项部署落到实处，让人民群众有更多获得感。"
    )


def changed_sample(name: str, version: int) -> str:
    """A sample speech with a closing sentence that names the version: another doc id (so every chunk id
    changes), nearly the same text (so answers stay the same)."""
    text = (SAMPLES / name).read_text(encoding="utf-8").rstrip()
    return f"{text}\n本讲话稿为第{version}次修订稿，请以此稿为准。\n"
