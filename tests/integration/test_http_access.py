"""Access control over real HTTP (uvicorn on a free 127.0.0.1 port): the optional chat login
(POLICY_QA_AUTH, Gradio auth), Gradio's own upload limit, an upload that declares an oversize body, and
the admin token and login password never reaching the logs.

Per-file limits, types, names and the token's 401/403 are in test_web_api.py / test_api_server.py.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from pydantic import SecretStr

from app import create_app
from assistant.service import PolicyAssistant
from ingest.pipeline import Ingestor
from settings import Settings
from tests.conftest import LiveServer
from tests.fakes import FakeEmbedder
from tests.integration.test_api_server import NEW_SPEECH
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client

pytestmark = pytest.mark.integration

TOKEN = "access-admin-token-7f3c"
PASSWORD = "login-password-91ab"
MAX_MB = 1
GUARDED = [("GET", "config"), ("GET", "gradio_api/info"), ("POST", "gradio_api/queue/join")]
LOGIN = httpx.BasicAuth("staff", PASSWORD)  # with POLICY_QA_AUTH set the JSON API wants the login too


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., LiveServer]) -> Iterator[str]:
    root = tmp_path_factory.mktemp("http-access")
    store = ChromaStore(persistent_client(root / "chroma"), FakeEmbedder(), "httpaccess")
    ingestor = Ingestor(store, lock_path=root / "ingest.lock")
    assert not ingestor.ingest_bytes(NEW_SPEECH.encode(), "学前.txt").failed
    settings = Settings(
        data_dir=root, admin_token=SecretStr(TOKEN), auth=SecretStr(f"staff:{PASSWORD}"), max_upload_mb=MAX_MB
    )
    yield live_server(create_app(settings, PolicyAssistant(store), ingestor)).url
    store.close()
    shutil.rmtree(root, ignore_errors=True)


def guarded_statuses(client: httpx.Client) -> list[int]:
    return [client.request(method, path, json={}).status_code for method, path in GUARDED]


def test_the_chat_needs_the_login_and_a_wrong_password_gets_nothing(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        assert guarded_statuses(client) == [401] * len(GUARDED)
        wrong = client.post("login", data={"username": "staff", "password": PASSWORD + "x"})
        assert wrong.status_code == 400 and PASSWORD not in wrong.text
        assert guarded_statuses(client) == [401] * len(GUARDED)
        assert client.post("login", data={"username": "staff", "password": PASSWORD}).status_code == 200
        config = client.get("config")
        assert config.status_code == 200 and config.json()["mode"] == "blocks"
        assert PASSWORD not in config.text


def test_gradio_uploads_need_an_admin_session_and_are_limited_to_max_upload_mb(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        big = {"files": ("big.txt", b"x" * (MAX_MB * 2**20 + 1))}
        assert client.post("gradio_api/upload", files=big).status_code == 401  # not even read before login
        client.post("login", data={"username": "staff", "password": PASSWORD})
        small = {"files": ("small.txt", "讲话".encode())}
        assert client.post("gradio_api/upload", files=small).status_code == 401  # a login is no admin
        assert client.post("api/admin/session", json={"token": TOKEN}, auth=LOGIN).status_code == 200
        assert client.post("gradio_api/upload", files=big).status_code == 413
        assert client.post("gradio_api/upload", files=small).status_code == 200


def declared_upload(url: str, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    """POST /api/documents announcing a 500 MB body and sending none of it: the server must answer from
    the headers (a server that read the body first would wait here until the socket timeout)."""
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    lines = [
        "POST /api/documents HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: multipart/form-data; boundary=x",
        f"Content-Length: {500 * 2**20}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            received += data
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_declared_oversize_upload_is_refused_before_its_body_is_read(server: str) -> None:
    assert httpx.get(server + "api/documents").status_code == 401  # the login guards the API too
    count = httpx.get(server + "api/documents", auth=LOGIN).json()["count"]
    status, body = declared_upload(server, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 413 and f"{MAX_MB} MB" in str(body["error"])
    status, body = declared_upload(server, {})  # a stranger learns nothing about the limits
    assert status == 401 and body == {"error": "管理员令牌不正确。"}
    assert httpx.get(server + "api/documents", auth=LOGIN).json()["count"] == count


def test_the_admin_token_and_the_login_password_never_reach_the_logs(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    files = {"files": ("新.txt", NEW_SPEECH.replace("王五", "赵六").encode(), "text/plain")}
    with httpx.Client(base_url=server, timeout=60) as client:
        client.post("login", data={"username": "staff", "password": "wrong-" + PASSWORD})
        client.post("login", data={"username": "staff", "password": PASSWORD})
        for token in (TOKEN + "x", TOKEN):
            client.post(
                "api/documents",
                files=files,
                headers={"Authorization": f"Bearer {token}"},
                params={"wait": "true"},
            )
        uploaded = client.get("api/documents", auth=LOGIN).json()["documents"]
        [doc_id] = [d["doc_id"] for d in uploaded if d["sources"] == ["新.txt"]]
        deleted = client.delete(f"api/documents/{doc_id}", headers={"Authorization": f"Bearer {TOKEN}"})
        assert deleted.status_code == 200
    assert caplog.records  # the app's own loggers did write (ingest, delete)
    assert TOKEN not in caplog.text and PASSWORD not in caplog.text


def test_password_guessing_is_slowed_after_a_few_failures(server: str) -> None:
    """Before: 300 wrong passwords in a row were all simply answered 400, the next right one 200."""
    transport = httpx.HTTPTransport(local_address="127.0.0.9")  # its own client: the others are not held up
    with httpx.Client(base_url=server, timeout=30, transport=transport) as client:
        wrong = [
            client.post("login", data={"username": "staff", "password": f"guess{i}"}).status_code
            for i in range(8)
        ]
        assert wrong[:6] == [400] * 6 and wrong[6:] == [429, 429], wrong
        right = client.post("login", data={"username": "staff", "password": PASSWORD})
        assert right.status_code == 429 and "秒后再试" in right.json()["error"]  # the right one waits too
        api = [
            client.get("api/documents", auth=httpx.BasicAuth("staff", "nope")).status_code for _ in range(3)
        ]
        assert api[-1] == 429  # the API's login shares the count
        time.sleep(2.2)
        assert client.post("login", data={"username": "staff", "password": PASSWORD}).status_code == 200
    with httpx.Client(base_url=server, timeout=30) as other:  # another client never waited
        assert other.post("login", data={"username": "staff", "password": PASSWORD}).status_code == 200
