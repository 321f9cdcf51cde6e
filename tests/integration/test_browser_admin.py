"""The administrators' review in a real headless Chromium (the shared site: real model, real Chroma):
an upload signed with a name and tags, the library filters, the original file's download, a corrected
version, version history with its diff, a restore, the audit log and its CSV export, the feedback review
and its eval export, restoring a version of a deleted speech — every name, title and comment shown as
text."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from assistant.records import Answer, Citation, Passage
from tests.support.browser import ANSWER_TIMEOUT_MS, ARTIFACTS, TOKEN, Site, Watch, shot, wait_chat
from web.feedback import FeedbackLog

pytestmark = [pytest.mark.integration, pytest.mark.browser]

NAME = "张三<b>管理员</b>"
TITLE = "在全市教育督导工作会议上的讲话"
SPEECH = (
    f"{TITLE}\n赵六\n（2024年5月8日）\n同志们：\n"
    "今天我们召开全市教育督导工作会议，主要任务是总结督导工作，部署今年任务。过去一年，全市督导评估体系不断完善。\n"
    "一、完善督导体制\n要配齐专职督学一百二十名，实现责任区全覆盖。\n"
    "二、强化结果运用\n要把督导结果作为考核的重要依据。\n"
)
CORRECTED = SPEECH.replace("一百二十名", "一百五十名")


def _admin(page: Page) -> None:
    page.get_by_role("tab", name="文档管理").click()
    page.locator("#qa-admin-token input").fill(TOKEN)
    page.locator("#qa-admin-token input").press("Enter")  # opens the admin session (the upload cookie)
    deadline = time.monotonic() + 10
    while not any(c["name"] == "qa_admin" for c in page.context.cookies()) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    page.locator("#qa-admin-name textarea").fill(NAME)


def _upload(page: Page, path: Path, *, tags: str = "", replace: bool = False) -> None:
    file_input = page.locator("#qa-upload-files input[type=file]")
    file_input.set_input_files(str(path))
    page.locator("#qa-upload-files").get_by_text(path.name).first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.locator("#qa-upload-tags textarea").fill(tags)
    if replace:
        page.locator("#qa-upload-replace input").check()
    page.locator("#qa-upload").click()
    page.locator("#qa-admin-result").get_by_text("已加入导入队列").wait_for()


def _pick(page: Page, dropdown: str, option: str) -> None:
    page.locator(f"#{dropdown} input").click()
    page.get_by_role("option", name=option).first.click()


def _download(page: Page, button: Locator) -> bytes:
    with page.expect_download(timeout=30_000) as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def test_versions_audit_feedback_and_filters_in_the_documents_tab(
    site: Site, open_page: Callable[..., tuple[Page, Watch]], tmp_path: Path
) -> None:
    comment = '<img src=x onerror="window.__xss=9">答非所问'
    passage = Passage(
        "c", "d", "000.txt", "讲话", "张三", "2023-04-28", "一、", "一是经费保障。\n其余。", 0, 9
    )
    FeedbackLog(site.data_dir / "feedback.jsonl").record(
        "down",
        Answer("督学配多少名？", "回答。[1]", True, [Citation(1, passage, "")]),
        answer_id="b1",
        comment=comment,
    )
    page, _ = open_page(site.root.url, height=1000)
    wait_chat(page)
    _admin(page)
    jobs, table = page.locator("#qa-jobs"), page.locator("#qa-documents")
    first = tmp_path / "督导讲话.txt"
    first.write_text(SPEECH, encoding="utf-8")
    _upload(page, first, tags="督导，2024年")
    jobs.get_by_text("已导入").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    table.get_by_text(TITLE).wait_for()

    # library filters: the tag given at upload narrows the list to this speech
    _pick(page, "qa-filter-tag", "督导")
    table.get_by_text("符合条件的 1 篇").wait_for()
    assert table.get_by_text(TITLE).count() == 1
    row = table.locator("tr", has_text=TITLE)
    assert _download(page, row.locator("a.qa-doc-download")) == SPEECH.encode()
    page.locator("#qa-jobs-head").scroll_into_view_if_needed()
    shot(page, "13-documents")  # the README's picture of the tab: jobs, review panels, filtered list

    second = tmp_path / "督导讲话.txt"
    second.write_text(CORRECTED, encoding="utf-8")
    replaced = jobs.get_by_text("移除旧版本")
    earlier = replaced.count()  # other tests' jobs may be listed too (the site is shared)
    _upload(page, second, replace=True)
    replaced.nth(earlier).wait_for(timeout=ANSWER_TIMEOUT_MS)

    # version history: two versions, what changed, restore the first
    page.locator("#qa-versions-box").get_by_text("版本历史").click()
    _pick(page, "qa-versions-speech", "教育督导工作会议")
    page.locator("#qa-versions-show").click()
    versions = page.locator("#qa-versions")
    versions.get_by_text("历史").wait_for()
    assert versions.locator("tbody tr").count() == 2 and NAME in versions.inner_text()
    page.locator("#qa-versions-diff").click()
    changes = page.locator("#qa-versions-changes")
    changes.locator("del").first.wait_for()
    assert "一百二十名" in changes.locator("del").inner_text()
    assert "一百五十名" in changes.locator("ins").inner_text()
    shot(page, "10-versions", full_page=True)
    page.locator("#qa-versions-restore").click()
    page.locator("#qa-admin-result").get_by_text("正在恢复该版本").wait_for()
    replaced.nth(earlier + 1).wait_for(timeout=ANSWER_TIMEOUT_MS)  # the restore's import
    page.locator("#qa-versions-show").click()
    versions.locator("tbody tr").nth(2).wait_for()
    assert (
        "一百二十名"
        in page.request.get(site.root.url + "api/documents/" + _current(page, site) + "/file").text()
    )

    # the audit log: names as text, every action; the CSV export
    page.locator("#qa-audit-box").get_by_text("审计日志").first.click()
    page.locator("#qa-audit-show").click()
    audit = page.locator("#qa-audit")
    audit.get_by_text("恢复旧版本").wait_for()
    assert NAME in audit.inner_text() and audit.locator("b").count() == 0  # the name's <b> is text
    assert "新增" in audit.inner_text() and "替换" in audit.inner_text()
    exported = _download(page, page.locator("#qa-audit-csv")).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["action"] for r in rows[:3]] == ["restore", "replace", "add"] and rows[0]["actor"] == NAME

    # the feedback review: 👎 with comments, and the eval-format export
    page.locator("#qa-feedback-box").get_by_text("反馈审阅").first.click()
    _pick(page, "qa-feedback-rating", "不满意")
    page.locator("#qa-feedback-commented input").check()
    page.locator("#qa-feedback-show").click()
    review = page.locator("#qa-feedback")
    review.get_by_text("答非所问").wait_for()
    assert '<img src=x onerror="window.__xss=9">' in review.inner_text()
    assert page.evaluate("() => window.__xss") is None
    shot(page, "11-review", full_page=True)
    for box in ("versions", "audit", "feedback"):  # the README's pictures of the tab
        page.locator(f"#qa-{box}-box").screenshot(path=str(ARTIFACTS / f"browser-12-{box}-panel.png"))
    case = json.loads(_download(page, page.locator("#qa-feedback-export")).decode().splitlines()[-1])
    assert case["question"] == "督学配多少名？" and case["gold"] == [
        {"source": "000.txt", "quote": "一是经费保障。"}
    ]

    # the site is shared with the other browser tests: the speech goes; restoring one of its versions then
    # says why it cannot (the panel still holds the deleted speech's history)
    gone = page.request.delete(
        site.root.url + "api/documents/" + _current(page, site), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert gone.ok
    page.locator("#qa-versions-restore").click()
    page.locator("#qa-admin-result").get_by_text("这篇讲话已被删除，不能恢复它的旧版本").wait_for()


def _current(page: Page, site: Site) -> str:
    listed = page.request.get(site.root.url + "api/documents").json()["documents"]
    return next(d["doc_id"] for d in listed if d["title"] == TITLE)
