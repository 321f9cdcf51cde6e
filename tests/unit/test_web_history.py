"""Saved conversations: the SQLite store, the JSON form of a conversation, the owner of a request and the
history list's actions (fakes only: a scripted answer, a temporary data dir)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.followup import Turn
from assistant.records import Answer, AnswerItem, Citation, Passage
from errors import ConversationNotFoundError
from web.browser_id import COOKIE, CookieSigner, load_secret
from web.chat_history import ChatHistory
from web.history import ConversationStore
from web.history_codec import answer_from_dict, session_from_dict, session_to_dict
from web.session import ChatSession


def _answer(question: str = "两个保障是什么？") -> Answer:
    passage = Passage(
        "c1", "d1", "a.txt", "讲话", "张三", "2024-01-01", "三、强化“两个保障”", "一是经费保障。", 10, 20,
        score=0.5, section_id="s3", position=4,
    )  # fmt: skip
    return Answer(
        question,
        "两个保障是经费保障[1]和编制保障。",
        True,
        citations=[Citation(1, passage, "一是经费保障。")],
        passages=[passage],
        items=[AnswerItem("经费保障", "d1", 10, "s3.1"), AnswerItem("编制保障", "d1", 30, "s3.2")],
    )


def _session(*questions: str) -> ChatSession:
    session = ChatSession()
    for q in questions:
        session.add(q).answer = _answer(q)
    return session


def _store(tmp_path: Path, max_conversations: int = 200) -> ConversationStore:
    ticks = itertools.count()  # a clock that always moves on: the order is the order of saves
    return ConversationStore(
        tmp_path / "h.sqlite3",
        max_conversations=max_conversations,
        clock=lambda: f"2026-12-03T10:00:{next(ticks):02d}+00:00",
    )


def test_a_conversation_round_trips_with_what_follow_ups_need() -> None:
    session = _session("两个保障是什么？")
    session.turns[0].feedback, session.turns[0].comment = "down", "少了一条"
    session.name = "<b>我的</b>"
    back = session_from_dict(session_to_dict(session))
    assert back.session_id == session.session_id and back.name == "<b>我的</b>"
    assert back.turns[0].answer == session.turns[0].answer  # items, section ids, positions included
    assert back.turns[0].feedback == "down" and back.turns[0].comment == "少了一条"
    assert back.history() == []  # the last turn is "current"
    back.add("第二个具体怎么做？")
    assert back.history() == [Turn("两个保障是什么？", session.turns[0].answer)]


def test_a_pending_turn_is_not_saved_and_unknown_fields_are_ignored() -> None:
    session = _session("甲")
    session.add("还在回答")
    assert [t["question"] for t in session_to_dict(session)["turns"]] == ["甲"]
    data = session_to_dict(_session("乙"))["turns"][0]["answer"]
    data["later_field"] = 1
    assert answer_from_dict(data).question == "乙"
    with pytest.raises(ValueError):
        session_from_dict({"format": 99, "id": "x", "turns": []})


def test_store_lists_newest_first_per_owner_and_survives_a_new_store(tmp_path: Path) -> None:
    store = _store(tmp_path)
    first, second = _session("第一个问题"), _session("第二个问题")
    store.save("browser:a", first)
    store.save("browser:a", second)
    store.save("browser:b", _session("别人的"))
    store.save("browser:a", ChatSession())  # nothing answered: nothing saved
    assert [c.title for c in store.list("browser:a")] == ["第二个问题", "第一个问题"]
    again = ConversationStore(tmp_path / "h.sqlite3")  # a restart
    reopened = again.load("browser:a", first.session_id)
    assert reopened.turns[0].answer == first.turns[0].answer
    latest = again.latest("browser:a")
    assert latest is not None and latest.session_id == second.session_id
    assert again.latest("browser:nobody") is None
    with pytest.raises(ConversationNotFoundError):
        again.load("browser:b", first.session_id)  # another browser's id reads as unknown


def test_rename_delete_and_bad_ids(tmp_path: Path) -> None:
    store = _store(tmp_path)
    session = _session("两个保障是什么？")
    store.save("u", session)
    assert store.rename("u", session.session_id, "  <script>x</script>\n 名字  ") == "<script>x</script> 名字"
    assert store.list("u")[0].label == "<script>x</script> 名字"
    assert store.load("u", session.session_id).name == "<script>x</script> 名字"
    assert store.rename("u", session.session_id, "") == "" and store.list("u")[0].label == "两个保障是什么？"
    for bad in ("", "../../etc/passwd", "x" * 500, "0123456789ab"):
        with pytest.raises(ConversationNotFoundError):
            store.load("u", bad)
        with pytest.raises(ConversationNotFoundError):
            store.delete("u", bad)
    store.delete("u", session.session_id)
    assert store.list("u") == []


def test_only_the_most_recent_are_kept(tmp_path: Path) -> None:
    store = _store(tmp_path, max_conversations=2)
    sessions = [_session(f"问题{i}") for i in range(3)]
    for s in sessions:
        store.save("u", s)
    assert [c.id for c in store.list("u")] == [sessions[2].session_id, sessions[1].session_id]


def test_the_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "d" / "client.key"
    secret = load_secret(path)
    assert load_secret(path) == secret and len(secret) == 32
    assert path.stat().st_mode & 0o077 == 0
    client, cookie = CookieSigner(secret).issue()
    assert CookieSigner(load_secret(path)).verify(cookie) == client  # after a restart
    assert CookieSigner(b"k" * 32).verify(cookie) is None


@dataclass
class FakeRequest:
    cookies: dict[str, str] = field(default_factory=dict)
    username: str | None = None


def test_the_owner_is_the_login_or_the_signed_browser_id() -> None:
    signer = CookieSigner(b"s" * 32)
    client, cookie = signer.issue()
    assert signer.owner(FakeRequest({COOKIE: cookie})) == f"browser:{client}"
    assert signer.owner(FakeRequest({COOKIE: cookie}, username="wang")) == "user:wang"
    assert signer.owner(FakeRequest({COOKIE: client + ".forged"})) is None
    assert signer.owner(FakeRequest()) is None and signer.owner(None) is None


def test_history_actions_open_rename_delete_and_refuse_others(tmp_path: Path) -> None:
    signer = CookieSigner(b"s" * 32)
    history = ChatHistory(_store(tmp_path), signer)
    mine = FakeRequest({COOKIE: signer.issue()[1]})
    theirs = FakeRequest({COOKIE: signer.issue()[1]})
    session = _session("两个保障是什么？")
    listing = history.remember(mine, session)
    assert "两个保障是什么？" in listing and "qa-current" in listing

    fresh, listing = history.act(mine, ChatSession(), {"action": "open", "id": session.session_id})
    assert fresh.session_id == session.session_id and fresh.turns[0].answer == session.turns[0].answer
    _, listing = history.act(theirs, ChatSession(), {"action": "open", "id": session.session_id})
    assert "找不到这段对话" in listing and "两个保障" not in listing

    shown, listing = history.act(
        mine, fresh, {"action": "rename", "id": session.session_id, "name": "<img src=x>"}
    )
    assert shown.name == "<img src=x>" and "&lt;img src=x&gt;" in listing and "<img src=x>" not in listing

    restored, _ = history.restore(mine)
    assert restored.session_id == session.session_id
    shown, listing = history.act(mine, restored, {"action": "delete", "id": session.session_id})
    assert shown.session_id != session.session_id and not shown.turns and "已删除" in listing
    assert not history.restore(mine)[0].turns
    # a browser without the cookie: nothing saved, and the list says why
    assert "无法保存" in history.remember(FakeRequest(), _session("甲"))


def test_only_the_restore_on_page_load_sets_the_conversation(tmp_path: Path) -> None:
    """A second load event setting the session state (what Gradio adds for a state whose initial value is a
    function) races the restore and may leave a reopened conversation shown but an empty one answering."""
    from fastapi.testclient import TestClient

    from app import create_app
    from assistant.service import PolicyAssistant
    from ingest.pipeline import Ingestor
    from settings import Settings
    from tests.fakes import FakeEmbedder
    from vectorstore.chroma import ChromaStore
    from vectorstore.factory import persistent_client

    store = ChromaStore(persistent_client(tmp_path / "chroma"), FakeEmbedder(), "ui")
    app = create_app(
        Settings(data_dir=tmp_path), PolicyAssistant(store), Ingestor(store, lock_path=tmp_path / "l")
    )
    config = TestClient(app).get("/config").json()
    ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
    states = {c["id"] for c in config["components"] if c["type"] == "state"}
    on_load = [d for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"])]
    setting_state = [d for d in on_load if states & set(d["outputs"])]
    assert len(setting_state) == 1 and ids["qa-conversation"] in setting_state[0]["outputs"]
