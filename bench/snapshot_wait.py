"""The longest wait of a question while a speech is replaced: this project's code against, as baselines in
the same process, the code before (`before`: the snapshot prepared aside, but the docs and state
collections' write log bounded at 100 writes as the chunks' and no `before_commit` announcement) and the
way it was first (`rebuild_under_lock`: one lock around a full rebuild).

    python -m bench.snapshot_wait [--speeches 120] [--askers 2] [--replaces 3] [--modes before,now]

An embedded Chroma store (fake embedder: the replace's embedding is not what is measured) holds the six
sample speeches and `--speeches` synthetic ones (bench/synth.py), one store per mode. `--askers` threads ask
eval questions without pause; the main thread replaces one synthetic speech by a changed version
(`Ingestor.ingest_bytes`, the app's upload path, with the assistant's hooks wired as app.py wires them),
`--replaces` times, a second apart. Reported per mode: the median answer time of questions that overlapped
no replace, the longest answer time of those that overlapped one, and their ratio; the machine's load.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.corpus import Corpus, CorpusCache
from assistant.service import PolicyAssistant
from bench.asking import asking_while
from bench.synth import corpus as synth_corpus
from bench.synth import sample_parts
from ingest.pipeline import Ingestor
from tests.fakes import SPEECHES, FakeEmbedder
from vectorstore import chroma, chroma_compact
from vectorstore.chroma import ChromaStore
from vectorstore.factory import persistent_client

MODES = ("rebuild_under_lock", "before", "now")

EVAL = Path(__file__).resolve().parents[1] / "eval" / "questions.jsonl"


class RebuildUnderLock(CorpusCache):
    """The baseline: every question waits on one lock while the whole snapshot is rebuilt."""

    def get(self) -> Corpus:
        with self._build_lock:
            corpus = self._corpus
            if corpus is None or corpus.generation != self._store.generation():
                self._speeches = {}  # nothing kept between rebuilds
                corpus = self._corpus = self._build()
            return corpus

    def refresh(self) -> Corpus:
        return self.get()


@contextlib.contextmanager
def records_bound(mode: str) -> Iterator[None]:
    """The baselines' docs and state collections keep the chunks' log bound (as before RECORD_LOG_BOUND)."""
    if mode == "now":
        yield
        return
    saved = chroma.RECORD_LOG_BOUND, chroma_compact.RECORD_LOG_BOUND
    chroma.RECORD_LOG_BOUND = chroma_compact.RECORD_LOG_BOUND = chroma_compact.LOG_BOUND
    try:
        yield
    finally:
        chroma.RECORD_LOG_BOUND, chroma_compact.RECORD_LOG_BOUND = saved


def measure(store: ChromaStore, mode: str, questions: list[str], args: argparse.Namespace) -> dict[str, Any]:
    assistant = PolicyAssistant(store)
    if mode == "rebuild_under_lock":
        assistant._corpus = RebuildUnderLock(store)
    announce = assistant.expect_refresh if mode == "now" else None
    ingestor = Ingestor(store, on_commit=assistant.refresh, before_commit=announce)
    assistant.corpus()
    name, text = next(iter(synth_corpus(sample_parts(SPEECHES), 1)))
    changes = [
        functools.partial(
            ingestor.ingest_bytes, text.replace("同志们：", f"同志们：第{n + 1}次修订。", 1).encode(), name
        )
        for n in range(args.replaces)
    ]
    return asking_while(assistant.ask, questions, args.askers, changes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speeches", type=int, default=120)
    parser.add_argument("--askers", type=int, default=2)
    parser.add_argument("--replaces", type=int, default=3)
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows][:40]
    result: dict[str, Any] = {
        "speeches": 6 + args.speeches,
        "askers": args.askers,
        "load_before": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory(prefix="snapshot-") as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for name, text in synth_corpus(sample_parts(SPEECHES), args.speeches):
            (folder / name).write_text(text, encoding="utf-8")
        for mode in args.modes.split(","):
            with records_bound(mode):
                client = persistent_client(Path(tmp) / f"chroma-{mode}")
                store = ChromaStore(client, FakeEmbedder(), "wait", owns_client=True)
                Ingestor(store).ingest_paths([SPEECHES, folder])
                result[mode] = measure(store, mode, questions, args)
                store.close()
            print(mode, json.dumps(result[mode]), flush=True)
    result["load_after"] = os.getloadavg()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"snapshot-wait-{stamp}.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
