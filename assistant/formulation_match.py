"""Which formulations a question asks about: by name, loosely (两大保障, 哪两个保障), or by a quoted count."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.naming import compact, formulation_head
from core.normalize import fold_for_search
from core.numerals import CN_COUNT, NUMERAL_RE, parse_numeral
from core.records import Formulation


@dataclass(frozen=True)
class FormulationMatch:
    doc_id: str
    formulation: Formulation
    exact: bool  # the question contains the name itself (not just count + head word)


def match_formulations(
    question: str, formulations: list[tuple[str, Formulation]], head: str | None = None
) -> list[FormulationMatch]:
    """Formulations the question asks about, tolerant of loose wording (两大保障, 哪两个保障).
    An ordinal is no name: "第三句话" points at an item of "三句话", it does not ask for all three."""
    q = _ORDINAL_NUMBER_RE.sub("#", compact(question))
    matches: list[FormulationMatch] = []
    for doc_id, form in formulations:
        name = compact(form.name)
        if name and name in q:
            matches.append(FormulationMatch(doc_id, form, exact=True))
        elif _loose_match(q, form.name):
            matches.append(FormulationMatch(doc_id, form, exact=False))
    if not matches:
        matches = _count_only(question, formulations)
    if any(m.exact for m in matches):
        matches = [m for m in matches if m.exact]
    # A longer name wins over one it contains ("八项工程" over "八项").
    longest = max((len(compact(m.formulation.name)) for m in matches), default=0)
    matches = [m for m in matches if len(compact(m.formulation.name)) >= min(longest, 4)]
    return _headed(matches, formulations, head) or matches


def _headed(
    matches: list[FormulationMatch], formulations: list[tuple[str, Formulation]], head: str | None
) -> list[FormulationMatch]:
    """ "落实3456要抓住哪几个关键": a code named as context while the question asks for a list of 关键 is
    answered by that speech's counted formulation of 关键 ("三个关键"), not by the code's parts."""
    if not head or len(head) < 2 or not matches:
        return []
    if any(
        formulation_head(m.formulation.name)[0] is not None or head in m.formulation.name for m in matches
    ):
        return []
    docs = {m.doc_id for m in matches}
    return [
        FormulationMatch(d, f, exact=False)
        for d, f in formulations
        if d in docs and formulation_head(f.name)[0] is not None and formulation_head(f.name)[1] == head
    ]


_ORDINAL_NUMBER_RE = re.compile(rf"第[{CN_COUNT}\d]+")
_QUOTED_COUNT_RE = re.compile(rf"[“\"‘'「]([{CN_COUNT}]{{1,2}})([个项大条])[”\"’'」]")


def _count_only(question: str, formulations: list[tuple[str, Formulation]]) -> list[FormulationMatch]:
    """'讲话里提到好几个“八项”，分别指什么' → every formulation named 八项…: a quoted count is a term.
    An unquoted one ("三个确保是哪三个") is no name: the count alone never picks a formulation."""
    out: list[FormulationMatch] = []
    for found in _QUOTED_COUNT_RE.finditer(fold_for_search(question)):
        prefix = found.group(1) + found.group(2)
        if parse_numeral(found.group(1)) is None:
            continue
        out += [
            FormulationMatch(d, f, exact=False)
            for d, f in formulations
            if compact(f.name).startswith(prefix) and len(compact(f.name)) > len(prefix)
        ]
    return out


def _loose_match(q: str, name: str) -> bool:
    count, head = formulation_head(name)
    if count is None or len(head) < 2:
        return False
    for found in re.finditer(re.escape(head[:2]), q):
        before = q[max(0, found.start() - 4) : found.start()]
        after = q[found.end() : found.end() + 8]
        numerals = [parse_numeral(n) for n in NUMERAL_RE.findall(before + " " + after)]
        if count in numerals:
            return True
    return False
