"""Glue: one loaded file → its speeches as (Document, chunks), ready for the store.

clean → split into speeches → per speech: content-derived id, outline, formulations, the structures the
answerer reads (lists, parallel runs, items near a formulation's name: ingest/structures.py), chunks, and each
chunk's keyword tokens (`metadata["tokens"]`, space-joined), so readers never re-tokenise the corpus.
The doc id hashes only the speech's cleaned text, so the same speech arriving under another
file name, or the same file ingested again, gets the same id and is never embedded twice.
"""

from __future__ import annotations

import dataclasses
import hashlib

from core.records import Chunk, Document, LoadedText
from core.tokens import tokenize
from ingest.chunker import chunk_document
from ingest.clean import clean_text
from ingest.formulations import find_formulations
from ingest.outline import parse_outline
from ingest.speeches import split_speeches
from ingest.structures import with_structures

TOKENS_KEY = "tokens"  # read back by assistant/corpus.py
# Bump when cleaning, outline, chunking or the embedding model change what is stored for the same
# text: ids then change, so re-ingesting a file replaces its old chunks instead of keeping them. Bump too when
# the structures found at ingest (lists, parallel runs, nearby items: ingest/structures.py) change, as they are
# stored. (Adding them needed no bump: a record stored without them is given them on read, the same ones.)
INDEX_VERSION = "23"  # 23: a web page's left-aligned all-bold paragraph is a part heading, as in Word; 22: a run with the named count beats head sentences of another count; 21: items before a name that points back with 这 (formulation_backref); 20: a run after 即 with the named count beats shorter ordinals; a code's quoted parts one per line; 19: a second speaker head without a title opens a speech at the same meeting; 18: inline items after commas end at the next marker; 10-17: a news lead's meeting keeps its year, 一是 after a comma opens an inline list, the parts' lead-in in the root list's head, code parts explained after the code's sentence, unmarked lists before a name, ；-runs, TOC "目 录", title as Heading 1; 2: header reader (title + subtitle, post), web-noise lines, outline families; 3: 主讲人 lines, bold docx headings; 4: page furniture by class, "X的讲话" labels; 5: a labelled speech under a page title; 6: a list's head holds its lead-in sentence; 7: the page's 来源 body; 8: "X讲话" labels over a title line; 9: 第一部分 holds 第一个方面


def doc_id_for(text: str) -> str:
    return "d" + hashlib.sha256(f"{INDEX_VERSION}\n{text}".encode()).hexdigest()[:16]


def build_documents(loaded: LoadedText) -> list[tuple[Document, list[Chunk]]]:
    built: list[tuple[Document, list[Chunk]]] = []
    cleaned = clean_text(loaded.text)
    # `raw` lets the splitter find what cleaning removed (the page's publishing date).
    for part, speech in enumerate(split_speeches(cleaned, raw=loaded.text, source=loaded.source)):
        sections = tuple(parse_outline(speech.text))
        doc = Document(
            doc_id=doc_id_for(speech.text),
            source=loaded.source,
            text=speech.text,
            title=speech.title,
            speaker=speech.speaker,
            date=speech.display_date,  # the speech's date, else the page's, labelled as such
            meeting=speech.meeting,
            subtitle=speech.subtitle,
            speaker_post=speech.speaker_post,
            published=speech.published,
            publisher=speech.publisher,
            part=part,
            sections=sections,
            formulations=tuple(find_formulations(speech.text, sections)),
        )
        doc = with_structures(doc)
        built.append((doc, [with_tokens(chunk) for chunk in chunk_document(doc)]))
    return built


def with_tokens(chunk: Chunk) -> Chunk:
    # The section path is part of the keyword text so "第三部分…两个保障" questions match body chunks.
    tokens = " ".join(tokenize(f"{chunk.section_path} {chunk.text}"))
    return dataclasses.replace(chunk, metadata={**chunk.metadata, TOKENS_KEY: tokens})
