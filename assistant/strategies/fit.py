"""When a sentence may lead a fact answer: it covers the question's topic and holds a value of the
asked kind about the question's most specific thing, in the asked year."""

from __future__ import annotations

import re

from assistant.refusal import corpus_count, lacks_answer_type, rarest_of, term_presence, topic_coverage
from assistant.strategies.base import Context, Found
from assistant.strategies.common import (
    holds_value,
    innermost_label,
    named_otherwise,
    paragraph,
    with_relative_years,
)
from assistant.topic import ATTRIBUTES
from assistant.values import holds_asked
from assistant.weights import THRESHOLDS
from core.normalize import fold_for_search


def acceptable(ctx: Context, found: Found) -> bool:
    """The sentence may lead an answer: it covers the question's topic and holds what is asked."""
    if found.score < THRESHOLDS.sentence_score:
        return False
    terms, corpus, cues = ctx.terms, ctx.corpus, ctx.cues
    doc = corpus.documents[found.chunk.doc_id]
    sentence = with_relative_years(found.sentence.text, doc.date)
    # the heading right above counts: "2.深化集团化办学" is what its measures are about
    heading = innermost_label(doc, found.sentence.start)
    context = f"{sentence} {found.chunk.section_path} {heading} {ctx.header(doc.doc_id)}"
    if cues.alternatives:  # "组织部、宣传部、政法委各自管啥": one of them is the topic of each sentence
        named = any(a in fold_for_search(context) for a in cues.alternatives)
        rest = tuple(t for t in terms if t.word not in cues.alternatives)
        share = (topic_coverage(rest, context, corpus.search_text) * len(rest) + named) / (len(rest) + 1)
        if share < THRESHOLDS.topic_coverage:
            return False
    elif _coverage(ctx, doc.doc_id, context) < _needed(ctx, found.sentence.text):
        return False
    if lacks_answer_type(ctx.query.text, found.sentence.text):
        return False
    if cues.value:
        # A number answers only if it is about the question's most specific thing, and a
        # number about something the speeches never mention ("学费") cannot be in them.
        # a place, person or body the speech itself names ("青禾县") scopes the speech, not the number
        words = [
            t.word
            for t in terms
            if not (t.named and ctx.speaks_of(doc.doc_id, t.word)) and not _category(t.word, ctx.query.text)
        ]
        folded_sentence = fold_for_search(sentence)
        if any(
            corpus_count(w, corpus.search_text) == 0
            and not named_otherwise(w, folded_sentence)
            # "安家费" is the speech's "安家补贴": a kind suffix, not another thing
            and term_presence(w, corpus.search_text, loose=False) < THRESHOLDS.rarest_in_answer
            for w in words
        ):
            return False
        # the speech's own place and speaker words ("东湖区", "书记") are no "thing" a number is about
        header = ctx.header(doc.doc_id)
        rarest = rarest_of([w for w in words if w not in header], corpus.search_text)
        framed = fold_for_search(f"{sentence} {innermost_label(doc, found.sentence.start)}")
        if rarest is not None and not _mentions(rarest, framed):
            return False
        return _value_fits(ctx, found, [w for w in words if w not in header], sentence)
    return True


def _category(word: str, question: str) -> bool:
    """ "报哪个科室", "什么部门牵头": the word names the kind of answer, which the speech gives by
    name ("发展规划科"), not the thing the value is about; "补助标准多少" names the value's kind."""
    if word in ATTRIBUTES:
        return True
    return re.search(f"(?:哪个|哪一个|哪些|哪家|哪|什么|啥){re.escape(word)}", question) is not None


def _coverage(ctx: Context, doc_id: str, context: str) -> float:
    """Topic coverage of a sentence in its speech: a place or body the question names ("溪宁") and
    the speech names anywhere scopes the speech ("全市" in its sentences), not the sentence."""
    terms = ctx.terms
    if not terms:
        return 1.0
    scoping = [t for t in terms if t.named and ctx.speaks_of(doc_id, t.word)]
    rest = tuple(t for t in terms if t not in scoping)
    covered = topic_coverage(rest, context, ctx.corpus.search_text) * len(rest) if rest else 0.0
    return (covered + len(scoping)) / len(terms)


def _needed(ctx: Context, sentence: str) -> float:
    """A sentence holding exactly the kind of value asked ("…1850万元" for 拿了多少钱) needs less of
    the question's wording: staff name the thing in their own words ("危房改造" for "C级危房…加固")."""
    if ctx.cues.kinds and holds_asked(ctx.cues.kinds, sentence):
        return THRESHOLDS.topic_coverage_typed
    return THRESHOLDS.topic_coverage


_RELATIVE = ("前年", "去年", "今年", "明年")
_CLAUSE_RE = re.compile(r"[^，；：,;]+")


def _mentions(word: str, folded: str) -> bool:
    return term_presence(word, folded) >= THRESHOLDS.rarest_in_answer or named_otherwise(word, folded)


def _value_fits(ctx: Context, found: Found, words: list[str], sentence: str) -> bool:
    """A number answers a how-many question only when it is the asked one: the sentence speaks of
    the asked year (去年 is not 今年) and a clause holds both a number and the question's most
    specific word ("42辆校车…驾驶员全部经过培训" does not say how many 驾驶员)."""
    asked = {w for w in _RELATIVE if w in ctx.query.text}
    said = {w for w in _RELATIVE if w in sentence}
    if asked and said and not asked & said:
        return False
    folded = fold_for_search(found.sentence.text)
    doc = ctx.corpus.documents[found.chunk.doc_id]
    start, end = paragraph(doc.text, found.sentence.start)
    # the speech's title and meeting hold what all of it is about ("职业教育座谈会" for 职校)
    around = fold_for_search(f"{doc.text[start:end]} {found.chunk.section_path} {doc.title} {doc.meeting}")
    missing = [w for w in words if not _mentions(w, around)]
    # a number about something else the speech also counts; one word in four may be jieba's odd
    # cut of the question ("啥时候前报给" → "前报") that no speech writes
    if missing and len(missing) * 4 > len(words):
        return False
    if not ctx.cues.quantity:
        return True
    # the most specific word the sentence shares with the question (verbs too: "停办了几个")
    header = ctx.header(doc.doc_id)
    shared = [t for t in ctx.tokens if len(t) >= 2 and t in folded and t not in header and not t.isdigit()]
    if not shared:
        return True
    counts = {t: corpus_count(t, ctx.corpus.search_text) for t in shared}
    rarest = [t for t in shared if counts[t] == min(counts.values())]  # ties: any of them
    clauses = _CLAUSE_RE.findall(folded)
    # a value of the very kind asked may stand in the clause before or after the word ("专项资金1.5亿元，
    # 重点支持…工程"); a bare number must share the word's clause ("校车42辆，驾驶员全部经过培训")
    reach = 1 if any(k != "number" for k in ctx.cues.kinds) else 0
    return any(
        any(
            t in c and any(holds_value(ctx, d) for d in clauses[max(0, i - reach) : i + reach + 1])
            for i, c in enumerate(clauses)
        )
        or _near_value(folded, t)
        for t in rarest
    )


def _near_value(text: str, word: str) -> bool:
    """A number within a few characters after the word ("驾驶员186人") even across a comma."""
    at = text.find(word)
    return bool(re.search(r"\d", text[at : at + len(word) + 12])) if at >= 0 else False
