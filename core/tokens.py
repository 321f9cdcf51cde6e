"""Chinese keyword tokens (jieba) shared by ingest (stored per chunk) and the assistant (queries).

Tokens are computed once at ingest and stored with each chunk, because re-tokenising the
whole corpus whenever another process changes the store would grow linearly with it.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

from core.normalize import fold_for_search

_lock = threading.Lock()
_ready = False
_cache_dir: Path | None = None

# Function words and question words carry no topic; dropping them keeps BM25 on the content.
_STOPWORD_TEXT = """
的 了 和 与 及 或 是 在 对 为 把 被 将 就 都 也 还 又 而 并 等 中 上 下 里 要 有 这 那 其 之 以 于 从 到 由
什么 哪些 哪个 哪几 哪 怎么 怎样 如何 为什么 为何 多少 几 几个 是否 吗 呢 吧 啊 呀 请问 请 一下
讲话 讲 提到 提出 说 说到 谈到 指出 强调 表示 方面 内容 具体 分别 各 各篇 篇 哪篇 这篇 其中 一个
我们 你们 他们 大家 同志 同志们 今天 今年
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_TOKEN_RE = re.compile(r"[\w\u4e00-\u9fff]")


def use_dictionary_cache(directory: Path | None) -> None:
    """Load jieba's dictionary from a cache in `directory` (built there on first use), character by
    character as sentences need it, instead of all of it (≈ 2 s with the part-of-speech tags) up front.
    Called by the entry points with the data dir before the first cut; jieba's state is per process."""
    global _cache_dir
    _cache_dir = Path(directory) if directory is not None else None


def ensure_jieba() -> None:
    """Load jieba's dictionary once per process, quietly; safe from many threads."""
    global _ready
    if _ready:
        return
    with _lock:
        if not _ready:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            if _cache_dir is None or not _install_cache(_cache_dir):
                jieba.initialize()
            _ready = True


def _install_cache(directory: Path) -> bool:
    """On-demand tables from the cache; when it is missing or stale, the whole dictionary the ordinary way
    (this time) and the cache written for the next process. True: jieba is initialised either way."""
    import jieba

    from core import jieba_cache

    path = jieba_cache.cache_file(directory)
    if jieba_cache.install(path):
        return True
    jieba.initialize()
    import jieba.posseg  # the tag table is part of the cache

    try:
        jieba_cache.write(path)
    except OSError as exc:  # a read-only data dir: the next process loads the whole dictionary again
        logging.getLogger(__name__).warning("jieba dictionary cache not written to %s: %s", path, exc)
    return True


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba's search-mode cut (words and their sub-words), folded, no stopwords."""
    ensure_jieba()
    import jieba

    folded = fold_for_search(text)
    return [t for t in jieba.cut_for_search(folded) if _keep(t)]


@lru_cache(maxsize=4096)
def tokenize_query(text: str) -> tuple[str, ...]:
    return tuple(tokenize(text))


def _keep(token: str) -> bool:
    token = token.strip()
    return bool(token) and token not in STOPWORDS and bool(_TOKEN_RE.search(token))
