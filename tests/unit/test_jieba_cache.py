"""A damaged or foreign jieba cache is never used: install() refuses it and leaves jieba alone."""

from __future__ import annotations

import marshal
from pathlib import Path

import jieba
import pytest

from core import jieba_cache


@pytest.mark.parametrize(
    "payload",
    [
        b"",  # empty
        b"\x00garbage",  # not marshal
        marshal.dumps((jieba_cache.FORMAT, "0.0.1", 1, 10, {})),  # another jieba
        marshal.dumps((jieba_cache.FORMAT + 1, jieba.__version__, 1, 10, {})),  # another format
    ],
)
def test_a_bad_cache_is_refused(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "cache.bin"
    path.write_bytes(payload)
    freq, dag = jieba.dt.FREQ, vars(jieba.dt).get("get_DAG")
    assert jieba_cache.install(path) is False
    assert jieba.dt.FREQ is freq and vars(jieba.dt).get("get_DAG") is dag


def test_a_truncated_cache_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cache.bin"
    blob = marshal.dumps(
        (jieba_cache.FORMAT, jieba.__version__, jieba_cache._dict_size(), 10, {"a": b"x" * 99})
    )
    path.write_bytes(blob[: len(blob) // 2])
    assert jieba_cache.install(path) is False


def test_missing_cache_is_refused(tmp_path: Path) -> None:
    assert jieba_cache.install(tmp_path / "none.bin") is False
