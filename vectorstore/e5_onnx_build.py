"""Export the e5 sentence-transformers folder to an ONNX Runtime model, once, at model build time.

The sentence-transformers folder (e5_builder) stays the reference and the build input. Beside it, in
`<model_dir>-onnx/`, this writes:

    encoder.onnx           BERT encoder + mean pooling + L2 normalisation, input `inputs_embeds`
                           (the word-embedding rows of the tokens) and `attention_mask`, output
                           `sentence_embedding`; exported with torch.onnx.export and graph-optimised by
                           ONNX Runtime (its optimised graph is what is saved)
    word_embeddings.npy    the 250k x 384 float32 word-embedding table, memory-mapped at run time: 82% of
                           the weights are rows a question never touches, so keeping them out of the graph
                           makes the session load 5x faster and leaves the table in the page cache
    tokenizer.json         a copy of the reference tokenizer (the run time needs nothing else)
    BUILD_INFO.json        format, the reference it was exported from (its namespace), the onnxruntime and
                           torch versions, size and sha256 of every file, and the export's agreement with
                           the reference (min cosine on test texts)

Like the reference folder it is built in a temp dir beside and renamed into place under a file lock, so a
reader sees a complete folder or none. `check_onnx` says why a folder cannot be used (missing, truncated,
another reference, another onnxruntime); such a folder is rebuilt or refused, never loaded. An export whose
vectors do not match the reference (cosine < MIN_COSINE) is refused and nothing is written.

Heavy imports (torch, transformers, onnx) happen inside the functions that export: nothing here is imported
on the question path except `check_onnx` and the constants.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from errors import ModelBuildError
from vectorstore.e5_builder import (
    BUILD_INFO,
    PROMPTS,
    built_once,
    describe_file,
    fsync_dir,
    model_namespace,
    sha256_file,
    swap_in,
    write_json,
)
from vectorstore.e5_onnx_encoder import GRAPH, INPUTS, OUTPUT, TABLE, TOKENIZER, OnnxEncoder

log = logging.getLogger(__name__)

ONNX_FORMAT = 1  # bump whenever the exported folder changes: older folders are then rebuilt
ONNX_FILES = (GRAPH, TABLE, TOKENIZER)
OPSET = 18
MIN_COSINE = 0.9999  # the export must reproduce the reference's vectors (issue 15)
# Checked at export against the reference model: short and long, query and passage, Chinese and not.
CHECK_TEXTS = (
    PROMPTS["query"] + "两个保障是什么？",
    PROMPTS["query"] + "各篇讲话对职业教育提了哪些要求？",
    PROMPTS["passage"] + "三、强化“两个保障”。一是经费保障。再穷不能穷教育，再苦不能苦孩子。" * 4,
    PROMPTS["passage"] + "Education quality, 2026: 12881 and 5+N.",
)


def onnx_dir_for(model_dir: Path) -> Path:
    """Where the ONNX export of the reference folder `model_dir` lives: beside it (beside the folder a
    symlink points at, so data dirs that link one shared model also share its export)."""
    resolved = Path(model_dir).resolve()
    return resolved.with_name(f"{resolved.name}-onnx")


def runtime_version() -> str:
    """The onnxruntime the optimised graph is for (read from the installed metadata: no import)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("onnxruntime")
    except PackageNotFoundError:
        return "missing"


def check_onnx(onnx_dir: Path, model_dir: Path, *, full: bool = False) -> str | None:
    """Why `onnx_dir` cannot be used for the reference folder `model_dir` (a readable reason), or None.

    The default check is cheap (BUILD_INFO, versions, file sizes, the table's header); `full` re-hashes
    every file."""
    try:
        info = json.loads((onnx_dir / BUILD_INFO).read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = info["files"]
        reference = info["reference"]
        runtime = info["onnxruntime"]
    except FileNotFoundError:
        return "no ONNX export" if not onnx_dir.exists() else f"no {BUILD_INFO} (incomplete export)"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"unreadable {BUILD_INFO}: {exc}"
    if info.get("format") != ONNX_FORMAT:
        return f"exported in format {info.get('format')}, current is {ONNX_FORMAT}"
    try:
        current = model_namespace(model_dir)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"the reference model in {model_dir} is unreadable: {exc}"
    if reference != current:
        return f"exported from another model build ({reference}, current {current})"
    if runtime != runtime_version():
        return f"optimised for onnxruntime {runtime}, installed is {runtime_version()}"
    for name in ONNX_FILES:
        expected = files.get(name)
        if expected is None:
            return f"{BUILD_INFO} does not list {name}"
        path = onnx_dir / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"{name}: missing"
        if size != expected.get("size"):
            return f"{name}: size {size}, expected {expected.get('size')} (truncated or replaced)"
        if full and sha256_file(path) != expected.get("sha256"):
            return f"{name}: checksum mismatch"
    if not _table_header_ok(onnx_dir / TABLE, info.get("table_shape")):
        return f"{TABLE}: malformed header"
    return None


def ensure_onnx(model_dir: Path, *, force: bool = False, full_check: bool = False) -> Path:
    """Return the ONNX folder for the (complete) reference folder `model_dir`, exporting it first if needed.

    Raises ModelBuildError when the export fails; the reference folder is left untouched either way."""
    onnx_dir = onnx_dir_for(model_dir)
    return built_once(
        onnx_dir,
        lambda: check_onnx(onnx_dir, model_dir, full=full_check),
        lambda: _export_into_place(Path(model_dir), onnx_dir),
        "exporting the embedding model to ONNX",
        force=force,
    )


# --- exporting ------------------------------------------------------------------------------------------


def _export_into_place(model_dir: Path, onnx_dir: Path) -> None:
    for pattern in (f".{onnx_dir.name}.building-*", f".{onnx_dir.name}.old-*"):
        for stale in onnx_dir.parent.glob(pattern):  # a crashed export's leftovers (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{onnx_dir.name}.building-", dir=onnx_dir.parent))
    try:
        tmp.chmod(0o755)
        export_onnx(model_dir, tmp)
        fsync_dir(tmp)
        swap_in(tmp, onnx_dir)
    except ModelBuildError:
        raise
    except Exception as exc:  # the exporter, onnxruntime, disk full: one readable message
        raise ModelBuildError(f"ONNX 模型导出失败：{type(exc).__name__}: {exc}", detail=repr(exc)) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def export_onnx(model_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Write the complete ONNX folder for the reference folder `model_dir` into `out_dir`."""
    import numpy as np
    import torch

    started = time.monotonic()
    for noisy in ("onnx_ir", "onnxscript", "torch.onnx"):  # one INFO line per graph rewrite
        logging.getLogger(noisy).setLevel(logging.WARNING)
    namespace = model_namespace(model_dir)  # before loading: a broken reference fails here, readably
    bert = _load_bert(model_dir)
    table = bert.embeddings.word_embeddings.weight.detach().numpy()
    np.save(out_dir / TABLE, np.ascontiguousarray(table, dtype="<f4"))
    raw = out_dir / "raw.onnx"
    _export_graph(_pooled(bert).eval(), raw)
    _optimise(raw, out_dir / GRAPH)
    raw.unlink()
    for leftover in out_dir.glob("*.data"):  # an exporter that wrote external data next to raw.onnx
        leftover.unlink()
    shutil.copyfile(model_dir / TOKENIZER, out_dir / TOKENIZER)
    agreement = _agreement(model_dir, out_dir, bert)
    if agreement < MIN_COSINE:
        raise ModelBuildError(
            "ONNX 模型与参考模型的向量不一致，已拒绝使用",
            detail=f"min cosine {agreement:.6f} < {MIN_COSINE} on {len(CHECK_TEXTS)} texts",
        )
    info = {
        "format": ONNX_FORMAT,
        "reference": namespace,
        "reference_dir": str(Path(model_dir).resolve()),
        "onnxruntime": runtime_version(),
        "torch": torch.__version__,
        "opset": OPSET,
        "table_shape": list(table.shape),
        "min_cosine_to_reference": round(agreement, 7),
        "files": {name: describe_file(out_dir / name) for name in ONNX_FILES},
        "export_seconds": round(time.monotonic() - started, 2),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_json(out_dir / BUILD_INFO, info)
    return info


def _load_bert(model_dir: Path) -> Any:
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    hf_logging.disable_progress_bar()
    # Eager attention: a plain MatMul/Softmax graph that ONNX Runtime's optimiser fuses.
    model = BertModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager")
    return model.eval()


def _pooled_class() -> type:
    import torch

    class Pooled(torch.nn.Module):
        """What the reference pipeline computes after the word-embedding lookup: BERT (position and type
        embeddings, LayerNorm, 12 layers), mean pooling over the attention mask (prompt tokens included,
        as e5 was trained), L2 normalisation."""

        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    return Pooled


def _pooled(bert: Any) -> Any:
    return _pooled_class()(bert)


def _export_graph(module: Any, path: Path) -> None:
    import torch

    hidden = module.bert.config.hidden_size
    embeds = torch.zeros((2, 16, hidden), dtype=torch.float32)
    mask = torch.ones((2, 16), dtype=torch.int64)
    batch = torch.export.Dim("batch", min=1, max=4096)
    seq = torch.export.Dim("seq", min=1, max=module.bert.config.max_position_embeddings)
    with torch.inference_mode(False), torch.no_grad():
        program = torch.onnx.export(
            module,
            (embeds, mask),
            None,
            input_names=list(INPUTS),
            output_names=[OUTPUT],
            dynamic_shapes={"inputs_embeds": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
            opset_version=OPSET,
            dynamo=True,
            external_data=False,
            optimize=True,
            verbose=False,
        )
    if program is None:
        raise ModelBuildError("ONNX 模型导出失败", detail="torch.onnx.export returned no program")
    program.save(str(path), external_data=False)


def _optimise(raw: Path, out: Path) -> None:
    """ONNX Runtime's extended graph optimisations (constant folding, LayerNorm/GELU/attention fusions),
    applied once here and saved, so a session loads the optimised graph without optimising again.
    Extended, not 'all': its layout changes are tied to the CPU that ran them."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(out)
    options.log_severity_level = 3
    ort.InferenceSession(str(raw), options, providers=["CPUExecutionProvider"])
    if not out.is_file():
        raise ModelBuildError("ONNX 模型优化失败", detail=f"onnxruntime wrote no {out}")


def _agreement(model_dir: Path, out_dir: Path, bert: Any) -> float:
    """Min cosine between the exported folder's vectors (through the run-time code) and the torch model's
    (through the reference folder's tokenizer) on CHECK_TEXTS."""
    import numpy as np
    import torch
    from tokenizers import Tokenizer

    encoder = OnnxEncoder(out_dir, threads=1)
    got = encoder.encode(list(CHECK_TEXTS))
    tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER))
    tokenizer.enable_truncation(bert.config.max_position_embeddings)
    expected = []
    with torch.inference_mode():
        for text in CHECK_TEXTS:
            ids = torch.tensor([tokenizer.encode(text).ids], dtype=torch.int64)
            hidden = bert(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            expected.append(torch.nn.functional.normalize(hidden.mean(dim=1), dim=-1)[0].numpy())
    return float(np.min(np.sum(got * np.asarray(expected), axis=1)))


def _table_header_ok(path: Path, shape: Any) -> bool:
    """The .npy header parses and promises exactly the bytes the file has (a cheap truncation check)."""
    import numpy as np

    try:
        with path.open("rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                got, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                got, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            offset = f.tell()
        expected_bytes = offset + int(np.prod(got)) * dtype.itemsize
        return (
            list(got) == list(shape or [])
            and not fortran
            and dtype == np.dtype("<f4")
            and expected_bytes == path.stat().st_size
        )
    except (OSError, ValueError, TypeError):
        return False
