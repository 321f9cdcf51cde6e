"""The definition of a numbered formulation (两个保障是什么, 12881) → every item, from the index.

Only a formulation whose name the question gives and a speech holds is answered (query.py matches
names, not counts); a name no speech holds is refused by the `absent_formulation` gate.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant import templates as T
from assistant.citing import Citations, speech_label
from assistant.corpus import Corpus
from assistant.cues import HOW_OR_WHY
from assistant.nearby import items_near
from assistant.query import SURNAME_POST_RE, FormulationMatch, asks_definition, compact
from assistant.records import AnswerItem
from assistant.strategies.base import Context, Draft
from assistant.strategies.common import clip, sentence_at
from assistant.topic import topic_terms
from assistant.weights import LIMITS
from core.numerals import CN_NUMERAL, to_chinese
from core.records import Formulation, FormulationItem


class Formulations:
    name = "formulation"

    def answer(self, ctx: Context) -> Draft | None:
        query = ctx.query
        if not query.formulations or not _definitional(ctx):
            return None
        if query.part is not None and all(query.part > len(m.formulation.items) for m in query.formulations):
            return None  # "那第四个方面呢" after three: the outline says there is no such part
        corpus = ctx.corpus
        cites = ctx.citations()
        matches = _one_per_doc(query.formulations)
        several = len({m.doc_id for m in matches}) > 1
        lines: list[str] = []
        incomplete: list[FormulationMatch] = []
        # Speeches that define it in the same words share one line (a formulation a bureau repeats
        # every year would otherwise fill the answer with copies); at most LIMITS.definitions lines.
        groups: dict[tuple[str, ...], list[FormulationMatch]] = {}
        original = set(matches)
        for match in matches:
            match = _with_nearby_items(corpus, match)
            form = match.formulation
            if not form.items or not form.complete:
                incomplete.append(match)
                continue
            groups.setdefault((compact(form.name), *(compact(i.text) for i in form.items)), []).append(match)
        shown_groups = list(groups.values())[: LIMITS.definitions]
        for group in shown_groups:
            match, form = group[0], group[0].formulation
            wanted = [i - 1 for i in query.ordinals if 1 <= i <= len(form.items)]
            picked = wanted or list(range(len(form.items)))
            items = "；".join(_item(corpus, match.doc_id, form, i, cites) for i in picked)
            prefix = _speeches_prefix(corpus, [m.doc_id for m in group]) if several else ""
            lines.append(T.FORMULATION.format(prefix=prefix, name=form.name, items=items))
        room = max(0, LIMITS.definitions - len(lines))
        for match in incomplete[:room]:
            lines.append(_incomplete(corpus, match, cites, several))
        shown = sum(len(g) for g in shown_groups) + min(len(incomplete), room)
        if shown < len(matches):
            lines.append(T.MORE_SPEECHES.format(n=len(matches) - shown, name=matches[0].formulation.name))
        # a formulation spelled out in part where it is named is answered with what the speech
        # gives, and says so — unless the question asks for the rest ("另外两项是什么")
        answerable = bool(shown_groups) or (
            any(_sure_items(m, m not in original) and not _asks_rest(ctx, m) for m in incomplete)
        )
        notice = T.NOTICE_INCOMPLETE if incomplete else ""
        names = {compact(m.formulation.name) for m in matches}
        if several and len(names) == 1:
            lines.insert(0, T.SEVERAL_SPEECHES.format(name=matches[0].formulation.name, n=len(matches)))
        listed = (
            [
                AnswerItem(i.label or clip(i.text, 20), g[0].doc_id, i.start)
                for g in shown_groups[:1]
                for i in g[0].formulation.items
            ]
            if len(shown_groups) == 1
            else []
        )
        return Draft("\n".join(lines), answerable, cites, notice, items=listed)


def _with_nearby_items(corpus: Corpus, match: FormulationMatch) -> FormulationMatch:
    """A formulation the index holds without items may be spelled out where it is named."""
    form = match.formulation
    if form.items:
        return match
    near = items_near(corpus.documents[match.doc_id], form)
    if not near:
        return match
    items = tuple(FormulationItem(n.text, n.text, n.start, n.start + len(n.text)) for n in near)
    return replace(match, formulation=replace(form, items=items))


def _sure_items(match: FormulationMatch, nearby: bool) -> bool:
    """Items a partial answer may state: found where the formulation is named, or headings of
    their own (an index's inline guesses may be fragments)."""
    form = match.formulation
    if not form.items or (form.count is not None and len(form.items) > form.count):
        return False
    return nearby or all(
        i.section_id is not None and "\n" not in i.label and len(i.label) <= LIMITS.item_chars // 2
        for i in form.items
    )


def _asks_rest(ctx: Context, match: FormulationMatch) -> bool:
    """ "另外两项是什么", "第四项是什么": what a partial definition does not give. Asked for all of them
    ("是哪五个一", "全部"), the answer gives the ones the speech lists and says the rest are not there."""
    found = len(match.formulation.items)
    return bool(_REST_RE.search(ctx.query.text)) or any(i > found for i in ctx.query.ordinals)


_REST_RE = re.compile(r"另外|其余|其他|剩下|剩余")


def _definitional(ctx: Context) -> bool:
    """The question asks what the formulation is, not something else about it."""
    if HOW_OR_WHY.search(ctx.query.text):
        return False  # "“五育并举”具体要怎么落实" asks how, not what the formulation is
    matches = ctx.query.formulations
    names = [m.formulation.name for m in matches]
    names += [i.label for m in matches for i in m.formulation.items if i.label]
    # dict.fromkeys: a formulation 200 speeches repeat names the same words 200 times
    context = " ".join(dict.fromkeys(_formulation_context(ctx.corpus, m) for m in matches))
    # the words that name the speech ("罗县长讲的", title pieces) are not what is asked about
    text = SURNAME_POST_RE.sub(" ", ctx.query.text)
    for word in ctx.query.naming:
        text = text.replace(word, " ")
    # a place the speech itself names ("蒲溪县的四项暖心工程") says whose formulation, not what else is asked
    docs = {m.doc_id for m in matches}
    for term in topic_terms(ctx.query.text):
        if term.named and any(ctx.speaks_of(d, term.word) for d in docs):
            text = text.replace(term.word, " ")
    return asks_definition(text, list(dict.fromkeys(names)), context)


def _item(corpus: Corpus, doc_id: str, form: Formulation, i: int, cites: Citations) -> str:
    item = form.items[i]
    chunk = corpus.chunk_at(doc_id, item.start) or corpus.chunk_at(doc_id, max(form.start, 0))
    text = clip(item.text, LIMITS.item_chars)
    label = item.label if item.label and item.label not in text else ""
    body = f"{label}（{text}）" if label else text
    mark = cites.mark(chunk, item.text) if chunk else ""
    ordinal = f"{to_chinese(i + 1)}是" if len(form.items) > 1 and not _starts_numbered(body) else ""
    return f"{ordinal}{body}{mark}"


def _incomplete(corpus: Corpus, match: FormulationMatch, cites: Citations, several: bool) -> str:
    form = match.formulation
    doc = corpus.documents[match.doc_id]
    chunk = corpus.chunk_at(match.doc_id, form.start)
    mention = sentence_at(doc, form.start)
    mark = cites.mark(chunk, mention) if chunk else ""
    prefix = f"{speech_label(corpus, match.doc_id)}：" if several else ""
    if form.items:
        names = "、".join(i.label or clip(i.text, 12) for i in form.items)
        return T.FORMULATION_PARTIAL.format(
            prefix=prefix, name=form.name, found=len(form.items), names=names, mention=mention, mark=mark
        )
    return T.FORMULATION_UNDEFINED.format(prefix=prefix, name=form.name, mention=mention, mark=mark)


def _formulation_context(corpus: Corpus, match: FormulationMatch) -> str:
    doc = corpus.documents[match.doc_id]
    form = match.formulation
    section = doc.section(form.section_id)
    around = doc.text[max(0, form.start - 300) : form.end + 300]
    head = doc.text[:200]  # the speaker line and first lines: where a speech says whose it is
    return f"{doc.title} {doc.speaker} {doc.speaker_post} {doc.meeting} {doc.publisher} {section.label if section else ''} {head} {around}"


def _speeches_prefix(corpus: Corpus, doc_ids: list[str]) -> str:
    """ "《A》（…）：" for one speech; "《A》（…）等3篇讲话（表述相同）：" for several that say it alike."""
    label = speech_label(corpus, doc_ids[0])
    return f"{label}等{len(doc_ids)}篇讲话（表述相同）：" if len(doc_ids) > 1 else f"{label}："


def _one_per_doc(matches: list[FormulationMatch]) -> list[FormulationMatch]:
    """If a speech defines the same name twice, keep its most complete definition."""
    best: dict[tuple[str, str], FormulationMatch] = {}
    for m in matches:
        key = (m.doc_id, compact(m.formulation.name))
        current = best.get(key)
        if current is None or len(m.formulation.items) > len(current.formulation.items):
            best[key] = m
    return list(best.values())


def _starts_numbered(text: str) -> bool:
    return bool(re.match(rf"[{CN_NUMERAL}]+[是要、]|[（(][{CN_NUMERAL}]", text))
