"""Saved conversations (issue 14, item 1) in a real Chromium on the shared site (the real e5 model and
store): a conversation survives a reload and an app restart, is listed, reopened (and still resolves a
follow-up against its earlier turns), renamed (the name shown as text) and deleted; another browser sees none
of it. With POLICY_QA_AUTH the history is the user's, in whichever browser they log in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import ANSWER_TIMEOUT_MS, ARTIFACTS, LOGIN, Site, Watch, ask, shot, wait_chat

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OpenPage = Callable[..., tuple[Page, Watch]]
NAME = '<img src=x onerror="window.__xss=4">保障问题'


def _history(page: Page) -> Locator:
    """The list, opened."""
    details = page.locator("#qa-history details.qa-history")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    return details


def test_history_survives_reload_and_restart_and_keeps_follow_ups(site: Site, open_page: OpenPage) -> None:
    page, _ = open_page(site.root.url)
    wait_chat(page)
    ask(page, "两个保障是什么？")
    expect(page.locator("#qa-history summary")).to_have_text("历史对话（1）")

    page.reload(wait_until="load")
    turn = page.locator("#qa-conversation .qa-turn")
    expect(turn).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    assert "经费保障" in turn.locator(".qa-answer").inner_text()
    expect(page.locator("#qa-examples")).to_be_hidden()

    listing = _history(page)
    listing.locator(".qa-history-rename").click()
    box = listing.locator("input.qa-history-name")
    box.fill(NAME)
    box.press("Enter")
    expect(listing.locator(".qa-history-open")).to_have_text(NAME)  # as text, not markup
    assert page.evaluate("() => window.__xss") is None
    listing.locator(".qa-history-rename").click()
    listing.locator("input.qa-history-name").fill("两个保障及做法")
    listing.locator("input.qa-history-name").press("Enter")
    expect(listing.locator(".qa-history-open")).to_have_text("两个保障及做法")

    page.locator("#qa-new-chat").click()
    page.locator("#qa-conversation .qa-welcome").wait_for()
    ask(page, "12881是什么意思？")
    expect(page.locator("#qa-history summary")).to_have_text("历史对话（2）")

    restarted = site.restart()  # a new app on the same data dir; the browser keeps its cookie
    page.goto(restarted.url, wait_until="load")
    expect(page.locator("#qa-conversation .qa-user")).to_have_text(
        "12881是什么意思？", timeout=ANSWER_TIMEOUT_MS
    )
    listing = _history(page)
    expect(listing.locator(".qa-history-item")).to_have_count(2)
    listing.locator(".qa-history-open", has_text="两个保障及做法").click()
    expect(page.locator("#qa-conversation .qa-user")).to_have_text("两个保障是什么？")
    reply = ask(page, "第二个具体怎么做？")  # resolved against the reopened conversation's first turn
    assert "推进资源交流" in reply.inner_text()
    expect(listing.locator(".qa-history-item.qa-current .qa-history-meta")).to_contain_text("2 问")
    shot(page, "20-history", full_page=True)
    listing.screenshot(path=str(ARTIFACTS / "browser-20b-history-list.png"))

    other = listing.locator(".qa-history-item", has_text="12881")
    other.locator(".qa-history-delete").click()
    other.locator(".qa-history-delete").click()  # asked once more
    expect(listing.locator(".qa-history-item")).to_have_count(1)
    expect(listing.locator(".qa-history-msg")).to_have_text("已删除。")
    expect(page.locator("#qa-conversation .qa-turn")).to_have_count(2)  # the open one stays


def test_another_browser_sees_no_saved_conversation(site: Site, open_page: OpenPage) -> None:
    page, _ = open_page(site.root.url)
    wait_chat(page)
    ask(page, "两个保障是什么？")
    stranger, _ = open_page(site.root.url)
    wait_chat(stranger)
    listing = _history(stranger)
    expect(listing.locator(".qa-history-empty")).to_contain_text("还没有保存的对话")
    stranger.reload(wait_until="load")
    wait_chat(stranger)
    expect(stranger.locator("#qa-conversation .qa-turn")).to_have_count(0)


def _log_in(page: Page) -> None:
    """Gradio's login form (POLICY_QA_AUTH), then the chat."""
    password = page.locator("input[type=password]")
    password.wait_for(timeout=60_000)
    page.get_by_role("textbox").first.fill(LOGIN[0])
    password.fill(LOGIN[1])
    password.press("Enter")
    wait_chat(page)


def test_with_a_login_the_history_is_the_users_in_any_browser(site: Site, open_page: OpenPage) -> None:
    server = site.login()
    page, _ = open_page(server.url)
    _log_in(page)
    ask(page, "两个保障是什么？")
    expect(page.locator("#qa-history summary")).to_have_text("历史对话（1）")

    elsewhere, _ = open_page(server.url)  # another browser (no shared cookie), the same login
    _log_in(elsewhere)
    expect(elsewhere.locator("#qa-conversation .qa-user")).to_have_text(
        "两个保障是什么？", timeout=ANSWER_TIMEOUT_MS
    )
    expect(_history(elsewhere).locator(".qa-history-item")).to_have_count(1)

    # the first browser without the login (the same cookies, an app without POLICY_QA_AUTH): the user's
    # conversation is not this browser's
    page.goto(site.root.url, wait_until="load")
    wait_chat(page)
    expect(_history(page).locator(".qa-history-empty")).to_contain_text("还没有保存的对话")
    expect(page.locator("#qa-conversation .qa-turn")).to_have_count(0)
