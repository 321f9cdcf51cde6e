"""Readable answers and feedback (issue 14, item 4) in a real Chromium on the shared site (the real e5 model
and store): lists as lists, speech names set apart, a mark's preview on hover and tap, a 👎 with a comment
that can be changed (and survives a reload), and the sources panel named where it is."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import ANSWER_TIMEOUT_MS, Site, Watch, ask, shot, wait_chat

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OpenPage = Callable[..., tuple[Page, Watch]]


def _votes(site: Site, question: str) -> list[dict[str, str]]:
    lines = (site.data_dir / "feedback.jsonl").read_text("utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["question"] == question]


def test_lists_previews_and_a_changeable_vote_with_a_comment(site: Site, open_page: OpenPage) -> None:
    page, _ = open_page(site.root.url)
    wait_chat(page)
    expect(page.locator(".qa-welcome .qa-where-side")).to_be_visible()  # wide: the panel is on the right
    expect(page.locator(".qa-welcome .qa-where-below")).to_be_hidden()

    reply = ask(page, "12881是什么意思？")
    expect(reply.locator(".qa-list > li")).to_have_count(5)
    assert reply.locator(".qa-list > li").nth(1).inner_text().startswith("二是")
    mark = reply.locator("button.qa-cite").first
    tip = reply.locator(".qa-tip").first
    expect(tip).to_be_hidden()
    mark.hover()
    expect(tip).to_be_visible()
    assert "12881" in tip.inner_text() or "目标" in tip.inner_text()
    assert "、" in tip.locator(".qa-tip-meta").inner_text()  # title · speaker · section (一、…)
    shot(page, "21-mark-preview")

    cross = ask(page, "各篇讲话对职业教育提了哪些要求？")
    assert cross.locator(".qa-speech-name").count() >= 2
    assert cross.locator(".qa-speech-name").first.inner_text().startswith("《")

    votes = reply.locator(".qa-votes")
    votes.locator("button[data-feedback='down']").click()
    comment = page.locator(".qa-turn").first.locator(".qa-comment textarea")
    comment.fill("八项改革没有列全")
    page.locator(".qa-turn").first.locator(".qa-comment-send").click()
    page.locator(".qa-turn").first.get_by_text("已收到您的意见。").wait_for()
    entries = _votes(site, "12881是什么意思？")
    assert [e["rating"] for e in entries] == ["down", "down"] and entries[-1]["comment"] == "八项改革没有列全"
    answer_id = entries[-1]["answer_id"]

    page.reload(wait_until="load")  # the vote and its comment are part of the saved conversation
    first = page.locator(".qa-turn").first
    expect(first.locator("button[data-feedback='down']")).to_have_attribute(
        "aria-pressed", "true", timeout=ANSWER_TIMEOUT_MS
    )
    expect(first.locator(".qa-comment textarea")).to_have_value("八项改革没有列全")
    first.locator("button[data-feedback='up']").click()  # changed
    expect(first.locator("button[data-feedback='up']")).to_have_attribute("aria-pressed", "true")
    expect(first.locator(".qa-comment")).to_have_count(0)
    assert _votes(site, "12881是什么意思？")[-1]["rating"] == "up"
    assert _votes(site, "12881是什么意思？")[-1]["answer_id"] == answer_id  # the same answer, voted again


def test_on_a_phone_the_sources_are_below_and_a_tap_previews_a_mark(site: Site, open_page: OpenPage) -> None:
    page, _ = open_page(site.root.url, width=400, height=800)
    wait_chat(page)
    expect(page.locator(".qa-welcome .qa-where-below")).to_be_visible()
    expect(page.locator(".qa-welcome .qa-where-side")).to_be_hidden()
    reply = ask(page, "两个保障是什么？")
    reply.locator("button.qa-cite").first.click()  # a tap is a click without a hover after it
    page.mouse.move(5, 5)
    expect(reply.locator(".qa-cite-wrap.qa-tip-open .qa-tip")).to_be_visible()
    shot(page, "22-phone-preview")
