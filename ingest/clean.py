"""Raw speech text → cleaned text: what users read and what every offset indexes.

Only noise is removed; the speech's own words stay exactly as written (typos, odd quotes,
redaction stars '*' and 'XX' included). Output: one paragraph per line, lines joined by a
single "\\n", no blank lines, no leading/trailing spaces — the outline parser works line-wise.

Rules, and the sample that motivated each:
- control/format characters, lone surrogates, BOM, zero-width marks dropped; NFC; all
  spaces → ' ', runs collapsed, lines stripped (every sample: 003's trailing spaces, 004's
  leading spaces)
- breadcrumb lines '您的位置:…>>正文' and '发表时间:…' lines (001); every other page-furniture line
  of GENRE.md (breadcrumbs, source lines, share/print buttons: `ingest.webnoise`)
- paywall notices '……(新文秘网… 省略837字,正式会员可完整阅读)……' (001): replaced by a line
  '……' (the notice's own ellipsis), so the text on either side is never joined — the words
  between them are missing — and cleaning stays idempotent
- truncation notice '……(未完,全文共5103字,当前仅显示2352字,…收藏《…》': cut with the rest of
  its line; the text before it stays (001)
- a '目录/提纲:' block whose headings repeat the body's headings in the same order (001)
- a first line that ends in '…' and repeats the opening paragraph: the repeated part goes,
  what precedes it (004: the page title '2024年市教育行政工作会强调讲话') stays as its own line
- a line that repeats the line just before it (001's title, printed above and below the TOC)
- markdown bold '**…**' → the words (002)
- blank lines (all samples) and page breaks inside a sentence (002): a prose line that does
  not end a sentence is joined to the next line unless that line is a heading, a title, a
  date, a salutation or a speaker (see `_continues`)
- in title lines only, a space between two Chinese characters ('第 1 次 工作会', '会议上 的讲话',
  002); spaces next to digits stay everywhere
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from core.normalize import normalize_for_match
from ingest.metadata import (
    CJK,
    is_date_line,
    is_heading_line,
    is_prose,
    is_salutation,
    is_title_line,
    speaker_from_line,
    starts_with_marker,
)
from ingest.webnoise import is_web_noise

GAP = "……"  # stands where a paywall cut words out: an ellipsis-only line is never joined

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_KEEP_CONTROLS = frozenset("\n\t")  # a tab is a space; other controls are debris
_LINE_BREAKS = str.maketrans(
    {"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"}
)
_SPACES_RE = re.compile(r"[^\S\n]+")  # every horizontal whitespace, ideographic space included
# Possessive runs that start at a run's first star: linear even on a line of 100k stars.
_BOLD_RE = re.compile(r"(?<!\*)\*{2,}+([^*\n]+?)\*{2,}+")
_OMITTED_RE = re.compile(r"[(（][^()（）\n]{0,120}?省略\s?\d+\s?字[^()（）\n]{0,120}?[)）]")
_UNFINISHED_RE = re.compile(r"[(（]\s?未完[^()（）\n]{0,40}?(?:全文共|仅显示)")
_BREADCRUMB_RE = re.compile(r"^(?:(?:您|你)(?:现在)?的?位置|当前位置)\s?[:：]")
_PUBLISHED_LINE_RE = re.compile(r"^(?:发表|发布|更新)(?:时间|日期)\s?[:：]\s?\d{4}")
_TOC_LABEL_RE = re.compile(
    r"^(?:目\s?录|提\s?纲)(?:\s?/\s?(?:目录|提纲))?\s?(?:[:：]|$)"
)  # "目 录" alone too
_ELLIPSIS_ONLY_RE = re.compile(r"^[….。·\s]+$")
_TITLE_GAP_RE = re.compile(f"(?<=[{CJK}]) (?=[{CJK}])")
_ELLIPSIS_CHARS = "…. "
_CLOSERS = ")」』》]】"
_OPENING_QUOTES = "“‘「『"
_TERMINALS = '。!?;:…"'
_TEASER_MIN_OVERLAP = 20
_TEASER_LOOKAHEAD = 6
_MAX_TEASER_PROBES = 50


MAX_PASSES = 4  # cleaning converges in two passes on every text seen; the bound only guards a loop


def clean_text(raw: str) -> str:
    """Clean one file's raw text (see the module docstring for every rule). Never raises.

    Repeated until nothing changes: one rule's removal can expose text another rule removes (a
    notice inside a TOC, a repeated label), and cleaning a cleaned text must change nothing."""
    text = _clean_once(raw)
    for _ in range(MAX_PASSES - 1):
        again = _clean_once(text)
        if again == text:
            break
        text = again
    return text


def _clean_once(raw: str) -> str:
    lines: list[str] = []
    for line in _sanitize(raw).split("\n"):
        lines.extend(_strip_inline_noise(line))
    lines = [line for line in lines if not _is_noise_line(line)]
    lines = _drop_duplicate_toc(lines)
    lines = _drop_teaser(lines)
    lines = [_fix_title_spacing(line) for line in lines]
    # Joining page breaks can pair up bold markers that were on separate lines: strip them again.
    joined = [_BOLD_RE.sub(r"\1", line) for line in _join_page_breaks(lines)]
    # Removing markup can bring combining marks together out of canonical order ("͊**̖**"):
    # normalise once more so cleaning a cleaned text changes nothing.
    return unicodedata.normalize("NFC", "\n".join(_drop_repeats(joined)))


# --- characters -------------------------------------------------------------------------


def _sanitize(raw: str) -> str:
    text = raw.replace("\r\n", "\n").translate(_LINE_BREAKS)
    text = "".join(
        ch for ch in text if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in _DROP_CATEGORIES
    )
    return _SPACES_RE.sub(" ", unicodedata.normalize("NFC", text))


# --- one line at a time ----------------------------------------------------------------


def _strip_inline_noise(line: str) -> list[str]:
    """Bold markers and paywall notices out; a notice splits the line around a GAP line."""
    line = _BOLD_RE.sub(r"\1", line)
    cut = _UNFINISHED_RE.search(line)
    if cut:
        # The text was cut here: keep what came before (it may hold notices too) and mark the cut.
        return [*_strip_inline_noise(line[: cut.start()].rstrip(_ELLIPSIS_CHARS)), GAP]
    parts = _OMITTED_RE.split(line)
    pieces: list[str] = []
    for i, part in enumerate(parts):
        if i:
            pieces.append(GAP)
            part = part.lstrip(_ELLIPSIS_CHARS)  # the notice's closing '……'
        if i < len(parts) - 1:
            part = part.rstrip(_ELLIPSIS_CHARS)  # the notice's opening '……'
        # Nothing beside a notice is not a blank line (a paragraph break): it would end a TOC
        # block early on this pass and not on the next ('目录:\n……(省略12字)……一、总体').
        if part.strip() or len(parts) == 1:
            pieces.append(part.strip())
    return pieces


def _is_noise_line(line: str) -> bool:
    if _BREADCRUMB_RE.match(line):
        return any(mark in line for mark in (">", "»", "→", "正文"))
    return (len(line) <= 100 and _PUBLISHED_LINE_RE.match(line) is not None) or is_web_noise(line)


def _fix_title_spacing(line: str) -> str:
    return _TITLE_GAP_RE.sub("", line) if is_title_line(line) else line


# --- blocks ----------------------------------------------------------------------------


def _key(line: str) -> str:
    # "# 一、…" (a Word heading) is the same heading as the TOC's "一、…"
    return _SPACES_RE.sub("", normalize_for_match(line)).lstrip("#")


def _drop_duplicate_toc(lines: list[str]) -> list[str]:
    """Drop a scraped '目录/提纲:' block when the body carries the same headings in the same order.

    A TOC whose headings are not found in the body is the only outline there is: it stays.
    """
    # Every label is tried, not the first only: a repeated label ('目录:\n目录:') is merged later,
    # and the next pass would then find the block this one missed.
    for start in (i for i, line in enumerate(lines) if _TOC_LABEL_RE.match(line)):
        dropped = _drop_toc_at(lines, start)
        if dropped is not None:
            return dropped
    return lines


def _drop_toc_at(lines: list[str], start: int) -> list[str] | None:
    end = start + 1
    seen: set[str] = set()
    while (
        end < len(lines)
        and (line := lines[end])
        and (starts_with_marker(line) or _ELLIPSIS_ONLY_RE.match(line))
        and _key(line) not in seen  # a heading seen again: the body has begun
    ):
        seen.add(_key(line))
        end += 1
    headings = [_key(line) for line in lines[start + 1 : end] if line and starts_with_marker(line)]
    body: dict[str, int] = {}
    for index, line in enumerate(lines[end:]):
        if line:
            body.setdefault(_key(line), index)
    found = [body[h] for h in headings if h in body]
    if headings and len(found) >= min(2, len(headings)) and found == sorted(found):
        toc = [line for line in lines[start + 1 : end] if line and starts_with_marker(line)]
        return _restore_gapped_headings(lines[:start] + lines[end:], toc)
    return None


def _restore_gapped_headings(lines: list[str], toc: list[str]) -> list[str]:
    """Put back TOC headings that a paywall gap swallowed, right after that gap (001).

    The body of 001 lost its 一(二)(三) to an '省略837字' gap and all of part 三 to the final cut;
    the TOC is then the only record of those parts. Missing headings go back after the last GAP
    line before the next heading the body still has (or after a final GAP when the text was cut
    at the end); where no gap explains their absence, nothing is moved.
    """
    present = {_key(line) for line in lines if line}
    out = list(lines)
    pending: list[str] = []
    for heading in [*toc, None]:
        if heading is not None and _key(heading) not in present:
            pending.append(heading)
            continue
        if pending:
            anchor = _index_of(out, heading) if heading is not None else len(out)
            gap = next((i for i in range(anchor - 1, -1, -1) if out[i] == GAP), None)
            if gap is not None:
                out[gap + 1 : gap + 1] = pending
        pending = []
    return out


def _index_of(lines: list[str], heading: str) -> int:
    key = _key(heading)
    return next((i for i, line in enumerate(lines) if line and _key(line) == key), len(lines))


def _drop_teaser(lines: list[str]) -> list[str]:
    """A first line ending in '…' that repeats the opening keeps only what is not repeated."""
    first = next((i for i, line in enumerate(lines) if line), None)
    if first is None:
        return lines
    teaser = lines[first]
    body = teaser.rstrip(_ELLIPSIS_CHARS)
    if body == teaser or len(body) < _TEASER_MIN_OVERLAP:
        return lines
    following = "".join(line for line in lines[first + 1 : first + 1 + _TEASER_LOOKAHEAD] if line)
    cut = _overlap_start(body, following)
    if cut is None:
        return lines
    kept = body[:cut].strip()
    return lines[:first] + ([kept] if kept else []) + lines[first + 1 :]


def _overlap_start(body: str, following: str) -> int | None:
    """Smallest i with body[i:] a prefix of `following` and at least 20 characters long."""
    probe = following[:_TEASER_MIN_OVERLAP]
    if len(probe) < _TEASER_MIN_OVERLAP:
        return None
    index = body.find(probe)
    for _ in range(_MAX_TEASER_PROBES):
        if index < 0:
            return None
        if following.startswith(body[index:]):
            return index
        index = body.find(probe, index + 1)
    return None


# --- paragraphs ------------------------------------------------------------------------


@dataclass
class _Paragraph:
    pieces: list[str] = field(default_factory=list)
    prose: bool = False  # some piece has clause punctuation
    heading: bool = False  # the first piece is an outline heading

    def add(self, piece: str) -> None:
        if not self.pieces:
            self.heading = is_heading_line(piece)
        self.pieces.append(piece)
        self.prose = self.prose or is_prose(piece)

    @property
    def last(self) -> str:
        return self.pieces[-1]

    def text(self) -> str:
        return "".join(self.pieces)


def _join_page_breaks(lines: list[str]) -> list[str]:
    paragraphs: list[_Paragraph] = []
    for line in lines:
        if not line:
            continue
        if paragraphs and _continues(paragraphs[-1], line):
            last = paragraphs[-1]
            if _latin(last.last[-1:]) and _latin(line[:1]):
                line = " " + line  # two Latin words, not two Chinese characters
            last.add(line)
        else:
            paragraph = _Paragraph()
            paragraph.add(line)
            paragraphs.append(paragraph)
    return [paragraph.text() for paragraph in paragraphs]


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _continues(paragraph: _Paragraph, line: str) -> bool:
    """A prose paragraph cut mid-sentence (PDF page break) goes on in `line`."""
    if not paragraph.prose or paragraph.heading or _ends_sentence(paragraph.last):
        return False
    if is_title_line(paragraph.last):  # a title holding 、 ("在全市教育、科技…会议上的讲话")
        return False
    return not (
        starts_with_marker(line)
        or is_title_line(line)
        or is_salutation(line)
        or is_date_line(line)
        or speaker_from_line(line)
        or _ELLIPSIS_ONLY_RE.match(line)
    )


def _ends_sentence(line: str) -> bool:
    if line.rstrip()[-1:] in _OPENING_QUOTES:  # '概括起来就是“' + page break + '三个学会”。'
        return False
    text = normalize_for_match(line).rstrip()
    if text[-1:] in _TERMINALS:
        return True
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped != text and stripped[-1] in _TERMINALS


def _drop_repeats(paragraphs: list[str]) -> list[str]:
    """A paragraph identical to the one before it is a scraping echo (001's title, twice)."""
    kept: list[str] = []
    for paragraph in paragraphs:
        if not kept or _key(kept[-1]) != _key(paragraph):
            kept.append(paragraph)
    return kept
