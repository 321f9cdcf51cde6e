"""Version history, restore and original files: what the documents tab and the API share.

A restore is an import of the earlier version's original file (replace=True) through the same job queue
as an upload, so it is parsed, embedded, committed, archived and audited like any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from errors import PolicyQAError, SpeechDeletedError
from ingest.history import ChangeRecorder
from ingest.jobs import Job, JobQueue
from ingest.pipeline import Ingestor
from ingest.versions import VersionRecord
from web.version_diff import DiffBlock, diff_texts

MEDIA_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
DELETED_MESSAGE = "这篇讲话已被删除，不能恢复它的旧版本。如需重新收录，请下载该版本的原始文件后重新上传。"


@dataclass(frozen=True)
class Version:
    number: int  # 1 = the speech's first version
    record: VersionRecord
    current: bool  # its document is in the library now


@dataclass(frozen=True)
class Original:
    name: str
    data: bytes
    media_type: str


@dataclass(frozen=True)
class VersionDiff:
    old: Version
    new: Version
    blocks: list[DiffBlock]


class HistoryService:
    def __init__(self, recorder: ChangeRecorder, ingestor: Ingestor, jobs: JobQueue) -> None:
        self.recorder = recorder
        self._archive = recorder.archive
        self._ingestor = ingestor
        self._jobs = jobs

    def _live(self) -> set[str]:
        return {d.doc_id for d in self._ingestor.list_documents()}

    def versions(self, doc_id: str) -> list[Version]:
        """The versions of the speech `doc_id` belongs to, newest first ([] when none was archived)."""
        speech = self._archive.speech_of(doc_id)
        return self._speech_versions(speech) if speech else []

    def _speech_versions(self, speech_id: str) -> list[Version]:
        live = self._live()
        history = self._archive.history(speech_id)
        last = {r.doc_id: r.version_id for r in history}  # a restored document: its latest record is current
        return [
            Version(n, r, r.doc_id in live and last[r.doc_id] == r.version_id)
            for n, r in reversed(list(enumerate(history, start=1)))
        ]

    def version(self, version_id: str) -> Version:
        record = self._archive.get(version_id)  # VersionNotFoundError for an unknown id
        return next(v for v in self._speech_versions(record.speech_id) if v.record.version_id == version_id)

    def diff(self, old_id: str, new_id: str) -> VersionDiff:
        from ingest.loaders import load_bytes  # the parsers load only when a diff is asked for

        old, new = self.version(old_id), self.version(new_id)
        if old.record.speech_id != new.record.speech_id:
            raise PolicyQAError("两个版本不属于同一篇讲话，无法比较。")
        texts = [load_bytes(self._archive.original(v.record), v.record.source).text for v in (old, new)]
        return VersionDiff(old, new, diff_texts(*texts))

    def restore(self, version_id: str, *, actor: str) -> Job:
        version = self.version(version_id)
        current = [v.record.doc_id for v in self._speech_versions(version.record.speech_id) if v.current]
        if not current:
            raise SpeechDeletedError(DELETED_MESSAGE)
        if version.record.doc_id in current:  # the same text as the current version
            raise PolicyQAError(f"版本 {version.number} 与当前版本内容相同，无需恢复。")
        record = version.record
        return self._jobs.submit(
            [(record.source, self._archive.original(record))],
            replace=True,
            ask=False,
            actor=actor,
            restore=True,
            retire=sorted(set(current)),
            tags=record.tags,
        )

    def original(self, doc_id: str) -> Original:
        record = self._archive.latest_for(doc_id)
        suffix = PurePath(record.source).suffix.lower()
        return Original(
            record.source, self._archive.original(record), MEDIA_TYPES.get(suffix, "application/octet-stream")
        )

    def tags(self, doc_id: str) -> tuple[str, ...]:
        try:
            return self._archive.latest_for(doc_id).tags
        except PolicyQAError:
            return ()
