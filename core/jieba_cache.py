"""jieba's dictionary loaded by first character, on demand: a question's cut no longer pays for the whole of it.

jieba's own start-up unmarshals its prefix dictionary (≈ 500k words and prefixes) in one go, ≈ 1.2–1.6 s on
the 2-core target, and importing `jieba.posseg` parses dict.txt again for the part-of-speech tags (0.6–0.9 s).
A question needs the entries of its own 10–30 characters. This cache keeps both tables split by the entries'
first character (one marshal blob per character, written once beside the model); `install` gives jieba an
empty dictionary and merges a character's entries into it the first time a sentence holding that character is
cut. Every key jieba looks up is a substring of the sentence it is cutting (get_DAG, calc, the search-mode
grams, posseg's tags), so its first character has been merged by then: the cuts are the same as with the whole
dictionary, only the load is spread over the characters actually seen (an ingest of many speeches ends up
loading most of it, in small pieces). The project adds no words to jieba (no add_word/load_userdict).
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMAT = 1


def cache_file(directory: Path) -> Path:
    import jieba

    return Path(directory) / f"jieba-{jieba.__version__}-dict-v{FORMAT}.bin"


def write(path: Path) -> None:
    """Shard jieba's loaded tables (`jieba.dt.FREQ`, `jieba.posseg.dt.word_tag_tab`) into `path`, atomically.
    Call after jieba was initialised the ordinary way (the whole dictionary in memory)."""
    import jieba
    import jieba.posseg

    freq: dict[str, int] = jieba.dt.FREQ
    tags: dict[str, str] = jieba.posseg.dt.word_tag_tab
    shards: dict[str, tuple[dict[str, int], dict[str, str]]] = {}
    for word, count in freq.items():
        shards.setdefault(word[:1], ({}, {}))[0][word] = count
    for word, tag in tags.items():
        shards.setdefault(word[:1], ({}, {}))[1][word] = tag
    blobs = {char: marshal.dumps(tables) for char, tables in shards.items()}
    payload = marshal.dumps((FORMAT, jieba.__version__, _dict_size(), int(jieba.dt.total), blobs))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def install(path: Path) -> bool:
    """Make jieba (and jieba.posseg) load their tables from `path` on demand. False (and jieba untouched)
    when the file is missing, unreadable or from another jieba/dictionary: initialise the ordinary way."""
    import jieba

    try:
        with path.open("rb") as stream:
            fmt, version, dict_size, total, blobs = marshal.load(stream)
    except (OSError, EOFError, ValueError, TypeError):
        return False
    if (fmt, version, dict_size) != (FORMAT, jieba.__version__, _dict_size()) or not isinstance(blobs, dict):
        return False
    tokenizer = jieba.dt
    with tokenizer.lock:
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = {}, total, True
    tags: dict[str, str] = {}
    loader = _ShardLoader(blobs, tokenizer.FREQ, tags)
    tokenizer.get_DAG = loader.wrap(tokenizer.get_DAG)  # instance attribute: every cut goes through it
    _import_posseg_without_tags(tokenizer)
    import jieba.posseg

    jieba.posseg.dt.word_tag_tab = tags
    return True


class _ShardLoader:
    """Merges the shards of a sentence's characters into jieba's live tables before jieba reads them.
    Thread-safe: merging a shard twice writes the same values, and a character is marked loaded only
    after its entries are in."""

    def __init__(self, blobs: dict[str, bytes], freq: dict[str, int], tags: dict[str, str]) -> None:
        self._blobs = blobs
        self._freq = freq
        self._tags = tags
        self._loaded: set[str] = set()
        self._lock = threading.Lock()

    def ensure(self, sentence: str) -> None:
        missing = set(sentence) - self._loaded
        if not missing:
            return
        with self._lock:
            for char in missing - self._loaded:
                blob = self._blobs.get(char)
                if blob is not None:
                    freq, tags = marshal.loads(blob)
                    self._freq.update(freq)
                    self._tags.update(tags)
                self._loaded.add(char)

    def wrap(self, get_dag: Callable[[str], Any]) -> Callable[[str], Any]:
        def get_dag_loaded(sentence: str) -> Any:
            self.ensure(sentence)
            return get_dag(sentence)

        return get_dag_loaded


def _import_posseg_without_tags(tokenizer: Any) -> None:
    """`import jieba.posseg` builds its tag table from the whole dict.txt at import time; hand it an empty
    file for that one read (the tags come from the shards instead)."""
    import sys

    if "jieba.posseg" in sys.modules:
        return
    tokenizer.get_dict_file = lambda: io.BytesIO(b"")
    try:
        import jieba.posseg  # noqa: F401
    finally:
        with contextlib.suppress(AttributeError):
            del tokenizer.get_dict_file


def _dict_size() -> int:
    """The bundled dictionary's size: a jieba reinstalled with another dict.txt invalidates the cache."""
    import jieba

    return Path(jieba.__file__).with_name("dict.txt").stat().st_size
