"""jieba's dictionary loaded on demand (core/jieba_cache.py) cuts exactly as the whole dictionary does.

Two fresh processes (jieba's tables are per process): the first loads the whole dictionary the ordinary way
and writes the cache, the second loads from the cache; both cut the sample speeches and every eval question
(search-mode tokens as stored at ingest, and the part-of-speech pairs the assistant reads).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
from pathlib import Path
from ingest.tokens import ensure_jieba, tokenize, use_dictionary_cache

root, cache = Path(sys.argv[1]), Path(sys.argv[2])
use_dictionary_cache(cache)
ensure_jieba()
import jieba, jieba.posseg

lazy = "get_DAG" in vars(jieba.dt)
questions = [
    json.loads(line)["question"]
    for path in sorted((root / "eval").glob("questions*.jsonl"))
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
first = len(jieba.dt.FREQ)
pos = [[(p.word, p.flag) for p in jieba.posseg.cut(q)] for q in questions]
after_questions = len(jieba.dt.FREQ)
texts = [p.read_bytes().decode("utf-8", "ignore") for p in sorted((root / "data" / "speeches").iterdir())]
tokens = [tokenize(t) for t in questions + texts]
print(json.dumps({"lazy": lazy, "freq_before": first, "freq_after_questions": after_questions,
                  "pos": pos, "tokens": tokens}, ensure_ascii=False))
"""


def _cut(cache: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), str(cache)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_cuts_from_the_cache_equal_the_whole_dictionarys(tmp_path: Path) -> None:
    whole = _cut(tmp_path)  # no cache yet: the whole dictionary, and the cache written
    assert not whole["lazy"] and list(tmp_path.glob("jieba-*.bin"))
    cached = _cut(tmp_path)
    assert cached["lazy"]
    assert cached["freq_before"] == 0 < cached["freq_after_questions"] < whole["freq_before"]
    assert cached["pos"] == whole["pos"]
    assert cached["tokens"] == whole["tokens"]
