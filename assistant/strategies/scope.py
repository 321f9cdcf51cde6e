"""Gates about what the question refers to: a formulation no speech (in scope) contains, a topic
the speeches chosen in 查找范围 lack, a follow-up with nothing to follow.

"讲话中没有“三个坚持”的提法" is the only honest answer when the name is not in the speeches: the
items of another formulation with the same count would be a confident wrong answer.
"""

from __future__ import annotations

import re

from assistant import templates as T
from assistant.citing import speech_label
from assistant.naming import compact, formulation_head
from assistant.refusal import corpus_count, rarest_of, term_presence
from assistant.strategies.base import Context, Draft
from assistant.strategies.common import body_sentences
from assistant.weights import LIMITS, THRESHOLDS
from core.normalize import fold_for_search
from core.numerals import CN_COUNT

_CLASSIFIERS = ("个", "项", "大", "条", "种", "点", "方面", "")
# What a question says when it asks for a formulation's items (not, say, "两个学校都有多少人").
_ASKS_ITEMS = re.compile(rf"什么|啥|指|内容|具体|分别|包括|包含|哪[几些{CN_COUNT}]|要求|讲了|说了|有哪")


class AbsentFormulation:
    name = "absent_formulation"

    def answer(self, ctx: Context) -> Draft | None:
        # a digit code ("2345工程") is a name too; the speeches that use one often leave it unparsed
        # ("“3”就是…"), so a present code is left to the facts, never called undefined
        names = ctx.cues.named_counts + ctx.cues.codes
        if not names or not (
            _ASKS_ITEMS.search(ctx.query.text) or _quoted(ctx, names) or _ends_with(ctx, names)
        ):
            return None
        text = ctx.scope_text
        if any(_present(name, text) for name in names):
            return None
        if any(m.exact or compact(m.formulation.name) in names for m in ctx.query.formulations):
            return None
        name = names[0]
        if _listed(ctx, name):
            return None  # "四个“强化”": four items that each say 强化 are what was asked
        suggest = _closest(ctx, name)
        scope = T.SCOPE_LABEL.format(n=len(ctx.query.scope)) if ctx.query.scope else ""
        text = T.ABSENT_FORMULATION.format(
            name=name,
            scope=scope,
            suggest=T.ABSENT_SUGGEST.format(names="".join(f"“{s}”" for s in suggest)) if suggest else "",
        )
        return Draft(text, False, ctx.citations(), T.NOTICE_NOT_FOUND)


# "3456工程", "1+3+N": a number that names a programme, not a year or an amount
_CODE_RE = re.compile(r"(?<![\d.])(\d{3,4}|\d{1,2}(?:[＋+][A-Za-zＡ-Ｚａ-ｚ\d]{1,2})+)(?![\d.年%％万亿元])")


class ScopeAbsent:
    """查找范围 limits the search to some speeches and the question's most specific term is in
    none of them (though other speeches have it): say so instead of quoting what is nearby."""

    name = "scope_absent"

    def answer(self, ctx: Context) -> Draft | None:
        scope = ctx.query.scope
        if not scope or len(scope) == len(ctx.corpus.documents):
            return None
        # a word of the corpus's own vocabulary: jieba's odd cuts of a question ("前报") say nothing
        words = [
            t.word for t in ctx.terms if len(t.word) >= 2 and ctx.corpus.keyword.document_frequency(t.word)
        ]
        # a code the question names ("3456工程") is its most specific term
        codes = [c for c in _CODE_RE.findall(ctx.query.text) if corpus_count(c, ctx.corpus.search_text)]
        rarest = codes[0] if codes else rarest_of(words, ctx.corpus.search_text)
        if rarest is None:
            return None
        text = ctx.scope_text
        if term_presence(rarest, text) >= THRESHOLDS.rarest_in_answer:
            return None
        if corpus_count(rarest, ctx.corpus.search_text) == 0:
            return None
        labels = "、".join(speech_label(ctx.corpus, d) for d in scope[:2]) + ("等" if len(scope) > 2 else "")
        return Draft(
            T.SCOPE_ABSENT.format(speeches=labels, term=rarest), False, ctx.citations(), T.NOTICE_NOT_FOUND
        )


class UnresolvedReference:
    """ "第二个具体怎么做？" at the start of a conversation, or after a turn it cannot refer to:
    ask which one is meant rather than answer something."""

    name = "unresolved_reference"

    def answer(self, ctx: Context) -> Draft | None:
        if not ctx.query.unresolved:
            return None
        text = T.ASK_WHICH.format(what=ctx.query.unresolved)
        return Draft(text, False, ctx.citations(), T.NOTICE_AMBIGUOUS)


def _ends_with(ctx: Context, names: tuple[str, ...]) -> bool:
    """ "邵副市长讲的四个突出": the name is what the question asks about."""
    tail = re.sub(r"[？?。！!，,\s呢吗啊]+$", "", compact(ctx.query.text))
    return any(tail.endswith(n) for n in names)


def _quoted(ctx: Context, names: tuple[str, ...]) -> bool:
    return any(compact(q) in names for q in ctx.cues.quoted)


def _variants(name: str) -> list[str]:
    count, noun = formulation_head(name)
    if count is None or not noun:
        return [compact(name)]
    numerals = {str(count), compact(name)[: len(compact(name)) - len(noun)].rstrip("个项大条种点方面")}
    if count == 2:
        numerals |= {"两", "二"}
    return [f"{n}{c}{noun}" for n in numerals if n for c in _CLASSIFIERS]


def _present(name: str, text: object) -> bool:
    return any(v in text for v in _variants(name))  # type: ignore[operator]


def _listed(ctx: Context, name: str) -> bool:
    """The speeches (in scope) list that many things that each carry the name's word: a list of
    the outline, or one sentence of a retrieved passage."""
    count, noun = formulation_head(name)
    if count is None or len(noun) < 1:
        return False
    scope = set(ctx.query.scope or ctx.query.doc_ids)
    for cand in ctx.corpus.lists:
        if scope and cand.doc_id not in scope:
            continue
        if len(cand.items) == count and all(noun in fold_for_search(i.label) for i in cand.items):
            return True
    if not any(noun in q for q in ctx.cues.quoted):
        return False  # only a quoted word ("四个“强化”") is one the items repeat
    for item in ctx.ranked[:10]:
        if scope and item.chunk.doc_id not in scope:
            continue
        for sentence, _ in body_sentences(ctx.corpus, item.chunk):
            if fold_for_search(sentence.text).count(noun) == count >= 2:
                return True
    return False


def _closest(ctx: Context, name: str) -> list[str]:
    """Real formulations of the speeches in scope nearest the asked one: the same word with
    another count first, then the same count with a word sharing characters."""
    count, noun = formulation_head(name)
    scope = set(ctx.query.scope or ctx.query.doc_ids)
    scored: dict[str, float] = {}
    for doc_id, form in ctx.corpus.formulations:
        if scope and doc_id not in scope:
            continue
        real = compact(form.name)
        other_count, other_noun = formulation_head(form.name)
        shared = len(set(noun) & set(other_noun)) / max(len(set(noun) | set(other_noun)), 1)
        score = 2.0 * (other_noun == noun) + shared + 0.5 * (count is not None and other_count == count)
        if score > 0.4 and real != compact(name):
            scored[form.name] = max(scored.get(form.name, 0.0), score)
    return sorted(scored, key=lambda n: -scored[n])[: LIMITS.suggestions]


__all__ = ["AbsentFormulation", "ScopeAbsent", "UnresolvedReference"]
