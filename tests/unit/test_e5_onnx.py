"""The ONNX Runtime embedder and its export folder, on a tiny stand-in export (tests/support/tiny_onnx.py):
checks that refuse a missing, truncated or other-version folder, the run-time path (gather, padding, mask,
order), the fallback to the reference when no export can be made, and that nothing heavy is imported."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from errors import ModelBuildError
from tests.fakes import FakeEmbedder
from tests.support.tiny_onnx import expected_vector, write_export, write_reference
from vectorstore import e5_onnx
from vectorstore.e5_builder import BUILD_INFO
from vectorstore.e5_onnx import OnnxE5Embedder
from vectorstore.e5_onnx_build import GRAPH, TABLE, TOKENIZER, check_onnx, onnx_dir_for, runtime_version

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    return write_reference(tmp_path / "models" / "e5")


@pytest.fixture
def export(reference: Path) -> Path:
    return write_export(onnx_dir_for(reference), reference)


def _info(export: Path) -> dict[str, object]:
    return dict(json.loads((export / BUILD_INFO).read_text(encoding="utf-8")))


def _rewrite_info(export: Path, **changes: object) -> None:
    (export / BUILD_INFO).write_text(json.dumps({**_info(export), **changes}), encoding="utf-8")


# --- the folder checks ---------------------------------------------------------------------------------


def test_export_lives_beside_the_folder_a_link_points_at(tmp_path: Path, reference: Path) -> None:
    link = tmp_path / "data" / "models" / "e5"
    link.parent.mkdir(parents=True)
    link.symlink_to(reference, target_is_directory=True)
    assert onnx_dir_for(link) == onnx_dir_for(reference) == reference.with_name("e5-onnx")


def test_a_complete_export_passes_both_checks(reference: Path, export: Path) -> None:
    assert check_onnx(export, reference) is None
    assert check_onnx(export, reference, full=True) is None


def test_missing_or_incomplete_exports_are_named(reference: Path, tmp_path: Path) -> None:
    assert check_onnx(tmp_path / "nothing", reference) == "no ONNX export"
    partial = tmp_path / "partial"
    partial.mkdir()
    assert "incomplete export" in str(check_onnx(partial, reference))


@pytest.mark.parametrize("name", [GRAPH, TABLE, TOKENIZER])
def test_a_truncated_file_is_refused(reference: Path, export: Path, name: str) -> None:
    path = export / name
    path.write_bytes(path.read_bytes()[:-100])
    assert f"{name}: size" in str(check_onnx(export, reference))


def test_a_same_size_corruption_is_found_by_the_full_check(reference: Path, export: Path) -> None:
    data = bytearray((export / TABLE).read_bytes())
    data[-1] ^= 0xFF
    (export / TABLE).write_bytes(bytes(data))
    assert check_onnx(export, reference) is None  # the quick start-up check trusts sizes…
    assert "checksum" in str(check_onnx(export, reference, full=True))  # …make model's does not


def test_an_export_of_another_model_build_is_refused(tmp_path: Path, export: Path) -> None:
    rebuilt = write_reference(tmp_path / "models" / "e5", tag="v2")  # the reference was rebuilt since
    assert "another model build" in str(check_onnx(export, rebuilt))


def test_an_export_for_another_onnxruntime_or_format_is_refused(reference: Path, export: Path) -> None:
    _rewrite_info(export, onnxruntime="0.0.1")
    assert "onnxruntime 0.0.1" in str(check_onnx(export, reference))
    _rewrite_info(export, onnxruntime=runtime_version(), format=0)
    assert "format 0" in str(check_onnx(export, reference))


def test_a_table_header_that_lies_about_its_shape_is_refused(reference: Path, export: Path) -> None:
    _rewrite_info(export, table_shape=[3, 384])
    assert "malformed header" in str(check_onnx(export, reference))


def test_unreadable_build_info_is_named(reference: Path, export: Path) -> None:
    (export / BUILD_INFO).write_text("{not json", encoding="utf-8")
    assert "unreadable" in str(check_onnx(export, reference))


# --- the embedder ---------------------------------------------------------------------------------------


def test_vectors_are_the_exports_mean_pooled_rows_with_prompts(reference: Path, export: Path) -> None:
    embedder = OnnxE5Embedder(reference, build=False, batch_size=16)  # padded batches of passages
    query = embedder.embed_query("两个 保障 是 什么")
    np.testing.assert_allclose(query, expected_vector(export, "query: 两个 保障 是 什么"), atol=1e-6)
    texts = ["经费", "教育 a b 教师 两个 保障 x y", "a"]  # different lengths: padded in one batch
    for text, vector in zip(texts, embedder.embed_passages(texts), strict=True):
        np.testing.assert_allclose(vector, expected_vector(export, f"passage: {text}"), atol=1e-6)
    batched = embedder.embed_queries(["两个", "教师 保障"])
    np.testing.assert_allclose(batched[1], expected_vector(export, "query: 教师 保障"), atol=1e-6)
    assert embedder.backend == "onnx" and embedder.loaded
    assert embedder.embed_passages([]) == []


def test_cache_namespace_is_the_references(reference: Path, export: Path) -> None:
    from vectorstore.e5 import E5Embedder

    onnx_ns = OnnxE5Embedder(reference, build=False).cache_namespace
    assert onnx_ns == E5Embedder(reference, build=False).cache_namespace


def test_a_damaged_export_is_refused_without_build(reference: Path, export: Path) -> None:
    (export / TABLE).write_bytes((export / TABLE).read_bytes()[:-4])
    with pytest.raises(ModelBuildError) as caught:
        OnnxE5Embedder(reference, build=False).embed_query("两个")
    assert "make model" in caught.value.message and "size" in caught.value.detail


def test_no_reference_folder_is_refused_without_build(tmp_path: Path) -> None:
    with pytest.raises(ModelBuildError, match="make model"):
        OnnxE5Embedder(tmp_path / "none", build=False).embed_query("两个")


def test_a_stale_export_is_exported_again_before_use(
    reference: Path, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def exporter(model_dir: Path, out_dir: Path) -> dict[str, object]:
        calls.append(model_dir)
        write_export(out_dir, model_dir, seed=7)
        return {}

    monkeypatch.setattr("vectorstore.e5_onnx_build.export_onnx", exporter)
    monkeypatch.setattr(e5_onnx, "require_model", lambda model_dir, build: None)
    (export / GRAPH).write_bytes(b"truncated")
    vector = OnnxE5Embedder(reference).embed_query("两个")
    assert calls == [reference]
    np.testing.assert_allclose(vector, expected_vector(export, "query: 两个"), atol=1e-6)
    assert check_onnx(export, reference) is None
    assert not list(export.parent.glob(".e5-onnx.building-*"))  # the temp folder is gone


def test_a_failed_export_leaves_the_reference_embedder_working(
    reference: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(model_dir: Path, out_dir: Path) -> dict[str, object]:
        (out_dir / GRAPH).write_bytes(b"half")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr("vectorstore.e5_onnx_build.export_onnx", broken)
    monkeypatch.setattr(e5_onnx, "require_model", lambda model_dir, build: None)
    reference_model = FakeEmbedder()
    embedder = OnnxE5Embedder(reference, fallback=lambda: reference_model)
    assert embedder.embed_query("两个保障") == reference_model.vector("两个保障")
    assert embedder.embed_passages(["经费"]) == [reference_model.vector("经费")]
    assert embedder.backend == "torch (fallback)"
    assert "exporter crashed" in caplog.text
    assert not onnx_dir_for(reference).exists()  # nothing half-written was put in place


def test_without_a_fallback_a_failed_export_is_a_readable_error(
    reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(model_dir: Path, out_dir: Path) -> dict[str, object]:
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr("vectorstore.e5_onnx_build.export_onnx", broken)
    monkeypatch.setattr(e5_onnx, "require_model", lambda model_dir, build: None)
    with pytest.raises(ModelBuildError, match="ONNX 模型导出失败"):
        OnnxE5Embedder(reference).embed_query("两个")


def test_concurrent_questions_share_batches_and_get_their_own_vectors(reference: Path, export: Path) -> None:
    embedder = OnnxE5Embedder(reference, build=False, window_s=0.02, max_question_batch=32)
    embedder.load()
    encoder = embedder.encoder
    assert encoder is not None
    encode = encoder.encode

    def slow_encode(texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        time.sleep(0.3)  # a busy model: the questions arriving meanwhile must queue and share a batch
        return encode(texts, batch_size)

    encoder.encode = slow_encode  # type: ignore[method-assign]
    texts = ["两个", "保障", "经费 教师", "教育", "a b", "什么 是", "教师", "两个 保障 是 什么"] * 3
    results: dict[int, list[float]] = {}
    start = threading.Barrier(len(texts))

    def ask(i: int) -> None:
        start.wait()
        results[i] = embedder.embed_query(texts[i])

    embedder.embed_query("两个")  # one lone question: its own batch
    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for i, text in enumerate(texts):
        np.testing.assert_allclose(results[i], expected_vector(export, f"query: {text}"), atol=1e-6)
    batches, items = embedder.question_batches
    assert items == len(texts) + 1
    assert batches <= 1 + 3  # the lone one, the first arrival, then the rest in few batches
    assert batches < items


def test_by_default_questions_run_one_by_one_at_most_two_at_once(reference: Path, export: Path) -> None:
    embedder = OnnxE5Embedder(reference, build=False, parallel=2)
    assert embedder.batch_size == 1
    texts = ["两个", "保障", "经费 教师", "教育"] * 4
    threads = [threading.Thread(target=embedder.embed_query, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert embedder.question_batches == (len(texts), len(texts))  # never batched (measured slower)


def test_start_loading_loads_in_the_background(reference: Path, export: Path) -> None:
    embedder = OnnxE5Embedder(reference, build=False)
    embedder.start_loading()
    embedder.start_loading()  # idempotent
    assert embedder.embed_query("两个") is not None
    assert embedder.loaded


def test_the_onnx_embedder_imports_neither_torch_nor_sentence_transformers(
    reference: Path, export: Path
) -> None:
    code = (
        "import sys; from pathlib import Path; from vectorstore.e5_onnx import OnnxE5Embedder; "
        f"e = OnnxE5Embedder(Path({str(reference)!r}), build=False); e.embed_query('两个'); "
        "e.embed_passages(['经费']); "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_settings_choose_the_backend(tmp_path: Path) -> None:
    from settings import Settings
    from vectorstore.e5 import E5Embedder
    from vectorstore.factory import open_embedder

    onnx = open_embedder(Settings(data_dir=tmp_path))
    torch = open_embedder(Settings(data_dir=tmp_path, embed_backend="torch"))
    inner = getattr(onnx, "inner", None)
    assert isinstance(inner, OnnxE5Embedder)
    assert not inner.loaded  # lazy: nothing loaded by opening it
    assert isinstance(getattr(torch, "inner", None), E5Embedder)
