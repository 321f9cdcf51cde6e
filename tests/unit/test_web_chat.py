"""The chat tab's behaviour with a scripted assistant: streaming, history, errors, votes, sessions."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from assistant.corpus import Corpus
from assistant.records import Answer, Citation, Passage
from assistant.service import Turn
from core.records import Document
from errors import InvalidQuestionError, StoreUnavailableError
from web.chat import INTERNAL_ERROR, ChatService
from web.feedback import FeedbackLog
from web.session import HISTORY_TURNS, MAX_TURNS, ChatSession


def cited_answer(question: str) -> Answer:
    passage = Passage(
        "c", "d1", "a.txt", "讲话", "张三", "2023-04-28", "一、", f"关于{question}的原文。", 0, 9
    )
    return Answer(
        question, f"关于{question}的回答。[1]", True, [Citation(1, passage, f"关于{question}的原文。")]
    )


class ScriptedAssistant:
    """Streams "关于<question>的回答。" in two pieces; `fail` makes it raise instead."""

    def __init__(self, fail: Exception | None = None, delay_s: float = 0.0) -> None:
        self.fail = fail
        self.delay_s = delay_s
        self.calls: list[tuple[str, list[str] | None, list[str]]] = []
        self.documents = {"d1": Document("d1", "a.txt", "前言。关于两个保障的原文。后记。", title="讲话")}

    def stream(
        self,
        question: str,
        *,
        top_k: int = 5,
        doc_ids: Sequence[str] | None = None,
        history: Sequence[Turn] = (),
    ) -> Iterator[str | Answer]:
        self.calls.append((question, list(doc_ids) if doc_ids else None, [t.question for t in history]))
        if self.fail is not None:
            raise self.fail
        yield f"关于{question}"
        time.sleep(self.delay_s)
        yield f"关于{question}的回答。[1]"
        yield cited_answer(question)

    def corpus(self) -> Corpus:
        return Corpus(manifest=None, documents=self.documents, chunks={}, chunks_by_doc={}, keyword=None)  # type: ignore[arg-type]


@pytest.fixture
def feedback(tmp_path: Path) -> FeedbackLog:
    return FeedbackLog(tmp_path / "feedback.jsonl", clock=lambda: "2025-01-02T03:04:05+00:00")


def test_answer_streams_in_then_sources_appear(feedback: FeedbackLog) -> None:
    chat = ChatService(ScriptedAssistant(), feedback)
    views = list(chat.ask("两个保障是什么？", [], ChatSession()))
    assert "正在查找" in views[0].conversation  # the question shows at once
    assert views[1].conversation.count("关于两个保障是什么？") >= 1 and views[1].sources is None
    final = views[-1]
    assert 'class="qa-cite"' in final.conversation
    assert final.sources is not None and "qa-src-0-1" in final.sources
    assert final.session.turns[0].answer is not None


def test_empty_question_adds_nothing(feedback: FeedbackLog) -> None:
    assistant = ScriptedAssistant()
    views = list(ChatService(assistant, feedback).ask("   ", None, ChatSession()))
    assert len(views) == 1 and not views[0].session.turns and not assistant.calls


def test_follow_up_gets_the_earlier_turns_and_the_speech_filter(feedback: FeedbackLog) -> None:
    assistant = ScriptedAssistant()
    chat, session = ChatService(assistant, feedback), ChatSession()
    list(chat.ask("两个保障是什么？", None, session))
    list(chat.ask("第二个具体怎么做？", ["d1"], session))
    assert assistant.calls[0] == ("两个保障是什么？", None, [])
    assert assistant.calls[1] == ("第二个具体怎么做？", ["d1"], ["两个保障是什么？"])


def test_history_is_bounded(feedback: FeedbackLog) -> None:
    session = ChatSession()
    for number in range(HISTORY_TURNS + 3):
        session.add(f"问{number}").answer = cited_answer(f"问{number}")
    session.add("当前问题")
    history = session.history()
    assert len(history) == HISTORY_TURNS and history[-1].question == f"问{HISTORY_TURNS + 2}"


def test_old_turns_are_dropped_but_numbers_stay_stable() -> None:
    session = ChatSession()
    for number in range(MAX_TURNS + 5):
        session.add(f"问{number}")
    assert len(session.turns) == MAX_TURNS
    index, first = session.numbered()[0]
    assert index == 5 and first.question == "问5" and session.turn(5) is first and session.turn(4) is None


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (InvalidQuestionError("请输入问题。"), "请输入问题。"),
        (StoreUnavailableError("无法连接向量库服务"), "无法连接向量库服务"),
        (RuntimeError("Traceback secret internals"), INTERNAL_ERROR),
    ],
)
def test_errors_become_a_readable_message_never_a_traceback(
    feedback: FeedbackLog, error: Exception, shown: str
) -> None:
    final = list(ChatService(ScriptedAssistant(fail=error), feedback).ask("问题", None, ChatSession()))[-1]
    assert shown in final.conversation and "qa-error" in final.conversation
    assert "Traceback" not in final.conversation and "secret" not in final.conversation


def test_a_vote_is_logged_with_its_answer_and_can_be_changed_and_commented(feedback: FeedbackLog) -> None:
    chat, session = ChatService(ScriptedAssistant(), feedback), ChatSession()
    list(chat.ask("两个保障是什么？", None, session))
    view = chat.vote(session, {"action": "vote", "turn": 0, "rating": "up"})
    assert "感谢反馈" in view.conversation
    chat.vote(session, {"turn": 0, "rating": "up"})  # the same vote again: nothing new
    chat.vote(session, {"turn": 9, "rating": "down"})  # no such turn
    chat.vote(session, {"turn": "x", "rating": "down"})
    chat.vote(session, {"action": "comment", "turn": 0, "comment": "👍 不收评论"})  # only a 👎 carries one
    entries = feedback.read()
    assert len(entries) == 1
    entry = entries[0]
    assert entry["rating"] == "up" and entry["question"] == "两个保障是什么？"
    assert (
        entry["answer"] == "关于两个保障是什么？的回答。[1]"
        and entry["timestamp"] == "2025-01-02T03:04:05+00:00"
    )
    assert (
        entry["citations"][0]["n"] == 1
        and entry["citations"][0]["sentence"] == "关于两个保障是什么？的原文。"
    )
    assert entry["session"] == session.session_id and entry["answer_id"] == f"{session.session_id}:0"
    assert json.loads(feedback.path.read_text(encoding="utf-8").splitlines()[0]) == entry

    view = chat.vote(session, {"turn": 0, "rating": "down"})  # changed: a 👎 asks for a comment
    assert 'class="qa-comment"' in view.conversation and 'aria-pressed="true"' in view.conversation
    view = chat.vote(session, {"action": "comment", "turn": 0, "comment": " 少了\n<b>编制</b> " + "长" * 900})
    assert "&lt;b&gt;编制&lt;/b&gt;" in view.conversation and "<b>编制" not in view.conversation
    latest = feedback.latest()
    assert len(latest) == 1 and latest[0]["rating"] == "down"
    assert latest[0]["comment"].startswith("少了 <b>编制</b> 长") and len(latest[0]["comment"]) == 500
    assert [e["rating"] for e in feedback.read()] == ["up", "down", "down"]
    assert session.turns[0].feedback == "down" and session.turns[0].comment == latest[0]["comment"]


def test_bad_rating_is_ignored(feedback: FeedbackLog) -> None:
    chat, session = ChatService(ScriptedAssistant(), feedback), ChatSession()
    list(chat.ask("问题", None, session))
    chat.vote(session, {"turn": 0, "rating": "<script>"})
    assert feedback.read() == [] and session.turns[0].feedback == ""


def test_open_document_marks_the_offsets_and_handles_unknown_ids(feedback: FeedbackLog) -> None:
    chat = ChatService(ScriptedAssistant(), feedback)
    html = chat.open_document({"doc_id": "d1", "start": 3, "end": 13, "hl_start": -1, "hl_end": -1})
    assert '<mark class="qa-passage" id="qa-viewer-hit">关于两个保障的原文。</mark>' in html
    assert "已被删除" in chat.open_document({"doc_id": "gone", "start": 0, "end": 1})
    assert "链接无效" in chat.open_document({"doc_id": "d1", "start": "x"})


def test_two_sessions_answering_at_once_do_not_mix(feedback: FeedbackLog) -> None:
    chat = ChatService(ScriptedAssistant(delay_s=0.05), feedback)
    sessions = {"甲": ChatSession(), "乙": ChatSession()}
    finals: dict[str, str] = {}

    def run(name: str) -> None:
        for _ in range(3):
            view = list(chat.ask(f"{name}的问题", None, sessions[name]))[-1]
        finals[name] = view.conversation

    threads = [threading.Thread(target=run, args=(name,)) for name in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, other in (("甲", "乙"), ("乙", "甲")):
        assert finals[name].count(f"{name}的问题") >= 3 and f"{other}的问题" not in finals[name]
        assert [t.question for t in sessions[name].turns] == [f"{name}的问题"] * 3


def test_a_changed_vote_replaces_the_earlier_one_and_keeps_its_comment(feedback: FeedbackLog) -> None:
    answer = Answer(
        question="两个保障是什么？", answer="……", citations=[], answerable=True, mode="extractive"
    )
    feedback.record("up", answer, answer_id="c1:0")
    feedback.record("down", answer, answer_id="c1:0", comment="  漏了第二个保障 ")
    feedback.record("up", answer, answer_id="c1:1")
    latest = feedback.latest()
    assert [(e["answer_id"], e["rating"], e["comment"]) for e in latest] == [
        ("c1:0", "down", "漏了第二个保障"),
        ("c1:1", "up", ""),
    ]
    assert len(feedback.read()) == 3  # append-only: the history of votes is kept
