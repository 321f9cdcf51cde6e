"""Every enumerable list in a speech, found once at ingest, so "哪几个/哪些/第N部分" questions get the whole list.

A speech's outline is a tree of lists: the top-level parts, each section's sub-sections, and
lists inside a paragraph ("一是人防技防物防要到位。…二是食堂管理要到位。…", or parallel short
"要推进资源交流。…要提升能力素质。…" sentences). Retrieval finds passages; these lists, stored with the
document, let the answer layer return a list whole and in order instead of the one item that ranked best.
"""

from __future__ import annotations

import re

from core.numerals import CIRCLED, CN_NUMERAL, circled_number, parse_numeral
from core.records import Document, ListCandidate, ListItem, Section

# 一是…二是…, 一要…二要…, 第一，…第二，… at sentence starts, or right after the colon that announces
# them ("还面临一些突出问题：一是…；二是…")
_INLINE_RE = re.compile(
    rf"(?:^|(?<=[。！？；：]))\s*(?:([{CIRCLED}])|[（(]([{CN_NUMERAL}\d]{{1,2}})[）)]"
    rf"|(?:第)?([{CN_NUMERAL}]{{1,2}})(?:是|要|是要|，|、)(?=[^，。；]{{2}})|(一方面|另一方面))"
    # "究其原因，一是…；二是…": 一是/一要 after a comma open a list too (only these: "，第一，" is prose)
    rf"|(?<=，)([{CN_NUMERAL}]{{1,2}})(?:是|要)(?=[^，。；]{{2}})"
)
_SHORT_SENTENCE_RE = re.compile(r"(?:^|(?<=[。！？]))([^。！？；，]{4,26}。)")
_LEAD_END = re.compile(r"[。；：！？]")
LABEL_CHARS = 48
_INTRO_CHARS = 80  # of the text before a list, for its head
_SENTENCE_RE = re.compile(r"[^。！？]+[。！？]?")


def find_lists(doc: Document) -> list[ListCandidate]:
    out: list[ListCandidate] = []
    tops = [s for s in doc.sections if s.parent_id is None]
    if len(tops) >= 2:
        # the sentence right before the first part says what the parts are ("要扎实做好以下几项工作：")
        lines = [
            line for line in doc.text[max(0, tops[0].start - 200) : tops[0].start].split("\n") if line.strip()
        ]
        before = [t.strip() for t in _SENTENCE_RE.findall(lines[-1]) if t.strip()] if lines else []
        lead = _clip(before[-1], _INTRO_CHARS) if before else ""
        head = f"{doc.title} {doc.speaker} {doc.meeting} {doc.date} {lead}".rstrip()
        out.append(ListCandidate(doc.doc_id, "root", head, tops[0].start, tops[-1].end, _items(doc, tops)))
    part_of = {s.section_id: i for i, s in enumerate(tops, 1)}
    for section in doc.sections:
        children = [s for s in doc.sections if s.parent_id == section.section_id]
        if len(children) >= 2:
            head = f"{section.label} {_intro(doc, section, children[0].start)}"
            out.append(
                ListCandidate(
                    doc.doc_id, "section", head, section.start, section.end, _items(doc, children),
                    section.section_id, part_of.get(section.section_id),
                )
            )  # fmt: skip
        elif not children:
            out.extend(_inline_lists(doc, section))
            leads = _paragraph_leads(doc, section)
            if leads is not None and not any(c.items == leads.items for c in out):
                out.append(leads)
    return out


def _items(doc: Document, sections: list[Section]) -> tuple[ListItem, ...]:
    return tuple(ListItem(_clip(s.label), s.start, s.heading_end) for s in sections)


def _intro(doc: Document, section: Section, until: int) -> str:
    return _lead_in(doc.text[section.heading_end : until])


def _lead_in(intro: str) -> str:
    """What introduces a list: the start of the text before it and its last sentence, which names
    what the items are ("…主要面临以下几个方面的挑战。"), however long the text in between."""
    intro = intro.strip()
    sentences = [s for s in _SENTENCE_RE.findall(intro) if s.strip()]
    last = sentences[-1].strip() if sentences else ""
    opening = _clip(intro, _INTRO_CHARS)
    return opening if not last or last in opening else f"{opening} {_clip(last, _INTRO_CHARS)}"


def _inline_lists(doc: Document, section: Section) -> list[ListCandidate]:
    out: list[ListCandidate] = []
    body_start = section.heading_end
    for paragraph_start, paragraph in _paragraphs(doc.text, body_start, section.end):
        items = _numbered_items(paragraph, paragraph_start) or _parallel_items(paragraph, paragraph_start)
        if len(items) >= 2:
            head = f"{section.label} {_lead_in(paragraph[: items[0].start - paragraph_start])}"
            out.append(
                ListCandidate(
                    doc.doc_id, "inline", head, paragraph_start, paragraph_start + len(paragraph), tuple(items),
                    section.section_id,
                )
            )  # fmt: skip
    return out


# A paragraph that opens with an item marker: ①, （1）, 1., 一是 / 一要 / 第一，, 首先 … 最后.
_LEAD_RE = re.compile(
    rf"\s*(?:([{CIRCLED}])|[（(]([{CN_NUMERAL}\d]{{1,2}})[）)]|(\d{{1,2}})[、.．](?!\d)"
    rf"|(?:第)?([{CN_NUMERAL}]{{1,2}})(?:是|要|，|、)|第([{CN_NUMERAL}]{{1,2}})(?:个|条|项|点)[^，。：；]{{1,6}}[：:，,]"
    r"|(首先|其次|再次|然后|最后|一方面|另一方面))"
)
_SEQUENCE = {"首先": 1, "其次": 2, "再次": 3, "然后": 3, "一方面": 1, "另一方面": 2}


def _lead_number(match: re.Match[str], count: int) -> int | None:
    circled, paren, arabic, chinese, named, word = match.groups()
    if circled:
        return circled_number(circled)
    if word:
        return count + 1 if word == "最后" and count >= 2 else _SEQUENCE.get(word)
    return parse_numeral(paren or arabic or chinese or named)


def _paragraph_leads(doc: Document, section: Section) -> ListCandidate | None:
    """Items that each open a paragraph of the section ("①科学选准试点园。…" / "②…"), numbered
    1, 2, 3 … without gaps: a list the per-paragraph search cannot see."""
    items: list[ListItem] = []
    first = 0
    for start, paragraph in _paragraphs(doc.text, section.heading_end, section.end):
        match = _LEAD_RE.match(paragraph)
        number = _lead_number(match, len(items)) if match else None
        if number == 1 and len(items) < 2:
            items, first = [], start
        elif number != len(items) + 1:
            continue
        if number is None or match is None:
            continue
        end_match = _LEAD_END.search(paragraph, match.end())
        end = end_match.start() if end_match else len(paragraph)
        items.append(
            ListItem(_clip(paragraph[match.start() : end].strip()), start + match.start(), start + end)
        )
    if len(items) < 2:
        return None
    head = f"{section.label} {_lead_in(doc.text[section.heading_end : first])}"
    return ListCandidate(doc.doc_id, "inline", head, first, section.end, tuple(items), section.section_id)


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, str]]:
    out = []
    offset = start
    for line in text[start:end].split("\n"):
        if line.strip():
            out.append((offset, line))
        offset += len(line) + 1
    return out


def _numbered_items(paragraph: str, base: int) -> list[ListItem]:
    """一是…二是…三是… (or ①②③, （1）（2）) at sentence starts, numbered 1, 2, 3 … without gaps."""
    items: list[ListItem] = []
    for match in _INLINE_RE.finditer(paragraph):
        circled, paren, chinese, aspect, after_comma = match.groups()
        chinese = chinese or after_comma
        number: int | None
        if aspect:
            number = 1 if aspect == "一方面" else len(items) + 1
        else:
            number = circled_number(circled) if circled else parse_numeral(paren or chinese)
        if number != len(items) + 1:
            if number == 1 and len(items) < 2:
                items = []  # a fresh list starts; an earlier lone "一是" was prose
            else:
                continue
        start = match.start(match.lastindex or 1) - (1 if paren else 0)
        end_match = _LEAD_END.search(paragraph, match.end())
        end = end_match.start() if end_match else len(paragraph)
        if items and items[-1].end > base + start:
            # "一要A，二要B，三要C。": an item after a comma ends where the next one opens
            cut = paragraph[:start].rstrip("，, ")
            items[-1] = ListItem(
                _clip(paragraph[items[-1].start - base : len(cut)]), items[-1].start, base + len(cut)
            )
        items.append(ListItem(_clip(paragraph[start:end]), base + start, base + end))
    return items if len(items) >= 2 else []


def _parallel_items(paragraph: str, base: int) -> list[ListItem]:
    """Short topic sentences that open alike, each followed by its elaboration: 000's
    "要推进资源交流。…要提升能力素质。…要解决教师关切。…", 002's "要加快推进学前教育…。…要加快推进
    义务教育…。…". Three or more sharing the first character, or two sharing three or more."""
    short = list(_SHORT_SENTENCE_RE.finditer(paragraph))
    best: list[re.Match[str]] = []
    for size in (3, 1):
        groups: dict[str, list[re.Match[str]]] = {}
        for m in short:
            groups.setdefault(m.group(1)[:size], []).append(m)
        need = 2 if size == 3 else 3
        for group in groups.values():
            if len(group) >= need and len(group) > len(best) and not _is_numbered(group[0].group(1)):
                best = group
        if best:
            break
    return [ListItem(m.group(1).rstrip("。"), base + m.start(1), base + m.end(1) - 1) for m in best]


def _is_numbered(sentence: str) -> bool:
    return bool(_INLINE_RE.match(sentence))


def _clip(text: str, limit: int = LABEL_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
