"""Runs of a repeated sentence are collapsed at ingest; rhetoric that repeats a phrase is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import Ingestor
from ingest.repeats import collapse_repeats, split_sentences
from tests.fakes import FakeEmbedder
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client

ROOT = Path(__file__).resolve().parents[2]
HEAD = "在全市教育工作会议上的讲话\n李四\n（2024年3月1日）\n同志们：\n"
REPEATED = "我们要全面贯彻党的教育方针，落实立德树人根本任务。"


def test_one_sentence_repeated_thousands_of_times_becomes_one_passage(tmp_path: Path) -> None:
    text = HEAD + REPEATED * 20_000 + "\n一、抓好落实\n各地要细化责任分工。\n"
    store = ChromaStore(persistent_client(tmp_path / "chroma"), FakeEmbedder(), "repeats")
    report = Ingestor(store).ingest_bytes(text.encode(), "重复.txt").files[0]
    assert report.status == "ok" and report.collapsed == 19_999
    chunks = store.chunks_of()
    assert sum(c.text.count(REPEATED) for c in chunks) == 1 and len(chunks) <= 3
    store.close()


@pytest.mark.parametrize(
    "text",
    [
        "干！干！干！加油干！",  # short rhetoric, three times
        "要学习、学习、再学习。",
        "谢谢大家。谢谢大家。",  # said twice
        "撸起袖子加油干！撸起袖子加油干！撸起袖子加油干！",  # a short slogan, three times
        REPEATED + REPEATED,  # a long sentence twice: may be emphasis, kept
        "一要抓落实。二要抓落实。三要抓落实。",  # parallel, not identical
    ],
)
def test_rhetorical_repeats_are_kept_word_for_word(text: str) -> None:
    assert collapse_repeats(HEAD + text).text == HEAD + text
    assert collapse_repeats(HEAD + text).removed == 0


def test_repeats_are_collapsed_when_they_differ_only_in_spacing_or_width_and_in_groups() -> None:
    variants = [REPEATED, " " + REPEATED, REPEATED.replace("，", ","), REPEATED + "\n"]
    assert collapse_repeats(HEAD + "".join(variants) + "完。").removed == 3
    pair = "第一句话说的是这个意思。第二句话说的是那个意思。"
    collapsed = collapse_repeats(HEAD + pair * 5 + "结束。")
    assert collapsed.text == HEAD + pair + "结束。" and collapsed.removed == 8
    tiny = collapse_repeats(HEAD + "好。" * 25)  # very short, but far too many times for rhetoric
    assert tiny.text == HEAD + "好。" and tiny.removed == 24


def test_every_speech_of_the_sample_and_development_corpora_is_left_exactly_as_it_is() -> None:
    from ingest.loaders import SUPPORTED_EXTENSIONS, load

    # the blind sets (eval/blind*) are not read before their final run
    folders = [ROOT / "data" / "speeches", ROOT / "eval" / "corpus"]
    files = [p for folder in folders for p in sorted(folder.rglob("*")) if p.suffix in SUPPORTED_EXTENSIONS]
    assert len(files) >= 30
    for path in files:
        text = load(path).text
        assert "".join(split_sentences(text)) == text
        assert collapse_repeats(text).removed == 0, path.name
