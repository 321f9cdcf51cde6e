"""The web app in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

The server is the real thing: uvicorn on 127.0.0.1, the real e5 model (built once per machine into
POLICY_QA_TEST_MODEL_DIR, see test_e5_model.py), a real embedded Chroma holding the sample speeches.
Every page must log no console error and send no request to any host but 127.0.0.1.
Screenshots go to tests/artifacts/ (look at them: they are what a staff member sees).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import ANSWER_TIMEOUT_MS, TOKEN, Site, Watch, ask, shot, wait_chat

pytestmark = [pytest.mark.integration, pytest.mark.browser]


NEW_SPEECH = (
    "在全市学前教育工作会议上的讲话\n王五\n（2024年3月1日）\n同志们：\n"
    "今天我们召开全市学前教育工作会议，主要任务是总结去年工作，部署今年任务。过去一年，全市学前教育改革发展"
    '取得明显成效，普惠性幼儿园覆盖率持续提高，保教质量稳步提升。网上流传的<img src=x onerror="window.__xss=3">'
    "说法不准确。\n"
    "一、扩大普惠资源\n要新增普惠性幼儿园学位八千个，让更多孩子就近入园。\n"
    "二、提高保教质量\n要开展幼儿园保教质量评估，坚决纠正小学化倾向。\n"
)


def test_ask_open_the_source_and_the_speech(site: Site, open_page: Callable[..., tuple[Page, Watch]]) -> None:
    page, _ = open_page(site.root.url)
    wait_chat(page)
    expect(page.locator("#qa-examples button")).to_have_count(4)  # rendered by Gradio's JS: wait
    shot(page, "01-empty")

    reply = ask(page, "两个保障是什么？")
    assert "qa-answer" in (reply.get_attribute("class") or "")
    assert "经费保障" in reply.inner_text()
    assert reply.locator("button.qa-cite").first.inner_text() == "[1]"
    shot(page, "02-answer")

    reply.locator("button.qa-cite").first.click()
    card = page.locator("#qa-sources .qa-card.qa-active")
    expect(card).to_be_in_viewport()
    assert card.get_attribute("id") == "qa-src-0-1"
    assert "经费保障" in card.locator("mark.qa-hl").inner_text()
    assert "两个保障" in card.locator(".qa-card-section").inner_text()
    shot(page, "03-source")

    card.locator("button.qa-open-doc").click()
    hit = page.locator("#qa-viewer-hit")
    hit.wait_for(timeout=30_000)
    assert "经费保障" in hit.locator("mark.qa-hl").inner_text()
    expect(hit.locator("mark.qa-hl")).to_be_in_viewport()  # the viewer scrolled to it
    shot(page, "04-speech")
    page.keyboard.press("Escape")
    hit.wait_for(state="detached")

    reply.locator("button.qa-vote[data-feedback='up']").click()
    page.locator(".qa-votes.qa-voted").first.wait_for()
    entries = [
        json.loads(line) for line in (site.data_dir / "feedback.jsonl").read_text("utf-8").splitlines()
    ]
    assert entries[-1]["rating"] == "up" and entries[-1]["question"] == "两个保障是什么？"
    assert entries[-1]["citations"][0]["n"] == 1


def test_refusal_and_markup_in_questions(site: Site, open_page: Callable[..., tuple[Page, Watch]]) -> None:
    page, _ = open_page(site.root.url)
    wait_chat(page)
    reply = ask(page, '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>')
    assert "qa-refusal" in (reply.get_attribute("class") or "")
    assert page.locator(".qa-user").first.inner_text().startswith("<img src=x onerror=")
    assert page.locator("#qa-sources .qa-src-refusal").is_visible()
    assert "相关内容" in page.locator("#qa-sources").inner_text()
    assert page.evaluate("() => window.__xss") is None
    shot(page, "05-refusal")

    long_reply = ask(page, "两个保障是什么？" + "请详细说明。" * 1600)
    assert "qa-error" not in (long_reply.get_attribute("class") or "")  # answered: the box keeps its limit
    assert len(page.locator(".qa-user").nth(1).inner_text()) <= 500  # max_question_chars, never more


def test_upload_a_speech_ask_about_it_then_delete_it(
    site: Site, open_page: Callable[..., tuple[Page, Watch]], tmp_path: Path
) -> None:
    page, watch = open_page(site.root.url)
    wait_chat(page)
    page.get_by_role("tab", name="文档管理").click()
    upload = tmp_path / "学前教育讲话.txt"
    upload.write_bytes(NEW_SPEECH.encode("gbk"))
    # the token opens an admin session first: Gradio's upload route takes files only from one
    page.locator("#qa-admin-token input").fill(TOKEN)
    page.locator("#qa-admin-token input").press("Enter")
    deadline = time.monotonic() + 10
    while not any(c["name"] == "qa_admin" for c in page.context.cookies()) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    file_input = page.locator("#qa-upload-files input[type=file]")
    file_input.wait_for(state="attached")
    file_input.set_input_files(str(upload))
    page.locator("#qa-upload-files").get_by_text("学前教育讲话.txt").first.wait_for()
    result = page.locator("#qa-admin-result")

    page.locator("#qa-admin-token input").fill("wrong-token")
    page.locator("#qa-upload").click()
    result.get_by_text("管理员令牌不正确").wait_for()
    # leaving the field sent the wrong token for a session too: the server's 401 is the expected answer
    watch.errors[:] = [e for e in watch.errors if "status of 401" not in e]

    page.locator("#qa-admin-token input").fill(TOKEN)
    page.locator("#qa-upload").click()
    result.get_by_text("已加入导入队列").wait_for()
    # the import runs as a background job: its panel follows it until the file is in
    page.locator("#qa-jobs").get_by_text("已导入").wait_for(timeout=ANSWER_TIMEOUT_MS)
    table = page.locator("#qa-documents")
    table.get_by_text("在全市学前教育工作会议上的讲话").wait_for()
    shot(page, "06-documents", full_page=True)

    # a corrected version under another file name: offered as a replacement, never stored beside the old one
    corrected = tmp_path / "学前教育讲话（修订）.txt"
    corrected.write_bytes((NEW_SPEECH + "\n各园要在九月前完成自评。\n").encode("gbk"))
    file_input.set_input_files(str(corrected))
    page.locator("#qa-upload-files").get_by_text("学前教育讲话（修订）.txt").first.wait_for()
    page.locator("#qa-upload").click()
    jobs = page.locator("#qa-jobs")
    jobs.get_by_text("待确认").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "--replace" not in jobs.inner_text()
    shot(page, "06b-new-version", full_page=True)
    page.locator("#qa-conflict-replace").click()
    jobs.get_by_text("替换了 1 篇旧版本").wait_for(timeout=ANSWER_TIMEOUT_MS)
    table.get_by_text("学前教育讲话（修订）.txt").wait_for()
    assert table.get_by_text("在全市学前教育工作会议上的讲话").count() == 1

    page.get_by_role("tab", name="问答").click()
    reply = ask(page, "普惠性幼儿园学位新增多少个？")
    assert "八千" in reply.inner_text()
    reply.locator("button.qa-cite").first.click()
    card = page.locator("#qa-sources .qa-card.qa-active")
    assert "学前教育" in card.inner_text() and "王五" in card.inner_text()
    card.locator("button.qa-open-doc").click()
    page.locator("#qa-viewer-hit").wait_for(timeout=30_000)
    assert "<img src=x onerror=" in page.locator(".qa-viewer-body").inner_text()
    assert page.evaluate("() => window.__xss") is None
    page.locator(".qa-viewer-close").click()

    # the speech filter: only the new speech is searched, so "两个保障" finds nothing of the others
    page.locator("#qa-scope input").click()
    page.get_by_role("option", name="学前教育工作会议").click()
    page.keyboard.press("Escape")
    ask(page, "两个保障是什么？")
    section = page.locator("#qa-sources .qa-src-turn:not([hidden])")
    titles = section.locator(".qa-card-title").all_text_contents()  # collapsed ones too
    assert titles and all("学前教育" in title for title in titles), titles

    page.get_by_role("tab", name="文档管理").click()
    page.locator("#qa-delete-choice input").click()
    page.get_by_role("option", name="学前教育工作会议").click()
    page.locator("#qa-delete").click()
    page.locator("#qa-delete-confirm-text").get_by_text("确定要删除").wait_for()
    page.locator("#qa-delete-confirm").click()
    result.get_by_text("已删除").wait_for()
    table.get_by_text("在全市学前教育工作会议上的讲话").wait_for(state="detached")


def test_widget_on_the_embed_page_behind_a_sub_path(
    site: Site, open_page: Callable[..., tuple[Page, Watch]]
) -> None:
    prefix = f"http://127.0.0.1:{site.proxied.port}/qa/"
    page, _ = open_page(prefix + "embed")
    assert f"{prefix}static/widget.js" in page.locator("#snippet-widget").inner_text()
    page.locator(".pqa-launcher").click()
    assert (page.locator(".pqa-frame").get_attribute("src") or "").startswith(prefix)
    frame = page.frame_locator(".pqa-frame")
    frame.locator("#qa-conversation .qa-welcome").wait_for(timeout=60_000)
    assert not frame.locator("#qa-tab-documents-button").is_visible()  # the widget shows the chat only
    expect(frame.locator(".qa-welcome .qa-where-below")).to_be_visible()  # its sources are below the chat
    expect(frame.locator(".qa-welcome .qa-where-side")).to_be_hidden()
    reply = ask(page, "两个保障是什么？", frame=frame)
    assert "经费保障" in reply.inner_text()
    reply.locator("button.qa-cite").first.click()
    expect(frame.locator("#qa-sources .qa-card.qa-active")).to_be_in_viewport()  # scrolled to the source
    shot(page, "07-widget")


def test_documents_tab_is_read_only_without_a_token(
    site: Site, open_page: Callable[..., tuple[Page, Watch]]
) -> None:
    page, _ = open_page(f"http://127.0.0.1:{site.proxied.port}/qa/")
    wait_chat(page)
    page.get_by_role("tab", name="文档管理").click()
    notice = page.locator("#qa-readonly")
    notice.wait_for()
    assert "POLICY_QA_ADMIN_TOKEN" in notice.inner_text()
    assert page.locator("#qa-upload").count() == 0 and page.locator("#qa-admin-token").count() == 0
    page.locator("#qa-documents").get_by_text("共 ").wait_for()
    shot(page, "09-read-only", full_page=True)


def test_two_sessions_at_once_do_not_mix(site: Site, open_page: Callable[..., tuple[Page, Watch]]) -> None:
    first, _ = open_page(site.root.url, width=900)
    second, _ = open_page(site.root.url, width=900)
    for page in (first, second):
        wait_chat(page)
    questions = {id(first): "12881是什么意思？", id(second): "杨生俊的讲话分几个部分？"}
    for page in (first, second):  # both asked before either answer is awaited
        box = page.locator("#qa-question textarea")
        box.fill(questions[id(page)])
        box.press("Enter")
    for page, other in ((first, second), (second, first)):
        page.locator(".qa-answer, .qa-refusal").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
        text = page.locator("#qa-conversation").inner_text()
        assert questions[id(page)] in text and questions[id(other)] not in text
        assert page.locator(".qa-turn").count() == 1


def test_api_docs_work_offline(site: Site, open_page: Callable[..., tuple[Page, Watch]]) -> None:
    page, _ = open_page(site.root.url + "docs")
    page.locator(".swagger-ui .opblock").first.wait_for(timeout=30_000)
    assert "/api/ask" in page.locator(".swagger-ui").inner_text()
    shot(page, "08-api-docs")
