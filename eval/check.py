"""Check a question set against its corpus: every quote and key is really in the text the product reads.

`python -m eval.check eval/corpus/dev1/questions.jsonl` loads each speech file the way ingest does
(loader + cleaning), then checks each record's fields. Sets over the five samples keep their sources in
data/speeches; a corpus set keeps them beside its questions file (or in its `corpus/` folder).
Prints one line per problem; exit status 1 when there is any.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from eval.metrics import squash

SHAPES = {
    "fact",
    "explanation",
    "enumeration",
    "outline",
    "cross_speech",
    "same_term",
    "followup",
    "unanswerable",
}
TRAPS = {
    "",
    "absent_formulation",
    "miscount",
    "named_only",
    "same_name",
    "scoped_absent",
    "followup_unresolvable",
    "absent_fact",
}
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "speeches"


def corpus_dir(questions: Path) -> Path:
    """Where a set's speeches live: `corpus/` beside it, the folder itself, or the samples."""
    for candidate in (questions.parent / "corpus", questions.parent):
        if candidate.is_dir() and any(
            p.suffix != ".jsonl" and p.name != "README.md" for p in _files(candidate)
        ):
            return candidate
    return SAMPLES


def _files(folder: Path) -> list[Path]:
    return [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix in {".txt", ".md", ".docx", ".pdf", ".html", ".htm"}
    ]


@cache
def cleaned_text(path: Path) -> str:
    from ingest.clean import clean_text
    from ingest.loaders import load

    return clean_text(load(path).text)


def problems(record: dict[str, Any], folder: Path) -> list[str]:
    out: list[str] = []
    rid = record.get("id", "?")
    shape, trap = record.get("shape"), record.get("trap", "")
    if shape not in SHAPES:
        out.append(f"{rid}: unknown shape {shape!r}")
    if trap not in TRAPS:
        out.append(f"{rid}: unknown trap {trap!r}")
    answerable = record.get("answerable")
    if answerable is not (shape != "unanswerable" and trap in {"", "same_name"}):
        out.append(f"{rid}: answerable={answerable} does not fit shape {shape!r} / trap {trap!r}")
    gold, keys = record.get("gold", []), record.get("keys", [])
    if answerable and (not gold or not keys):
        out.append(f"{rid}: an answerable question needs gold and keys")
    if not answerable and (gold or keys):
        out.append(f"{rid}: a refused question has no gold and no keys")
    for source in record.get("scope", []) + [g["source"] for g in gold]:
        if not (folder / source).is_file():
            out.append(f"{rid}: no file {source}")
    quotes = []
    for g in gold:
        path = folder / g["source"]
        if path.is_file():
            quote = squash(g["quote"])
            quotes.append(quote)
            if quote not in squash(cleaned_text(path)):
                out.append(f"{rid}: quote not in {g['source']}: {g['quote']}")
    for key in keys:
        if not any(squash(key) in q for q in quotes):
            out.append(f"{rid}: key {key!r} is in no gold quote")
    if trap in {"absent_formulation", "miscount"} and not record.get("forbidden"):
        out.append(f"{rid}: a {trap} trap names the items a wrong answer would state (forbidden)")
    if shape == "followup" and not record.get("history"):
        out.append(f"{rid}: a followup has a history")
    return out


def check(path: Path) -> list[str]:
    folder = corpus_dir(path)
    found: list[str] = []
    ids: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            found.append(f"line {n}: not JSON ({exc})")
            continue
        if record.get("id") in ids:
            found.append(f"line {n}: duplicate id {record.get('id')}")
        ids.add(record.get("id"))
        found.extend(problems(record, folder))
    return found


def main(argv: list[str] | None = None) -> int:
    paths = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    bad = 0
    for path in paths:
        found = check(path)
        for line in found:
            print(f"{path}: {line}")
        bad += len(found)
        print(f"{path}: {'ok' if not found else f'{len(found)} problems'}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
