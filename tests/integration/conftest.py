"""The browser tests' fixtures, session-scoped: one served site (the real e5 model, a real embedded
Chroma holding the sample speeches) and one Chromium for every browser test module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr

from app import create_app
from assistant.service import PolicyAssistant
from ingest.pipeline import Ingestor
from settings import Settings
from tests.conftest import LiveServer
from tests.support.browser import (
    ANSWER_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    EXPECT_TIMEOUT_MS,
    LOGIN,
    ROOT,
    TOKEN,
    Site,
    Watch,
    shot,
)
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client

# Playwright's 5 s default for expect() is a wait, not a speed check: on the shared 2-core machine with the app,
# the model and Chromium in one test run, a page update after a reload or a login can take longer.
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., LiveServer]) -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    from vectorstore.e5 import E5Embedder
    from vectorstore.e5_builder import ensure_model

    model_dir = ensure_model(Path(os.environ.get("POLICY_QA_TEST_MODEL_DIR", ROOT / "var" / "test-model")))
    embedder = E5Embedder(model_dir, build=False)
    embedder.load()
    data_dir = tmp_path_factory.mktemp("browser")
    store = ChromaStore(persistent_client(data_dir / "chroma"), embedder, "browser")
    ingestor = Ingestor(store, lock_path=data_dir / "ingest.lock")
    assert not ingestor.ingest_paths([ROOT / "data" / "speeches"]).failed
    assistant = PolicyAssistant(store)
    assistant.corpus()
    settings = Settings(data_dir=data_dir, admin_token=SecretStr(TOKEN), max_upload_mb=2)
    proxied = settings.model_copy(update={"root_path": "/qa", "admin_token": None})
    login = settings.model_copy(update={"auth": SecretStr(":".join(LOGIN))})
    loaded = lambda: embedder.loaded  # noqa: E731
    yield Site(
        root=live_server(create_app(settings, assistant, ingestor, model_loaded=loaded)),
        proxied=live_server(create_app(proxied, assistant, ingestor, model_loaded=loaded), root_path="/qa"),
        data_dir=data_dir,
        # the app built again on the same data dir: what a restart keeps (saved conversations, cookies)
        restart=lambda: live_server(create_app(settings, assistant, ingestor, model_loaded=loaded)),
        login=lambda: live_server(create_app(login, assistant, ingestor, model_loaded=loaded)),
    )
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[..., tuple[Page, Watch]]]:
    contexts = []
    pages: list[Page] = []
    watches: list[Watch] = []

    def open_page(url: str, *, width: int = 1280, height: int = 860) -> tuple[Page, Watch]:
        # zh-CN: what staff browsers send; Gradio then shows its own labels in Chinese.
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        # a ceiling for every wait, not a measurement: imports and the model share two busy cores in CI
        context.set_default_timeout(ANSWER_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch = Watch()
        watch.attach(page)
        watches.append(watch)
        pages.append(page)
        page.goto(url, wait_until="load")
        return page, watch

    yield open_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:  # what the page looked like when it failed
        for number, page in enumerate(pages):
            shot(page, f"FAILED-{request.node.name}-{number}", full_page=True)
    for context in contexts:
        context.close()
    for watch in watches:
        watch.check()
