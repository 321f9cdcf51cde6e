"""Structure-aware chunks of one speech: body passages plus synthetic outline/heading chunks.

Body chunks (kind="body"), with Chunk.text == doc.text[start:end] exactly:
- never cross a top-level section (nor the preamble/closing outside all sections);
- a section that fits in `max_chars` is one chunk; a longer one is cut at paragraph ends, a paragraph
  longer than `max_chars` at sentence ends (。！？；, then ，、：, then hard), into balanced pieces;
- a chunk under `min_chars` (a heading line, a one-sentence item) is merged with the neighbour it
  shares the deepest section with (a heading goes with its first sub-point, a short last item with its
  siblings), if the merged span still fits in `max_chars`; headings thus sit in their section's first
  chunk;
- section_id is the deepest section containing the whole chunk, section_path its labels joined " > ",
  metadata["sections"] every section the chunk touches.

Synthetic chunks (their text is composed, NOT a slice of doc.text; start/end span what they summarise):
- one kind="outline" chunk per document listing the headings verbatim (levels 1–2, deeper ones only
  when they fit), preceded by the sentence announcing the parts ("下面，我讲三点意见") when the speech
  has one; start/end = first..last heading. It answers "这篇讲话分几个部分" (DESIGN: ≈0–0.3 recall
  without it).
- one kind="heading" chunk per section with ≥ 2 sub-sections: its heading, the intro sentence naming
  a formulation it defines ("…立足于四个聚焦。"), and every sub-heading verbatim. This is what brings list
  items back together ("两个保障是什么" → 一是经费保障 / 二是教师保障 in one passage), so no separate
  formulation chunk is emitted: inline formulations (五个基本（…）, 三个严格：…) already sit inside one
  body chunk, section-defined ones are exactly these heading chunks, and the answer layer reads
  Document.formulations for the items; a third copy would only crowd the top-k with near-duplicates.

Body chunks come first in text order (positions 0..n-1, so position±1 is the neighbouring passage),
then the outline chunk, then heading chunks in outline order. chunk_id = sha256(doc_id, position,
text)[:32]: stable across runs.

Sizes: e5-small reads 512 tokens; on the samples its tokenizer gives 0.64 tokens per character, so
the longest chunk here ("passage: " + section path + text) is 323 tokens: the bound is set by retrieval,
not the model. 480 keeps a typical policy paragraph (median 148, p90 329 characters) whole and splits
only the longest (5 of 172). Measured on eval/questions.jsonl (jieba-BM25 + e5 fused, recall@5 of the
gold passages): max 300/400/480/600 → 0.85/0.90/0.92/0.92 (min 160); min 120/160/200 → 0.90/0.92/0.91
(max 480); without outline/heading chunks 0.82 (outline questions 0.19 instead of 0.92); the
structure-blind 300-character baseline 0.71. 600 gains nothing measurable over 480 and makes every
citation longer to read, so 480/160 (body chunks: median 293, p90 402, max 457 characters).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from core.numerals import to_chinese
from core.records import Chunk, Document, Section
from core.sections import innermost_sections
from core.sentences import SENTENCE_STOPS

DEFAULT_MAX_CHARS = 480
DEFAULT_MIN_CHARS = 160
_SENTENCE_STOPS = SENTENCE_STOPS
_CLAUSE_STOPS = "，,、：:"
_CLOSERS = "”’」』\"')）"
_PARAGRAPH = re.compile(r"[^\n]+")
_KEY_SENTENCE_MAX = 120  # a list line is a heading plus one short sentence, not a paragraph


@dataclass
class _Span:
    start: int
    end: int
    sections: list[str | None]  # innermost section of each paragraph/piece in the span

    @property
    def size(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class _Draft:
    """A chunk before it gets its position and id."""

    start: int
    end: int
    text: str
    section_id: str | None
    kind: str
    sections: str  # every section the chunk touches, comma-separated (Chunk.metadata["sections"])


def chunk_document(
    doc: Document, *, max_chars: int = DEFAULT_MAX_CHARS, min_chars: int = DEFAULT_MIN_CHARS
) -> list[Chunk]:
    """Body chunks in text order, then the outline chunk, then heading chunks (see module docstring)."""
    if max_chars < 20 or not 0 <= min_chars < max_chars:
        raise ValueError(f"need 20 <= max_chars and 0 <= min_chars < max_chars, got {max_chars}, {min_chars}")
    tree = _Tree(doc.sections)
    drafts: list[_Draft] = []
    for group in _top_level_groups(doc.text, tree, max_chars):
        for span in _merge_small(_pack(group, max_chars), tree, max_chars, min_chars):
            text = doc.text[span.start : span.end]
            section_id = tree.common(span.sections)
            drafts.append(_Draft(span.start, span.end, text, section_id, "body", tree.touched(span.sections)))
    drafts += _synthetic(doc, tree, max_chars)
    return [_chunk(doc, tree, position, draft) for position, draft in enumerate(drafts)]


def _chunk(doc: Document, tree: _Tree, position: int, d: _Draft) -> Chunk:
    digest = hashlib.sha256(f"{doc.doc_id}\x1f{position}\x1f{d.text}".encode()).hexdigest()[:32]
    path = tree.path(d.section_id)
    metadata = {"sections": d.sections}
    return Chunk(digest, doc.doc_id, d.text, d.start, d.end, position, d.section_id, path, d.kind, metadata)


class _Tree:
    """Section lookups: innermost section at a position, ancestors, deepest common section."""

    def __init__(self, sections: tuple[Section, ...]) -> None:
        self.by_id = {s.section_id: s for s in sections}
        self.children: dict[str | None, list[Section]] = {}
        for section in sections:
            self.children.setdefault(section.parent_id, []).append(section)
        self.top = self.children.get(None, [])
        self.top_index = {s.section_id: i for i, s in enumerate(self.top, start=1)}
        self.sections = sections

    def assign(self, positions: list[int]) -> list[str | None]:
        return innermost_sections(self.sections, positions)

    def chain(self, section_id: str | None) -> list[str]:
        chain: list[str] = []
        while section_id is not None and section_id in self.by_id:
            chain.append(section_id)
            section_id = self.by_id[section_id].parent_id
        return chain[::-1]

    def path(self, section_id: str | None) -> str:
        return " > ".join(self.by_id[i].label for i in self.chain(section_id))

    def root(self, section_id: str | None) -> str | None:
        chain = self.chain(section_id)
        return chain[0] if chain else None

    def common(self, ids: list[str | None]) -> str | None:
        chains = [self.chain(i) for i in dict.fromkeys(ids)]
        if not chains or any(not c for c in chains):
            return None
        shared: str | None = None
        for level in zip(*chains, strict=False):
            if len(set(level)) != 1:
                break
            shared = level[0]
        return shared

    def depth_of_common(self, ids: list[str | None]) -> int:
        return len(self.chain(self.common(ids)))

    @staticmethod
    def touched(ids: list[str | None]) -> str:
        return ",".join(dict.fromkeys(i for i in ids if i))


# --- body chunks ---------------------------------------------------------------------------------------


def _top_level_groups(text: str, tree: _Tree, max_chars: int) -> list[list[_Span]]:
    """Paragraph pieces (long paragraphs cut at sentences), grouped by top-level section."""
    paragraphs = [_strip(text, m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    paragraphs = [(start, end) for start, end in paragraphs if start < end]
    groups: list[list[_Span]] = []
    last_root: object = object()
    for (start, end), section_id in zip(paragraphs, tree.assign([p[0] for p in paragraphs]), strict=True):
        root = tree.root(section_id)
        if root != last_root or not groups:
            groups.append([])
            last_root = root
        groups[-1].extend(_Span(s, e, [section_id]) for s, e in _pieces(text, start, end, max_chars))
    return groups


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """A paragraph as one piece, or cut at sentence ends (then clauses, then hard) to fit."""
    if end - start <= max_chars:
        return [(start, end)]
    out: list[tuple[int, int]] = []
    for s, e in _cut(text, start, end, _SENTENCE_STOPS):
        if e - s <= max_chars:
            out.append((s, e))
            continue
        for cs, ce in _cut(text, s, e, _CLAUSE_STOPS):
            out.extend((p, min(p + max_chars, ce)) for p in range(cs, ce, max_chars))
    stripped = [_strip(text, s, e) for s, e in out]  # a cut may leave a blank at either edge
    return [(s, e) for s, e in stripped if s < e]


def _cut(text: str, start: int, end: int, stops: str) -> list[tuple[int, int]]:
    out = []
    pos = start
    for i in range(start, end):
        if text[i] in stops and i + 1 < end and text[i + 1] not in stops + _CLOSERS:
            out.append((pos, i + 1))
            pos = i + 1
    out.append((pos, end))
    return [(s, e) for s, e in out if e > s]


def _pack(pieces: list[_Span], max_chars: int) -> list[_Span]:
    """Pieces of one innermost section → balanced spans of at most max_chars."""
    packed: list[_Span] = []
    run: list[_Span] = []
    for piece in [*pieces, None]:
        if piece is not None and (not run or piece.sections == run[-1].sections):
            run.append(piece)
            continue
        packed.extend(_balance(run, max_chars))
        run = [piece] if piece is not None else []
    return packed


def _balance(run: list[_Span], max_chars: int) -> list[_Span]:
    if not run:
        return []
    total = run[-1].end - run[0].start
    target = total / math.ceil(total / max_chars)
    out: list[_Span] = []
    current: _Span | None = None
    for piece in run:
        if current is not None:
            grown = piece.end - current.start
            if grown <= max_chars and abs(grown - target) <= abs(current.size - target):
                current.end = piece.end
                current.sections.extend(piece.sections)
                continue
            out.append(current)
        current = _Span(piece.start, piece.end, list(piece.sections))
    if current is not None:
        out.append(current)
    return out


def _merge_small(spans: list[_Span], tree: _Tree, max_chars: int, min_chars: int) -> list[_Span]:
    """Merge spans under min_chars into the neighbour sharing the deepest section (if it fits)."""
    spans = list(spans)
    i = 0
    while i < len(spans):
        span = spans[i]
        if span.size >= min_chars:
            i += 1
            continue
        options = []
        for j in (i + 1, i - 1):  # forward first: a heading belongs with what follows it
            if 0 <= j < len(spans):
                lo, hi = min(i, j), max(i, j)
                if spans[hi].end - spans[lo].start <= max_chars:
                    options.append(
                        (tree.depth_of_common(span.sections + spans[j].sections), -abs(j - i - 1), j)
                    )
        if not options:
            i += 1
            continue
        j = max(options)[2]
        lo, hi = min(i, j), max(i, j)
        spans[lo : hi + 1] = [_Span(spans[lo].start, spans[hi].end, spans[lo].sections + spans[hi].sections)]
        i = lo
    return spans


# --- synthetic chunks ------------------------------------------------------------------------------------


def _synthetic(doc: Document, tree: _Tree, max_chars: int) -> list[_Draft]:
    if not doc.sections:
        return []
    out = [_outline(doc, tree, max_chars)]
    for section in doc.sections:
        children = tree.children.get(section.section_id, [])
        if len(children) < 2:
            continue
        lines = [_part_label(tree, section) + _heading_text(doc, section)]
        lines += _intro_sentences(doc, section, children[0])
        keyed = lines + [_key_sentence(doc, tree, c) for c in children]
        fits = len("\n".join(keyed)) <= max_chars
        lines = keyed if fits else lines + [_heading_text(doc, c) for c in children]
        start = min(s.start for s in (section, *children))
        end = max(s.heading_end for s in (section, *children))
        sid = section.section_id
        out.append(_Draft(start, end, _fit(lines, max_chars), sid, "heading", sid))
    return out


def _outline(doc: Document, tree: _Tree, max_chars: int) -> _Draft:
    """As many outline levels as fit in max_chars (at least the top level)."""
    intro = _announcement(doc, tree)
    shown: list[Section] = []
    for depth in (3, 2, 1):
        shown = [s for s in doc.sections if s.level <= depth]
        if len("\n".join(_outline_lines(doc, tree, shown, intro))) <= max_chars:
            break
    start = min(s.start for s in shown)
    end = max(s.heading_end for s in shown)
    return _Draft(start, end, _fit(_outline_lines(doc, tree, shown, intro), max_chars), None, "outline", "")


def _outline_lines(doc: Document, tree: _Tree, shown: list[Section], intro: list[str]) -> list[str]:
    """Who and what first (questions name the speaker or a formulation, not the title), then headings."""
    about = "，".join(x for x in (doc.title, doc.speaker, doc.date) if x)
    parts = len(tree.top)
    head = f"提纲：{about}（共{parts}个部分）" if about else f"提纲（共{parts}个部分）"
    named = "、".join(dict.fromkeys(f.name for f in doc.formulations if f.items))
    lines = [head, *intro, *("  " * (s.level - 1) + _heading_text(doc, s) for s in shown)]
    return [*lines, f"提法：{named}"] if named else lines


def _announcement(doc: Document, tree: _Tree) -> list[str]:
    """The sentence that announces the top-level parts ("我讲三点意见"), if a formulation says so."""
    top = [s.section_id for s in tree.top]
    for f in doc.formulations:
        if f.items and [i.section_id for i in f.items] == top[: len(f.items)] and f.section_id is None:
            return [_sentence_around(doc.text, f.start)]
    return []


def _intro_sentences(doc: Document, section: Section, first_child: Section) -> list[str]:
    """Sentences of a section's intro that name a formulation the section defines (…四个聚焦。)."""
    lines = []
    for f in doc.formulations:
        if f.section_id != section.section_id or not f.items:
            continue
        at = doc.text.find(f.name, section.heading_end, first_child.start)
        if at >= 0:
            lines.append(_sentence_around(doc.text, at))
    return lines


def _sentence_around(text: str, pos: int) -> str:
    start = max(text.rfind(ch, 0, pos) for ch in _SENTENCE_STOPS + "\n") + 1
    ends = [i for i in (text.find(ch, pos) for ch in _SENTENCE_STOPS + "\n") if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    return text[start:end].strip()


def _part_label(tree: _Tree, section: Section) -> str:
    """ "第三部分 " before a top-level heading: staff ask "第三部分有哪几条", the text says "三、"."""
    if section.parent_id is not None:
        return ""
    return f"第{_cn_numeral(tree.top_index[section.section_id])}部分 "


def _cn_numeral(n: int) -> str:
    return to_chinese(n) if n < 100 else str(n)


def _key_sentence(doc: Document, tree: _Tree, section: Section) -> str:
    """A sub-point as a list line: its heading plus the first sentence of its body, on one line."""
    below = [s.start for s in tree.children.get(section.section_id, [])[:1]]
    limit = min([section.end, section.heading_end + _KEY_SENTENCE_MAX, *below])
    end = section.heading_end
    while end < limit and doc.text[end].isspace():
        end += 1
    stop = next((i + 1 for i in range(end, limit) if doc.text[i] in _SENTENCE_STOPS), section.heading_end)
    return " ".join(doc.text[section.start : stop].split())


def _heading_text(doc: Document, section: Section) -> str:
    return doc.text[section.start : section.heading_end].strip()


def _fit(lines: list[str], max_chars: int) -> str:
    """Join lines; if too long, drop trailing lines, and as a last resort cut the text."""
    while len(lines) > 1 and len("\n".join(lines)) > max_chars:
        lines = lines[:-1]
    return "\n".join(lines)[:max_chars]
