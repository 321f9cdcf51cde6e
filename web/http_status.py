"""Which HTTP status each domain error is answered with: the web edge's business, not the domain's.

Looked up along the exception's class hierarchy, so a subclass answers as its nearest listed ancestor
(`QuestionTooLongError` as `InvalidQuestionError`); an error listed nowhere is a plain 400.
"""

from __future__ import annotations

from errors import (
    BusyError,
    ConversationError,
    DocumentNotFoundError,
    FileTooLargeError,
    InvalidQuestionError,
    JobNotFoundError,
    JobQueueFullError,
    ModelBuildError,
    ModelNotFoundError,
    NotAuthorizedError,
    OriginalNotKeptError,
    PolicyQAError,
    ReadOnlyError,
    SpeechDeletedError,
    StoreUnavailableError,
    TooManyAttemptsError,
    UnsupportedFileError,
    VersionNotFoundError,
)

STATUS: dict[type[PolicyQAError], int] = {
    UnsupportedFileError: 415,
    FileTooLargeError: 413,
    DocumentNotFoundError: 404,
    InvalidQuestionError: 422,
    StoreUnavailableError: 503,
    ModelBuildError: 503,
    NotAuthorizedError: 401,
    ReadOnlyError: 403,
    TooManyAttemptsError: 429,
    BusyError: 503,
    JobNotFoundError: 404,
    JobQueueFullError: 429,
    ModelNotFoundError: 404,
    ConversationError: 422,
    VersionNotFoundError: 404,
    SpeechDeletedError: 409,
    OriginalNotKeptError: 404,
}
DEFAULT_STATUS = 400


def status_of(exc: PolicyQAError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]  # type: ignore[index]
    return DEFAULT_STATUS
