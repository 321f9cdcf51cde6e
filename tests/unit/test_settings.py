"""Settings: a bad value is a readable SettingsError naming the variable, at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import SettingsError
from settings import load_settings


@pytest.mark.parametrize("value", ["admin", "admin:", ":secret"])
def test_a_login_without_user_and_password_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("POLICY_QA_AUTH", value)
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=None)
    assert "POLICY_QA_AUTH" in caught.value.message and "用户名:密码" in caught.value.message
    assert value.partition(":")[2] not in caught.value.message or not value.partition(":")[2]


def test_a_bad_number_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_QA_PORT", "eighty")
    with pytest.raises(SettingsError, match="POLICY_QA_PORT"):
        load_settings(env_file=None)


def test_a_full_login_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_QA_AUTH", "staff:pa:ss")
    settings = load_settings(env_file=None)
    assert settings.auth is not None and settings.auth.get_secret_value() == "staff:pa:ss"


def test_secrets_never_show_in_a_repr_or_a_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_QA_AUTH", "staff:pw-7c1e")
    monkeypatch.setenv("POLICY_QA_ADMIN_TOKEN", "tok-93ab")
    monkeypatch.setenv("POLICY_QA_LLM_API_KEY", "key-55d0")
    settings = load_settings(env_file=None)
    for text in (repr(settings), str(settings), str(settings.model_dump()), settings.model_dump_json()):
        assert "pw-7c1e" not in text and "tok-93ab" not in text and "key-55d0" not in text
    assert load_settings(env_file=None, admin_token="").admin_token is None  # empty is unset


def test_an_unreachable_chroma_server_at_start_is_one_readable_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import main
    from tests.conftest import free_port

    port = free_port()  # nothing listens there
    monkeypatch.setenv("POLICY_QA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POLICY_QA_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("POLICY_QA_CHROMA_PORT", str(port))
    monkeypatch.chdir(tmp_path)  # no .env from the working copy
    # The model's background load would outlive this test: on an empty data dir it builds and exports the
    # model in a thread, whose parsing races with later tests' imports (a SystemError from Python's AST
    # state in a whole-suite run). What is tested here is the store's error line, not the model.
    monkeypatch.setattr("app._start_loading", lambda embedder: None)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"错误：无法连接向量库服务 127.0.0.1:{port}，请确认 Chroma 服务已启动"
    assert "Traceback" not in err
