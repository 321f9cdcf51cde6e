"""Every weight and threshold of the extractive answerer, named, in one place.

They were set on the development sets (eval/README.md) and are checked against the blind ones; a
change here moves every strategy, so change them only with `make eval` before and after.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    answer_chars: int = 300  # a fact or explanation answer, marks excluded
    item_chars: int = 70  # one enumeration item: its name and the start of its key sentence
    cross_chars: int = 90  # one sentence in a per-speech line: several speeches must fit
    cross_lead_chars: int = 20  # a shorter best sentence is a lead: the sentence after it says how
    definitions: int = 6  # lines of a formulation answer: distinct definitions, then "另有N篇…"
    list_docs: int = 20  # speeches whose lists are scored for one question
    other_speeches: int = 4  # a fact or explanation quotes at most this many further speeches
    cross_speeches: int = 8  # a cross-speech answer names at most this many speeches
    region_chars: int = 2000  # a section longer than this is no "region" of one answer
    focus_chars: int = 260  # what a follow-up about one item shows of the item's own text
    focus_sentences: int = 5
    suggestions: int = 3  # real formulations named when the asked one is not in the speeches
    dense_sentences: int = 24  # best candidates by keywords whose own similarity is measured
    value_window: int = 12  # passages a fact answer reads…
    value_docs: int = 4  # …whose speeches are searched for a passage holding the asked value…
    value_extra: int = 3  # …of which at most this many join the window


@dataclass(frozen=True)
class Thresholds:
    list_score: float = 0.75  # a list must match the question at least this well to be the answer
    sentence_score: float = 0.34  # the lead sentence's keyword coverage needed to answer at all
    topic_coverage: float = 0.5  # share of the question's topic terms an answer must hold
    topic_coverage_typed: float = 0.4  # the same when the sentence holds the very kind of value asked
    rarest_in_answer: float = 0.8  # a number answers only if it is about the most specific term
    same_term: float = 0.9  # presence of the rarest term for "the same thing in another speech"
    lead_near: float = 0.8  # near-best leads considered for an explanation's region
    extra_near: float = 0.85  # further sentences of a fact answer
    value_passage: float = 0.7  # topical-word coverage of a lower passage that holds the asked value
    other_doc_near: float = 0.95  # a sentence of another speech joins only when it answers as well
    other_speech_near: float = 0.8  # another speech that says the same thing, labelled
    second_sentence: float = 0.7  # a speech's second sentence in a per-speech line
    region_sentence: float = 0.1  # the least score of a sentence joining an explanation
    section_on_topic: float = 0.6  # a heading that covers the question makes its section explain it
    heading_names_topic: float = 0.5  # a heading that names a cross-speech topic speaks for its speech
    dense_floor: float = 0.80  # e5 cosine under which a sentence is off the question's topic


@dataclass(frozen=True)
class SentenceWeights:
    own: float = 0.7  # the sentence's own keyword coverage…
    framed: float = 0.3  # …and with its section path and heading
    explain_own: float = 0.5  # why/how: the heading often names the topic
    explain_framed: float = 0.5
    rank: float = 0.06  # divided by the passage's retrieval rank
    section_on_topic: float = 0.1
    cue: float = 0.12  # a why/how cue in the sentence
    heading: float = 0.05  # headings summarise a section
    enumerates: float = 0.4  # a list inside one sentence, items sharing the asked word
    enumerates_two: float = 0.1
    value: float = 0.1  # a how-many/when question: the sentence holds a value of that kind
    value_kind: float = 0.25  # …of the very kind named ("几所" → "14所", "多少钱" → "…元")
    dense: float = 0.3  # the dense model's similarity of the passage, scaled over the candidates
    sentence_dense: float = 0.5  # …and of the sentence itself, scaled over the best candidates
    ceremony: float = -0.3  # a sentence about the meeting itself (cues.CEREMONY)
    tense: float = 0.1  # (±) the sentence is of the time asked (今年 plan vs 去年 record)
    act: float = 0.4  # a who-question's act ("主持", "出席") stands in the sentence
    own_place: float = 0.25  # the question's place is the speech's own (header), not one it mentions


@dataclass(frozen=True)
class RegionWeights:
    why_only: float = 1.0  # a reason rarely repeats the question's words
    why_and_how: float = 0.5
    how: float = 0.25
    follows: float = 0.15  # what directly follows a measure carries it on
    whole: float = 0.5  # among near-best leads, the section covering the whole question wins


@dataclass(frozen=True)
class ListWeights:
    head: float = 0.7  # the question describes the list's parent heading…
    combined: float = 0.3  # …and the words its items share
    items_only: float = 0.9
    name_only: float = 0.5  # the question only names the speech and asks for its parts
    part: float = 0.6  # the asked part (±)
    root_outline: float = 0.5
    root_other: float = -1.0
    named_doc: float = 0.1
    named_section: float = 0.4
    head_mismatch: float = -0.5  # "严把哪几关": a list whose items are no 关
    head_in_items: float = 0.5  # "讲了哪几个关键": every item is a 关键 ("第一个关键：…")
    count: float = 0.25  # the list has the asked count
    markers: float = 0.5  # its items are (±) marked as the question says ("首先…其次…")
    retrieved: float = 0.2  # divided by the rank of a retrieved passage inside the list


LIMITS = Limits()
THRESHOLDS = Thresholds()
SENTENCE = SentenceWeights()
REGION = RegionWeights()
LIST = ListWeights()
