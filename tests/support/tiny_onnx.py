"""A tiny stand-in for the e5 ONNX export: same files, inputs and output, no BERT.

The graph is masked mean pooling + L2 normalisation over `inputs_embeds` (what the real export ends with);
the tokenizer is a whitespace word-level one; the table has one random 384-d row per word. Vectors are
therefore computable by hand in the tests (`expected_vector`), and a wrong gather, padding or mask shows.
Written with `onnx.helper`, so unit tests need neither torch nor the 470 MB model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vectorstore.e5_builder import BUILD_INFO, describe_file, model_namespace, write_json
from vectorstore.e5_onnx_build import GRAPH, ONNX_FILES, ONNX_FORMAT, TABLE, TOKENIZER, runtime_version

DIM = 384
WORDS = ["[UNK]", "query:", "passage:", "两个", "保障", "是", "什么", "经费", "教师", "教育", "a", "b"]


def write_reference(model_dir: Path, tag: str = "v1") -> Path:
    """A reference folder as far as the ONNX layer looks at it: BUILD_INFO.json with file checksums."""
    model_dir.mkdir(parents=True, exist_ok=True)
    info = {"format": 1, "files": {"model.safetensors": {"size": 1, "sha256": f"fake-{tag}"}}}
    (model_dir / BUILD_INFO).write_text(json.dumps(info), encoding="utf-8")
    return model_dir


def write_export(onnx_dir: Path, model_dir: Path, seed: int = 0) -> Path:
    """A complete, valid export folder for the reference `model_dir`."""
    import onnx
    from onnx import TensorProto, helper
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers.models import WordLevel

    onnx_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.save(str(onnx_dir / TOKENIZER))
    table = np.random.default_rng(seed).standard_normal((len(WORDS), DIM)).astype("<f4")
    np.save(onnx_dir / TABLE, table)

    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "axis_last"], ["mask3"]),
        helper.make_node("Mul", ["inputs_embeds", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis_seq"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask3", "axis_seq"], ["count"], keepdims=0),
        helper.make_node("Div", ["summed", "count"], ["mean"]),
        helper.make_node("LpNormalization", ["mean"], ["sentence_embedding"], axis=-1, p=2),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-e5",
        [
            helper.make_tensor_value_info("inputs_embeds", TensorProto.FLOAT, ["batch", "seq", DIM]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", DIM])],
        initializer=[
            helper.make_tensor("axis_last", TensorProto.INT64, [1], [-1]),
            helper.make_tensor("axis_seq", TensorProto.INT64, [1], [1]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10
    onnx.save(model, str(onnx_dir / GRAPH))
    info = {
        "format": ONNX_FORMAT,
        "reference": model_namespace(model_dir),
        "onnxruntime": runtime_version(),
        "table_shape": list(table.shape),
        "files": {name: describe_file(onnx_dir / name) for name in ONNX_FILES},
    }
    write_json(onnx_dir / BUILD_INFO, info)
    return onnx_dir


def expected_vector(onnx_dir: Path, text: str) -> np.ndarray:
    """What the export must return for `text` (prompt included): the normalised mean of its word rows."""
    table = np.load(onnx_dir / TABLE)
    ids = [WORDS.index(w) if w in WORDS else 0 for w in text.split()]
    mean = table[ids].mean(axis=0)
    return mean / np.linalg.norm(mean)  # type: ignore[no-any-return]
