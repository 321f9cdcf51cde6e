"""Kept for compatibility: the store interface (`VectorStore`, `Manifest`, `DocumentInfo`, `Hit`) moved to
`core.store` (the ground floor, so ingest writes into a store without importing this layer). Import from
`core.store`; this module will be removed.
"""

from core.store import DocumentInfo, Hit, Manifest, VectorStore

__all__ = ["DocumentInfo", "Hit", "Manifest", "VectorStore"]
