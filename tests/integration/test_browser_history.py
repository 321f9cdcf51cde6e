"""Saved conversations (issue 14, item 1) in a real Chromium on the shared site (the real e5 model and
store): a conversation survives a reload and an app restart, is listed, reopened (and still resolves a
follow-up against its earlier turns), renamed (the name shown as text) and deleted; another browser sees none
of it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import ANSWER_TIMEOUT_MS, ARTIFACTS, Site, Watch, ask, shot, wait_chat

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
