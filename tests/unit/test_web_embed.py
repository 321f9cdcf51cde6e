"""Issue 14 item 13 on the app in-process: the /embed snippet from a reverse proxy's forwarded headers,
no outside host in the chat page, the widget's options and its blocked-frame message."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.unit.test_web_api import make_client, stack  # noqa: F401 - the fixture
from web.page_meta import strip_preview_meta

Stack = tuple[object, object, object]


@pytest.fixture(scope="module")
def client(stack: Stack) -> TestClient:  # noqa: F811
    return make_client(stack, root_path="/zhengce-qa")  # type: ignore[arg-type]


def test_the_snippet_uses_the_forwarded_host_scheme_and_prefix(client: TestClient) -> None:
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "oa.example.gov.cn, inner-proxy:8080",  # the first proxy's is the public one
        "X-Forwarded-Prefix": "/zc",
    }
    page = client.get("/embed", headers=headers)
    assert "https://oa.example.gov.cn/zc/static/widget.js" in page.text
    assert "https://oa.example.gov.cn/zc/?qa_widget=1" in page.text
    assert page.headers["cache-control"] == "no-store"
    plain = client.get("/embed").text  # no forwarded headers: Host and POLICY_QA_ROOT_PATH
    assert "http://testserver/zhengce-qa/static/widget.js" in plain


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Host": 'evil"><script>alert(1)</script>'},
        {"X-Forwarded-Proto": "javascript"},
        {"X-Forwarded-Prefix": "/a b/<x>"},
    ],
)
def test_forwarded_values_that_are_not_an_address_are_ignored(
    client: TestClient, headers: dict[str, str]
) -> None:
    page = client.get("/embed", headers=headers).text
    assert "http://testserver/zhengce-qa/static/widget.js" in page
    assert "<script>alert" not in page and "javascript://" not in page


def test_the_chat_page_references_no_outside_host(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200 and "og:image" not in page.text and "twitter:" not in page.text
    hosts = {h for h in re.findall(r"https?://([^/\"'\s)<>\\]+)", page.text)}
    assert hosts <= {"testserver"}, hosts
    assert int(page.headers["content-length"]) == len(page.content)


def test_preview_meta_is_removed_but_nothing_else() -> None:
    html = b'<head><meta property="og:image"\n content="https://x/y.jpg" /><meta charset="utf-8"><title>t</title>'
    assert strip_preview_meta(html) == b'<head><meta charset="utf-8"><title>t</title>'


def test_the_widget_has_its_options_and_a_blocked_message(client: TestClient) -> None:
    widget = client.get("/static/widget.js").text
    for option in ("data-color", "data-width", "data-height", "data-position", "data-greeting"):
        assert option in widget
    assert "POLICY_QA_FRAME_ANCESTORS" in widget and "在新窗口中打开" in widget
    embed = client.get("/embed").text
    assert "data-greeting" in embed and "X-Forwarded-Host" in embed
