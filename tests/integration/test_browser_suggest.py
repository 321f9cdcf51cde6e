"""Suggested follow-ups (issue 14, item 3) in a real Chromium on the shared site (the real e5 model and
store): offered under answers, drawn from the structure, each one answered by the real assistant over
/api/ask, clickable, and kept with the saved conversation."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import ANSWER_TIMEOUT_MS, Site, Watch, ask, shot, wait_chat

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OpenPage = Callable[..., tuple[Page, Watch]]


def test_suggestions_are_structural_answered_and_clickable(site: Site, open_page: OpenPage) -> None:
    page, _ = open_page(site.root.url)
    wait_chat(page)
    first = ask(page, "两个保障是什么？").locator("button.qa-suggest-q").all_inner_texts()
    assert "“两个保障”中的教师保障具体怎么做？" in first  # the other items of the formulation
    coded = ask(page, "12881是什么意思？").locator("button.qa-suggest-q").all_inner_texts()
    assert "“八项工程”是什么？" in coded  # an item that is a formulation of its own
    outline = ask(page, "杨生俊的讲话分几个部分？").locator("button.qa-suggest-q").all_inner_texts()
    assert "杨生俊的讲话第二部分讲了什么？" in outline  # the next part of the outline

    expected = {  # what a right answer to some of them must contain
        "“两个保障”中的教师保障具体怎么做？": "教师保障",
        "“八项工程”是什么？": "党建创优工程",
        "杨生俊的讲话第二部分讲了什么？": "立足固原实际",
    }
    with httpx.Client(base_url=site.root.url, timeout=120) as client:
        for question in dict.fromkeys(first + coded + outline):
            answer = client.post("api/ask", json={"question": question}).json()
            assert answer["answerable"], question
            assert expected.get(question, "") in answer["answer"], (question, answer["answer"])

    turns = page.locator("#qa-conversation .qa-turn")
    turns.nth(0).get_by_role("button", name="“两个保障”中的教师保障具体怎么做？").click()
    expect(turns).to_have_count(4)
    reply = turns.nth(3).locator(".qa-bot")
    reply.and_(page.locator(".qa-answer")).wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert turns.nth(3).locator(".qa-user").inner_text() == "“两个保障”中的教师保障具体怎么做？"
    assert "教师保障" in reply.inner_text()
    shot(page, "23-suggestions")

    page.reload(wait_until="load")  # kept with the saved conversation
    expect(page.locator("#qa-conversation .qa-turn")).to_have_count(4, timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#qa-conversation .qa-turn").nth(1).locator("button.qa-suggest-q").count() >= 1
