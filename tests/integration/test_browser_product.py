"""Issue 14 in a real Chromium and over real HTTP, on the shared site (the real e5 model and store,
tests/integration/conftest.py): copy and export in the chat, the OpenAI-compatible API with the real
`openai` client."""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import docx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam
from playwright.sync_api import Page, expect

from tests.conftest import free_port
from tests.support.browser import Site, Watch, ask, shot, wait_chat

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OpenPage = Callable[..., tuple[Page, Watch]]


def test_the_openai_client_streaming_and_not_with_a_follow_up(site: Site) -> None:
    client = openai.OpenAI(base_url=site.root.url + "v1", api_key="none", max_retries=0, timeout=120)
    assert [m.id for m in client.models.list().data] == ["policy-qa"]
    first: list[ChatCompletionMessageParam] = [{"role": "user", "content": "两个保障是什么？"}]
    reply = client.chat.completions.create(model="policy-qa", messages=first)
    content = reply.choices[0].message.content or ""
    extra: dict[str, Any] = reply.model_extra or {}
    assert "经费保障" in content and extra["citations"][0]["title"] in content
    follow: list[ChatCompletionMessageParam] = [
        *first,
        {"role": "assistant", "content": content},
        {"role": "user", "content": "第二个具体怎么做？"},
    ]
    chunks = list(client.chat.completions.create(model="policy-qa", messages=follow, stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    last: dict[str, Any] = chunks[-1].model_extra or {}
    assert chunks[-1].choices[0].finish_reason == "stop" and last["citations"]
    # the second 保障 spelled out: its own three measures (要推进资源交流…)
    assert streamed.startswith(last["policy_qa"]["answer"]) and "推进资源交流" in streamed


def test_copy_and_export_an_answer_and_the_conversation(site: Site, open_page: OpenPage) -> None:
    page, _ = open_page(site.root.url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    wait_chat(page)
    reply = ask(page, "两个保障是什么？")
    tools = reply.locator(".qa-tools")
    tools.get_by_role("button", name="复制（含出处）").click()
    tools.get_by_text("已复制").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "经费保障" in copied and "\n\n来源：\n[1] 《" in copied
    shot(page, "10-answer-tools")

    with page.expect_download() as download:
        tools.get_by_role("button", name="导出 Word").click()
    word = docx.Document(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "问：两个保障是什么？" in text and "经费保障" in text
    marks = set(re.findall(r"\[(\d+)\]", reply.locator(".qa-bubble").inner_text()))
    for number in marks:
        assert re.search(rf"^\[{number}\] 《.+》，.+", text, re.M), text

    ask(page, "新增中小学编制多少个？")
    with page.expect_download() as download:
        page.locator(".qa-conv-tools").get_by_role("button", name="Markdown").click()
    markdown = download.value.path().read_text("utf-8")
    assert download.value.suggested_filename.endswith(".md")
    assert markdown.count("**问：**") == 2 and "[^1]:" in markdown


def test_export_behind_a_sub_path(site: Site, open_page: OpenPage) -> None:
    page, _ = open_page(f"http://127.0.0.1:{site.proxied.port}/qa/")
    wait_chat(page)
    reply = ask(page, "12881是什么意思？")
    with page.expect_download() as download:
        reply.locator(".qa-tools").get_by_role("button", name="导出 Markdown").click()
    assert "12881" in download.value.path().read_text("utf-8")


def test_the_formulation_library_tab(site: Site, open_page: OpenPage) -> None:
    page, _ = open_page(site.root.url)
    wait_chat(page)
    page.get_by_role("tab", name="提法库").click()
    library = page.locator("#qa-library")
    library.locator(".qa-lib-group").first.wait_for(timeout=30_000)
    group = library.locator(".qa-lib-group", has=page.locator(".qa-lib-name", has_text="“四有”"))
    expect(group.locator(".qa-lib-entry")).to_have_count(3)  # three speeches: side by side
    expect(group.locator(".qa-status-named").first).to_contain_text("只提到名称，未展开")
    shot(page, "11-library")

    page.locator("#qa-lib-query textarea, #qa-lib-query input").first.fill("经费保障")
    page.locator("#qa-lib-search").click()
    expect(library.locator(".qa-lib-name").first).to_contain_text("两个保障")
    item = library.get_by_role("button", name="经费保障").first
    item.click()
    hit = page.locator("#qa-lib-viewer #qa-viewer-hit mark.qa-hl")
    hit.wait_for(timeout=30_000)
    assert "经费保障" in hit.inner_text()
    page.keyboard.press("Escape")
    hit.wait_for(state="detached")

    outline = page.locator("#qa-outlines .qa-outline-speech").first
    outline.locator("summary").click()
    heading = outline.locator("ul.qa-outline > li > button.qa-link").first
    label = heading.inner_text()
    heading.click()
    mark = page.locator("#qa-lib-viewer #qa-viewer-hit mark.qa-hl")
    mark.wait_for(timeout=30_000)
    assert mark.inner_text().startswith(label[:4])
    shot(page, "12-outline")


def host_page(page: Page, url: str, widget: str, **options: str) -> None:
    """Serve a made-up intranet page at `url` (intercepted: no server needed) that embeds the widget."""
    attributes = " ".join(f'data-{name}="{value}"' for name, value in options.items())
    html = f'<!doctype html><meta charset="utf-8"><h1>内网首页</h1><script src="{widget}" {attributes} defer></script>'
    page.route(
        url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
    )
    page.goto(url)


def test_widget_options_and_a_page_the_framing_policy_blocks(
    site: Site, open_page: OpenPage, tmp_path: Path
) -> None:
    widget = site.root.url + "static/widget.js"
    page, watch = open_page("about:blank")
    host_page(
        page, site.root.url + "intranet.html", widget, color="#b91c1c", greeting="您好！请问想了解哪篇讲话？"
    )
    launcher = page.locator(".pqa-launcher")
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(185, 28, 28)"
    launcher.click()
    frame = page.frame_locator(".pqa-frame")
    expect(frame.locator(".qa-welcome")).to_have_text("您好！请问想了解哪篇讲话？", timeout=60_000)
    page.wait_for_timeout(4000)  # past the widget's wait for the app's "ready": still a chat, no message
    assert page.locator(".pqa-blocked").count() == 0

    # another origin (a real server: Chromium refuses loopback requests from an intercepted page),
    # while POLICY_QA_FRAME_ANCESTORS is 'self'
    (tmp_path / "intranet.html").write_text(
        f'<!doctype html><meta charset="utf-8"><h1>内网首页</h1><script src="{widget}" defer></script>',
        "utf-8",
    )
    (tmp_path / "favicon.ico").write_bytes(b"")  # a 404 would be logged as a console error
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        other, other_watch = open_page(f"http://127.0.0.1:{server.server_address[1]}/intranet.html")
        other.locator(".pqa-launcher").click()
        blocked_message(other, site)
        # the browser's own report of the refused frame is expected here
        other_watch.errors[:] = [e for e in other_watch.errors if "frame-ancestors" not in e]
    finally:
        server.shutdown()
        server.server_close()
    assert watch.errors == []


def blocked_message(other: Page, site: Site) -> None:
    message = other.locator(".pqa-blocked")
    message.wait_for(timeout=30_000)
    assert "不在政策问答服务允许嵌入的范围内" in message.inner_text()
    assert message.get_by_role("link", name="在新窗口中打开政策问答").get_attribute("href") == site.root.url
    shot(other, "13-widget-blocked")
