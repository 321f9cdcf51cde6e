"""Admin token checks, security headers, upload names and the root-path tolerance middleware."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from errors import (
    EmptyDocumentError,
    FileTooLargeError,
    IngestError,
    NotAuthorizedError,
    ReadOnlyError,
    UnsupportedFileError,
)
from web.http_status import status_of
from web.proxy import RootPathTolerance
from web.security import SecurityHeaders, bearer_token, check_admin_token, content_security_policy
from web.uploads import check_upload, sanitize_filename


def test_no_configured_token_means_read_only_whatever_is_given() -> None:
    for given in (None, "", "anything"):
        with pytest.raises(ReadOnlyError) as caught:
            check_admin_token(None, given)
        assert status_of(caught.value) == 403
    with pytest.raises(ReadOnlyError):
        check_admin_token("", "")


@pytest.mark.parametrize("given", [None, "", "wrong", "s3cret ", "S3CRET", "s3cre", "密码"])
def test_wrong_or_missing_token_is_401_and_never_echoed(given: str | None) -> None:
    with pytest.raises(NotAuthorizedError) as caught:
        check_admin_token("s3cret", given)
    assert status_of(caught.value) == 401
    assert "s3cret" not in caught.value.message and (not given or given not in caught.value.message)


def test_right_token_passes_including_non_ascii() -> None:
    check_admin_token("s3cret", "s3cret")
    check_admin_token("管理员令牌-1", "管理员令牌-1")


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        (None, None),
        ("", None),
    ],
)
def test_bearer_token_parsing(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_csp_takes_frame_ancestors_but_cannot_be_broken_out_of() -> None:
    policy = content_security_policy("'self' https://oa.example.gov.cn; script-src *")
    assert "frame-ancestors 'self' https://oa.example.gov.cn script-src *" in policy
    assert policy.count(";") == content_security_policy("'self'").count(";")
    assert "connect-src 'self'" in policy and "default-src 'self'" in policy
    assert content_security_policy("  ").endswith("frame-ancestors 'self'")


def test_security_headers_are_added_to_every_response_without_overriding() -> None:
    app = FastAPI()

    @app.get("/plain")
    def plain() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/own")
    def own() -> dict[str, str]:
        from fastapi.responses import JSONResponse

        return JSONResponse({"ok": "yes"}, headers={"Content-Security-Policy": "default-src 'none'"})  # type: ignore[return-value]

    app.add_middleware(SecurityHeaders, frame_ancestors="https://oa.example.gov.cn")
    client = TestClient(app)
    response = client.get("/plain")
    assert "frame-ancestors https://oa.example.gov.cn" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/own").headers["content-security-policy"] == "default-src 'none'"
    assert "frame-ancestors" in client.get("/missing").headers["content-security-policy"]


def test_root_path_tolerance_serves_with_and_without_the_prefix() -> None:
    app = FastAPI()

    @app.get("/api/where")
    def where(request: Request) -> dict[str, str]:
        return {"base": str(request.base_url)}

    wrapped = RootPathTolerance(app, "/qa/")
    client = TestClient(wrapped, root_path="/qa")
    for path in ("/api/where", "/qa/api/where"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.json()["base"].endswith("/qa/")


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\讲话.docx", "讲话.docx"),
        ("..\\..\\a.md", "a.md"),
        (".hidden.txt", "hidden.txt"),
        ("a<b>:c|?.txt", "a_b__c__.txt"),
        ("tab\tand\nnewline.txt", "tab_and_newline.txt"),
        ("", "未命名文件"),
        ("../", "未命名文件"),
        ("讲话" * 100 + ".pdf", "讲话" * 58 + ".pdf"),  # cut to 120 characters, extension kept
        ("讲话\u202etxt.exe", "讲话txt.exe"),  # a right-to-left override would show it as 讲话exe.txt
        ("\u2066讲\u200f话\u2069.txt", "讲话.txt"),
    ],
)
def test_sanitize_filename(name: str, safe: str) -> None:
    assert sanitize_filename(name) == safe
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")


def test_check_upload_refuses_unknown_types_big_and_empty_files() -> None:
    with pytest.raises(UnsupportedFileError) as unsupported:
        check_upload("setup.exe", b"MZ\x00", 1000)
    assert status_of(unsupported.value) == 415 and ".exe" in unsupported.value.reason
    with pytest.raises(UnsupportedFileError):
        check_upload("老文件.doc", b"x", 1000)
    with pytest.raises(FileTooLargeError) as large:
        check_upload("a.txt", b"x" * 1001, 1000)
    assert status_of(large.value) == 413
    with pytest.raises(EmptyDocumentError):
        check_upload("a.txt", b"  \n ", 1000)
    assert check_upload("C:\\Users\\me\\讲话.TXT", "讲话".encode(), 1000).name == "讲话.TXT"


@pytest.mark.parametrize("name", ["../x.txt", "/etc/x.txt", "a/../../x.txt", "..\\x.txt", "/x.txt"])
def test_names_with_a_directory_escape_are_refused_not_merged_into_x_txt(name: str) -> None:
    with pytest.raises(IngestError) as caught:
        check_upload(name, "讲话".encode(), 1000)
    assert "目录" in caught.value.reason and caught.value.source == "x.txt"


@pytest.mark.parametrize(
    ("raw", "root"), [("", ""), ("/", ""), ("qa", "/qa"), ("/qa/", "/qa"), (" /a/b/ ", "/a/b")]
)
def test_public_root_is_normalised(raw: str, root: str) -> None:
    from app import public_root

    assert public_root(raw) == root
