"""Items of a formulation that the index left empty, found where the speech names it.

Speeches often spell a formulation out in the very sentence that names it, as a run of parallel
phrases ("坚持“三个倾斜”，做到职称评聘向乡村倾斜、评优评先向乡村倾斜、培训进修向乡村倾斜"), or in the
list right after it ("下一步要重点落实五项措施。一是…二是…"), or name only some of them ("五项行动，
其中A行动、B行动、C行动要率先启动"). Items are taken only when the phrases share a common end or
opening (two characters at least) or the list follows at once after a sentence the name closes, and never
more than the count. Found once at ingest for every formulation stored without items, and stored with the
speech (`Document.nearby`); the answerer reads them (assistant/nearby.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from core.naming import common_prefix, formulation_head
from core.records import Document, Formulation, ListCandidate, NearbyItems, NearItem

_SENTENCE_END = re.compile(r"[。！？；\n]")
_SPLIT = re.compile(r"[、，,；;]")
_FILLER = re.compile(r"^(?:其中|即|就是|也就是|做到|包括|主要是|分别是|要|是|坚持|突出|：|:)+")
_SEGMENT_CHARS = 18
_DEFINED_RE = re.compile(r"[，,：:]?(?:即|也就是|就是|包括)[：:]?")
_MARKER_REACH = 14  # 即 stands right by the name ("“五个一”安全教育活动，即…")
_CLAUSE_END = re.compile(r"[，,；;。！？\n]")
_LIST_GAP = 3  # the list starts right after the sentence that names the formulation


def nearby_items(doc: Document, lists: Sequence[ListCandidate]) -> tuple[NearbyItems, ...]:
    """The items found next to the name of each formulation the speech holds without items (by name and
    place: all `items_near` reads of a formulation), given the speech's own lists."""
    out: list[NearbyItems] = []
    seen: set[tuple[str, int]] = set()
    for form in doc.formulations:
        key = (form.name, form.start)
        if form.items or key in seen:
            continue
        seen.add(key)
        near = items_near(doc, form, lists)
        if near:
            out.append(NearbyItems(form.name, form.start, tuple(near)))
    return tuple(out)


def items_near(doc: Document, form: Formulation, lists: Sequence[ListCandidate]) -> list[NearItem]:
    """The items found next to the formulation's name, [] when none are sure."""
    count, _ = formulation_head(form.name)
    if count is None or count < 2:
        return []
    at = doc.text.find(form.name, form.start)
    at = at if 0 <= at - form.start <= 200 else doc.text.rfind(form.name, 0, form.start + len(form.name))
    named_end = at + len(form.name) if at >= 0 else form.start
    end = _SENTENCE_END.search(doc.text, named_end)
    sentence_end = end.start() if end else len(doc.text)
    run = _run(doc.text, named_end, sentence_end) or _defined(doc.text, named_end, sentence_end)
    if 2 <= len(run) <= count:
        return run
    # "…要重点落实五项措施。" then "一是…": the name closes its sentence and the list follows at once
    closes = len(doc.text[named_end:sentence_end].strip("”’\"' ：:")) == 0
    following = [
        c
        for c in lists
        if closes
        and c.doc_id == doc.doc_id
        and sentence_end <= c.start <= sentence_end + _LIST_GAP
        and 2 <= len(c.items) <= count
    ]
    if following:
        first = min(following, key=lambda c: c.start)
        return [NearItem(i.label, i.start) for i in first.items]
    return []


def _defined(text: str, start: int, end: int) -> list[NearItem]:
    """ "“五个一”安全教育活动，即上好一堂…课、给家长发放一封…书、组织一次…演练，确保…": after 即 (or
    也就是, 包括) right by the name, the phrases its 、 separates are the items, however unlike."""
    marker = _DEFINED_RE.search(text, start, min(end, start + _MARKER_REACH))
    if marker is None:
        return []
    stop = _CLAUSE_END.search(text, marker.end(), end)
    stretch_end = stop.start() if stop else end
    pieces, offset = [], marker.end()
    for piece in text[marker.end() : stretch_end].split("、"):
        pieces.append(NearItem(piece.strip(), offset))
        offset += len(piece) + 1
    if len(pieces) < 2 or any(not 2 <= len(p.text) <= _SEGMENT_CHARS + 6 for p in pieces):
        return []
    return pieces


def _run(text: str, start: int, end: int) -> list[NearItem]:
    """Parallel phrases after the name in its sentence, sharing an end ("…向乡村倾斜") or an
    opening ("带头…"); a phrase that runs on past the shared end is cut there."""
    pieces: list[tuple[str, int]] = []
    offset = start
    for piece in _SPLIT.split(text[start:end]):
        pieces.append((piece, offset))
        offset += len(piece) + 1
    best: list[NearItem] = []
    for i in range(len(pieces) - 1):
        a, b = _clean(pieces[i][0]), _clean(pieces[i + 1][0])
        suffix, prefix = _common_suffix(a, b), common_prefix([a, b])
        if len(suffix) >= 2:
            found = _extend(pieces[i:], _until(suffix))
        elif len(prefix) >= 2:
            found = _extend(pieces[i:], _opening(prefix))
        else:
            continue
        if len(found) > len(best):
            best = found
    return best


def _extend(pieces: list[tuple[str, int]], cut: Callable[[str], int]) -> list[NearItem]:
    out: list[NearItem] = []
    for raw, offset in pieces:
        clean = _clean(raw)
        at = cut(clean)
        if at <= 0 or at > _SEGMENT_CHARS:
            break
        out.append(NearItem(clean[:at], offset + max(0, raw.find(clean))))
    return out if len(out) >= 2 else []


def _until(suffix: str) -> Callable[[str], int]:
    return lambda piece: piece.find(suffix) + len(suffix) if suffix in piece else -1


def _opening(prefix: str) -> Callable[[str], int]:
    return lambda piece: len(piece) if piece.startswith(prefix) else -1


def _clean(piece: str) -> str:
    return _FILLER.sub("", piece.strip().strip("“”\"'"))


def _common_suffix(a: str, b: str) -> str:
    return common_prefix([a[::-1], b[::-1]])[::-1]
