"""The web app: Gradio chat + documents tab at /, the JSON API at /api, the embed widget at /embed.

`python app.py [--ingest-if-empty DIR]` (what `make run` calls) serves it on POLICY_QA_HOST:PORT.
`create_app()` takes built clients, so tests can pass a store with a fake embedder.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr

from assistant.service import PolicyAssistant
from errors import PolicyQAError
from ingest.history import ChangeRecorder
from ingest.jobs import JobQueue
from ingest.pipeline import FileReport, Ingestor
from settings import Settings, reveal

log = logging.getLogger("policy_qa.app")


def create_app(
    settings: Settings,
    assistant: PolicyAssistant,
    ingestor: Ingestor,
    *,
    model_loaded: Callable[[], bool] = lambda: False,
    jobs: JobQueue | None = None,
) -> FastAPI:
    from web.gradio_import import install as skip_gradio_stub_regeneration

    skip_gradio_stub_regeneration()
    import gradio as gr

    from web.admin import AdminService
    from web.admin_session import AdminSessions
    from web.api import api_router, fair_use_from
    from web.api_tools import export_limiter, tools_router
    from web.assets import static_text
    from web.browser_id import CookieSigner, load_secret
    from web.chat import ChatService
    from web.chat_history import ChatHistory
    from web.docs import install_docs
    from web.embed import embed_router
    from web.fair import RateLimiter
    from web.feedback import FeedbackLog
    from web.gradio_gate import GradioGate
    from web.history import ConversationStore
    from web.http_errors import install_error_handlers, install_fallback_routes
    from web.openai_api import openai_router
    from web.page_meta import NoPreviewMeta
    from web.proxy import RootPathTolerance
    from web.refusals import RefusalLog
    from web.security import LoginCheck, SecurityHeaders
    from web.session_binding import SessionBinding
    from web.throttle import FailureThrottle
    from web.ui import build_ui, head_html, theme
    from web.versions import HistoryService

    app = FastAPI(
        title="政策讲话问答 API",
        description="根据已收录的讲话回答问题并给出出处。修改文档需要 `Authorization: Bearer <管理员令牌>`。",
        version="1.0",
        docs_url=None,  # install_docs serves /docs without a CDN
        redoc_url=None,
    )
    root_path = public_root(settings.root_path)
    install_error_handlers(app)
    sessions = AdminSessions()
    throttle = FailureThrottle()
    refusals = RefusalLog()
    fair = fair_use_from(settings)
    # uploads are imported by one background worker; what waits for it shares the uploads' byte budget
    recorder = ChangeRecorder.under(settings.data_dir)  # originals of every version, and the audit log
    jobs = jobs or JobQueue(ingestor, max_held_bytes=settings.upload_total_mb * 2**20)
    if jobs.recorder is None:
        jobs.recorder = recorder
    history = HistoryService(jobs.recorder, ingestor, jobs)
    feedback = FeedbackLog(settings.feedback_path)
    app.state.refusals = refusals
    app.state.jobs = jobs
    # Routes before the Gradio mount: the mount at "/" takes every path nothing else matched.
    app.include_router(
        api_router(
            settings,
            assistant,
            ingestor,
            model_loaded=model_loaded,
            sessions=sessions,
            throttle=throttle,
            fair=fair,
            jobs=jobs,
            history=history,
            feedback=feedback,
        )
    )
    app.include_router(tools_router(assistant, LoginCheck(settings.auth, throttle), export_limiter(settings)))
    app.include_router(openai_router(assistant, fair, LoginCheck(settings.auth, throttle, api_key=True)))
    app.include_router(embed_router(settings))
    install_docs(app)
    install_fallback_routes(app)  # after every JSON route, before the Gradio mount
    chat = ChatService(assistant, feedback, max_question_chars=settings.max_question_chars)
    # one secret in the data dir: a browser's id (and its saved conversations) outlive a restart
    secret = load_secret(settings.client_secret_path)
    conversations = ChatHistory(ConversationStore(settings.history_path), CookieSigner(secret))
    demo = build_ui(
        chat,
        conversations,
        AdminService(
            settings, ingestor, jobs, sessions=sessions, throttle=throttle, history=history, feedback=feedback
        ),
        queue_size=settings.max_active_questions + settings.max_waiting_questions,
    )
    gr.mount_gradio_app(
        app,
        demo,
        path="/",
        root_path=root_path or None,
        auth=_auth(settings.auth),
        footer_links=[],
        run_history=False,
        show_error=False,  # errors are shown in the chat as readable messages, never as tracebacks
        max_file_size=settings.max_upload_mb * 2**20,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        theme=theme(),
        css=static_text("ui.css"),
        head=head_html(),
    )
    app.add_middleware(
        SessionBinding, secret=secret, refusals=refusals
    )  # inside the gate: bodies already bounded
    app.add_middleware(
        GradioGate,
        sessions=sessions,
        request_bytes=settings.upload_request_mb * 2**20,
        total_bytes=settings.upload_total_mb * 2**20,
        refusals=refusals,
        # Gradio events (questions, votes, page loads): a browser sends a few per question
        limiter=RateLimiter(settings.rate_per_minute * 4 / 60.0, settings.rate_burst * 4),
        throttle=throttle,
    )
    app.add_middleware(NoPreviewMeta, root_path=root_path)  # no og:image at an outside host
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    app.add_middleware(RootPathTolerance, root_path=root_path)
    return app


def _archive_initial(recorder: ChangeRecorder, ingestor: Ingestor, report: FileReport) -> None:
    if report.status != "ok" or not report.path:
        return
    try:
        data = Path(report.path).read_bytes()
        documents = {d.doc_id: d for d in ingestor.list_documents()}
        recorder.imported(report, data, documents, actor="初次导入（make run）")
    except (OSError, PolicyQAError):  # the import stands; only its original is not kept
        log.warning("could not keep the original of %s", report.source)


def public_root(root_path: str) -> str:
    """ "/qa" for "qa", "/qa/" or "/qa"; "" for none (uvicorn and Gradio want no trailing slash)."""
    stripped = root_path.strip().strip("/")
    return f"/{stripped}" if stripped else ""


def _auth(secret: SecretStr | None) -> tuple[str, str] | None:
    """POLICY_QA_AUTH="user:password" puts a login in front of the chat (optional; the settings
    refuse a value without both parts)."""
    value = reveal(secret)
    if not value:
        return None
    user, _, password = value.partition(":")
    return user, password


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="政策讲话问答：网页、接口和嵌入组件")
    parser.add_argument("--ingest-if-empty", metavar="DIR", type=Path, help="索引为空时先导入这个目录")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import uvicorn

    from assistant.factory import build_assistant
    from core.tokens import use_dictionary_cache
    from ingest.progress import ProgressEmbedder
    from settings import load_settings
    from vectorstore.factory import open_embedder, open_store
    from web.server import server_config

    try:
        settings = load_settings()
    except PolicyQAError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    use_dictionary_cache(settings.dictionary_cache_dir)
    try:  # start-up failures an administrator can fix (store unreachable, model, disk): one readable line
        embedder = open_embedder(settings)
        _start_loading(embedder)  # the model loads while the store opens and the corpus is built
        # imports report "passages embedded n/m" and stop between batches when cancelled
        store = open_store(settings, ProgressEmbedder(embedder))
        ingestor = Ingestor(store, lock_path=settings.data_dir / "ingest.lock")
        if args.ingest_if_empty and not store.manifest().documents:
            log.info("the index is empty: ingesting %s", args.ingest_if_empty)
            recorder = ChangeRecorder.under(
                settings.data_dir
            )  # the originals can be downloaded, like uploads
            report = ingestor.ingest_paths(
                [args.ingest_if_empty], progress=lambda done: _archive_initial(recorder, ingestor, done)
            )
            log.info("ingested %s", report.to_dict()["totals"])
        # the store's model also weighs single sentences, as in the CLI and `make eval`
        assistant = build_assistant(settings, store)
        assistant.corpus()  # build the keyword index now, not on the first question
        ingestor.on_commit = assistant.refresh  # a change is prepared by its writer, not by askers
        ingestor.before_commit = assistant.expect_refresh
    except PolicyQAError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    app = create_app(settings, assistant, ingestor, model_loaded=lambda: _loaded(embedder))
    log.info("waiting for the embedding model")
    _warm(embedder)  # serve only once questions can be answered
    root_path = public_root(settings.root_path)
    log.info("serving on http://%s:%d/ (public path %s/)", settings.host, settings.port, root_path)
    config = server_config(app, settings, root_path=root_path, refusals=app.state.refusals)
    uvicorn.Server(config).run()
    store.close()
    return 0


def _start_loading(embedder: Any) -> None:
    start = getattr(embedder, "start_loading", None)
    if callable(start):
        start()


def _warm(embedder: Any) -> None:
    load = getattr(embedder, "load", None)
    if callable(load):
        load()


def _loaded(embedder: Any) -> bool:
    """True once the real model is in memory (CachedEmbedder wraps it as `.inner`)."""
    inner = getattr(embedder, "inner", embedder)
    return bool(getattr(inner, "loaded", True))


if __name__ == "__main__":
    sys.exit(main())
