"""An answer or a whole conversation as a Word (.docx) or Markdown file (`POST /api/export`, and the
chat's 导出 buttons, which post the answers shown in the page).

The `[n]` marks of every answer are numbered through the file (the second answer's [1] may be the
file's [4]) and each number's source — speech title, speaker, date, section and the cited sentence —
is listed at the end: Markdown footnotes (`[^4]`), a 出处 list in Word (python-docx writes no real
footnotes). Every text is written as text: Markdown is backslash-escaped, Word gets plain runs.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from errors import ConversationError
from web.sources_text import source_label

EMPTY = "对话是空的：还没有可以导出的问答。"
NOTHING_ANSWERED = "这段对话里还没有回答，无法导出。"
BOTH = "请只提供 answer（一个回答）或 conversation（整段对话）中的一个。"
_MARK_RE = re.compile(r"\[(\d{1,3})\]")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # Word refuses them
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~>])")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
}
Text = Field(default="", max_length=100_000)


class ExportCitation(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the answer JSON's other fields (start, end, text …)

    n: int = Field(ge=0, le=999)
    title: str = Field(default="", max_length=500)
    source: str = Field(default="", max_length=500)
    speaker: str = Field(default="", max_length=200)
    date: str = Field(default="", max_length=100)
    section: str = Field(default="", max_length=2000)
    sentence: str = Field(default="", max_length=5000)


class ExportAnswer(BaseModel):
    """One answer as `POST /api/ask` returns it (passages and other fields are ignored)."""

    model_config = ConfigDict(extra="ignore")

    question: str = Field(default="", max_length=10_000)
    answer: str = Text
    notice: str = Field(default="", max_length=1000)
    citations: list[ExportCitation] = Field(default_factory=list, max_length=200)


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["docx", "md"] = Field(description="docx（Word）或 md（Markdown）")
    title: str = Field(default="", max_length=200, description="文件标题（可选）")
    answer: ExportAnswer | None = Field(default=None, description="导出一个回答（/api/ask 返回的 JSON）")
    conversation: list[ExportAnswer] | None = Field(
        default=None, max_length=200, description="导出整段对话：按顺序的回答列表"
    )

    def answers(self) -> list[ExportAnswer]:
        if (self.answer is None) == (self.conversation is None):
            raise ConversationError(BOTH if self.answer is not None else EMPTY)
        answers = [self.answer] if self.answer is not None else list(self.conversation or [])
        if not answers:
            raise ConversationError(EMPTY)
        answered = [a for a in answers if a.answer.strip()]
        if not answered:
            raise ConversationError(NOTHING_ANSWERED)
        return answered


@dataclass(frozen=True)
class Note:
    number: int  # through the file
    citation: ExportCitation


def numbered(
    answers: list[ExportAnswer],
) -> Iterator[tuple[ExportAnswer, list[tuple[str, Note | None]], list[Note]]]:
    """Each answer as pieces of text and marks renumbered through the file, with its notes."""
    counter = 0
    for answer in answers:
        cited = {c.n: c for c in answer.citations}
        notes: dict[int, Note] = {}
        pieces: list[tuple[str, Note | None]] = []
        last = 0
        for match in _MARK_RE.finditer(answer.answer):
            n = int(match.group(1))
            if n not in cited:
                continue  # "[3]" in the text with no source stays text
            pieces.append((answer.answer[last : match.start()], None))
            if n not in notes:
                counter += 1
                notes[n] = Note(counter, cited[n])
            pieces.append(("", notes[n]))
            last = match.end()
        pieces.append((answer.answer[last:], None))
        yield answer, pieces, sorted(notes.values(), key=lambda note: note.number)


def file_title(request: ExportRequest, answers: list[ExportAnswer]) -> str:
    if request.title.strip():
        return clean(request.title.strip())
    return "政策讲话问答" + ("：对话记录" if len(answers) > 1 else "：回答")


def to_markdown(request: ExportRequest) -> bytes:
    answers = request.answers()
    lines = [f"# {md(file_title(request, answers))}", "", f"导出时间：{_now()}", ""]
    footnotes: list[str] = []
    for answer, pieces, notes in numbered(answers):
        lines += [f"**问：** {md(answer.question)}", ""]
        text = "".join(md(text) if note is None else f"[^{note.number}]" for text, note in pieces)
        lines += ["**答：** " + text.replace("\n", "  \n"), ""]
        if answer.notice.strip():
            lines += [f"> {md(answer.notice)}", ""]
        footnotes += [f"[^{note.number}]: {md(_note_text(note))}" for note in notes]
    if footnotes:
        lines += ["---", "", "**出处**", "", *footnotes, ""]
    return "\n".join(lines).encode("utf-8")


def to_docx(request: ExportRequest) -> bytes:
    from docx import Document
    from docx.shared import Pt

    answers = request.answers()
    document = Document()
    document.core_properties.title = clean(file_title(request, answers))
    document.add_heading(clean(file_title(request, answers)), level=1)
    document.add_paragraph(f"导出时间：{_now()}")
    all_notes: list[Note] = []
    for answer, pieces, notes in numbered(answers):
        asked = document.add_paragraph()
        asked.add_run("问：").bold = True
        asked.add_run(clean(answer.question))
        replied = document.add_paragraph()
        replied.add_run("答：").bold = True
        for text, note in pieces:
            run = replied.add_run(clean(text) if note is None else f"[{note.number}]")
            run.font.superscript = note is not None
        if answer.notice.strip():
            document.add_paragraph(clean(answer.notice)).runs[0].italic = True
        all_notes += notes
    if all_notes:
        document.add_heading("出处", level=2)
        for note in all_notes:
            paragraph = document.add_paragraph(f"[{note.number}] {clean(_note_text(note))}")
            paragraph.paragraph_format.space_after = Pt(4)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def export_file(request: ExportRequest) -> tuple[bytes, str, str]:
    """(content, media type, file name)."""
    content = to_docx(request) if request.format == "docx" else to_markdown(request)
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M")
    return content, MEDIA_TYPES[request.format], f"policy-qa-{stamp}.{request.format}"


def _note_text(note: Note) -> str:
    citation = note.citation
    label = source_label(citation.model_dump())
    return f"{label}：“{citation.sentence}”" if citation.sentence.strip() else label


def clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def md(text: str) -> str:
    """Text as Markdown text: markup characters escaped, so a title or question is never markup."""
    return _MD_SPECIAL.sub(r"\\\1", clean(text))


def _now() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
