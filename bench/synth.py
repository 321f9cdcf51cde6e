"""A synthetic corpus for the scale benchmark: speeches recombined from the samples' own parts.

It is for speed, not quality. Each synthetic speech follows a "skeleton" sample speech: its title and
speaker, "同志们：", an opening made of two short sample sentences (a pair that is unique per speech, so
no two synthetic texts are equal), then as many top-level sections (一、二、三…) as the skeleton has, each
copied verbatim from a sample speech that has a section at that position. Which sample gives each
section follows one of `RECIPES` seeded recipes per skeleton.

Why this shape: a section kept whole and at its own ordinal is cut by the project's chunker exactly as
in the sample, so its chunk texts (and what is embedded: section path + text) repeat and the embedding
cache serves them. Only the short opening chunk is new per speech, plus one outline chunk per
(skeleton, recipe) — under a hundred in all. That is what lets the 1,000× index be built in minutes on
2 cores. The price: synthetic speeches of one skeleton share title and speaker and carry no date (a
unique date would make every outline chunk new, since the outline chunk names title and date).

Deterministic: speech `i` depends only on (seed, i) and the samples, so the N× corpus is a prefix of
the M× corpus for N < M and two runs build the same files.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SEED = 20261123
RECIPES = 16  # section combinations per skeleton: bounds the distinct outline chunks to embed
_FALLBACK_TITLE = "在全市教育工作会议上的讲话"  # for a skeleton without a title line (sample 003)
_SENTENCE = re.compile(r"[^。！？\n]+[。！？]")
_SENTENCE_CHARS = (8, 36)  # short whole sentences only: the one new chunk per speech stays short
# A numbered formulation ("三个关键") in the opening would join the outline chunk's list of formulations
# and make it new for every speech: such sentences are left out of the pool.
_FORMULATION = re.compile(r"[0-9０-９]|[一二两三四五六七八九十]+[个项大条点种]")


@dataclass(frozen=True)
class Parts:
    """The reusable pieces of one sample speech."""

    title: str  # "" when the sample has no title line
    speaker: str
    sections: tuple[str, ...]  # top-level sections verbatim (heading line through body), in order


def sample_parts(directory: Path) -> list[Parts]:
    """Cut every speech of the sample files into Parts with the project's own cleaning and parser."""
    from ingest.build import build_documents
    from ingest.loaders import load

    parts: list[Parts] = []
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        for doc, _ in build_documents(load(path)):
            top = [s for s in doc.sections if s.level == 1 and s.heading_end < s.end]  # TOC-only: no body
            top.sort(key=lambda s: s.start)
            if not top:
                continue
            sections = tuple(doc.text[s.start : s.end].strip("\n") for s in top)
            titled = doc.title and not doc.title.startswith("（无标题）")
            parts.append(Parts(doc.title if titled else "", doc.speaker, sections))
    return parts


def sentences(parts: Sequence[Parts]) -> list[str]:
    """Short plain sentences of the sections' prose lines, deduplicated, in text order: no heading
    (it would open a section of its own) and no numbered formulation."""
    from ingest.metadata import starts_with_marker

    found: dict[str, None] = {}
    for part in parts:
        for section in part.sections:
            for line in section.split("\n"):
                for match in _SENTENCE.finditer(line):
                    sentence = match.group(0).strip()
                    short = _SENTENCE_CHARS[0] <= len(sentence) <= _SENTENCE_CHARS[1]
                    if short and not starts_with_marker(sentence) and not _FORMULATION.search(sentence):
                        found[sentence] = None
    return list(found)


def opening(pool: Sequence[str], index: int) -> str:
    """Two (from index n·(n-1) on, three) sentences of `pool`: a different text for every index.

    index → (a, b, c) in mixed radix (n, n-1, n+1): sentence a, then the b-th other one, then for
    c > 0 sentence c-1. Sentences hold no inner 。！？, so distinct triples give distinct texts.
    """
    n = len(pool)
    if n < 2 or index >= n * (n - 1) * (n + 1):
        raise ValueError(f"{n} sentences cannot give {index + 1} distinct openings")
    first, rest = index % n, index // n
    second, third = rest % (n - 1), rest // (n - 1)
    text = pool[first] + pool[(first + 1 + second) % n]
    return text + pool[third - 1] if third else text


def speech_text(parts: Sequence[Parts], index: int, seed: int = SEED, pool: Sequence[str] = ()) -> str:
    """Synthetic speech number `index`: the same (parts, index, seed) always give the same text.
    `pool` defaults to `sentences(parts)`; pass it in when generating many speeches."""
    if not parts:
        raise ValueError("no sample parts to recombine")
    rng = random.Random(f"{seed}:{index}")
    which = rng.randrange(len(parts))
    skeleton = parts[which]
    recipe = random.Random(f"{seed}:{which}:{rng.randrange(RECIPES)}")
    sections = []
    for slot in range(len(skeleton.sections)):
        candidates = [p.sections[slot] for p in parts if len(p.sections) > slot]
        sections.append(recipe.choice(candidates))
    header = [skeleton.title or _FALLBACK_TITLE]
    if skeleton.speaker:
        header.append(skeleton.speaker)
    header += ["同志们：", opening(pool or sentences(parts), index)]
    return "\n".join([*header, *sections]) + "\n"


def corpus(parts: Sequence[Parts], count: int, seed: int = SEED) -> Iterator[tuple[str, str]]:
    """(file name, text) of synthetic speeches 0 … count-1."""
    pool = sentences(parts)
    for index in range(count):
        yield f"synth_{index:05d}.txt", speech_text(parts, index, seed, pool)


def write_corpus(parts: Sequence[Parts], count: int, directory: Path, seed: int = SEED) -> list[Path]:
    """Write (or keep, when already identical) the first `count` synthetic speeches into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in corpus(parts, count, seed):
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
