"""A loaded ONNX export of e5: what the export folder holds (file names, graph inputs and output) and how a
question runs through it. Shared by the run-time embedder (e5_onnx) and the exporter (e5_onnx_build), which
checks each export through this same code; neither imports the other back for it.

onnxruntime and tokenizers are imported when an encoder is built, never at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from errors import ModelBuildError

GRAPH = "encoder.onnx"
TABLE = "word_embeddings.npy"
TOKENIZER = "tokenizer.json"
INPUTS = ("inputs_embeds", "attention_mask")
OUTPUT = "sentence_embedding"
DIMENSION = 384
MAX_SEQ_LENGTH = 512
# One text per session run. Measured on the 2-core target (2026-12-03, interleaved rounds): ONNX Runtime
# runs padded batches slower per text than single texts — 300-character passages 7.3 / 6.6 / 4.9 / 4.2
# passages/s at batch 1 / 4 / 8 / 16; 16 concurrent question clients 80–86 questions/s unbatched (two runs
# at once) vs 60–71 with 3 ms micro-batches. Through the app (16 HTTP clients, bench/http_load.py) batches also
# cost more server CPU per answer (56–66 vs 48–58 ms): a ~19-token question already reuses each weight across
# its rows, batches pad, and only max_active_questions (4) answers run at once. So batching is available
# (max_question_batch, batch_size, POLICY_QA_EMBED_QUESTION_BATCH / _BATCH_SIZE) but off by default.
DEFAULT_BATCH_SIZE = 1
# One thread, as for torch (vectorstore/e5.py): steady latency when other processes want the cores.
DEFAULT_THREADS = 1


class OnnxEncoder:
    """A loaded export: texts (prompts included) → unit vectors. Thread-safe: the tokenizer and the session
    are only read, and ONNX Runtime sessions may run concurrently."""

    def __init__(self, onnx_dir: Path, *, threads: int = DEFAULT_THREADS) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.onnx_dir = Path(onnx_dir)
        self.tokenizer = Tokenizer.from_file(str(self.onnx_dir / TOKENIZER))
        self.tokenizer.enable_truncation(MAX_SEQ_LENGTH)  # as sentence-transformers' max_seq_length
        self.tokenizer.no_padding()
        # Memory-mapped: the 384 MB table stays in the page cache, shared by every process on the machine.
        self.table: np.ndarray = np.load(self.onnx_dir / TABLE, mmap_mode="r")
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Optimised at export time; optimising again would only cost start-up time.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting
        self.session = ort.InferenceSession(
            str(self.onnx_dir / GRAPH), options, providers=["CPUExecutionProvider"]
        )
        names = [i.name for i in self.session.get_inputs()]
        if names != list(INPUTS) or self.table.ndim != 2 or self.table.shape[1] != DIMENSION:
            raise ModelBuildError(
                "ONNX 嵌入模型格式不对", detail=f"inputs {names}, table {self.table.shape} in {onnx_dir}"
            )

    def encode(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """Unit vectors (float32, one row per text, input order); batches of similar lengths."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=True)]
        order = np.argsort([-len(i) for i in ids], kind="stable")  # longest first: little padding
        out = np.empty((len(ids), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._run([ids[i] for i in rows])
        return out

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.int64)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        embeds = np.ascontiguousarray(self.table[tokens], dtype=np.float32)
        (vectors,) = self.session.run([OUTPUT], {INPUTS[0]: embeds, INPUTS[1]: mask})
        return np.asarray(vectors, dtype=np.float32)
