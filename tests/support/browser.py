"""Helpers of the browser tests: what a page must not do (Watch), screenshots, asking a question.

The fixtures (the served site with the real model, the browser, open_page) are in
tests/integration/conftest.py, session-scoped so every browser test module shares one site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Dialog, FrameLocator, Locator, Page, Request

from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "browser-admin-token"
LOGIN = ("staff", "browser-login-5e2d")  # POLICY_QA_AUTH of Site.login
ANSWER_TIMEOUT_MS = 90_000  # the first question also builds the keyword index; the machine may be busy
EXPECT_TIMEOUT_MS = 20_000  # any other wait for the page (expect's default is 5 s)


@dataclass
class Site:
    root: LiveServer  # admin token set, served at /
    proxied: LiveServer  # POLICY_QA_ROOT_PATH=/qa, reached the way a prefix-forwarding proxy would
    data_dir: Path
    restart: Callable[[], LiveServer]  # a new app (a new server on a new port) on the same data dir
    login: Callable[[], LiveServer]  # the app with POLICY_QA_AUTH=LOGIN, on the same data dir


@dataclass
class Watch:
    """What a page did that it must not: console errors, uncaught errors, dialogs, foreign requests."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("dialog", self._dialog)
        page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog: Dialog) -> None:  # alert() from injected markup would land here
        self.errors.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def _request(self, request: Request) -> None:
        url = request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != "127.0.0.1":
            self.foreign.append(url)

    def check(self) -> None:
        assert self.errors == [], self.errors
        assert self.foreign == [], self.foreign


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=full_page)


def ask(page: Page, question: str, frame: FrameLocator | None = None) -> Locator:
    """Type a question, press Enter, wait until the reply is final; returns the last reply element."""
    scope: Page | FrameLocator = frame or page
    before = scope.locator(".qa-turn").count()
    box = scope.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    reply = scope.locator(".qa-turn").nth(before).locator(".qa-bot")
    reply.and_(scope.locator(".qa-answer, .qa-refusal, .qa-error")).wait_for(timeout=ANSWER_TIMEOUT_MS)
    return reply


def wait_chat(page: Page) -> None:
    page.locator("#qa-conversation .qa-welcome").wait_for(timeout=60_000)
