"""Gates: strategies that only refuse, before any strategy may answer.

Each says plainly why the speeches cannot answer: the question's topic is nowhere in them, the
term it asks about is named but never spelled out, or the section it asks about lost its text.
"""

from __future__ import annotations

from assistant import templates as T
from assistant.citing import speech_label
from assistant.cues import QUOTED_TERM
from assistant.query import asks_definition
from assistant.refusal import unknown_names
from assistant.strategies.base import Context, Draft
from assistant.strategies.common import sentence_at
from assistant.topic import has_cjk


class UnknownTopic:
    """A name or term of the question occurs nowhere in the speeches."""

    name = "unknown_topic"

    def answer(self, ctx: Context) -> Draft | None:
        unknown = unknown_names(ctx.query.text, ctx.corpus.search_text)
        if not unknown:
            return None
        if not has_cjk(ctx.query.text):
            return Draft(T.NOT_CHINESE, False, ctx.citations(), T.NOTICE_NOT_FOUND)
        text = T.UNKNOWN_TOPIC.format(terms="、".join(unknown[:3]))
        return Draft(text, False, ctx.citations(), T.NOTICE_NOT_FOUND)


class UndefinedTerm:
    """A quoted numbered term the speeches use but never spell out ("六个一律"), asked about as
    such: say it is not defined rather than quote the sentence that merely uses it."""

    name = "undefined_term"

    def answer(self, ctx: Context) -> Draft | None:
        query, corpus = ctx.query, ctx.corpus
        if query.formulations:
            return None
        quoted = [m.group(1) for m in QUOTED_TERM.finditer(query.text)]
        for term in dict.fromkeys([*quoted, *ctx.cues.named_counts]):
            for doc_id in query.doc_ids or list(corpus.documents):
                doc = corpus.documents[doc_id]
                at = doc.text.find(term)
                if at < 0:
                    continue
                context = f"{ctx.header(doc_id)} {doc.text[max(0, at - 300) : at + 300]}"
                if not asks_definition(query.text, [term], context):
                    return None
                cites = ctx.citations()
                chunk = corpus.chunk_at(doc_id, at)
                mention = sentence_at(doc, at)
                mark = cites.mark(chunk, mention) if chunk else ""
                text = T.FORMULATION_UNDEFINED.format(prefix="", name=term, mention=mention, mark=mark)
                return Draft(text, False, cites, T.NOTICE_INCOMPLETE)
        return None


class EmptySection:
    """The question names a section whose text the source lost (a truncated copy): say so."""

    name = "empty_section"

    def answer(self, ctx: Context) -> Draft | None:
        corpus = ctx.corpus
        for doc_id, section_id in ctx.query.sections:
            doc = corpus.documents[doc_id]
            section = doc.section(section_id)
            children = [s for s in doc.sections if s.parent_id == section_id]
            if section is None or children or doc.text[section.heading_end : section.end].strip():
                continue
            cites = ctx.citations()
            chunk = corpus.chunk_at(doc_id, section.start)
            mark = cites.mark(chunk, section.label) if chunk else ""
            text = T.SECTION_EMPTY.format(speech=speech_label(corpus, doc_id), head=section.label, mark=mark)
            return Draft(text, False, cites, T.NOTICE_INCOMPLETE)
        return None
