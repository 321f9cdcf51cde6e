"""One typed settings object, built in each entry point's main() — never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_QA_", extra="ignore")

    data_dir: Path = Path("./var")
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "policy_qa"  # prefix of the Chroma collection names

    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None

    admin_token: str | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    root_path: str = ""
    frame_ancestors: str = "'self'"  # CSP frame-ancestors for /embed and the chat
    auth: str | None = None  # "user:password" to require a login for the chat (optional)

    max_upload_mb: int = Field(default=20, ge=1)
    embed_batch_size: int = Field(default=16, ge=1)
    torch_threads: int = Field(default=0, ge=0)  # 0 = the embedder's default (1: steady latency)
    # "onnx": ONNX Runtime export of the model (fast start, no torch on the question path; falls back to
    # torch if the export cannot be made); "torch": the sentence-transformers reference.
    embed_backend: Literal["onnx", "torch"] = "onnx"

    @field_validator("auth")
    @classmethod
    def _user_and_password(cls, value: str | None) -> str | None:
        # A value without "user:password" must not silently leave the chat open.
        if value is not None and (":" not in value or not all(value.partition(":")[::2])):
            raise ValueError("POLICY_QA_AUTH 必须写成 用户名:密码（两者都不能为空）")
        return value or None

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models" / "multilingual-e5-small"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"


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
