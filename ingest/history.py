"""What happens after a document change is committed: its original file goes into the version archive
(ingest/versions.py) and a line into the audit log (ingest/audit.py).

One place for both, called by the import worker (adds, replaces, restores) and by the edges that delete,
so every change path records the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.store import DocumentInfo
from errors import OriginalNotKeptError
from ingest.audit import AuditAction, AuditLog
from ingest.pipeline import FileReport
from ingest.versions import VersionArchive


class ChangeRecorder:
    def __init__(self, audit: AuditLog, archive: VersionArchive) -> None:
        self.audit = audit
        self.archive = archive

    @classmethod
    def under(cls, data_dir: Path) -> ChangeRecorder:
        return cls(AuditLog(data_dir / "audit.jsonl"), VersionArchive(data_dir / "versions"))

    def imported(
        self,
        report: FileReport,
        data: bytes,
        documents: dict[str, DocumentInfo],
        *,
        actor: str,
        restore: bool = False,
        tags: Sequence[str] = (),
    ) -> None:
        """A file committed (`report.status == "ok"`); `documents`: the manifest after its commit."""
        infos = [documents[d] for d in report.doc_ids if d in documents]
        records = self.archive.keep(report.source, data, infos, report.retired, actor=actor, tags=tags)
        action: AuditAction = "restore" if restore else ("replace" if report.retired else "add")
        detail = "替换了 " + "、".join(report.retired) if report.retired else ""
        for record in records:
            self.audit.record(
                action,
                actor=actor,
                doc_id=record.doc_id,
                title=record.title,
                source=record.source,
                version=self.archive.number(record),
                speech_id=record.speech_id,
                detail=detail,
            )

    def deleted(self, info: DocumentInfo, *, actor: str) -> None:
        try:
            record = self.archive.latest_for(info.doc_id)
            version, speech = self.archive.number(record), record.speech_id
        except OriginalNotKeptError:  # imported before versions were kept
            version, speech = 0, ""
        self.audit.record(
            "delete",
            actor=actor,
            doc_id=info.doc_id,
            title=info.title,
            source="、".join(info.sources),
            version=version,
            speech_id=speech,
        )
