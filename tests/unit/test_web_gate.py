"""Admin sessions, the Gradio gate on a stand-in app, guessing throttle and the refusal log (no server)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from errors import NotAuthorizedError, TooManyAttemptsError
from web.admin_session import COOKIE, AdminSessions
from web.gradio_gate import GradioGate
from web.http_status import status_of
from web.refusals import RefusalLog
from web.security import check_admin_token_throttled
from web.throttle import FailureThrottle


def test_cookies_are_signed_and_expire() -> None:
    sessions = AdminSessions(secret=b"k" * 32)
    cookie = sessions.issue(now=1000.0)
    session = sessions.verify(cookie, now=1001.0)
    assert session and cookie.startswith(session)
    assert sessions.verify(cookie, now=10**10) is None  # expired
    name, expiry, mac = cookie.split(".")
    assert sessions.verify(f"{name}.{int(expiry) + 10**6}.{mac}", now=1001.0) is None  # longer life forged
    assert sessions.verify(f"other.{expiry}.{mac}", now=1001.0) is None
    assert AdminSessions(secret=b"j" * 32).verify(cookie, now=1001.0) is None  # another process's secret
    for junk in (None, "", "a.b", "a.b.c.d", "a.notdigits.c"):
        assert sessions.verify(junk) is None


def test_uploads_belong_to_their_session_and_are_removed(tmp_path: Path) -> None:
    sessions = AdminSessions(ttl_s=60)
    folder = tmp_path / "sha"
    folder.mkdir()
    mine, theirs = folder / "a.txt", tmp_path / "b.txt"
    mine.write_bytes(b"x" * 10)
    theirs.write_bytes(b"y" * 5)
    sessions.record("s1", [str(mine)])
    sessions.record("s2", [str(theirs)])
    assert sessions.owns("s1", str(mine)) and not sessions.owns("s2", str(mine))
    assert not sessions.owns(None, str(mine)) and not sessions.owns("s1", "/etc/passwd")
    assert sessions.owns("s1", str(tmp_path / "sha" / ".." / "sha" / "a.txt"))  # same real path
    assert sessions.total_bytes() == 15
    sessions.release([str(mine), "/etc/passwd"])  # an unknown path is never deleted
    assert not mine.exists() and not folder.exists() and Path("/etc/passwd").exists()
    assert sessions.sweep(now=10**12) == 1 and not theirs.exists() and sessions.total_bytes() == 0


class Downstream:
    """Stands in for Gradio: records what reached it, answers uploads with the paths it was told to."""

    def __init__(self, stored: list[str]) -> None:
        self.stored = stored
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.bodies.append(body)
        payload = (str(self.stored).replace("'", '"') if scope["path"].endswith("/upload") else "{}").encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": payload})


def gate(tmp_path: Path) -> tuple[TestClient, AdminSessions, Downstream, str]:
    stored = tmp_path / "up.txt"
    stored.write_bytes(b"hello")
    sessions = AdminSessions()
    downstream = Downstream([str(stored)])
    app = GradioGate(downstream, sessions, request_bytes=1000, total_bytes=2000, max_event_bytes=500)
    return TestClient(app), sessions, downstream, str(stored)


def test_gate_uploads_need_a_session_and_a_length_within_budget(tmp_path: Path) -> None:
    client, sessions, downstream, stored = gate(tmp_path)
    assert client.post("/gradio_api/upload", content=b"x" * 10).status_code == 401
    client.cookies.set(COOKIE, sessions.issue())
    assert client.post("/gradio_api/upload", content=b"x" * 1001).status_code == 413
    assert downstream.bodies == []  # nothing reached Gradio
    assert client.post("/gradio_api/upload", content=b"x" * 10).status_code == 200
    assert sessions.known(stored) and sessions.total_bytes() == 5


def test_gate_refuses_file_objects_that_are_not_the_sessions_uploads(tmp_path: Path) -> None:
    client, sessions, downstream, stored = gate(tmp_path)
    client.cookies.set(COOKIE, sessions.issue())
    client.post("/gradio_api/upload", content=b"x")
    ok = {"data": [[{"path": stored, "meta": {"_type": "gradio.FileData"}}], "q"], "fn_index": 3}
    assert client.post("/gradio_api/queue/join", json=ok).status_code == 200
    assert b'"fn_index":3' in downstream.bodies[-1]  # the body was replayed whole
    for bad in (
        {"data": [[{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}]]},
        {"data": [{"path": "/etc/passwd"}]},  # the old, meta-less form Gradio still accepts
        {"data": [{"url": "http://169.254.169.254/latest", "meta": {"_type": "gradio.FileData"}}]},
        {"data": [{"nested": [[{"path": stored}, {"path": "/etc/passwd"}]]}]},
    ):
        assert client.post("/gradio_api/queue/join", json=bad).status_code == 403, bad
    client.cookies.clear()
    assert client.post("/gradio_api/queue/join", json=ok).status_code == 403  # not without the session
    plain = {"data": ["两个保障是什么？", [], None], "fn_index": 1}
    assert client.post("/gradio_api/queue/join", json=plain).status_code == 200
    assert client.post("/gradio_api/queue/join", content=b"x" * 501).status_code == 413
    assert client.get("/gradio_api/file=/etc/passwd").status_code == 401


def test_guessing_is_slowed_after_a_few_failures_and_cleared_by_a_success() -> None:
    throttle = FailureThrottle(free_failures=3, max_wait_s=60)
    for _ in range(3):
        with pytest.raises(NotAuthorizedError):
            check_admin_token_throttled(throttle, "10.0.0.1", "right", "wrong")
    with pytest.raises(NotAuthorizedError):
        check_admin_token_throttled(throttle, "10.0.0.1", "right", "wrong")  # 4th: now wait 1 s
    with pytest.raises(TooManyAttemptsError) as caught:
        check_admin_token_throttled(throttle, "10.0.0.1", "right", "right")  # even the right token waits
    assert status_of(caught.value) == 429 and "秒后再试" in caught.value.message
    check_admin_token_throttled(throttle, "10.0.0.2", "right", "right")  # other clients are not held up
    throttle.failed("10.0.0.3", now=0.0)
    for _ in range(20):
        throttle.failed("10.0.0.3", now=0.0)
    with pytest.raises(TooManyAttemptsError):
        throttle.check("10.0.0.3", now=59.0)  # doubling, capped at max_wait_s
    throttle.check("10.0.0.3", now=61.0)
    throttle.succeeded("10.0.0.3")
    throttle.check("10.0.0.3", now=0.0)


def test_refusals_are_logged_once_per_client_and_kind_then_summarised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="policy_qa.refused")
    refusals = RefusalLog(interval_s=0.0)
    for _ in range(100):
        refusals.refused("rate_limit", "10.0.0.9")
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "refused rate_limit from 10.0.0.9"
    assert sum("from 10.0.0.9" in line for line in lines) == 1
    assert refusals.total["rate_limit"] == 100


def test_gradios_full_queue_is_said_in_chinese_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    async def full(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b'{"detail": "Queue is full."}'})

    caplog.set_level(logging.WARNING, logger="policy_qa.refused")
    client = TestClient(GradioGate(full, AdminSessions(), request_bytes=1, total_bytes=1))
    for _ in range(3):
        response = client.post("/gradio_api/queue/join", json={"data": ["问题"]})
        assert response.status_code == 503 and response.json()["error"] == "当前提问的人较多，请稍后再试。"
    assert sum("queue_full" in r.getMessage() for r in caplog.records) == 1
