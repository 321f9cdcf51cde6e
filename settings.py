"""One typed settings object, built in each entry point's main() — never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_QA_", extra="ignore")

    data_dir: Path = Path("./var")
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "policy_qa"  # prefix of the Chroma collection names

    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None  # secrets never show in a repr, a log or a traceback

    admin_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    root_path: str = ""
    frame_ancestors: str = "'self'"  # CSP frame-ancestors for /embed and the chat
    auth: SecretStr | None = None  # "user:password" to require a login for the chat (optional)

    max_upload_mb: int = Field(default=20, ge=1)  # per file
    upload_request_mb: int = Field(default=100, ge=1)  # per upload request (Gradio's upload route)
    upload_total_mb: int = Field(default=200, ge=1)  # all uploads waiting to be imported, together
    max_question_chars: int = Field(default=500, ge=20)  # longer questions are refused, not cut
    rate_per_minute: int = Field(default=30, ge=1)  # questions per client (and Gradio events ×4)
    rate_burst: int = Field(default=10, ge=1)
    max_active_questions: int = Field(default=4, ge=1)  # answered at once
    max_waiting_questions: int = Field(default=16, ge=0)  # waiting beyond those; then "请稍后再试"
    max_connections: int = Field(default=2000, ge=10)  # open sockets, below the file-handle limit
    header_timeout_s: float = Field(default=10.0, gt=0)  # to send a request's headers
    idle_timeout_s: float = Field(default=5.0, gt=0)  # keep-alive between requests
    embed_batch_size: int = Field(default=16, ge=1)
    torch_threads: int = Field(default=0, ge=0)  # 0 = the embedder's default (1: steady latency)
    # ONNX question embeddings: questions arriving together share one session run, up to this many (1 = each
    # its own run; vectorstore/e5_onnx.py says what was measured), and how many runs may go at once (0 = one
    # per core, at most two).
    embed_question_batch: int = Field(default=1, ge=1)
    embed_parallel: int = Field(default=0, ge=0)
    # "onnx": ONNX Runtime export of the model (fast start, no torch on the question path; falls back to
    # torch if the export cannot be made); "torch": the sentence-transformers reference.
    embed_backend: Literal["onnx", "torch"] = "onnx"

    @field_validator("auth")
    @classmethod
    def _user_and_password(cls, value: SecretStr | None) -> SecretStr | None:
        # A value without "user:password" must not silently leave the chat open.
        text = value.get_secret_value() if value is not None else None
        if text is not None and (":" not in text or not all(text.partition(":")[::2])):
            raise ValueError("POLICY_QA_AUTH 必须写成 用户名:密码（两者都不能为空）")
        return value if text else None

    @field_validator("admin_token", "llm_api_key")
    @classmethod
    def _empty_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models" / "multilingual-e5-small"

    @property
    def dictionary_cache_dir(self) -> Path:
        """jieba's dictionary, split for on-demand loading (core/jieba_cache.py), beside the models."""
        return self.data_dir / "models"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"

    @property
    def history_path(self) -> Path:
        """Saved chat conversations (web/history.py)."""
        return self.data_dir / "conversations.sqlite3"

    @property
    def client_secret_path(self) -> Path:
        """Signs the browsers' `qa_client` ids, kept across restarts (web/browser_id.py)."""
        return self.data_dir / "client.key"


def reveal(secret: SecretStr | str | None) -> str | None:
    """The plain value of a secret setting, at the one place that needs it."""
    return secret.get_secret_value() if isinstance(secret, SecretStr) else secret


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Build settings from the environment and an optional .env file (entry points only).

    A bad value is a SettingsError naming the variable, not a pydantic traceback."""
    from pydantic import ValidationError

    from errors import SettingsError

    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = "；".join(
            f"POLICY_QA_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise SettingsError(f"配置有误：{problems}") from None
